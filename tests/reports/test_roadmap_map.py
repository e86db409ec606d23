"""Roadmaps across the 2025 merger (issue 11, items 6 and 8): a target counts the wards of its year's map, a
re-based roadmap beside the old one, certifications kept by the ward that earned them, lists by the year's map."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError

from reports import documents
from tests.factories import AssessmentFactory, DistrictFactory, ProvinceFactory, UserFactory, WardFactory
from wards.map import OLD_MAP_LAST_DAY, REFORM_DATE
from wards.models import Assessment, Decision, Province, RoadmapTarget, Ward
from wards.services.divisions import import_divisions

pytestmark = pytest.mark.django_db


def certify(ward, year, criteria_set, *, approver=None):
    """An approved assessment with a certifying decision in force (what the approval service leaves)."""
    assessment = AssessmentFactory(ward=ward, year=year, criteria_set=criteria_set, status=Assessment.Status.APPROVED)
    Decision.objects.create(
        assessment=assessment,
        outcome=Decision.Outcome.CERTIFIED,
        criteria_passed=22,
        criteria_total=22,
        number=f"{assessment.pk}/QĐ-CAT",
        decided_on=datetime.date(year, 12, 1),
        approver=approver or UserFactory(),
    )
    return assessment


NGHI_QUYET_SET_ON = datetime.date(2023, 1, 1)  # before the reform: its milestones count the old map


def quang_ngai_targets(province):
    """The Nghị quyết's roadmap: 2 pilots in 2023, 30% of the remaining wards by 2025, all by 2030."""
    basis = "Nghị quyết của Ban Thường vụ Tỉnh ủy Quảng Ngãi giai đoạn 2023–2030"
    common = {"province": province, "basis": basis, "set_on": NGHI_QUYET_SET_ON}
    RoadmapTarget.objects.create(year=2023, target_count=2, **common)
    RoadmapTarget.objects.create(year=2025, target_share=30, share_of_remaining=True, **common)
    RoadmapTarget.objects.create(year=2030, target_share=100, **common)


def rows_by_year(summary):
    return {r["year"]: r for r in summary["roadmap"]}


# --- The administrator's way: 17 old wards ended, 6 merged ones added, all on ONE province row ---------------


@pytest.fixture
def quang_ngai_one_row(criteria_set):
    province = ProvinceFactory(code="51", name="Quảng Ngãi")
    district = DistrictFactory(province=province, name="Thành phố Quảng Ngãi")
    old = [WardFactory(district=district, valid_to=OLD_MAP_LAST_DAY) for _ in range(17)]
    new = [WardFactory(province=province, district=None, valid_from=REFORM_DATE) for _ in range(6)]
    quang_ngai_targets(province)
    for ward in old[:2]:
        certify(ward, 2023, criteria_set)
    for ward in old[2:7]:
        certify(ward, 2024, criteria_set)
    return province, old, new


def test_before_the_reform_the_2025_milestone_of_the_old_map_was_7_of_17(criteria_set):
    province = ProvinceFactory(code="51", name="Quảng Ngãi")
    district = DistrictFactory(province=province)
    wards = [WardFactory(district=district) for _ in range(17)]
    quang_ngai_targets(province)
    for ward in wards[:2]:
        certify(ward, 2023, criteria_set)
    for ward in wards[2:7]:
        certify(ward, 2024, criteria_set)
    summary = documents.province_year_summary(province, 2024)
    assert rows_by_year(summary)[2025]["target"] == 7  # 2 pilots + 30% of the other 15
    assert rows_by_year(summary)[2030]["target"] == 17


