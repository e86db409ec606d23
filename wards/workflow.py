"""The life of an assessment (hồ sơ đánh giá), declared once: status × action → status, with who may act.

Every service that changes an assessment asks `require()` for its transition, so a transition this table
lacks cannot happen; the workflow tests are generated from the same table.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from wards.models import Assessment, Membership, ProvinceLineage
from wards.selectors import membership_of

Status = Assessment.Status
Role = Membership.Role


class Action(StrEnum):
    EDIT = "edit"  # the ward changes figures, narratives, evidence
    SUBMIT = "submit"  # the ward head sends it to the province
    START_REVIEW = "start_review"  # a reviewer takes it into review
    VERDICT = "verdict"  # a reviewer concludes criteria
    RETURN = "return"  # a reviewer sends it back with reasons
    APPROVE = "approve"  # the approver records the decision
    REOPEN = "reopen"  # the approver reopens an approved assessment for a new round


ACTION_LABELS = {
    Action.EDIT: pgettext_lazy("workflow action", "sửa"),
    Action.SUBMIT: pgettext_lazy("workflow action", "gửi"),
    Action.START_REVIEW: pgettext_lazy("workflow action", "thẩm định"),
    Action.VERDICT: pgettext_lazy("workflow action", "kết luận"),
    Action.RETURN: pgettext_lazy("workflow action", "trả lại"),
    Action.APPROVE: pgettext_lazy("workflow action", "phê duyệt"),
    Action.REOPEN: pgettext_lazy("workflow action", "mở lại"),
}

WARD = frozenset(Membership.WARD_ROLES)
HEAD = frozenset({Role.WARD_HEAD})
PROVINCE = frozenset(Membership.PROVINCE_ROLES)
APPROVER = frozenset({Role.APPROVER})


@dataclass(frozen=True)
class Transition:
    source: str
    action: Action
    target: str
    roles: frozenset


TRANSITIONS = (
    Transition(Status.DRAFT, Action.EDIT, Status.DRAFT, WARD),
    Transition(Status.RETURNED, Action.EDIT, Status.RETURNED, WARD),
    Transition(Status.DRAFT, Action.SUBMIT, Status.SUBMITTED, HEAD),
    Transition(Status.RETURNED, Action.SUBMIT, Status.SUBMITTED, HEAD),
    Transition(Status.SUBMITTED, Action.START_REVIEW, Status.IN_REVIEW, PROVINCE),
    Transition(Status.IN_REVIEW, Action.START_REVIEW, Status.IN_REVIEW, PROVINCE),
    Transition(Status.SUBMITTED, Action.VERDICT, Status.IN_REVIEW, PROVINCE),
    Transition(Status.IN_REVIEW, Action.VERDICT, Status.IN_REVIEW, PROVINCE),
    Transition(Status.SUBMITTED, Action.RETURN, Status.RETURNED, PROVINCE),
    Transition(Status.IN_REVIEW, Action.RETURN, Status.RETURNED, PROVINCE),
    # Only from "in review": an approval always follows a review of the round being approved.
    Transition(Status.IN_REVIEW, Action.APPROVE, Status.APPROVED, APPROVER),
    Transition(Status.APPROVED, Action.REOPEN, Status.IN_REVIEW, APPROVER),
)
TABLE = {(t.source, t.action): t for t in TRANSITIONS}
ROLES_FOR = {action: frozenset().union(*(t.roles for t in TRANSITIONS if t.action == action)) for action in Action}


class InvalidTransition(PermissionDenied):
    """The user may take this action, but not in the assessment's current status (e.g. a lost race)."""


def _in_scope(membership: Membership, assessment: Assessment) -> bool:
    if membership.role in Membership.WARD_ROLES:
        return membership.ward_id == assessment.ward_id
    if membership.role in Membership.PROVINCE_ROLES:
        province_id = assessment.ward.province_id
        if membership.province_id == province_id:
            return True
        # A predecessor province's years are its successor's to finish: a 2024 round still open when the
        # province merged, a 2024 decision to reopen (nobody is left on the province that ended).
        return ProvinceLineage.objects.filter(successor_id=membership.province_id, predecessor_id=province_id).exists()
    return False


def may_act(user, action: Action, assessment: Assessment) -> bool:
    """Whether the user's role and scope allow the action at all (whatever the assessment's status)."""
    membership = membership_of(user)
    return membership is not None and membership.role in ROLES_FOR[action] and _in_scope(membership, assessment)


def can(user, action: Action, assessment: Assessment) -> bool:
    """Whether the user may take the action on the assessment now."""
    transition = TABLE.get((assessment.status, action))
    return transition is not None and may_act(user, action, assessment) and membership_of(user).role in transition.roles


def require(user, action: Action, assessment: Assessment) -> Transition:
    """The transition the action makes, for a locked assessment. Refuses with PermissionDenied a user whose
    role or scope does not allow the action, and with InvalidTransition an action the status does not allow."""
    if not may_act(user, action, assessment):
        raise PermissionDenied(who_may(action))
    transition = TABLE.get((assessment.status, action))
    if transition is None:
        raise InvalidTransition(state_message(assessment, action))
    if membership_of(user).role not in transition.roles:
        raise PermissionDenied(who_may(action))
    return transition


def state_message(assessment: Assessment, action: Action) -> str:
    text = _("Hồ sơ đang ở trạng thái «%(status)s», không %(action)s được.") % {
        "status": assessment.get_status_display(),
        "action": ACTION_LABELS[action],
    }
    if action == Action.APPROVE and assessment.status == Status.SUBMITTED:
        text += " " + _("Hãy bắt đầu thẩm định vòng này trước khi phê duyệt.")
    return text


def after_race(refusal) -> str:
    """A status refusal (its message, or the InvalidTransition itself) as the loser of a race reads it."""
    text = refusal.args[0] if isinstance(refusal, Exception) and refusal.args else str(refusal)
    return _("%(error)s Có thể người khác vừa thao tác trước bạn.") % {"error": text}


def who_may(action: Action) -> str:
    roles = ROLES_FOR[action]
    if roles == HEAD:
        return _("Chỉ Trưởng Công an phường được gửi hồ sơ.")
    if roles == WARD:
        return _("Chỉ cán bộ Công an phường này được sửa hồ sơ.")
    if roles == APPROVER:
        return _("Chỉ lãnh đạo phê duyệt của tỉnh được %(action)s hồ sơ.") % {"action": ACTION_LABELS[action]}
    return _("Chỉ cán bộ thẩm định của tỉnh được thao tác này.")
