"""The assessment's life: every transition, for every role, allowed or refused."""

import copy

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from criteria.models import Criterion
from tests.conftest import catalogue, make_people, shared_data
from tests.factories import AssessmentFactory, WardFactory, fill_assessment, user_with_role
from wards import services, workflow
from wards.models import Assessment, AuditEvent, Decision, Membership, Verdict
from wards.workflow import Action

pytestmark = pytest.mark.django_db
S = Assessment.Status
ROLES = ["officer", "head", "reviewer", "approver", "leader", "admin", "other_ward_officer", "foreign_reviewer"]


def all_pass(assessment):
    return {c.pk: ("pass", "") for c in Criterion.objects.filter(criteria_set=assessment.criteria_set)}


def put_in(assessment, status, people):
    """Bring a complete assessment to a status the way people would. Every reviewed status keeps a verdict on
    every criterion (a round returned and resubmitted unchanged keeps them), so that nothing but the status
    stands between an action and its transition."""
    fill_assessment(assessment)
    if status == S.DRAFT:
        return
    services.assessment_submit(assessment=assessment, user=people["head"])
    services.verdicts_save(assessment=assessment, user=people["reviewer"], verdicts=all_pass(assessment), base={})
    tc1 = Criterion.objects.get(criteria_set=assessment.criteria_set, number=1)
    services.assessment_return(assessment=assessment, user=people["reviewer"], reasons={tc1.pk: "Thiếu"})
    if status == S.RETURNED:
        return
    services.assessment_submit(assessment=assessment, user=people["head"])
    assert assessment.verdicts.count() == 22
    if status == S.SUBMITTED:
        return
    services.assessment_start_review(assessment=assessment, user=people["reviewer"])
    if status == S.IN_REVIEW:
        return
    # One number, one decision: each ward's own.
    services.assessment_approve(
        assessment=assessment,
        user=people["approver"],
        number=f"{assessment.pk}/QĐ-CAT",
        decided_on=timezone.localdate(),
    )


def attempt(action, assessment, user):
    assessment.refresh_from_db()
    tc1 = Criterion.objects.get(criteria_set=assessment.criteria_set, number=1)
    if action == Action.EDIT:
        services.assessment_save(
            assessment=assessment,
            user=user,
            figures={},
            narratives={tc1.pk: f"Sửa lúc {assessment.revision}"},
            base_revision=assessment.revision,
        )
    elif action == Action.SUBMIT:
        services.assessment_submit(assessment=assessment, user=user)
    elif action == Action.START_REVIEW:
        services.assessment_start_review(assessment=assessment, user=user)
    elif action == Action.RETURN:
        services.assessment_return(assessment=assessment, user=user, reasons={tc1.pk: "Bổ sung biên bản"})
    elif action == Action.VERDICT:
        stored = Verdict.objects.filter(assessment=assessment, criterion=tc1).first()
        base = {tc1.pk: (stored.outcome, stored.comment)} if stored else {}
        services.verdicts_save(assessment=assessment, user=user, verdicts={tc1.pk: ("fail", "Thiếu")}, base=base)
    elif action == Action.APPROVE:
        services.assessment_approve(
            assessment=assessment, user=user, number="2/QĐ-CAT", decided_on=timezone.localdate()
        )
    elif action == Action.REOPEN:
        services.assessment_reopen(assessment=assessment, user=user, reason="Phát hiện sai số liệu")
    else:  # pragma: no cover - a new action needs its attempt here
        raise AssertionError(f"no attempt for {action}")
    assessment.refresh_from_db()
    return assessment.status


# The people of the fixture by the role they hold; outsiders hold a role of the right kind elsewhere.
ROLE_OF = {
    "officer": Membership.Role.WARD_OFFICER,
    "head": Membership.Role.WARD_HEAD,
    "reviewer": Membership.Role.REVIEWER,
    "approver": Membership.Role.APPROVER,
    "leader": Membership.Role.LEADERSHIP,
    "admin": Membership.Role.ADMIN,
}
# Generated from the declared table: every status × action × person; allowed exactly where the table says.
CASES = [(action, status, person) for action in Action for status in S.values for person in ROLES]


def expected(action, status, person):
    transition = workflow.TABLE.get((status, action))
    if transition is None or ROLE_OF.get(person) not in transition.roles:
        return None
    return transition.target


@pytest.fixture(scope="module")
def _shared(django_db_setup, django_db_blocker):
    """Made once for the module (what a test writes is rolled back after it): the conftest's wards and people,
    and for each status an assessment brought there, in a ward of its own with its own officer and head."""
    with shared_data(django_db_blocker):
        with django_db_blocker.unblock():
            ward = WardFactory(name="Cái Khế")
            other_ward, foreign_ward = WardFactory(district=ward.district, name="An Cư"), WardFactory(name="Trần Phú")
            people = make_people(ward, other_ward, foreign_ward)
            in_status = {}
            for status in S.values:
                own_ward = WardFactory(district=ward.district)
                own = {
                    **people,
                    "officer": user_with_role(Membership.Role.WARD_OFFICER, ward=own_ward),
                    "head": user_with_role(Membership.Role.WARD_HEAD, ward=own_ward),
                }
                assessment = AssessmentFactory(ward=own_ward, criteria_set=catalogue())
                put_in(assessment, status, own)
                in_status[status] = (assessment, own)
        yield {"ward": ward, "other_ward": other_ward, "foreign_ward": foreign_ward, "people": people, **in_status}


