"""Vietnamese and English are offered: every app page speaks the reader's language, and the navbar switch
changes it (what the app stores or sends stays Vietnamese: tests/test_site_language.py).

A page read in English may still hold Vietnamese, but only data: names, the criteria texts, what people typed,
and the texts stored in the site's language (the audit trail, notifications, round snapshots). The check
takes every text of the page (text nodes and attributes, SVG included), removes what the database holds, and
finds no Vietnamese letter left. A page read in Vietnamese holds none of the English catalogue's texts and
none of Django's own English messages.
"""

import copy
import gettext as gnu_gettext
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from criteria.models import Criterion
from reports.models import BulkRender, RenderJob
from tests.conftest import catalogue, make_people, page_data, shared_data
from tests.factories import (
    AssessmentFactory,
    EvidenceFileFactory,
    WardFactory,
    fill_assessment,
    open_deadline,
    user_with_role,
)
from tests.test_translations import VIETNAMESE as VIETNAMESE_LETTERS
from wards import services
from wards.models import Assessment, IndicatorValue, Membership

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
VIETNAMESE = {"Accept-Language": "vi"}


# ---- What a page says ----------------------------------------------------------------------------------------


class _Texts(HTMLParser):
    """Every text of a page a person reads or hears: text nodes and attribute values, outside <script>/<style>,
    but not inside an element that says it is in another language (the switch names each language in itself)."""

    def __init__(self, language):
        super().__init__(convert_charrefs=True)
        self.language, self.texts = language, []
        self._hidden, self._foreign = 0, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        if tag != "html" and attrs.get("lang", self.language) != self.language:
            self._foreign = tag
        elif not self._foreign:
            self.texts += [value for name, value in attrs.items() if value and _spoken(tag, name, attrs)]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1
        if tag == self._foreign:
            self._foreign = None

    def handle_data(self, data):
        if not self._hidden and not self._foreign and data.strip():
            self.texts.append(data)


def _spoken(tag, name, attrs) -> bool:
    """Whether an attribute is text a person reads or hears (a tooltip, a label, a placeholder, a button's
    text, a confirmation or message the script shows), not a name, address or setting."""
    if name in ("title", "aria-label", "placeholder", "alt", "label", "data-confirm", "data-too-large"):
        return True
    return name == "value" and tag == "input" and attrs.get("type") in ("submit", "button", "reset")


def texts_of(html: str, language: str) -> list[str]:
    parser = _Texts(language)
    parser.feed(html)
    return [" ".join(text.split()) for text in parser.texts]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def stored_texts() -> list[str]:
    """Every Vietnamese text the database holds (each line of it too), lower case, the longest first."""
    found = set()
    for model in apps.get_models():
        if model._meta.app_label not in ("auth", "criteria", "wards", "reports"):
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        for row in model.objects.values_list(*fields):
            for value in row:
                for text in _strings(value):
                    for piece in [text, *text.splitlines()]:
                        piece = " ".join(DECISION_NUMBER.sub(" ", piece).split()).lower()
                        if VIETNAMESE_LETTERS.search(piece):
                            found.add(piece)
    # The national list's provinces (reference data, offered before they are loaded): place names.
    from wards.services.divisions import national_provinces

    found.update(name.lower() for _, name in national_provinces() if VIETNAMESE_LETTERS.search(name))
    return sorted(found, key=len, reverse=True)


# A decision number is written the same in every language (125/QĐ-CAT-PV05): the form's example shows one.
DECISION_NUMBER = re.compile(r"\d+/QĐ(-[A-ZĐ0-9]+)+")


def vietnamese_left(html: str, data: list[str]) -> list[str]:
    """The texts of a page that still hold Vietnamese once the data is taken out of them."""
    left = []
    for text in texts_of(html, "en"):
        rest = " ".join(DECISION_NUMBER.sub(" ", text).split()).lower()
        for piece in data:
            rest = rest.replace(piece, " ")
        if VIETNAMESE_LETTERS.search(rest):
            left.append(text)
    return left


