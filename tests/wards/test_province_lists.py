"""The pages that list a province's wards (the queue, the province side's home, the leadership page) do not grow
with the province: a page of 50 rows cut in SQL, the same number of queries at 3 wards and at 55 (issue 13)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import user_with_role
from wards.models import Assessment, Membership, Ward
from wards.services import scores

pytestmark = pytest.mark.django_db


def add_wards(criteria_set, district, n, *, start=0, status_of=lambda i: Assessment.Status.DRAFT):
    """n wards of the district's province with a 2026 assessment each, made in bulk and scored (stored results)."""
    wards = Ward.objects.bulk_create(
        Ward(province=district.province, district=district, code=f"L{start + i:05d}", name=f"Phường {start + i}")
        for i in range(n)
    )
    now = timezone.now()
    made = Assessment.objects.bulk_create(
        Assessment(
            ward=w,
            year=2026,
            criteria_set=criteria_set,
            deadline=datetime.date(2026, 12, 31),
            status=status_of(start + i),
            submitted_at=None if status_of(start + i) == Assessment.Status.DRAFT else now - datetime.timedelta(days=i),
        )
        for i, w in enumerate(wards)
    )
    scores.rescore(made)
    return made


def rows_of(html: str, table_id: str) -> int:
    body = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return body.count("<tr")


PAGES = [
    ("reviewer", "/tham-dinh/?year=2026", "queue"),
    ("reviewer", "/?year=2026", "province-wards"),
    ("leader", "/lanh-dao/?year=2026", "wards"),
]


@pytest.mark.parametrize(("who", "url", "table"), PAGES)
def test_a_province_list_costs_the_same_queries_at_3_wards_and_at_55(
    client, people, criteria_set, ward, who, url, table, django_assert_num_queries
):
    add_wards(criteria_set, ward.district, 2)  # with `ward`'s own assessment below: 3
    Assessment.objects.create(ward=ward, year=2026, criteria_set=criteria_set, deadline=datetime.date(2026, 12, 31))
    client.force_login(people[who])
    client.get(url)  # the session and the caches warm
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert rows_of(response.content.decode(), table) == 3
    add_wards(criteria_set, ward.district, 52, start=2)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    html = response.content.decode()
    assert rows_of(html, table) == 50 and "Hiển thị 1–50 trong 55" in html
    second = client.get(f"{url}&trang=2").content.decode()
    assert rows_of(second, table) == 5 and "Hiển thị 51–55 trong 55" in second
    assert rows_of(client.get(f"{url}&page=2").content.decode(), table) == 5  # ?page=N too
    # A page's size is its 50 rows': 55 wards or 550 make the same page.
    assert len(html) < 50 * 1200 + len(second)


def test_the_queue_pages_keep_the_filters_and_open_on_what_needs_action(client, people, criteria_set, ward):
    statuses = [Assessment.Status.DRAFT, Assessment.Status.SUBMITTED, Assessment.Status.IN_REVIEW]
    add_wards(criteria_set, ward.district, 120, status_of=lambda i: statuses[i % 3])
    client.force_login(people["reviewer"])
    response = client.get("/tham-dinh/?year=2026")
    rows = response.context["rows"]
    # 40 submitted first, the longest waiting first, then in review (the drafts are on page 3).
    assert [r.assessment.status for r in rows[:40]] == [Assessment.Status.SUBMITTED] * 40
    waited = [r.assessment.submitted_at for r in rows[:40]]
    assert waited == sorted(waited)
    assert {r.assessment.status for r in rows[40:]} == {Assessment.Status.IN_REVIEW}
    assert "Đang soạn: 40" in response.content.decode() and "Đã gửi: 40" in response.content.decode()
    district = ward.district.code
    html = client.get(f"/tham-dinh/?year=2026&district={district}&passed=0").content.decode()
    assert f'href="?year=2026&amp;district={district}&amp;passed=0&amp;trang=2"' in html
    third = client.get(f"/tham-dinh/?year=2026&district={district}&passed=0&trang=2")
    assert len(third.context["rows"]) == 50
    assert f'href="?year=2026&amp;district={district}&amp;passed=0&amp;trang=3"' in third.content.decode()
    drafts = client.get("/tham-dinh/?year=2026&status=draft")
    assert len(drafts.context["rows"]) == 40 and 'rel="next"' not in drafts.content.decode()  # one page of 40
    submitted = client.get("/tham-dinh/?year=2026&status=submitted&trang=1").context["rows"]
    assert len(submitted) == 40


def test_the_queue_searches_the_ward_names(client, people, criteria_set, ward):
    add_wards(criteria_set, ward.district, 12)
    Assessment.objects.create(ward=ward, year=2026, criteria_set=criteria_set, deadline=datetime.date(2026, 12, 31))
    client.force_login(people["reviewer"])
    found = client.get("/tham-dinh/?year=2026&q=phường 1").context["rows"]
    assert sorted(r.assessment.ward.name for r in found) == ["Phường 1", "Phường 10", "Phường 11"]
    assert [r.assessment.ward.name for r in client.get("/tham-dinh/?year=2026&q=Cái").context["rows"]] == ["Cái Khế"]
    page = client.get("/tham-dinh/?year=2026&q=Cái&status=draft")
    assert 'value="Cái"' in page.content.decode() and len(page.context["rows"]) == 1
    assert client.get("/tham-dinh/?year=2026&q=không có").context["rows"] == []


def test_the_province_home_counts_every_ward_while_listing_a_page(client, people, criteria_set, ward):
    add_wards(criteria_set, ward.district, 60, status_of=lambda i: Assessment.Status.SUBMITTED if i < 7 else "draft")
    client.force_login(people["reviewer"])
    html = client.get("/?year=2026").content.decode()
    assert "Đang soạn: 53" in html and "Đã gửi: 7" in html
    # One option per year, not one per ward.
    assert html.count('<option value="2026"') == 1


def test_the_leadership_summary_counts_every_ward_while_listing_a_page(client, people, criteria_set, ward):
    add_wards(criteria_set, ward.district, 60, status_of=lambda i: Assessment.Status.SUBMITTED if i < 7 else "draft")
    client.force_login(people["leader"])
    response = client.get("/lanh-dao/?year=2026")
    page = " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
    assert "7 phường đã gửi hồ sơ · 53 phường chưa gửi (không tính vào thống kê)" in page
    assert len(response.context["rows"]) == 50


def test_a_reviewer_of_another_province_sees_none_of_the_pages(client, criteria_set, ward, foreign_ward):
    add_wards(criteria_set, ward.district, 3)
    outsider = user_with_role(Membership.Role.REVIEWER, province=foreign_ward.province)
    client.force_login(outsider)
    assert client.get("/tham-dinh/?year=2026").context["rows"] == []
    assert client.get("/tham-dinh/?year=2026&q=Phường").context["rows"] == []
