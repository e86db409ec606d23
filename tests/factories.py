"""factory_boy factories for test data. The criteria catalogue comes from the real fixture (see conftest)."""

import datetime

import factory
from django.contrib.auth import get_user_model

from wards.models import Assessment, Decision, District, EvidenceFile, Membership, Province, Ward
from wards.models.issued import IssuedDocument


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n:02d}")
    name = factory.Sequence(lambda n: f"Tỉnh {n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    province = factory.SubFactory(ProvinceFactory)
    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"Quận {n}")


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ward

    district = factory.SubFactory(DistrictFactory)
    province = factory.SelfAttribute("district.province")
    code = factory.Sequence(lambda n: f"W{n:05d}")
    name = factory.Sequence(lambda n: f"Phường {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "An"
    last_name = "Nguyễn Văn"
    password = factory.PostGenerationMethodCall("set_password", "mat-khau-thu")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Membership.Role.WARD_OFFICER
    ward = None
    province = None


def open_deadline(year: int) -> datetime.date:
    """The year's 15 November; for the current year, once that has passed (tests run on any date), a month from
    today but within the year (on 31 December, today: still open), since a test that submits needs a deadline
    still open. Tests about the deadline itself set theirs."""
    from django.utils import timezone

    today = timezone.localdate()
    deadline = datetime.date(year, 11, 15)
    if year != today.year:
        return deadline
    return max(deadline, min(today + datetime.timedelta(days=30), datetime.date(year, 12, 31)))


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    ward = factory.SubFactory(WardFactory)
    year = 2026
    deadline = factory.LazyAttribute(lambda a: open_deadline(a.year))
    status = Assessment.Status.DRAFT


class IssuedDocumentFactory(factory.django.DjangoModelFactory):
    """An issued decision, signed and stored (sha256 set: pass sha256="" for one not issued yet). A dossier needs
    kind=DOSSIER and its assessment."""

    class Meta:
        model = IssuedDocument

    kind = IssuedDocument.Kind.DECISION
    outcome = IssuedDocument.Outcome.CERTIFIED
    province = factory.SubFactory(ProvinceFactory)
    year = 2026
    number = factory.Sequence(lambda n: f"{n + 1}/QĐ-CAT")
    decided_on = datetime.date(2026, 12, 1)
    signer_name = "Trần Quốc Bảo"
    signer_title = "GIÁM ĐỐC"
    issued_by = factory.SubFactory(UserFactory)
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    signed_at = factory.LazyFunction(lambda: datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC))
    certificate_name = "Công an tỉnh (chứng thư demo)"


class DecisionFactory(factory.django.DjangoModelFactory):
    """The decision of an assessment, certified with every criterion passed; `document` when it was issued."""

    class Meta:
        model = Decision

    assessment = factory.SubFactory(AssessmentFactory, status=Assessment.Status.APPROVED)
    outcome = Decision.Outcome.CERTIFIED
    criteria_passed = 22
    criteria_total = 22
    number = factory.LazyAttribute(lambda d: d.document.number if d.document else "1/QĐ-CAT")
    decided_on = datetime.date(2026, 12, 1)
    approver = factory.SubFactory(UserFactory)
    document = None


def user_with_role(role, *, ward=None, province=None, username=None):
    """A user with one role, scoped as the role requires."""
    kwargs = {"username": username} if username else {}
    user = UserFactory(**kwargs)
    MembershipFactory(user=user, role=role, ward=ward, province=province)
    return user


def complete_figures(indicator):
    """Passing figures for any indicator of the default set (what a fully filled assessment holds)."""
    from criteria import scoring

    kind, threshold = indicator.kind, indicator.threshold
    if kind == scoring.Kind.YES_NO:
        return {"yes": True}
    if kind == scoring.Kind.COUNT_MIN:
        return {"count": int(threshold)}
    if kind == scoring.Kind.COUNT_MAX:
        return {"count": 0}
    if kind == scoring.Kind.SHARE_BELOW:
        return {"numerator": 0, "denominator": 100}
    if kind in scoring.SHARE_KINDS:
        return {"numerator": 10, "denominator": 10}
    if kind == scoring.Kind.FALL_MIN:
        return {"count": 0, "last_year": 0, "last_year_manual": True}
    return {"count": 6, "last_year": 5, "last_year_manual": True}


def fill_assessment(assessment, *, skip=()):
    """Store passing figures for every indicator but those whose codes are in skip, with the stored result (as the
    ward's page stores it)."""
    from criteria.models import Indicator
    from wards.models import IndicatorValue
    from wards.services import scores

    indicators = Indicator.objects.filter(criteria_set=assessment.criteria_set).exclude(code__in=skip)
    IndicatorValue.objects.bulk_create(
        IndicatorValue(assessment=assessment, indicator=i, **complete_figures(i)) for i in indicators
    )
    scores.rescore_changed([assessment])


class EvidenceFileFactory(factory.django.DjangoModelFactory):
    """A file row without content on disk: for pages and budgets that list files, not read them."""

    class Meta:
        model = EvidenceFile

    file = factory.Sequence(lambda n: f"evidence/{n}.pdf")
    original_name = factory.Sequence(lambda n: f"bien-ban-{n}.pdf")
    content_type = "application/pdf"
    size = 1000
    sha256 = "0" * 64


def authenticator(user):
    """A confirmed TOTP authenticator for the user (their second factor), with a random secret."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(device, *, steps_ahead: int = 0) -> str:
    """The code the user's app shows now, or some 30-second steps later: each code is accepted once per device,
    and the next step's is within the tolerance, for a second sign-in in the same step."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"