def test_ending_17_wards_and_adding_6_keeps_the_2025_roadmap_on_track_7_of_7(quang_ngai_one_row, criteria_set):
    """The issue's case: the Nghị quyết's milestones were set for the old map, so they count its 17 wards
    (never every ward ever recorded, 23 or 24): 2025 stays "on track, 7/7", 2030 stays 17."""
    province, _old, _new = quang_ngai_one_row
    for year, reached_2025 in ((2024, None), (2025, 7)):  # a milestone after the year looked at: not yet
        rows = rows_by_year(documents.province_year_summary(province, year))
        assert (rows[2023]["wards"], rows[2023]["target"], rows[2023]["certified"]) == (17, 2, 2)
        assert (rows[2025]["wards"], rows[2025]["target"], rows[2025]["certified"]) == (17, 7, reached_2025)
        assert (rows[2030]["wards"], rows[2030]["target"]) == (17, 17)
    summary = documents.province_year_summary(province, 2025)
    assert summary["roadmap_status"] == "on_track"
    assert "7/7 phường của mốc 2025" in summary["roadmap_text"]


def test_a_rebased_milestone_counts_the_new_wards_certifications_only(quang_ngai_one_row, criteria_set):
    """The administrator re-bases the roadmap (the milestones set again after the reform): they count the
    6 wards of the new map, and the 7 old wards' certifications stay theirs."""
    province, _old, new = quang_ngai_one_row
    province.roadmap_targets.filter(year__gte=2025).update(set_on=datetime.date(2025, 8, 1), basis="Điều chỉnh")
    rows = rows_by_year(documents.province_year_summary(province, 2025))
    # The pilots were old wards: on the new map "the remaining wards" are all 6, 30% of them is 2.
    assert (rows[2025]["wards"], rows[2025]["target"], rows[2030]["target"]) == (6, 2, 6)
    behind = documents.province_year_summary(province, 2025)
    assert behind["roadmap_status"] == "behind"
    assert "0/2 phường của mốc 2025" in behind["roadmap_text"]  # the 7 old wards' certifications stay theirs
    assert behind["map_wards"] == 6 and behind["certified_total"] == 0
    for ward in new[:2]:
        certify(ward, 2025, criteria_set)
    on_track = documents.province_year_summary(province, 2025)
    assert on_track["roadmap_status"] == "on_track"
    assert "2/2 phường của mốc 2025" in on_track["roadmap_text"]
    assert rows_by_year(on_track)[2030]["target"] == 6 and on_track["certified_total"] == 2


# --- Kon Tum joined Quảng Ngãi: import_divisions ends both old provinces and forms the new one ------------


@pytest.fixture
def quang_ngai_imported():
    import_divisions(provinces={"51"})
    on_2024 = datetime.date(2024, 11, 15)
    return {
        "kon_tum": Province.objects.on(on_2024).get(code="62"),
        "old": Province.objects.on(on_2024).get(code="51"),
        "new": Province.objects.current().get(code="51"),
    }


def test_kon_tum_2024_keeps_its_wards_and_quang_ngai_2024_has_none_of_them(quang_ngai_imported, criteria_set):
    kon_tum, old, new = quang_ngai_imported["kon_tum"], quang_ngai_imported["old"], quang_ngai_imported["new"]
    thong_nhat = Ward.objects.get(code="23299", valid_to=OLD_MAP_LAST_DAY)  # Phường Thống Nhất, Kon Tum
    nghia_lo = Ward.objects.get(code="21028", valid_to=OLD_MAP_LAST_DAY)
    for ward in (thong_nhat, nghia_lo):
        AssessmentFactory(ward=ward, year=2024, criteria_set=criteria_set, status=Assessment.Status.SUBMITTED)
    kon_tum_2024 = documents.province_year_summary(kon_tum, 2024)
    old_2024 = documents.province_year_summary(old, 2024)
    assert kon_tum_2024["map_wards"] == 10 and kon_tum_2024["assessments"] == 1
    assert [a.ward for a in documents.province_assessments(kon_tum, 2024)] == [thong_nhat]
    assert old_2024["map_wards"] == 17 and old_2024["assessments"] == 1
    assert [a.ward for a in documents.province_assessments(old, 2024)] == [nghia_lo]
    # The new province's history is both, each under its own name; its own map has 9 phường.
    new_2024 = documents.province_year_summary(new, 2024)
    assert new_2024["map_wards"] == 27 and new_2024["wards"] == 2
    assert documents.province_year_summary(new, 2025)["map_wards"] == 9


