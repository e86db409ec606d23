"""Every figure and page of the documents right: who is counted, what the roadmap claims, what the PDF keeps
together, and which year the leadership page shows."""

import io
import re
import unicodedata

import pytest
from django.utils import timezone
from pypdf import PdfReader

from reports import charts, documents
from reports.models import RenderJob
from tests.factories import AssessmentFactory, WardFactory, fill_assessment
from wards.models import IndicatorValue, RoadmapTarget

pytestmark = pytest.mark.django_db


def text(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def pages_text(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(unicodedata.normalize("NFC", p.extract_text()).split()) for p in reader.pages]


@pytest.fixture
def half_in(people, approved, criteria_set):
    """`approved` (submitted, reviewed, decided) and three drafts of the same province and year, empty."""
    drafts = [
        AssessmentFactory(ward=WardFactory(district=approved.ward.district, name=name), criteria_set=criteria_set)
        for name in ("An Bình", "Hưng Lợi", "Xuân Khánh")
    ]
    return approved, drafts


# --- 11. The province report counts only what was submitted ------------------------------------------------


def test_the_province_report_counts_only_submitted_assessments_and_names_the_drafts(half_in):
    approved, _drafts = half_in
    data = documents.province_report_data(approved.ward.province, approved.year)
    assert data["wards"] == 1 and data["drafts"] == 3
    assert data["distribution"] == [{"k": 22, "wards": 1}]  # computed 22/22 from the figures, drafts not in
    assert all(r["passes"] == 1 and r["rate_text"] == "100,0" for r in data["rates"])
    page = " ".join(pages_text(documents.render_pdf("province_report", data)[0]))
    assert "1 phường đã gửi hồ sơ đánh giá, 3 phường chưa gửi (không tính)" in page
    assert "An Bình, Hưng Lợi, Xuân Khánh." in page
    assert "0/" not in page.split("II.")[1].split("III.")[0]


def test_the_leadership_page_counts_as_the_report_does(client, people, half_in):
    client.force_login(people["leader"])
    page = text(client.get("/lanh-dao/?year=2026"))
    assert "1 phường đã gửi hồ sơ · 3 phường chưa gửi" in page


# --- 12. The roadmap never shows a future year as achieved -------------------------------------------------


def test_future_milestones_show_their_target_only(approved):
    province = approved.ward.province
    for year, count in ((2025, 1), (2026, 1), (2028, 3), (2030, 5)):
        RoadmapTarget.objects.create(province=province, year=year, target_count=count, basis="Đề án")
    data = documents.province_report_data(province, 2026)
    rows = {r["year"]: r for r in data["roadmap"]}
    assert rows[2028]["certified"] is None and rows[2030]["certified"] is None
    assert rows[2028]["met"] is False and rows[2026]["certified"] is not None
    svg = str(data["charts"]["roadmap"])
    assert svg.count("<rect") == 2  # bars for 2025 and 2026 only; 2028 and 2030 have their red mark


def test_the_roadmap_chart_draws_no_bar_for_a_milestone_ahead():
    svg = str(charts.roadmap_chart([(2025, 10, 4), (2030, 42, None)], title="Lộ trình", legend="vạch đỏ: chỉ tiêu"))
    assert svg.count("<rect") == 1 and ">42<" in svg


# --- 13. Layout ------------------------------------------------------------------------------------------------


def test_the_decision_and_the_four_signatures_share_a_page(approved):
    pages = pages_text(documents.render_pdf("dossier", documents.dossier_data(approved))[0])
    with_decision = [p for p in pages if "V. Quyết định" in p]
    assert len(with_decision) == 1
    for role in ("NGƯỜI LẬP", "TRƯỞNG CÔNG AN PHƯỜNG", "CÁN BỘ THẨM ĐỊNH", "LÃNH ĐẠO PHÊ DUYỆT"):
        assert role in with_decision[0]


def test_the_province_report_has_a_full_date_and_its_signers(approved, people):
    for role, (last, first) in {"reviewer": ("Trần Thị", "Bình"), "approver": ("Lê Văn", "Cường")}.items():
        people[role].last_name, people[role].first_name = last, first
        people[role].save()
    data = documents.province_report_data(approved.ward.province, approved.year)
    page = " ".join(pages_text(documents.render_pdf("province_report", data)[0]))
    assert documents.vn_date(timezone.localdate()) in page
    assert "Trần Thị Bình" in page and "Lê Văn Cường" in page


def test_a_force_majeure_reason_gets_a_row_of_its_own(approved):
    reason = "Bão số 5 làm đổ cây, gây tai nạn liên hoàn trên Quốc lộ 91, ngoài khả năng phòng ngừa của phường"
    IndicatorValue.objects.filter(assessment=approved, indicator__code="10.2").update(
        count=1, excluded=1, exclusion_reason=reason
    )
    data = documents.dossier_data(approved)
    row = next(i for g in data["groups"] for c in g["criteria"] for i in c["indicators"] if i["code"] == "10.2")
    assert row["now"] == "1 (bất khả kháng 1)" and row["note"] == f"Lý do bất khả kháng: {reason}"
    html = documents.render_to_string("pdf/dossier.html", {"d": data, "font_dir": ""})
    assert re.search(r'<td colspan="5" class="small">\s*Lý do bất khả kháng: Bão số 5', html)


# --- 10 and 4. The year asked for is the year shown; impossible years are 404 ------------------------------


def test_leadership_opens_on_the_current_assessment_year(client, people, approved, criteria_set):
    last = AssessmentFactory(ward=approved.ward, year=timezone.localdate().year - 1, criteria_set=criteria_set)
    fill_assessment(last)
    client.force_login(people["leader"])
    response = client.get("/lanh-dao/")
    assert response.context["year"] == timezone.localdate().year


def test_a_year_without_assessments_is_said_not_replaced(client, people, approved):
    client.force_login(people["leader"])
    response = client.get("/lanh-dao/?year=2019")
    assert response.context["year"] == 2019
    assert "chưa có hồ sơ đánh giá nào năm 2019" in text(response)


@pytest.mark.parametrize("year", ["99999999", "1", "0001", "2019"])
def test_a_report_for_an_impossible_or_empty_year_is_a_404_and_no_job(client, people, approved, year):
    client.force_login(people["leader"])
    code = approved.ward.province.code
    assert client.post(f"/bao-cao/{code}/{year}/").status_code == 404
    assert client.post(f"/bao-cao/{code}/{year}/ho-so/").status_code == 404
    assert not RenderJob.objects.filter(document=None).exists()  # only the approval's issued documents


def test_dates_are_written_as_nghi_dinh_30_writes_them():
    import datetime

    assert documents.vn_date(datetime.date(2026, 2, 5)) == "ngày 05 tháng 02 năm 2026"
    assert documents.vn_date(datetime.date(2026, 3, 20)) == "ngày 20 tháng 3 năm 2026"
    assert documents.vn_date(datetime.date(2026, 11, 15)) == "ngày 15 tháng 11 năm 2026"


def test_the_drafts_list_is_in_vietnamese_order(approved, criteria_set):
    for name in ("Thới Bình", "Tân An", "Châu Văn Liêm", "Cái Khế 2"):
        AssessmentFactory(ward=WardFactory(district=approved.ward.district, name=name), criteria_set=criteria_set)
    data = documents.province_report_data(approved.ward.province, approved.year)
    assert [w["ward"] for w in data["drafts_list"]] == ["Cái Khế 2", "Châu Văn Liêm", "Tân An", "Thới Bình"]
