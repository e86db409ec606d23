"""The assessment's life: every transition, for every role, allowed or refused."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from criteria.models import Criterion
from tests.factories import fill_assessment
from wards import services
from wards.models import Assessment, AuditEvent, Decision, Verdict

pytestmark = pytest.mark.django_db
S = Assessment.Status
ROLES = ["officer", "head", "reviewer", "approver", "leader", "admin", "other_ward_officer", "foreign_reviewer"]


def all_pass(assessment):
    return {c.pk: ("pass", "") for c in Criterion.objects.filter(criteria_set=assessment.criteria_set)}


def put_in(assessment, status, people):
    """Bring a complete assessment to a status the way people would."""
    fill_assessment(assessment)
    if status == S.DRAFT:
        return
    services.assessment_submit(assessment=assessment, user=people["head"])
    if status == S.SUBMITTED:
        return
    if status == S.RETURNED:
        tc1 = Criterion.objects.get(criteria_set=assessment.criteria_set, number=1)
        services.assessment_return(assessment=assessment, user=people["reviewer"], reasons={tc1.pk: "Thiếu"})
        return
    services.verdicts_save(assessment=assessment, user=people["reviewer"], verdicts=all_pass(assessment), base={})
    if status == S.IN_REVIEW:
        return
    services.assessment_approve(
        assessment=assessment, user=people["approver"], number="1/QĐ", decided_on=datetime.date(2026, 12, 1)
    )


def attempt(action, assessment, user):
    assessment.refresh_from_db()
    tc1 = Criterion.objects.get(criteria_set=assessment.criteria_set, number=1)
    if action == "submit":
        services.assessment_submit(assessment=assessment, user=user)
    elif action == "start_review":
        services.assessment_start_review(assessment=assessment, user=user)
    elif action == "return":
        services.assessment_return(assessment=assessment, user=user, reasons={tc1.pk: "Bổ sung biên bản"})
    elif action == "verdict":
        stored = Verdict.objects.filter(assessment=assessment, criterion=tc1).first()
        base = {tc1.pk: (stored.outcome, stored.comment)} if stored else {}
        services.verdicts_save(assessment=assessment, user=user, verdicts={tc1.pk: ("fail", "Thiếu")}, base=base)
    elif action == "approve":
        services.assessment_approve(assessment=assessment, user=user, number="2/QĐ", decided_on=datetime.date.today())
    elif action == "reopen":
        services.assessment_reopen(assessment=assessment, user=user, reason="Phát hiện sai số liệu")
    assessment.refresh_from_db()
    return assessment.status


# (action, from status) → (roles allowed, resulting status)
ALLOWED = {
    ("submit", S.DRAFT): ({"head"}, S.SUBMITTED),
    ("submit", S.RETURNED): ({"head"}, S.SUBMITTED),
    ("start_review", S.SUBMITTED): ({"reviewer", "approver"}, S.IN_REVIEW),
    ("start_review", S.IN_REVIEW): ({"reviewer", "approver"}, S.IN_REVIEW),
    ("return", S.SUBMITTED): ({"reviewer", "approver"}, S.RETURNED),
    ("return", S.IN_REVIEW): ({"reviewer", "approver"}, S.RETURNED),
    ("verdict", S.SUBMITTED): ({"reviewer", "approver"}, S.IN_REVIEW),
    ("verdict", S.IN_REVIEW): ({"reviewer", "approver"}, S.IN_REVIEW),
    ("approve", S.IN_REVIEW): ({"approver"}, S.APPROVED),
    ("reopen", S.APPROVED): ({"approver"}, S.IN_REVIEW),
}
CASES = [
    (action, status, role)
    for action in ("submit", "start_review", "return", "verdict", "approve", "reopen")
    for status in (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.RETURNED, S.APPROVED)
    for role in ROLES
]


@pytest.mark.parametrize("action, status, role", CASES, ids=[f"{a}-{s}-{r}" for a, s, r in CASES])
def test_transition(people, assessment, action, status, role):
    put_in(assessment, status, people)
    allowed_roles, result = ALLOWED.get((action, status), (set(), None))
    if role in allowed_roles:
        assert attempt(action, assessment, people[role]) == result
    else:
        with pytest.raises((PermissionDenied, ValidationError)):
            attempt(action, assessment, people[role])
        assessment.refresh_from_db()
        assert assessment.status == status


def test_approval_is_refused_while_a_verdict_is_missing(people, assessment):
    put_in(assessment, S.IN_REVIEW, people)
    Verdict.objects.filter(assessment=assessment, criterion__number=22).delete()
    with pytest.raises(ValidationError, match="còn 1 tiêu chí chưa có kết luận \\(TC22\\)"):
        services.assessment_approve(
            assessment=assessment, user=people["approver"], number="1", decided_on=datetime.date.today()
        )


def test_decision_is_certified_only_when_all_criteria_pass(people, assessment):
    put_in(assessment, S.IN_REVIEW, people)
    tc7 = Criterion.objects.get(criteria_set=assessment.criteria_set, number=7)
    services.verdicts_save(
        assessment=assessment,
        user=people["reviewer"],
        verdicts={tc7.pk: ("fail", "Trụ sở xuống cấp")},
        base={tc7.pk: ("pass", "")},
    )
    decision = services.assessment_approve(
        assessment=assessment, user=people["approver"], number="15/QĐ-CAT", decided_on=datetime.date(2026, 12, 1)
    )
    assert decision.outcome == Decision.Outcome.NOT_CERTIFIED
    assert decision.label == "Chưa đạt chuẩn (21/22 tiêu chí)"
    assert (decision.number, decision.decided_on, decision.approver) == (
        "15/QĐ-CAT",
        datetime.date(2026, 12, 1),
        people["approver"],
    )


def test_reopen_needs_a_reason_and_starts_a_new_round(people, assessment):
    put_in(assessment, S.APPROVED, people)
    with pytest.raises(ValidationError):
        services.assessment_reopen(assessment=assessment, user=people["approver"], reason="  ")
    services.assessment_reopen(assessment=assessment, user=people["approver"], reason="Sai số liệu TC13")
    assessment.refresh_from_db()
    assert assessment.status == S.IN_REVIEW and assessment.round == 2
    old = Decision.objects.get(assessment=assessment)
    assert old.revoked_by == people["approver"] and old.revoke_reason == "Sai số liệu TC13"
    assert AuditEvent.objects.filter(assessment=assessment, target="Mở lại hồ sơ", new__contains="Sai số liệu").exists()
    # A new decision can follow in the new round; the old one stays on record.
    services.assessment_approve(
        assessment=assessment, user=people["approver"], number="2/QĐ", decided_on=datetime.date(2026, 12, 5)
    )
    assert [(d.round, d.revoked_at is None) for d in assessment.decisions.order_by("round")] == [(1, False), (2, True)]


def test_approved_assessments_are_read_only_for_everyone(client, people, assessment):
    put_in(assessment, S.APPROVED, people)
    from tests.conftest import page_data

    for role in ("officer", "head", "reviewer", "approver"):
        client.force_login(people[role])
        assert client.post(f"/ho-so/{assessment.pk}/", page_data(assessment)).status_code == 403
        assert client.post(f"/ho-so/{assessment.pk}/tham-dinh/", {"verdict-1": "fail"}).status_code == 403
