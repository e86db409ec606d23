"""`import_divisions`: the 2025 map from fixtures/divisions-2025/, idempotent, matching what exists by code and period."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import AssessmentFactory, DistrictFactory, ProvinceFactory, WardFactory, user_with_role
from wards.map import OLD_MAP_LAST_DAY, REFORM_DATE
from wards.models import Membership, Province, ProvinceLineage, Ward, WardLineage
from wards.services.divisions import import_divisions

pytestmark = pytest.mark.django_db
NOV_2024, NOV_2025 = datetime.date(2024, 11, 15), datetime.date(2025, 11, 15)


def _run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_divisions", *args, stdout=out)
    return out.getvalue()


def test_all_34_provinces_and_687_wards_load_with_their_lineage_and_a_second_run_changes_nothing():
    first = _run()
    assert "Phường mới (từ 01/7/2025): 687 tạo mới" in first
    assert Province.objects.on(NOV_2025).count() == 34
    assert Province.objects.on(NOV_2024).count() == 63
    assert Ward.objects.on(NOV_2025).filter(kind=Ward.Kind.WARD).count() == 687
    assert WardLineage.objects.count() == 2500
    counts = (
        Province.objects.count(),
        Ward.objects.count(),
        WardLineage.objects.count(),
        ProvinceLineage.objects.count(),
    )
    second = _run()
    assert "Không có gì thay đổi" in second
    assert "0 tạo mới, 0 cập nhật" in second
    after = (
        Province.objects.count(),
        Ward.objects.count(),
        WardLineage.objects.count(),
        ProvinceLineage.objects.count(),
    )
    assert after == counts


def test_can_tho_has_31_wards_formed_from_its_old_wards_and_hau_giang_and_soc_trang():
    import_divisions(provinces={"92"})
    can_tho = Province.objects.on(NOV_2025).get(code="92")
    assert can_tho.wards.count() == 31
    predecessors = set(ProvinceLineage.objects.filter(successor=can_tho).values_list("predecessor__name", flat=True))
    assert predecessors == {"Cần Thơ", "Hậu Giang", "Sóc Trăng"}
    cai_khe = Ward.objects.on(NOV_2025).get(code="31120")
    assert cai_khe.name == "Cái Khế" and cai_khe.district is None
    assert [link.label for link in cai_khe.predecessor_links.select_related("predecessor")] == [
        "An Hòa",
        "Cái Khế",
        "một phần Bùi Hữu Nghĩa",
    ]
    # The code trap: 31120 was An Hòa before the reform, in the old Ninh Kiều district of the old Cần Thơ.
    an_hoa = Ward.objects.on(NOV_2024).get(code="31120")
    assert (an_hoa.name, an_hoa.district.name, an_hoa.valid_to) == ("An Hòa", "Ninh Kiều", OLD_MAP_LAST_DAY)
    assert an_hoa.province.valid_to == OLD_MAP_LAST_DAY
    tan_loc = Ward.objects.on(NOV_2025).get(province=can_tho, name="Tân Lộc")
    assert [(link.predecessor.name, link.whole) for link in tan_loc.predecessor_links.all()] == [("Tân Lộc", True)]
    an_binh = Ward.objects.on(NOV_2025).get(province=can_tho, name="An Bình")
    assert "Xã Mỹ Khánh" in [link.label for link in an_binh.predecessor_links.select_related("predecessor")]


def test_wards_entered_before_the_map_are_ended_on_30_june_2025_not_duplicated(criteria_set):
    old_can_tho = ProvinceFactory(code="92", name="Cần Thơ")
    district = DistrictFactory(province=old_can_tho, code="916", name="Ninh Kiều")
    cai_khe = WardFactory(district=district, code="31117", name="Cái Khế")
    history = AssessmentFactory(ward=cai_khe, year=2024, criteria_set=criteria_set)
    reviewer = user_with_role(Membership.Role.REVIEWER, province=old_can_tho)
    report = import_divisions(provinces={"92"})
    cai_khe.refresh_from_db()
    assert cai_khe.valid_to == OLD_MAP_LAST_DAY and Ward.objects.filter(code="31117").count() == 1
    assert history.ward == cai_khe
    assert report.old_units.changed == 1
    new_can_tho = Province.objects.get(code="92", valid_from=REFORM_DATE)
    # People of the province now work for its successor; the old province keeps its history.
    assert Membership.objects.get(user=reviewer).province == new_can_tho
    assert any(str(reviewer) in line for line in report.memberships_moved)
    old_can_tho.refresh_from_db()
    assert old_can_tho.valid_to == OLD_MAP_LAST_DAY and cai_khe.province == old_can_tho


def test_a_kon_tum_ward_stays_kon_tums_in_2024_while_quang_ngai_succeeds_kon_tum(criteria_set):
    import_divisions(provinces={"51"})
    kon_tum = Province.objects.get(code="62")
    quang_ngai = Province.objects.on(NOV_2025).get(code="51")
    assert kon_tum.valid_to == OLD_MAP_LAST_DAY
    assert ProvinceLineage.objects.filter(successor=quang_ngai, predecessor=kon_tum).exists()
    kon_tum_2024 = Ward.objects.on(NOV_2024).filter(province=kon_tum, kind=Ward.Kind.WARD).count()
    assert kon_tum_2024 > 0
    assert Ward.objects.on(NOV_2025).filter(province=quang_ngai, kind=Ward.Kind.WARD).count() == 9
    assert Ward.objects.on(NOV_2024).filter(province=quang_ngai).count() == 0


def test_an_old_ward_with_an_assessment_after_the_reform_is_refused_and_nothing_is_written(criteria_set):
    old_can_tho = ProvinceFactory(code="92", name="Cần Thơ")
    district = DistrictFactory(province=old_can_tho, code="916", name="Ninh Kiều")
    cai_khe = WardFactory(district=district, code="31117", name="Cái Khế")
    AssessmentFactory(ward=cai_khe, year=2025, criteria_set=criteria_set)
    with pytest.raises(CommandError) as error:
        _run("--province", "92")
    assert "hồ sơ đánh giá có hạn nộp sau 30/6/2025" in str(error.value)
    assert "không có gì được ghi" in str(error.value)
    assert not WardLineage.objects.exists() and Ward.objects.count() == 1


def test_an_unknown_province_code_is_refused():
    with pytest.raises(CommandError, match="Không có tỉnh/thành phố mới mã 99"):
        _run("--province", "99")


def _fold(name: str) -> str:
    """Names as both lists agree on them: without tone-mark placement (Thủy/Thuỷ) or spacing differences."""
    import unicodedata

    bare = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    return " ".join(bare.replace("-", " - ").replace("đ", "d").replace("Đ", "D").split()).lower()


def test_the_shipped_list_of_new_wards_is_the_one_of_the_vietnam_provinces_package():
    """Cross-check of the reference data (joined from compilations) with the well-kept package's current list:
    the same 34 provinces and the same 687 phường, each with its code, name and province."""
    from vietnam_provinces import Province as VnProvince
    from vietnam_provinces import VietNamDivisionType
    from vietnam_provinces import Ward as VnWard

    from wards.services.divisions import plain_name, read_rows

    provinces, lineage = read_rows()
    ours = {int(r["new_code"]): (_fold(r["new_name"]), int(r["new_province_code"])) for r in lineage}
    theirs = {
        int(w.code): (_fold(w.name), int(w.province_code))
        for w in VnWard.iter_all()
        if w.division_type == VietNamDivisionType.PHUONG
    }
    assert len(ours) == 687
    assert ours == theirs
    our_provinces = {int(r["new_province_code"]): _fold(plain_name(r["new_province_name"])) for r in provinces}
    assert our_provinces == {int(p.code): _fold(plain_name(p.name)) for p in VnProvince.iter_all()}


def test_an_open_ward_the_data_does_not_name_ends_with_its_province(criteria_set):
    old_can_tho = ProvinceFactory(code="92", name="Cần Thơ")
    district = DistrictFactory(province=old_can_tho, code="916", name="Ninh Kiều")
    an_cu = WardFactory(district=district, code="31129", name="An Cư")  # merged into another ward in 2024
    AssessmentFactory(ward=an_cu, year=2024, criteria_set=criteria_set)
    report = import_divisions(provinces={"92"})
    an_cu.refresh_from_db()
    assert an_cu.valid_to == OLD_MAP_LAST_DAY
    assert report.ended_with_province == ["Phường An Cư (31129, Cần Thơ)"]
    assert not an_cu.successor_links.exists()
    assert not import_divisions(provinces={"92"}).changed_anything


def test_the_administrator_sets_a_province_up_from_the_national_list_typing_nothing(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="quantri_setup", is_staff=True, is_superuser=True))
    page = client.get("/quan-tri/wards/province/thiet-lap/")
    assert page.status_code == 200
    assert page.content.decode().count("<option") == 35  # "—" and the 34 provinces
    assert "Thiết lập từ danh sách quốc gia" in client.get("/quan-tri/wards/province/").content.decode()
    done = client.post("/quan-tri/wards/province/thiet-lap/", {"province": "51"}, follow=True)
    assert "Phường mới (từ 01/7/2025): 9 tạo mới" in done.content.decode()
    assert Ward.objects.current().filter(province__code="51", kind=Ward.Kind.WARD).count() == 9
    refused = client.post("/quan-tri/wards/province/thiet-lap/", {"province": "99"})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()


def test_the_setup_page_is_for_administrators_only(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nhanvien", is_staff=True))
    assert client.get("/quan-tri/wards/province/thiet-lap/").status_code == 403


def test_the_setup_command_lists_the_provinces_wards_with_their_lineage():
    out = _run_command("setup_province", "92")
    assert "Cần Thơ có 31 phường:" in out
    assert "31120  Phường Cái Khế  ← An Hòa, Cái Khế, một phần Bùi Hữu Nghĩa" in out


def _run_command(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
