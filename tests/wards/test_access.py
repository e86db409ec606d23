"""Who may do what, from the one policy (wards.access, over wards.workflow's table): table-driven."""

import pytest
from django.core.exceptions import PermissionDenied

from reports import services as report_services
from tests.factories import UserFactory
from wards import access, workflow
from wards.models import Assessment

pytestmark = pytest.mark.django_db
S = Assessment.Status
A = workflow.Action

# person → the actions the policy allows them on `assessment` in each status (the fixture's ward).
EXPECTED = {
    "officer": {S.DRAFT: {A.EDIT}, S.RETURNED: {A.EDIT}},
    "head": {S.DRAFT: {A.EDIT, A.SUBMIT}, S.RETURNED: {A.EDIT, A.SUBMIT}},
    "reviewer": {
        S.SUBMITTED: {A.START_REVIEW, A.VERDICT, A.RETURN},
        S.IN_REVIEW: {A.START_REVIEW, A.VERDICT, A.RETURN},
    },
    "approver": {
        S.SUBMITTED: {A.START_REVIEW, A.VERDICT, A.RETURN},
        S.IN_REVIEW: {A.START_REVIEW, A.VERDICT, A.RETURN, A.APPROVE},
        S.APPROVED: {A.REOPEN},
    },
}
PEOPLE = [
    "officer",
    "head",
    "reviewer",
    "approver",
    "leader",
    "national_leader",
    "admin",
    "other_ward_officer",
    "foreign_reviewer",
    "foreign_leader",
]


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("status", S.values)
def test_the_policy_allows_each_workflow_action_exactly_where_the_table_does(people, assessment, person, status):
    assessment.status = status
    allowed = {a for a in A if access.can(people[person], a, assessment)}
    assert allowed == EXPECTED.get(person, {}).get(status, set())


@pytest.mark.parametrize(
    "person, read_province, read_national, error_details",
    [
        ("officer", False, False, False),
        ("head", False, False, False),
        ("reviewer", True, False, False),
        ("approver", True, False, False),
        ("leader", True, False, False),  # a province's leadership reads its own province only
        ("national_leader", True, True, False),
        ("admin", True, True, True),
        ("no_role", False, False, False),
    ],
)
def test_the_policy_answers_the_province_side_the_national_view_and_the_error_details(
    people, person, read_province, read_national, error_details
):
    user = UserFactory() if person == "no_role" else people[person]
    assert access.can(user, access.Action.READ_PROVINCE) is read_province
    assert access.can(user, access.Action.READ_NATIONAL) is read_national
    assert access.can(user, access.Action.SEE_ERROR_DETAILS) is error_details


def test_a_superuser_counts_as_an_administrator():
    user = UserFactory(is_superuser=True)
    assert access.can(user, access.Action.SEE_ERROR_DETAILS) and access.can(user, access.Action.READ_PROVINCE)
    assert access.can(user, access.Action.READ_NATIONAL)


def test_require_refuses_with_permission_denied(people):
    with pytest.raises(PermissionDenied, match="cán bộ thẩm định và lãnh đạo"):
        access.require(people["officer"], access.Action.READ_PROVINCE)


def test_the_render_services_check_scope_themselves(people, assessment, foreign_ward):
    """Called from anywhere but their views (a script, a task, another service), they still refuse."""
    outsider = people["foreign_reviewer"]
    with pytest.raises(PermissionDenied):
        report_services.dossier_request(assessment=assessment, user=outsider)
    with pytest.raises(PermissionDenied):
        report_services.report_request(province=assessment.ward.province, year=assessment.year, user=outsider)
    with pytest.raises(PermissionDenied):
        report_services.bulk_request(province=assessment.ward.province, year=assessment.year, user=outsider)
    job = report_services.dossier_request(assessment=assessment, user=people["leader"])
    with pytest.raises(PermissionDenied):
        report_services.job_retry(job=job, user=outsider)
    bulk = report_services.bulk_request(province=assessment.ward.province, year=assessment.year, user=people["leader"])
    with pytest.raises(PermissionDenied):
        report_services.bulk_zip(bulk, user=outsider)
