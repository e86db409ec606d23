"""The admin cannot go around the workflow: no deleting verdicts, moving assessments, or editing a set in use."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from criteria.models import Criterion, Indicator
from tests.factories import AssessmentFactory
from wards.models import (
    AccountEvent,
    Assessment,
    AuditEvent,
    Decision,
    EvidenceFile,
    IndicatorValue,
    Invitation,
    Narrative,
    Notification,
    PeopleEvent,
    ReportingCalendar,
    ReturnReason,
    RoadmapTarget,
    RoundSnapshot,
    Verdict,
)

pytestmark = pytest.mark.django_db


def test_verdicts_cannot_be_deleted_in_the_admin(admin_client, people, assessment):
    verdict = Verdict.objects.create(
        assessment=assessment,
        criterion=Criterion.objects.get(criteria_set=assessment.criteria_set, number=1),
        outcome="pass",
        reviewer=people["reviewer"],
    )
    response = admin_client.post(
        "/quan-tri/wards/verdict/", {"action": "delete_selected", "_selected_action": [verdict.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302, 403)
    assert Verdict.objects.filter(pk=verdict.pk).exists()
    assert admin_client.post(f"/quan-tri/wards/verdict/{verdict.pk}/delete/", {"post": "yes"}).status_code == 403


def test_an_assessment_cannot_be_moved_to_another_ward_or_year(admin_client, assessment):
    page = admin_client.get(f"/quan-tri/wards/assessment/{assessment.pk}/change/").content.decode()
    for field in ("ward", "year", "criteria_set", "status"):
        assert f'name="{field}"' not in page, field
    assert 'name="deadline"' in page  # the deadline stays editable


def test_a_criteria_set_in_use_is_frozen(admin_client, criteria_set):
    indicator = Indicator.objects.get(criteria_set=criteria_set, code="13.2")
    assert (
        'name="threshold"' in admin_client.get(f"/quan-tri/criteria/indicator/{indicator.pk}/change/").content.decode()
    )
    AssessmentFactory(criteria_set=criteria_set)
    page = admin_client.get(f"/quan-tri/criteria/indicator/{indicator.pk}/change/").content.decode()
    assert 'name="threshold"' not in page
    admin_client.post(f"/quan-tri/criteria/indicator/{indicator.pk}/change/", {"threshold": "1"})
    indicator.refresh_from_db()
    assert indicator.threshold == 6


def test_the_queue_lists_only_the_reviewers_districts(client, people, foreign_ward, criteria_set, assessment):
    AssessmentFactory(ward=foreign_ward, criteria_set=criteria_set)
    client.force_login(people["foreign_reviewer"])
    districts = [d.name for d in client.get("/tham-dinh/?year=2026").context["districts"]]
    assert districts == [foreign_ward.district.name]


# Every registered model, checked against a staff user who holds no permission and no role: the admin's own
# answer (Django's model permissions) must come first, whatever an override adds on top.
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def one_of_each(people, assessment, other_ward):
    """One row of every model in the admin, keyed by model. The assessment is another ward's empty 2026
    draft, the one kind an override lets an administrator delete."""
    criterion = Criterion.objects.get(criteria_set=assessment.criteria_set, number=13)
    indicator = Indicator.objects.get(criteria_set=assessment.criteria_set, code="13.2")
    reviewer = people["reviewer"]
    rows = {
        Group: Group.objects.create(name="Thẩm định viên"),
        RoadmapTarget: RoadmapTarget.objects.create(province=assessment.ward.province, year=2030, target_count=3),
        ReportingCalendar: ReportingCalendar.objects.create(
            province=assessment.ward.province,
            year=2026,
            deadline=datetime.date(2026, 11, 15),
            half_year_report=datetime.date(2026, 5, 15),
        ),
        IndicatorValue: IndicatorValue.objects.create(assessment=assessment, indicator=indicator, count=2),
        Narrative: Narrative.objects.create(assessment=assessment, criterion=criterion, text="Đạt."),
        EvidenceFile: EvidenceFile.objects.create(
            assessment=assessment,
            criterion=criterion,
            file="evidence/1/a.pdf",
            original_name="a.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=people["officer"],
        ),
        Verdict: Verdict.objects.create(assessment=assessment, criterion=criterion, outcome="pass", reviewer=reviewer),
        Decision: Decision.objects.create(
            assessment=assessment,
            outcome=Decision.Outcome.NOT_CERTIFIED,
            criteria_passed=21,
            criteria_total=22,
            number="01/QĐ",
            decided_on=datetime.date(2026, 12, 20),
            approver=people["approver"],
        ),
        AuditEvent: AuditEvent.objects.create(
            assessment=assessment, actor=people["officer"], round=1, action="value", target="13.2"
        ),
        RoundSnapshot: RoundSnapshot.objects.create(
            assessment=assessment, round=1, submitted_at=timezone.now(), submitted_by=people["head"], data={}
        ),
        ReturnReason: ReturnReason.objects.create(
            assessment=assessment, round=1, criterion=criterion, text="Bổ sung.", reviewer=reviewer
        ),
        Notification: Notification.objects.create(
            user=people["officer"], assessment=assessment, kind="submitted", subject="Hồ sơ", body="Đã gửi."
        ),
        AccountEvent: AccountEvent.objects.create(
            user=people["approver"], actor=people["admin"], action=AccountEvent.Action.SECOND_FACTOR_RESET
        ),
        Invitation: Invitation.objects.create(user=people["officer"], invited_by=people["admin"], site="http://x"),
        PeopleEvent: PeopleEvent.objects.create(
            province=assessment.ward.province, actor=people["admin"], kind="deactivate", person=people["officer"]
        ),
        AccessAttempt: AccessAttempt.objects.create(username="canbo", ip_address="10.0.0.1", failures_since_start=1),
        AccessLog: AccessLog.objects.create(username="canbo", ip_address="10.0.0.1"),
        AccessFailureLog: AccessFailureLog.objects.create(username="canbo", ip_address="10.0.0.1"),
        Assessment: AssessmentFactory(ward=other_ward, criteria_set=assessment.criteria_set),
    }
    for model in REGISTERED:
        if model not in rows:
            rows[model] = model.objects.first()
        assert rows[model] is not None, f"one_of_each has no {model._meta.label}: add one"
    return rows


@pytest.fixture
def bare_staff(db):
    """Staff (may open the admin) with no permission and no role."""
    return get_user_model().objects.create_user("nhanvien", password="mat-khau-thu", is_staff=True)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_a_staff_user_without_permissions_is_refused_every_admin_page(client, bare_staff, one_of_each, model):
    obj = one_of_each[model]
    meta = model._meta
    base = f"/quan-tri/{meta.app_label}/{meta.model_name}/"
    client.force_login(bare_staff)
    assert client.get(base).status_code == 403
    assert (
        client.post(base, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}).status_code == 403
    )
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}add/", {}).status_code == 403
    assert client.get(f"{base}{obj.pk}/change/").status_code == 403
    assert client.post(f"{base}{obj.pk}/change/", {}).status_code == 403
    assert client.get(f"{base}{obj.pk}/history/").status_code == 403
    assert client.get(f"{base}{obj.pk}/delete/").status_code == 403
    assert client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_viewing_an_assessment_in_the_admin_does_not_allow_deleting_it(client, bare_staff, criteria_set, other_ward):
    draft = AssessmentFactory(ward=other_ward, criteria_set=criteria_set)
    bare_staff.user_permissions.add(Permission.objects.get(codename="view_assessment"))
    client.force_login(bare_staff)
    assert client.get(f"/quan-tri/wards/assessment/{draft.pk}/change/").status_code == 200
    assert client.post(f"/quan-tri/wards/assessment/{draft.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Assessment.objects.filter(pk=draft.pk).exists()


def test_with_the_delete_permission_only_an_empty_draft_can_be_deleted(
    client, bare_staff, criteria_set, ward, other_ward
):
    empty = AssessmentFactory(ward=other_ward, criteria_set=criteria_set)
    filled = AssessmentFactory(ward=ward, criteria_set=criteria_set)
    IndicatorValue.objects.create(assessment=filled, indicator=Indicator.objects.get(code="13.2"), count=2)
    bare_staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_assessment", "delete_assessment"]))
    client.force_login(bare_staff)
    assert client.post(f"/quan-tri/wards/assessment/{filled.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/quan-tri/wards/assessment/{empty.pk}/delete/", {"post": "yes"}).status_code == 302
    assert list(Assessment.objects.all()) == [filled]
