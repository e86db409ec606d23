"""The database itself guards the invariants, whatever code path writes."""

import datetime
import re

import pytest
from django.db import IntegrityError, transaction

from criteria.models import Indicator
from tests.factories import AssessmentFactory, UserFactory
from wards.models import Decision, IndicatorValue, Membership, RoadmapTarget

pytestmark = pytest.mark.django_db


def _rejected(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(**fields)


@pytest.fixture
def indicator(criteria_set):
    return Indicator.objects.get(criteria_set=criteria_set, code="10.1")


def test_one_assessment_per_ward_year_and_set(assessment):
    with pytest.raises(IntegrityError), transaction.atomic():
        AssessmentFactory(ward=assessment.ward, year=assessment.year, criteria_set=assessment.criteria_set)
    AssessmentFactory(ward=assessment.ward, year=assessment.year - 1, criteria_set=assessment.criteria_set)


def test_one_value_per_indicator_per_assessment(assessment, indicator):
    IndicatorValue.objects.create(assessment=assessment, indicator=indicator, count=0)
    _rejected(assessment=assessment, indicator=indicator, count=1)


@pytest.mark.parametrize("field", ["count", "excluded", "numerator", "denominator", "last_year"])
def test_counts_cannot_be_negative(assessment, indicator, field):
    _rejected(assessment=assessment, indicator=indicator, **{field: -1})


def test_numerator_cannot_exceed_denominator(assessment, indicator):
    _rejected(assessment=assessment, indicator=indicator, numerator=31, denominator=30)
    IndicatorValue.objects.create(assessment=assessment, indicator=indicator, numerator=30, denominator=30)


def test_exclusions_cannot_exceed_the_count(assessment, indicator):
    _rejected(assessment=assessment, indicator=indicator, count=1, excluded=2)


@pytest.mark.parametrize(
    "role, with_ward, with_province",
    [
        (Membership.Role.WARD_OFFICER, False, True),
        (Membership.Role.WARD_HEAD, True, True),
        (Membership.Role.REVIEWER, False, False),
        (Membership.Role.APPROVER, True, True),
        (Membership.Role.LEADERSHIP, True, False),
        (Membership.Role.ADMIN, False, True),
    ],
)
def test_roles_must_be_scoped_as_their_kind_requires(ward, role, with_ward, with_province):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=UserFactory(),
            role=role,
            ward=ward if with_ward else None,
            province=ward.province if with_province else None,
        )


def test_roadmap_target_is_a_count_or_a_share(ward):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoadmapTarget.objects.create(province=ward.province, year=2025, basis="Đề án", target_count=10, target_share=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoadmapTarget.objects.create(province=ward.province, year=2025, basis="Đề án")
    RoadmapTarget.objects.create(province=ward.province, year=2025, basis="Đề án", target_share=30)


def test_certification_needs_every_criterion_passed(assessment):
    approver = UserFactory()
    fields = dict(assessment=assessment, number="1/QĐ", decided_on=datetime.date(2026, 12, 20), approver=approver)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(outcome=Decision.Outcome.CERTIFIED, criteria_passed=21, criteria_total=22, **fields)
    decision = Decision.objects.create(
        outcome=Decision.Outcome.NOT_CERTIFIED, criteria_passed=21, criteria_total=22, **fields
    )
    assert decision.label == "Chưa đạt chuẩn (21/22 tiêu chí)"


def test_the_admin_refuses_an_assessment_for_a_year_the_ward_did_not_exist(client, criteria_set, ward):
    from tests.factories import user_with_role

    ward.valid_to = datetime.date(2025, 12, 31)
    ward.save()
    admin_user = user_with_role(Membership.Role.ADMIN, username="quantri_year")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    form = {
        "ward": ward.pk,
        "year": 2026,
        "criteria_set": criteria_set.pk,
        "deadline": "15/11/2026",
        "values-TOTAL_FORMS": 0,
        "values-INITIAL_FORMS": 0,
        "verdicts-TOTAL_FORMS": 0,
        "verdicts-INITIAL_FORMS": 0,
    }
    response = client.post("/quan-tri/wards/assessment/add/", form)
    assert response.status_code == 200
    assert "không tồn tại vào ngày 15/11/2026" in response.content.decode()
    assert not ward.assessments.exists()
    form["year"] = 2025
    form["deadline"] = "15/11/2025"
    response = client.post("/quan-tri/wards/assessment/add/", form)
    assert response.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)
    assert ward.assessments.get().year == 2025


@pytest.mark.parametrize("year", [1999, 2150, 12345])
def test_an_assessment_year_outside_2000_2100_is_refused(criteria_set, ward, year):
    from django.core.exceptions import ValidationError

    from wards.models import Assessment

    assessment = Assessment(ward=ward, year=year, criteria_set=criteria_set, deadline=datetime.date(2026, 11, 15))
    with pytest.raises(ValidationError, match="Năm đánh giá phải từ 2000 đến 2100"):
        assessment.full_clean()