def test_the_old_roadmaps_stay_on_the_old_provinces_and_show_beside_the_new_one(quang_ngai_imported, criteria_set):
    old, new = quang_ngai_imported["old"], quang_ngai_imported["new"]
    quang_ngai_targets(old)
    RoadmapTarget.objects.create(province=new, year=2026, target_count=3, basis="Kế hoạch điều chỉnh 2025")
    RoadmapTarget.objects.create(province=new, year=2030, target_count=9, basis="Kế hoạch điều chỉnh 2025")
    certify(Ward.objects.get(code="21028", valid_to=OLD_MAP_LAST_DAY), 2023, criteria_set)
    summary = documents.province_year_summary(new, 2026)
    assert [(r["year"], r["target"], r["wards"]) for r in summary["roadmap"]] == [(2026, 3, 9), (2030, 9, 9)]
    [before] = summary["old_roadmaps"]
    assert before["province"] == "Quảng Ngãi" and before["wards"] == 17 and before["last_year"] == 2024
    old_rows = {r["year"]: r for r in before["rows"]}
    assert (old_rows[2023]["target"], old_rows[2023]["certified"], old_rows[2023]["met"]) == (2, 1, False)
    # 2025 and 2030 were set for the old map: counted on its 17 wards, reached up to 2024, replaced.
    assert (old_rows[2025]["target"], old_rows[2025]["replaced"], old_rows[2025]["certified"]) == (7, True, 1)
    assert (old_rows[2030]["target"], old_rows[2030]["replaced"]) == (17, True)
    assert summary["roadmap_status"] == "behind"  # no new ward certified yet against 3 in 2026


# --- Re-based roadmaps: Cần Thơ's Đề án on the old city, new targets for the new city ----------------------


@pytest.fixture
def can_tho(criteria_set):
    import_divisions(provinces={"92"})
    old = Province.objects.on(datetime.date(2024, 11, 15)).get(code="92")
    new = Province.objects.current().get(code="92")
    basis = "Đề án số 03/ĐA-UBND ngày 15/6/2022 của UBND thành phố Cần Thơ"
    for year, count in ((2025, 10), (2026, 16), (2030, 42)):
        RoadmapTarget.objects.create(province=old, year=year, target_count=count, basis=basis)
    rebased = "Kế hoạch số 12/KH-CAT ngày 01/8/2025 (điều chỉnh theo thành phố mới)"
    for year, count in ((2025, 4), (2030, 31)):
        RoadmapTarget.objects.create(province=new, year=year, target_count=count, basis=rebased)
    cai_khe_old = Ward.objects.get(code="31117", valid_to=OLD_MAP_LAST_DAY)
    an_hoa_old = Ward.objects.get(code="31120", valid_to=OLD_MAP_LAST_DAY)
    certify(cai_khe_old, 2024, criteria_set)
    certify(an_hoa_old, 2023, criteria_set)
    return old, new


def test_can_tho_shows_the_de_an_up_to_2024_and_the_rebased_targets_from_2025(can_tho, criteria_set):
    _old, new = can_tho
    summary = documents.province_year_summary(new, 2025)
    assert [(r["year"], r["target"], r["certified"]) for r in summary["roadmap"]] == [(2025, 4, 0), (2030, 31, None)]
    assert summary["roadmap_status"] == "behind"
    [de_an] = summary["old_roadmaps"]
    # The shipped reference data holds the 39 old Cần Thơ phường that fed a new phường.
    assert de_an["wards"] == 39 and de_an["basis"].startswith("Đề án số 03")
    assert [(r["year"], r["target"], r["certified"], r["replaced"]) for r in de_an["rows"]] == [
        (2025, 10, 2, True),
        (2026, 16, 2, True),
        (2030, 42, 2, True),
    ]
    assert summary["certified_total"] == 0 and summary["certified_old_map"] == 2