@pytest.fixture
def shared(_shared):
    """This test's copy of the module's objects: what it changes in memory stays with it."""
    return copy.deepcopy(_shared)


@pytest.fixture
def ward(shared):
    return shared["ward"]


@pytest.fixture
def other_ward(shared):
    return shared["other_ward"]


@pytest.fixture
def foreign_ward(shared):
    return shared["foreign_ward"]


@pytest.fixture
def people(shared):
    return shared["people"]


@pytest.mark.parametrize("action, status, person", CASES, ids=[f"{a}-{s}-{r}" for a, s, r in CASES])
def test_transition(shared, action, status, person):
    assessment, people = shared[status]  # put_in(assessment, status, people), once for the module
    result = expected(action, status, person)
    if result is not None:
        assert attempt(action, assessment, people[person]) == result
    else:
        with pytest.raises((PermissionDenied, ValidationError)):
            attempt(action, assessment, people[person])
        assessment.refresh_from_db()
        assert assessment.status == status


def test_every_transition_of_the_table_is_reached_by_the_matrix():
    reached = {(status, action) for action, status, person in CASES if expected(action, status, person)}
    assert reached == set(workflow.TABLE)


def test_approval_is_refused_while_submitted_even_with_every_verdict_kept(people, assessment):
    """Return, then resubmit unchanged: all 22 verdicts stay, yet the round has not been reviewed."""
    put_in(assessment, S.SUBMITTED, people)
    with pytest.raises(workflow.InvalidTransition, match=r"«Đã gửi».*bắt đầu thẩm định"):
        services.assessment_approve(
            assessment=assessment, user=people["approver"], number="3/QĐ-CAT", decided_on=timezone.localdate()
        )
    assessment.refresh_from_db()
    assert assessment.status == S.SUBMITTED and not assessment.decisions.exists()


def test_a_lost_race_is_a_state_refusal_not_a_missing_permission(people, assessment):
    put_in(assessment, S.APPROVED, people)
    with pytest.raises(workflow.InvalidTransition, match="«Đã phê duyệt», không phê duyệt được"):
        services.assessment_approve(
            assessment=assessment, user=people["approver"], number="4/QĐ-CAT", decided_on=timezone.localdate()
        )


def test_approval_is_refused_while_a_verdict_is_missing(people, assessment):
    put_in(assessment, S.IN_REVIEW, people)
    Verdict.objects.filter(assessment=assessment, criterion__number=22).delete()
    with pytest.raises(ValidationError, match="còn 1 tiêu chí chưa có kết luận \\(TC22\\)"):
        services.assessment_approve(
            assessment=assessment, user=people["approver"], number="1/QĐ-CAT", decided_on=timezone.localdate()
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
        assessment=assessment, user=people["approver"], number="15/QĐ-CAT", decided_on=timezone.localdate()
    )
    assert decision.outcome == Decision.Outcome.NOT_CERTIFIED
    assert decision.label == "Chưa đạt chuẩn (21/22 tiêu chí)"
    assert (decision.number, decision.decided_on, decision.approver) == (
        "15/QĐ-CAT",
        timezone.localdate(),
        people["approver"],
    )


def test_reopen_needs_a_reason_and_starts_a_new_round(people, assessment):
    put_in(assessment, S.APPROVED, people)
    assessment.refresh_from_db()
    approved_round = assessment.round
    with pytest.raises(ValidationError):
        services.assessment_reopen(assessment=assessment, user=people["approver"], reason="  ")
    services.assessment_reopen(assessment=assessment, user=people["approver"], reason="Sai số liệu TC13")
    assessment.refresh_from_db()
    assert assessment.status == S.IN_REVIEW and assessment.round == approved_round + 1
    old = Decision.objects.get(assessment=assessment)
    assert old.revoked_by == people["approver"] and old.revoke_reason == "Sai số liệu TC13"
    assert AuditEvent.objects.filter(assessment=assessment, target="Mở lại hồ sơ", new__contains="Sai số liệu").exists()
    # A new decision can follow in the new round; the old one stays on record.
    services.assessment_approve(
        assessment=assessment, user=people["approver"], number="2/QĐ-CAT", decided_on=timezone.localdate()
    )
    assert [(d.round, d.revoked_at is None) for d in assessment.decisions.order_by("round")] == [
        (approved_round, False),
        (approved_round + 1, True),
    ]


def test_approved_assessments_are_read_only_for_everyone(client, people, assessment):
    put_in(assessment, S.APPROVED, people)
    from tests.conftest import page_data

    for role in ("officer", "head", "reviewer", "approver"):
        client.force_login(people[role])
        ward_page = client.post(f"/ho-so/{assessment.pk}/", page_data(assessment))
        assert ward_page.status_code == (409 if role in ("officer", "head") else 403)
        review = client.post(f"/ho-so/{assessment.pk}/tham-dinh/", {"verdict-1": "fail"})
        # Who may act, only not now, is told the status (409); who may not act at all is refused (403).
        assert review.status_code == (409 if role in ("reviewer", "approver") else 403)
    assert not assessment.verdicts.filter(outcome="fail").exists()
