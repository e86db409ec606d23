"""The national view: the provinces of a year's map side by side, counted in SQL, and the national report."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from reports import documents, national, services, tasks
from reports.models import RenderJob
from tests.factories import (
    AssessmentFactory,
    DistrictFactory,
    ProvinceFactory,
    UserFactory,
    WardFactory,
    fill_assessment,
    user_with_role,
)
from wards.map import OLD_MAP_LAST_DAY, REFORM_DATE
from wards.models import Assessment, Decision, Membership, ProvinceLineage, RoadmapTarget, Ward
from wards.services import scores

pytestmark = pytest.mark.django_db
S = Assessment.Status


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def decide(assessment, *, certified=True, revoked=False):
    return Decision.objects.create(
        assessment=assessment,
        outcome=Decision.Outcome.CERTIFIED if certified else Decision.Outcome.NOT_CERTIFIED,
        criteria_passed=22 if certified else 21,
        criteria_total=22,
        number=f"{assessment.pk}/QĐ-CAT",
        decided_on=datetime.date(assessment.year, 12, 1),
        approver=UserFactory(),
        revoked_at=timezone.now() if revoked else None,
    )


def assessed(ward, criteria_set, *, status, year=2026, skip=()):
    """An assessment with figures (passing but for the indicators in skip) and its stored score."""
    a = AssessmentFactory(ward=ward, year=year, criteria_set=criteria_set)
    fill_assessment(a, skip=skip)
    Assessment.objects.filter(pk=a.pk).update(status=status)
    a.refresh_from_db()
    scores.rescore([a])
    return a


@pytest.fixture
def two_provinces(criteria_set):
    """Cần Thơ: 3 phường on the map (a commune and a ward that ended are not), one certified in 2026, one
    submitted failing TC7 (its old certification revoked), one draft; a roadmap of 2 by 2026 (behind).
    An Giang: 2 phường, both submitted (one missing TC7 and TC13, and failing TC16 against its own 2025 figures),
    one certified in 2025; 2 by 2030 (ahead)."""
    can_tho = ProvinceFactory(code="92", name="Cần Thơ")
    d = DistrictFactory(province=can_tho)
    a1, a2, a3 = (WardFactory(district=d, name=n) for n in ("Cái Khế", "An Hòa", "Tân An"))
    WardFactory(district=d, name="Mỹ Khánh", kind=Ward.Kind.COMMUNE)
    WardFactory(district=d, name="An Lạc", valid_to=datetime.date(2024, 12, 31))
    decide(assessed(a1, criteria_set, status=S.APPROVED))
    decide(assessed(a2, criteria_set, status=S.SUBMITTED, skip={"7.1"}), revoked=True)
    assessed(a3, criteria_set, status=S.DRAFT, skip={"1.1", "2.1"})
    RoadmapTarget.objects.create(province=can_tho, year=2026, target_count=2, basis="Đề án 03/ĐA-UBND")

    an_giang = ProvinceFactory(code="89", name="An Giang")
    e = DistrictFactory(province=an_giang)
    b1, b2 = WardFactory(district=e, name="Mỹ Bình"), WardFactory(district=e, name="Long Xuyên")
    decide(assessed(b1, criteria_set, status=S.APPROVED, year=2025))
    assessed(b1, criteria_set, status=S.SUBMITTED, skip={"7.1", "13.2"})
    assessed(b2, criteria_set, status=S.IN_REVIEW)
    RoadmapTarget.objects.create(province=an_giang, year=2030, target_count=2, basis="Nghị quyết")
    return can_tho, an_giang


@pytest.fixture
def minister():
    return user_with_role(Membership.Role.LEADERSHIP, username="bo_truong")


def test_the_figures_of_each_province_are_counted_from_the_stored_scores_and_decisions(two_provinces):
    data = national.national_year(2026)
    rows = {r.province.code: r for r in data.rows}
    assert [r.province.name for r in data.rows] == ["An Giang", "Cần Thơ"]  # by name
    can_tho, an_giang = rows["92"], rows["89"]
    assert (can_tho.wards, can_tho.submitted, can_tho.certified, can_tho.certified_total) == (3, 2, 1, 1)
    assert can_tho.status == "behind" and can_tho.milestone == {"year": 2026, "target": 2, "certified": 1, "due": True}
    assert [(w.code, w.passes, w.counted) for w in can_tho.weakest] == [("TC7", 1, 2)]
    assert (an_giang.wards, an_giang.submitted, an_giang.certified, an_giang.certified_total) == (2, 2, 0, 1)
    assert an_giang.status == "on_track" and an_giang.milestone["year"] == 2030 and not an_giang.milestone["due"]
    assert [(w.code, w.rate_text) for w in an_giang.weakest] == [("TC7", "50,0"), ("TC13", "50,0"), ("TC16", "50,0")]
    assert [(w.code, w.passes, w.counted) for w in data.weakest] == [("TC7", 2, 4), ("TC13", 3, 4), ("TC16", 3, 4)]
    assert data.totals == {
        "provinces": 2,
        "wards": 5,
        "submitted": 4,
        "certified": 1,
        "certified_total": 2,
        "behind": 1,
    }


def test_a_year_before_the_reform_shows_the_old_map_and_drills_into_the_province_of_today(criteria_set):
    old = ProvinceFactory(code="93", name="Hậu Giang", valid_to=OLD_MAP_LAST_DAY)
    new = ProvinceFactory(code="92", name="Cần Thơ", valid_from=REFORM_DATE)
    ProvinceLineage.objects.create(successor=new, predecessor=old)
    old_ward = WardFactory(district=DistrictFactory(province=old), valid_to=OLD_MAP_LAST_DAY)
    WardFactory(province=new, district=None, valid_from=REFORM_DATE)
    WardFactory(province=new, district=None, valid_from=REFORM_DATE)
    assessed(old_ward, criteria_set, status=S.SUBMITTED, year=2024)
    before = {r.province.name: r for r in national.national_year(2024).rows}
    assert list(before) == ["Hậu Giang"] and before["Hậu Giang"].wards == 1 and before["Hậu Giang"].submitted == 1
    assert before["Hậu Giang"].drill_code == "92"
    after = {r.province.name: r for r in national.national_year(2026).rows}
    assert list(after) == ["Cần Thơ"] and after["Cần Thơ"].wards == 2 and after["Cần Thơ"].drill_code == "92"


def codes_in_order(response) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', response.content.decode())


def test_the_page_lists_the_provinces_sorts_by_each_column_and_drills_into_each(client, two_provinces, minister):
    client.force_login(minister)
    response = client.get("/lanh-dao/toan-quoc/?year=2026")
    assert response.status_code == 200
    page = text(response)
    assert "Toàn quốc — năm 2026" in page and "2 tỉnh/thành phố · 5 phường · 4 hồ sơ đã gửi" in page
    assert "Chậm tiến độ" in page and "đạt 1/2 phường, mốc 2026" in page and "TC7 (50,0%)" in page
    html = response.content.decode()
    assert 'href="/lanh-dao/?province=92&amp;year=2026"' in html and "<svg" in html
    assert codes_in_order(response) == ["89", "92"]
    expected = {
        "-name": ["92", "89"],
        "-wards": ["92", "89"],
        "wards": ["89", "92"],
        "-certified": ["92", "89"],
        "status": ["92", "89"],  # behind first
        "-status": ["89", "92"],
        "weakest": ["89", "92"],  # An Giang's weakest (TC7 50%) ties Cần Thơ's: by name
        "bogus": ["89", "92"],
    }
    for sort, order in expected.items():
        assert codes_in_order(client.get(f"/lanh-dao/toan-quoc/?year=2026&sort={sort}")) == order, sort
    # The header of the sorted column links to the other direction and says how it is sorted.
    sorted_page = client.get("/lanh-dao/toan-quoc/?year=2026&sort=-submitted").content.decode()
    assert 'aria-sort="descending"' in sorted_page and 'href="?year=2026&amp;sort=submitted"' in sorted_page
    # Drilling in: the province's leadership page of that year.
    assert client.get("/lanh-dao/?province=92&year=2026").status_code == 200


def test_the_ministry_lands_on_the_national_view_and_finds_it_in_the_menu(client, minister, people):
    client.force_login(minister)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/lanh-dao/toan-quoc/"
    assert 'id="nav-national"' in response.content.decode()
    client.force_login(people["leader"])
    assert 'id="nav-national"' not in client.get("/lanh-dao/").content.decode()


def _add_province(criteria_set, n):
    province = ProvinceFactory(code=f"X{n}", name=f"Tỉnh thêm {n}")
    district = DistrictFactory(province=province)
    RoadmapTarget.objects.create(province=province, year=2026, target_count=1, basis="Đề án")
    for i in range(3):
        ward = WardFactory(district=district)
        a = assessed(ward, criteria_set, status=S.APPROVED if i == 0 else S.SUBMITTED, skip=() if i == 0 else {"5.1"})
        if i == 0:
            decide(a)


def test_the_page_query_count_does_not_depend_on_the_number_of_provinces_or_wards(
    client, two_provinces, minister, criteria_set
):
    client.force_login(minister)
    with CaptureQueriesContext(connection) as two:
        assert client.get("/lanh-dao/toan-quoc/?year=2026&sort=status").status_code == 200
    for n in range(3):
        _add_province(criteria_set, n)
    with CaptureQueriesContext(connection) as five:
        response = client.get("/lanh-dao/toan-quoc/?year=2026&sort=status")
    assert len(codes_in_order(response)) == 5
    assert len(five.captured_queries) == len(two.captured_queries) <= 20


@pytest.mark.parametrize("who", ["officer", "head", "reviewer", "approver", "leader", "foreign_leader", "no_role"])
def test_anyone_but_the_ministry_and_administrators_is_refused_the_page_and_the_report(client, people, who):
    client.force_login(UserFactory() if who == "no_role" else people[who])
    assert client.get("/lanh-dao/toan-quoc/").status_code == 403
    assert client.post("/lanh-dao/toan-quoc/2026/pdf/").status_code == 403
    assert not RenderJob.objects.exists()


def test_the_report_request_queues_a_job_at_once_and_the_worker_renders_the_provinces(
    client, two_provinces, minister, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(minister)
    with CaptureQueriesContext(connection) as request_queries:
        response = client.post("/lanh-dao/toan-quoc/2026/pdf/")
    job = RenderJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/pdf/{job.pk}/"
    assert job.kind == RenderJob.Kind.NATIONAL_REPORT and job.year == 2026 and job.province is None
    assert job.content_hash == "" and job.status == RenderJob.Status.QUEUED  # nothing built in the request
    assert not any("criterion_result" in q["sql"].lower() for q in request_queries.captured_queries)
    assert "Toàn quốc — năm 2026" in text(client.get(f"/pdf/{job.pk}/"))
    assert tasks.render_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.status == RenderJob.Status.DONE and job.filename == "bao-cao-toan-quoc-2026.pdf"
    download = client.get(f"/pdf/{job.pk}/tai-ve/")
    pdf = b"".join(download.streaming_content)
    words = " ".join(" ".join(page.extract_text() for page in PdfReader(__import__("io").BytesIO(pdf)).pages).split())
    assert "BỘ CÔNG AN" in words and "BÁO CÁO TỔNG HỢP TOÀN QUỐC" in words
    assert "An Giang" in words and "Cần Thơ" in words and "Chậm tiến độ" in words and "TC7 (50,0%)" in words
    # The same data again: the worker links the finished file instead of rendering it anew.
    again = services.national_report_request(year=2026, user=minister)
    assert again.pk != job.pk
    tasks.render_job(again.pk)
    again.refresh_from_db()
    assert again.file.name == job.file.name and again.content_hash == job.content_hash


def test_a_year_without_assessments_has_no_report_to_request(client, minister):
    client.force_login(minister)
    assert client.post("/lanh-dao/toan-quoc/2019/pdf/").status_code == 404
    assert "Chưa có hồ sơ đánh giá nào năm 2019" in text(client.get("/lanh-dao/toan-quoc/?year=2019"))


def test_each_row_agrees_with_the_province_leadership_page_of_the_same_year(two_provinces, criteria_set):
    """The same figures as the province's own page (reports.documents.province_year_summary), province by
    province: the national view counts them for all at once, the page one province at a time."""
    _add_province(criteria_set, 0)
    for row in national.national_year(2026).rows:
        summary = documents.province_year_summary(row.province, 2026)
        assert (row.wards, row.submitted, row.certified, row.certified_total, row.status) == (
            summary["map_wards"],
            summary["wards"],
            len(summary["certified"]),
            summary["certified_total"],
            summary["roadmap_status"],
        ), row.province.name
        rates = sorted((r for r in summary["rates"] if r["passes"] < summary["wards"]), key=lambda r: r["passes"])
        assert [w.code for w in row.weakest] == [r["code"] for r in rates][: national.WEAKEST]