def test_a_successor_lists_its_predecessors_certifications_without_inheriting_them(can_tho, criteria_set):
    _old, new = can_tho
    summary = documents.province_year_summary(new, 2025)
    cai_khe = next(r for r in summary["predecessor_certified"] if r["ward"] == "Cái Khế")
    assert cai_khe["text"] == "An Hòa 2023, Cái Khế 2024"
    cai_khe_new = Ward.objects.get(code="31120", valid_from=REFORM_DATE)
    assert not Decision.objects.filter(assessment__ward=cai_khe_new).exists()


def test_a_target_entered_outside_its_provinces_period_is_refused_with_a_clear_message(can_tho):
    old, new = can_tho
    late = RoadmapTarget(province=old, year=2027, target_count=20, basis="Đề án")
    with pytest.raises(ValidationError) as refused:
        late.full_clean()
    assert "30/06/2025" in str(refused.value.message_dict["year"]) and "tỉnh mới" in str(refused.value)
    early = RoadmapTarget(province=new, year=2024, target_count=1, basis="Kế hoạch")
    with pytest.raises(ValidationError) as refused:
        early.full_clean()
    assert "01/07/2025" in str(refused.value.message_dict["year"])
    RoadmapTarget(province=new, year=2027, target_count=20, basis="Kế hoạch").full_clean()


def test_the_year_across_the_reform_has_a_before_after_table(can_tho, criteria_set):
    _old, new = can_tho
    cai_khe_new = Ward.objects.get(code="31120", valid_from=REFORM_DATE)
    AssessmentFactory(ward=cai_khe_new, year=2025, criteria_set=criteria_set, status=Assessment.Status.SUBMITTED)
    summary = documents.province_year_summary(new, 2025)
    table = {r["ward"]: r for r in summary["before_after"]}
    assert len(table) == 31
    cai_khe = table["Cái Khế"]
    predecessors = {p["label"]: p for p in cai_khe["from"]}
    assert set(predecessors) == {"An Hòa", "Cái Khế", "một phần Bùi Hữu Nghĩa"}
    assert predecessors["Cái Khế"]["result"].startswith("Công nhận đạt chuẩn")
    assert predecessors["một phần Bùi Hữu Nghĩa"]["result"] == "Chưa có hồ sơ 2024"
    assert cai_khe["result"].startswith("đạt 0/22")
    # Only the year across the reform has it; 2024 and 2026 are one map each.
    assert documents.province_year_summary(new, 2024)["before_after"] == []
    assert documents.province_year_summary(new, 2026)["before_after"] == []


def test_each_year_lists_its_own_map_with_districts_only_before_the_reform(can_tho, criteria_set):
    _old, new = can_tho
    assert documents.province_year_summary(new, 2024)["districts"] is True
    assert documents.province_year_summary(new, 2025)["districts"] is False
    # 2024: the old city's, Hậu Giang's and Sóc Trăng's phường; 2025: the new city's 31.
    assert documents.province_year_summary(new, 2024)["map_wards"] == 39 + 13 + 16
    assert documents.province_year_summary(new, 2025)["map_wards"] == 31


