"""The leadership page: the province at a glance, from the same data and charts as the report."""

import re

import pytest
from django.db.models import Min

from reports import documents
from tests.factories import AssessmentFactory, WardFactory, fill_assessment
from wards.models import Assessment, in_province
from wards.selectors import stored_distribution

pytestmark = pytest.mark.django_db


def text(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_leadership_lands_on_the_province_summary(client, people, approved):
    client.force_login(people["leader"])
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/lanh-dao/")
    page = text(client.get("/lanh-dao/?year=2026"))
    assert "Phân bố theo số tiêu chí đạt" in page and "Lộ trình" in page and "So với năm 2025" in page
    assert "Xuất báo cáo PDF năm 2026" in page and "Xuất toàn bộ hồ sơ PDF (ZIP)" in page
    html = client.get("/lanh-dao/?year=2026").content.decode()
    assert "<svg" in html and f'href="/ho-so/{approved.pk}/"' in html and f'action="/ho-so/{approved.pk}/pdf/"' in html
    assert "Chưa đạt chuẩn (21/22 tiêu chí)" in page


def test_leadership_page_query_count_is_constant(client, people, approved, criteria_set, django_assert_max_num_queries):
    client.force_login(people["leader"])
    AssessmentFactory(ward=approved.ward, year=2025, criteria_set=criteria_set)
    # 17 measured: the year's picture (its reader's scope checked in the page's list of provinces, without a
    # query), the province's predecessors (read once, then written into every query), its lineage, certifications
    # and every year's counts read once for both years (3; the year before is counted from them), the wards' page
    # counted by the picture.
    with django_assert_max_num_queries(17) as few:
        client.get("/lanh-dao/?year=2026")
    for _ in range(8):
        a = AssessmentFactory(ward=WardFactory(district=approved.ward.district), criteria_set=criteria_set)
        fill_assessment(a)
        AssessmentFactory(ward=a.ward, year=2025, criteria_set=criteria_set)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/lanh-dao/?year=2026").status_code == 200


def test_every_years_counts_are_read_in_one_query_and_agree_with_the_assessments(
    approved, criteria_set, django_assert_num_queries
):
    draft, submitted = Assessment.Status.DRAFT, Assessment.Status.SUBMITTED
    for year, status, passed in [(2026, draft, 22), (2025, submitted, 21), (2025, draft, 3), (2025, submitted, 21)]:
        ward = WardFactory(district=approved.ward.district)
        AssessmentFactory(ward=ward, year=year, criteria_set=criteria_set, status=status, criteria_passed=passed)
    province = approved.ward.province
    assert province.predecessors == []
    with django_assert_num_queries(1):
        counts = documents.year_counts(province)
    lineage = Assessment.objects.filter(in_province(province, "ward__"))
    assert set(counts) == set(lineage.values_list("year", flat=True)) == {2025, 2026}
    for year, counted in counts.items():
        of_year = lineage.filter(year=year)
        assert counted.assessments == of_year.count() and counted.drafts == of_year.filter(status=draft).count()
        assert counted.distribution == stored_distribution(of_year.exclude(status=draft))
        assert counted.criteria_set_id == of_year.aggregate(m=Min("criteria_set_id"))["m"]
    assert counts[2025].distribution == {21: 2} and counts[2025].drafts == 1
