"""The admin cannot go around the workflow: no deleting verdicts, moving assessments, or editing a set in use."""

import pytest

from criteria.models import Criterion, Indicator
from tests.factories import AssessmentFactory
from wards.models import Verdict

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