def text(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_admin_lists_targets_by_province_and_map_and_says_where_a_late_target_belongs(admin_client, can_tho):
    old, _new = can_tho
    page = text(admin_client.get("/quan-tri/wards/roadmaptarget/?ban_do=moi"))
    assert "01/07/2025 – nay" in page and "… – 30/06/2025" in page  # the Đề án's 2026 and 2030 stay listed
    assert "Kế hoạch số 12/KH-CAT" in page
    old_only = text(admin_client.get(f"/quan-tri/wards/roadmaptarget/?province__id__exact={old.pk}"))
    assert "Đề án số 03" in old_only and "Kế hoạch số 12" not in old_only
    form = admin_client.get("/quan-tri/wards/roadmaptarget/add/").content.decode()
    assert "Cần Thơ (01/07/2025 – nay)" in form and "Cần Thơ (… – 30/06/2025)" in form
    response = admin_client.post(
        "/quan-tri/wards/roadmaptarget/add/",
        {"province": old.pk, "year": "2027", "target_count": "20", "basis": "Đề án 03"},
    )
    assert response.status_code == 200
    assert "chỉ tồn tại đến 30/06/2025" in text(response) and "tỉnh mới (Cần Thơ)" in text(response)
    assert not RoadmapTarget.objects.filter(province=old, year=2027).exists()


# --- The leadership page and the review queue by the year's map ---------------------------------------------


@pytest.fixture
def can_tho_leader(can_tho):
    from tests.factories import user_with_role
    from wards.models import Membership

    return user_with_role(Membership.Role.LEADERSHIP, province=can_tho[1], username="lanhdao.cantho.moi")


def test_the_leadership_page_shows_2024_on_the_old_map_with_districts(client, can_tho, can_tho_leader, criteria_set):
    an_hoa_old = Ward.objects.get(code="31120", valid_to=OLD_MAP_LAST_DAY)
    AssessmentFactory(ward=an_hoa_old, year=2024, criteria_set=criteria_set, status=Assessment.Status.SUBMITTED)
    client.force_login(can_tho_leader)
    response = client.get("/lanh-dao/?year=2024")
    page = text(response)
    assert "Bản đồ hành chính trước 01/7/2025: 68 phường" in page
    assert "Quận/huyện" in page and "Ninh Kiều" in page
    assert 'id="before-after"' not in response.content.decode()
    assert "Lộ trình đặt trên bản đồ cũ" in page
    assert "Các mốc sau khi tỉnh sáp nhập đã được thay bằng lộ trình điều chỉnh của tỉnh mới." in page
    assert "Chưa đến mốc đầu tiên (4 phường năm 2025)" in page  # the re-based roadmap, not yet due


def test_the_leadership_page_of_2025_shows_the_new_map_before_after_and_both_roadmaps(
    client, can_tho, can_tho_leader, criteria_set
):
    cai_khe = Ward.objects.get(code="31120", valid_from=REFORM_DATE)
    AssessmentFactory(ward=cai_khe, year=2025, criteria_set=criteria_set, status=Assessment.Status.SUBMITTED)
    client.force_login(can_tho_leader)
    response = client.get("/lanh-dao/?year=2025")
    html, page = response.content.decode(), text(response)
    assert "Bản đồ hành chính từ 01/7/2025: 31 phường, không còn quận/huyện." in page
    assert "Quận/huyện" not in page
    assert 'id="before-after"' in html and "một phần Bùi Hữu Nghĩa" in page
    assert "Cái Khế — tiền thân đã đạt chuẩn: An Hòa 2023, Cái Khế 2024" in page
    assert "Lộ trình đặt trên bản đồ cũ" in page and "Thay bằng lộ trình điều chỉnh" in page
    assert "Chậm tiến độ: mới đạt 0/4 phường của mốc 2025." in page
    assert "Trên bản đồ cũ đã có 2 phường được công nhận" in page
    assert 'id="comparison-maps"' in html and "bản đồ cũ" in page


def test_the_leadership_page_query_count_does_not_grow_with_the_wards(
    client, can_tho, can_tho_leader, criteria_set, django_assert_max_num_queries
):
    new_wards = list(Ward.objects.filter(province=can_tho[1]).order_by("code"))

    def assess(wards):
        for ward in wards:
            AssessmentFactory(ward=ward, year=2025, criteria_set=criteria_set, status=Assessment.Status.SUBMITTED)
            for link in ward.predecessor_links.filter(predecessor__kind=Ward.Kind.WARD):
                if not link.predecessor.assessments.filter(year=2024).exists():  # a split ward feeds two
                    AssessmentFactory(
                        ward=link.predecessor, year=2024, criteria_set=criteria_set, status=Assessment.Status.SUBMITTED
                    )

    client.force_login(can_tho_leader)
    assess(new_wards[:2])
    # 31 measured with 2 wards: the table "before → after" a page at a time, the old map's provinces named apart
    # (1), the year before's counts only (2), the lineage read once for both years (2).
    with django_assert_max_num_queries(31) as few:
        assert client.get("/lanh-dao/?year=2025").status_code == 200
    assess(new_wards[2:12])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/lanh-dao/?year=2025").status_code == 200


def test_the_review_queue_offers_districts_only_on_the_old_map(client, can_tho, criteria_set):
    from tests.factories import user_with_role
    from wards.models import Membership

    reviewer = user_with_role(Membership.Role.REVIEWER, province=can_tho[1], username="thamdinh.cantho.moi")
    AssessmentFactory(
        ward=Ward.objects.get(code="31120", valid_to=OLD_MAP_LAST_DAY), year=2024, criteria_set=criteria_set
    )
    AssessmentFactory(ward=Ward.objects.get(code="31120", valid_from=REFORM_DATE), year=2025, criteria_set=criteria_set)
    client.force_login(reviewer)
    old_map = client.get("/tham-dinh/?year=2024").content.decode()
    assert 'id="f-district"' in old_map and "Ninh Kiều" in old_map
    new_map = client.get("/tham-dinh/?year=2025&district=NK").content.decode()
    assert 'id="f-district"' not in new_map and "Quận/huyện" not in new_map
    assert "Cái Khế" in new_map  # a stale district filter from an old-map year filters nothing away


def test_the_province_report_of_2025_shows_both_roadmaps_and_the_before_after_table(can_tho, criteria_set):
    from tests.reports.test_documents import pdf_text

    _old, new = can_tho
    cai_khe = Ward.objects.get(code="31120", valid_from=REFORM_DATE)
    AssessmentFactory(ward=cai_khe, year=2025, criteria_set=criteria_set, status=Assessment.Status.SUBMITTED)
    pdf, _pages = documents.render_pdf("province_report", documents.province_report_data(new, 2025))
    report = pdf_text(pdf)
    assert "Bản đồ hành chính từ 01/7/2025: 31 phường, không còn cấp quận/huyện." in report
    assert "Lộ trình điều chỉnh theo tỉnh mới" in report and "Chậm tiến độ: mới đạt 0/4 phường của mốc 2025." in report
    assert "Lộ trình đặt trên bản đồ cũ: Cần Thơ (… – 30/06/2025, 39 phường)" in report
    assert "Cái Khế (tiền thân đã đạt chuẩn: An Hòa 2023, Cái Khế 2024)" in report
    assert "V. Trước và sau sắp xếp đơn vị hành chính" in report and "một phần Bùi Hữu Nghĩa" in report
    assert "Quận/huyện" not in report


def test_a_milestone_whose_year_has_not_come_is_not_judged():
    from django.utils import timezone

    this_year = timezone.localdate().year
    rows = [
        documents.RoadmapRow(this_year + 4, 9, "9 phường", "", 4),
    ]
    status, text = documents.roadmap_status(rows, this_year + 4)
    assert status == "on_track" and "Chưa đến mốc đầu tiên (9 phường năm" in text


def test_a_year_before_the_reform_shows_each_old_province_apart(quang_ngai_imported, criteria_set):
    """The new Quảng Ngãi's 2024 is the old Quảng Ngãi's and Kon Tum's: each is named with its own figures."""
    kon_tum, old = quang_ngai_imported["kon_tum"], quang_ngai_imported["old"]
    certify(Ward.objects.filter(province=kon_tum, kind=Ward.Kind.WARD).first(), 2024, criteria_set)
    summary = documents.province_year_summary(quang_ngai_imported["new"], 2024)
    by_name = {p["name"]: p for p in summary["map_provinces"]}
    assert set(by_name) == {kon_tum.name, old.name}
    assert (
        by_name[kon_tum.name]["wards"],
        by_name[kon_tum.name]["assessments"],
        by_name[kon_tum.name]["certified"],
    ) == (
        10,
        1,
        1,
    )
    assert by_name[old.name]["wards"] == 17 and by_name[old.name]["certified"] == 0
    assert documents.province_year_summary(quang_ngai_imported["new"], 2025)["map_provinces"] == []
