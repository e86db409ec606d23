"""Who may do what, written once. The services raise on it, the views answer 403 from it, the templates hide
what a user may not do with its `{% can %}` tag. Scope (which wards and provinces a user sees) stays in the
lookups (wards.selectors, reports.selectors), so a forgotten check there is a 404, never a leak.

The assessment's own actions (edit, submit, review, return, approve, reopen) are the transitions of
wards.workflow's table; the others are below, by role.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy

from wards import workflow
from wards.models import Membership
from wards.selectors import membership_of, provinces_administered_by

Role = Membership.Role


class Action(StrEnum):
    READ_PROVINCE = "read_province"  # the review queue and pages, dashboards and reports of a province
    READ_NATIONAL = "read_national"  # the provinces side by side and the national report (the ministry)
    SEE_ERROR_DETAILS = "see_error_details"  # the technical detail of a failed render
    MANAGE_ROUNDS = "manage_rounds"  # open a province's year (Mở đợt đánh giá), set its reporting calendar
    MANAGE_PEOPLE = "manage_people"  # import, invite, deactivate a province's users
    SET_UP_PROVINCE = "set_up_province"  # load a province of the national list
    GRANT_EXTENSION = "grant_extension"  # let one ward submit after the deadline (its province's people)
    ISSUE_DECISIONS = "issue_decisions"  # one decision for several wards of a year (the page; each ward's
    # approval is still the workflow's, wards.workflow)


RULES = {
    Action.READ_PROVINCE: frozenset({Role.REVIEWER, Role.APPROVER, Role.LEADERSHIP, Role.ADMIN, Role.PROVINCE_ADMIN}),
    # Leadership only when it has no province (the ministry's): see can().
    Action.READ_NATIONAL: frozenset({Role.LEADERSHIP, Role.ADMIN}),
    Action.SEE_ERROR_DETAILS: frozenset({Role.ADMIN}),
    # A province's administrator, for that province only: the province comes from
    # wards.selectors.provinces_administered_by, which the pages look up and the services check.
    Action.MANAGE_ROUNDS: frozenset({Role.ADMIN, Role.PROVINCE_ADMIN}),
    Action.MANAGE_PEOPLE: frozenset({Role.ADMIN, Role.PROVINCE_ADMIN}),
    Action.SET_UP_PROVINCE: frozenset({Role.ADMIN}),
    Action.GRANT_EXTENSION: frozenset({Role.REVIEWER, Role.APPROVER, Role.PROVINCE_ADMIN, Role.ADMIN}),
    Action.ISSUE_DECISIONS: frozenset({Role.APPROVER}),
}
REFUSALS = {
    Action.READ_PROVINCE: gettext_lazy("Trang này dành cho cán bộ thẩm định và lãnh đạo."),
    Action.READ_NATIONAL: gettext_lazy("Trang này dành cho lãnh đạo cấp Bộ và quản trị."),
    Action.SEE_ERROR_DETAILS: gettext_lazy("Chỉ quản trị xem được chi tiết kỹ thuật."),
    Action.MANAGE_ROUNDS: gettext_lazy("Chỉ quản trị mở được đợt đánh giá và đặt lịch báo cáo."),
    Action.MANAGE_PEOPLE: gettext_lazy("Chỉ quản trị quản lý được người dùng."),
    Action.SET_UP_PROVINCE: gettext_lazy("Chỉ quản trị toàn quốc thiết lập được tỉnh/thành phố."),
    Action.GRANT_EXTENSION: gettext_lazy("Chỉ cán bộ của tỉnh/thành phố cho gia hạn được."),
    Action.ISSUE_DECISIONS: gettext_lazy("Chỉ lãnh đạo phê duyệt của tỉnh/thành phố ra được quyết định."),
}


def role_of(user) -> str | None:
    """The user's role; a Django superuser counts as an administrator."""
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    membership = membership_of(user)
    return membership.role if membership is not None else None


def _transition(action) -> workflow.Action | None:
    """The workflow's action of that name, or None for the actions granted by role below."""
    return workflow.Action(action) if action in workflow.Action._value2member_map_ else None


def can(user, action, assessment=None) -> bool:
    """Whether the user may take the action (on the assessment, for the workflow's actions) now."""
    if (transition := _transition(action)) is not None:
        return assessment is not None and workflow.can(user, transition, assessment)
    role = role_of(user)
    if action == Action.READ_NATIONAL and role == Role.LEADERSHIP:
        return membership_of(user).province_id is None  # a province's leadership reads its own province only
    return role in RULES[Action(action)]


def require_province(user, action, province) -> None:
    """Refuse unless the user may take a province's administrative action on that province: the role (403 when
    missing) and the scope (their own province for a province's administrator)."""
    require(user, action)
    if not provinces_administered_by(user).filter(pk=province.pk).exists():
        raise PermissionDenied(gettext_lazy("Tỉnh/thành phố này không thuộc phạm vi quản trị của bạn."))


def require(user, action, assessment=None) -> None:
    """Refuse (PermissionDenied, or workflow.InvalidTransition for a status that does not allow it) unless
    the user may take the action."""
    if (transition := _transition(action)) is not None:
        workflow.require(user, transition, assessment)
        return
    if not can(user, action):
        raise PermissionDenied(REFUSALS[Action(action)])