def _po_entries(path: Path):
    with path.open("rb") as compiled:
        catalog = gnu_gettext.GNUTranslations(compiled)._catalog
    for msgid, msgstr in catalog.items():
        if isinstance(msgid, tuple):  # a plural form
            msgid = msgid[0]
        if msgid and "\x04" in msgid:  # a context
            msgid = msgid.split("\x04", 1)[1]
        yield msgid, msgstr


def _fixed_parts(text: str) -> list[str]:
    """A message's text around its placeholders (%(name)s, %s, {name})."""
    return [part.strip() for part in re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", text) if part.strip()]


def english_messages() -> tuple[set[str], set[str]]:
    """(short, long): the English texts a Vietnamese page must not show. The English catalogue's translations and
    Django's own English messages (the msgids of its Vietnamese catalogues); short ones count only as a whole
    text of the page, long ones (three words or more) anywhere in one."""
    texts = set()
    for msgid, msgstr in _po_entries(ROOT / "locale" / "en" / "LC_MESSAGES" / "django.mo"):
        if msgid and msgstr != msgid:
            texts.update(_fixed_parts(msgstr))
    django_root = Path(django.__file__).parent
    for path in [
        *django_root.glob("conf/locale/vi/LC_MESSAGES/django.mo"),
        *django_root.glob("contrib/*/locale/vi/LC_MESSAGES/django.mo"),
    ]:
        for msgid, msgstr in _po_entries(path):
            if msgstr != msgid:  # "Email" is Vietnamese too
                texts.update(_fixed_parts(msgid))
    texts = {" ".join(t.split()) for t in texts if re.search("[A-Za-z]{2}", t)}
    short = {t for t in texts if len(t.split()) < 3}
    return short, texts - short


# Django writes this one without gettext (admin/search_form.html: the search field's icon, alt="Search").
DJANGO_UNTRANSLATABLE = {"Search"}


def english_left(html: str, messages: tuple[set[str], set[str]]) -> list[str]:
    short, long = messages
    return [
        text
        for text in texts_of(html, "vi")
        if text not in DJANGO_UNTRANSLATABLE
        and (text in short or text.rstrip(".:") in short or any(message in text for message in long))
    ]


# ---- A province in the middle of its year ----------------------------------------------------------------------


def _build(people, ward, other_ward):
    criteria_set = catalogue()
    criteria = {c.number: c for c in Criterion.objects.filter(criteria_set=criteria_set)}
    year = timezone.localdate().year
    reviewer, approver, head = people["reviewer"], people["approver"], people["head"]
    people["admin"].is_staff = people["admin"].is_superuser = True
    people["admin"].save()

    # Last year: approved, with a decision (the history, the decided review page, the certified list).
    # Submitted now, as if on time: a deadline still open (the suite runs on any date).
    last = AssessmentFactory(ward=ward, criteria_set=criteria_set, year=year - 1, deadline=open_deadline(year))
    fill_assessment(last)
    services.assessment_submit(assessment=last, user=head)
    verdicts = {c.pk: ("pass", "") for c in criteria.values()}
    verdicts[criteria[7].pk] = ("fail", "Trụ sở xuống cấp")
    services.verdicts_save(assessment=last, user=reviewer, verdicts=verdicts, base={})
    services.assessment_approve(assessment=last, user=approver, number="12/QĐ-CAT", decided_on=timezone.localdate())

    # This year: returned with reasons, being corrected by the ward (editable, reasons shown, notifications).
    this = AssessmentFactory(ward=ward, criteria_set=criteria_set, year=year, deadline=open_deadline(year))
    fill_assessment(this, skip=("13.2",))
    IndicatorValue.objects.create(assessment=this, indicator=criteria_set.indicators.get(code="13.2"), count=2)
    EvidenceFileFactory(assessment=this, criterion=criteria[1], uploaded_by=people["officer"])
    services.assessment_save(
        assessment=this, user=people["officer"], figures={}, narratives={criteria[1].pk: "Đã họp dân"}, base_revision=0
    )
    services.assessment_submit(assessment=this, user=head)
    services.assessment_return(assessment=this, user=reviewer, reasons={criteria[3].pk: "Thiếu biên bản"})

    # The other ward: submitted again after a return (round 2, what changed), partly concluded.
    other = AssessmentFactory(ward=other_ward, criteria_set=criteria_set, year=year, deadline=open_deadline(year))
    fill_assessment(other)
    other_head = user_with_role(Membership.Role.WARD_HEAD, ward=other_ward, username="other_head")
    services.assessment_submit(assessment=other, user=other_head)
    services.assessment_return(assessment=other, user=reviewer, reasons={criteria[2].pk: "Ghi rõ số liệu"})
    IndicatorValue.objects.filter(assessment=other, indicator__code="2.1").update(yes=False)
    services.assessment_save(
        assessment=other,
        user=other_head,
        figures={},
        narratives={criteria[2].pk: "Đã bổ sung"},
        base_revision=Assessment.objects.get(pk=other.pk).revision,
    )
    services.assessment_submit(assessment=other, user=other_head)
    services.verdicts_save(
        assessment=other,
        user=reviewer,
        verdicts={criteria[1].pk: ("pass", ""), criteria[2].pk: ("fail", "Chưa đạt")},
        base={},
    )

    failed = RenderJob.objects.create(
        kind=RenderJob.Kind.DOSSIER, assessment=last, content_hash="0" * 64, requested_by=reviewer,
        status=RenderJob.Status.FAILED, error="Quá thời gian xuất tệp (giới hạn 4 phút).",
    )  # fmt: skip
    done = RenderJob.objects.create(
        kind=RenderJob.Kind.PROVINCE_REPORT, province=ward.province, year=year, content_hash="1" * 64,
        requested_by=people["leader"], status=RenderJob.Status.DONE, file="documents/report.pdf", size=2048, pages=4,
        finished_at=timezone.now(),
    )  # fmt: skip
    bulk = BulkRender.objects.create(
        province=ward.province, year=year - 1, requested_by=people["leader"], total=1, fanned_out_at=timezone.now()
    )
    bulk.jobs.add(failed)
    return {"last": last, "this": this, "other": other, "failed": failed, "done": done, "bulk": bulk, "year": year}


@pytest.fixture(scope="module")
def _site(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker):
        with django_db_blocker.unblock():
            ward = WardFactory(name="Cái Khế")
            other_ward = WardFactory(district=ward.district, name="An Cư")
            people = make_people(ward, other_ward, WardFactory(name="Trần Phú"))
            made = _build(people, ward, other_ward)
        yield {"people": people, **made}


@pytest.fixture
def site(_site):
    return copy.deepcopy(_site)


def pages(site) -> list[tuple[str | None, str]]:
    """(who, address) of every main page of every role."""
    this, last, other, year = site["this"], site["last"], site["other"], site["year"]
    return [
        (None, reverse("login")),
        (None, reverse("password_reset")),
        (None, reverse("password_reset_done")),
        (None, reverse("password_reset_confirm", args=["MQ", "not-a-token"])),
        (None, reverse("password_reset_complete")),
        ("officer", reverse("home")),
        ("officer", reverse("assessment", args=[this.pk])),
        ("officer", reverse("assessment", args=[last.pk])),
        ("officer", reverse("history", args=[this.pk])),
        ("officer", reverse("password_change")),
        ("officer", reverse("password_change_done")),
        ("officer", "/khong-co-trang-nay/"),
        ("officer", reverse("queue")),  # 403
        ("head", reverse("assessment", args=[this.pk])),
        ("reviewer", reverse("home")),
        ("reviewer", reverse("queue")),
        ("reviewer", f"{reverse('queue')}?year={year}&status=submitted&overdue=1"),
        ("reviewer", reverse("review", args=[other.pk])),
        ("reviewer", reverse("review", args=[this.pk])),
        ("reviewer", reverse("review", args=[last.pk])),
        ("reviewer", reverse("history", args=[last.pk])),
        ("reviewer", reverse("assessment", args=[other.pk])),
        ("reviewer", reverse("job", args=[site["failed"].pk])),
        ("reviewer", reverse("job", args=[site["done"].pk])),
        ("approver", reverse("review", args=[other.pk])),
        ("approver", reverse("review", args=[last.pk])),
        ("leader", reverse("leadership")),
        ("leader", f"{reverse('leadership')}?year={year - 1}"),
        ("leader", f"{reverse('leadership')}?year={year + 1}"),
        ("leader", reverse("bulk", args=[site["bulk"].pk])),
        ("officer", reverse("ward", args=[this.ward_id])),
        ("officer", reverse("second_factor")),
        ("reviewer", reverse("ward", args=[other.ward_id])),
        ("admin", reverse("home")),
        ("admin", reverse("job", args=[site["failed"].pk])),
        ("admin", reverse("administration_index")),
        ("admin", reverse("administration", args=[this.ward.province.code])),
        ("admin", reverse("administration_people", args=[this.ward.province.code])),
        # The admin is Django's: its own texts and the models' names follow the reader; the objects' names
        # (__str__) are Vietnamese, as Django's change history stores them.
        ("admin", reverse("admin:index")),
    ]


def _status_of(address):
    if address == "/khong-co-trang-nay/":
        return 404
    if address == reverse("queue"):
        return None  # 403 for the officer, 200 for the others
    return 200


def read(client, people, who, address, headers):
    client.logout()
    if who:
        client.force_login(people[who])
    response = client.get(address, headers=headers)
    expected = _status_of(address)
    assert response.status_code == (expected or response.status_code), address
    return response.content.decode()


def test_every_app_page_is_english_for_an_english_reader(client, site):
    data, found = stored_texts(), {}
    for who, address in pages(site):
        page = read(client, site["people"], who, address, ENGLISH)
        assert '<html lang="en"' in page, address
        if left := vietnamese_left(page, data):
            found[f"{who} {address}"] = left
    assert found == {}


def test_every_app_page_is_vietnamese_for_a_vietnamese_reader(client, site):
    messages, found = english_messages(), {}
    for who, address in pages(site):
        page = read(client, site["people"], who, address, VIETNAMESE)
        assert '<html lang="vi"' in page, address
        if left := english_left(page, messages):
            found[f"{who} {address}"] = left
    assert found == {}


def test_the_criteria_admin_is_vietnamese_for_a_vietnamese_reader(client, site):
    """The criteria set's pages in the admin, with their English fields: Django's texts and the fields' names
    in Vietnamese (English pages show the objects' Vietnamese names, see pages())."""
    criteria_set = site["this"].criteria_set
    criterion = criteria_set.criteria.get(number=13)
    messages, found = english_messages(), {}
    for address, english_fields in (
        (reverse("admin:criteria_criteriaset_change", args=[criteria_set.pk]), True),
        (reverse("admin:criteria_criteriongroup_change", args=[criterion.group_id]), True),
        (reverse("admin:criteria_criterion_change", args=[criterion.pk]), True),
        (reverse("admin:criteria_criterion_changelist"), False),
        (reverse("admin:criteria_indicator_changelist"), False),
    ):
        page = read(client, site["people"], "admin", address, VIETNAMESE)
        assert ("(tiếng Anh)" in page) == english_fields, address
        if left := english_left(page, messages):
            found[address] = left
    assert found == {}


REFUSED_FORMS = [
    # (who, address, posted, the English page says, the Vietnamese page says)
    (None, "/dang-nhap/", {"username": "", "password": ""}, "This field is required.", "Trường này là bắt buộc."),
    (None, "/dang-nhap/", {"username": "officer", "password": "sai"}, "Please enter a correct", "chính xác"),
    (None, "/mat-khau/quen/", {"email": "khong-phai-email"}, "Enter a valid email address.", "Nhập địa chỉ email"),
    (
        "officer",
        "/mat-khau/doi/",
        {"old_password": "mat-khau-thu", "new_password1": "Ab1!", "new_password2": "Ab1!"},
        "This password is too short.",
        "Mật khẩu quá ngắn",
    ),
    ("officer", "/mat-khau/doi/", {"old_password": "sai"}, "Your old password was entered incorrectly.", "Mật khẩu cũ"),
]


@pytest.mark.parametrize(("who", "address", "posted", "english", "vietnamese"), REFUSED_FORMS)
def test_django_s_own_messages_speak_the_reader_s_language(client, site, who, address, posted, english, vietnamese):
    people, data, messages = site["people"], stored_texts(), english_messages()
    if who:
        client.force_login(people[who])
    page = client.post(address, posted, headers=ENGLISH).content.decode()
    assert english in page and vietnamese not in page
    assert vietnamese_left(page, data) == []
    page = client.post(address, posted, headers=VIETNAMESE).content.decode()
    assert vietnamese in page and english not in page
    assert english_left(page, messages) == []


def test_a_refused_form_token_is_explained_in_the_reader_s_language(site):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/dang-nhap/", {"username": "a", "password": "b"}, headers=ENGLISH)
    page = response.content.decode()
    assert response.status_code == 403 and "Form not received" in page and "CSRF verification failed" not in page
    assert vietnamese_left(page, stored_texts()) == []
    page = client.post("/dang-nhap/", {"username": "a", "password": "b"}, headers=VIETNAMESE).content.decode()
    assert "Phiên làm việc" in page and "CSRF verification failed" not in page
    assert english_left(page, english_messages()) == []


def test_a_refused_page_save_is_english_for_an_english_reader(client, site):
    """The page answered 422, with Django's field errors and the app's own, in the reader's language."""
    this, people = site["this"], site["people"]
    client.force_login(people["officer"])
    posted = page_data(this, **{"ind-13-1-count": "-3", "narrative-2": "x" * 20_001})
    response = client.post(reverse("assessment", args=[this.pk]), posted, headers=ENGLISH)
    assert response.status_code == 422
    page = response.content.decode()
    assert "The number cannot be negative." in page and "At most 20.000 characters." in page
    assert "Not saved: some entries are wrong" in page
    assert vietnamese_left(page, stored_texts()) == []
    response = client.post(reverse("assessment", args=[this.pk]), posted, headers=VIETNAMESE)
    assert response.status_code == 422 and "Không được là số âm." in response.content.decode()
    assert english_left(response.content.decode(), english_messages()) == []


# ---- The switch ------------------------------------------------------------------------------------------------


def test_the_navbar_switch_changes_the_language_without_a_script(client, site):
    client.force_login(site["people"]["officer"])
    page = client.get(reverse("home"), headers=VIETNAMESE).content.decode()
    start = page.index('id="language-switch"')
    switch = page[start : page.index("</form>", start)]
    assert 'action="/i18n/setlang/"' in page and 'value="en"' in switch and "English" in switch
    assert 'value="vi"' in switch and "Tiếng Việt" in unicodedata.normalize("NFC", switch)  # Django's name: NFD
    assert "<script" not in switch and " on" not in switch.replace(" one", "")

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302 and response.url == reverse("home")
    page = client.get(reverse("home"), headers=VIETNAMESE).content.decode()  # the choice wins over the browser
    assert "Log out" in page and "Đăng xuất" not in page and '<html lang="en">' in page

    client.post(reverse("set_language"), {"language": "vi", "next": reverse("home")})
    page = client.get(reverse("home"), headers=ENGLISH).content.decode()
    assert "Đăng xuất" in page and "Log out" not in page


def test_the_script_s_texts_come_as_a_catalogue_file_in_the_reader_s_language(client, site):
    """static/js/app.js reads its texts from Django's JavaScript catalogue: a script file of the site (the
    Content Security Policy allows no inline script), loaded before it, in the page's language."""
    client.force_login(site["people"]["officer"])
    page = client.get(reverse("home"), headers=ENGLISH).content.decode()
    catalogue = page.index(f'<script src="{reverse("javascript_catalog")}" defer></script>')
    assert catalogue < page.index("js/app.js")
    english = client.get(reverse("javascript_catalog"), headers=ENGLISH)
    assert english["Content-Type"].startswith("text/javascript")
    assert "Restore" in english.content.decode() and "Could not reach the server." in english.content.decode()
    assert "Restore" not in client.get(reverse("javascript_catalog"), headers=VIETNAMESE).content.decode()


def test_the_switch_is_offered_before_login_too(client):
    page = client.get(reverse("login"), headers=ENGLISH).content.decode()
    assert 'id="language-switch"' in page and "Forgot your password?" in page
