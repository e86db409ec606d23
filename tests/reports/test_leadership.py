"""The leadership page: the province at a glance, from the same data and charts as the report."""

import re

import pytest

from tests.factories import AssessmentFactory, WardFactory, fill_assessment

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
    # 22 measured: the year's picture (its reader's scope checked), the year before's counts only (2), the
    # province's lineage and certifications read once for both years (2), the wards' page counted by the picture.
    with django_assert_max_num_queries(22) as few:
        client.get("/lanh-dao/?year=2026")
    for _ in range(8):
        a = AssessmentFactory(ward=WardFactory(district=approved.ward.district), criteria_set=criteria_set)
        fill_assessment(a)
        AssessmentFactory(ward=a.ward, year=2025, criteria_set=criteria_set)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/lanh-dao/?year=2026").status_code == 200
