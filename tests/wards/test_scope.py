"""Who sees what: the selectors every view goes through, and the home page built on them."""

import re

import pytest

from criteria.models import Indicator
from tests.factories import AssessmentFactory, UserFactory, WardFactory
from wards import services
from wards.models import Assessment, IndicatorValue
from wards.selectors import assessments_visible_to, wards_visible_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_assessments(criteria_set, ward, other_ward, foreign_ward):
    return {w.name: AssessmentFactory(ward=w, criteria_set=criteria_set) for w in (ward, other_ward, foreign_ward)}


@pytest.mark.parametrize(
    "who, sees",
    [
        ("officer", {"Cái Khế"}),
        ("head", {"Cái Khế"}),
        ("other_ward_officer", {"An Cư"}),
        ("reviewer", {"Cái Khế", "An Cư"}),
        ("approver", {"Cái Khế", "An Cư"}),
        ("leader", {"Cái Khế", "An Cư"}),
        ("foreign_reviewer", {"Trần Phú"}),
        ("foreign_leader", {"Trần Phú"}),
        ("national_leader", {"Cái Khế", "An Cư", "Trần Phú"}),
        ("admin", {"Cái Khế", "An Cư", "Trần Phú"}),
    ],
)
def test_each_role_sees_exactly_its_scope(people, three_assessments, who, sees):
    user = people[who]
    assert set(wards_visible_to(user=user).values_list("name", flat=True)) == sees
    assert set(assessments_visible_to(user=user).values_list("ward__name", flat=True)) == sees


def test_a_user_without_a_role_sees_nothing(three_assessments):
    user = UserFactory()
    assert not wards_visible_to(user=user).exists()
    assert not assessments_visible_to(user=user).exists()


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/dang-nhap/")


def test_ward_officer_home_lists_only_their_ward(client, people, three_assessments):
    client.force_login(people["officer"])
    page = client.get("/").content.decode()
    assert "Cái Khế" in page
    assert "An Cư" not in page and "Trần Phú" not in page
    assert f"{three_assessments['Cái Khế'].deadline:%d/%m/%Y}" in page


def test_reviewer_home_lists_their_province_only(client, people, three_assessments):
    client.force_login(people["reviewer"])
    page = client.get("/").content.decode()
    assert "Cái Khế" in page and "An Cư" in page
    assert "Trần Phú" not in page


def test_home_shows_the_computed_result(client, people, three_assessments):
    assessment = three_assessments["Cái Khế"]
    indicator = Indicator.objects.get(criteria_set=assessment.criteria_set, code="2.1")
    # Through the ward's save, which stores the result the home page lists.
    services.assessment_save(
        assessment=assessment,
        user=people["officer"],
        figures={indicator.pk: {"yes": True}},
        narratives={},
        base_revision=0,
    )
    client.force_login(people["officer"])
    page = " ".join(re.sub(r"<[^>]+>", " ", client.get("/").content.decode()).split())
    assert "Đủ số liệu 1/22 · đạt 1/22 tiêu chí" in page


def test_user_without_role_is_told_so(client, three_assessments):
    client.force_login(UserFactory())
    assert "chưa được phân vai trò" in client.get("/").content.decode()


def test_home_query_count_does_not_grow_with_wards_and_values(
    client, people, criteria_set, ward, django_assert_max_num_queries
):
    indicators = list(Indicator.objects.filter(criteria_set=criteria_set))

    def add_wards(n):
        for _ in range(n):
            a = AssessmentFactory(ward=WardFactory(district=ward.district), criteria_set=criteria_set)
            IndicatorValue.objects.bulk_create(IndicatorValue(assessment=a, indicator=i, count=0) for i in indicators)

    client.force_login(people["reviewer"])
    add_wards(2)
    # 17: last year's counts take three queries (lineage links, last year's assessments, their figures), the
    # deadline extensions one.
    with django_assert_max_num_queries(17) as small:
        assert client.get("/").status_code == 200
    add_wards(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/")
    assert response.status_code == 200
    assert Assessment.objects.count() == 22
