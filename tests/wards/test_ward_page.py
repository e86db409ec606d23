"""A ward's page: the unit on its map, its years, its lineage across the 2025 reform, and its predecessors'
certifications; in scope only (outsiders 404), linking only what the reader may read."""

import datetime

import pytest
from django.urls import get_resolver

from tests.factories import (
    AssessmentFactory,
    DistrictFactory,
    ProvinceFactory,
    UserFactory,
    WardFactory,
    user_with_role,
)
from wards.map import OLD_MAP_LAST_DAY, REFORM_DATE
from wards.models import Assessment, Decision, Membership, ProvinceLineage, Ward, WardLineage

pytestmark = pytest.mark.django_db
Role = Membership.Role


def _certify(assessment, approver, *, certified=True):
    assessment.status = Assessment.Status.APPROVED
    assessment.save(update_fields=["status"])
    return Decision.objects.create(
        assessment=assessment,
        outcome=Decision.Outcome.CERTIFIED if certified else Decision.Outcome.NOT_CERTIFIED,
        criteria_passed=22 if certified else 19,
        criteria_total=22,
        number=f"{assessment.pk}/QĐ-CAT",
        decided_on=datetime.date(assessment.year, 12, 20),
        approver=approver,
    )


@pytest.fixture
def reform(criteria_set):
    """The new Cái Khế (31120, An Hòa's old code) ← An Hòa, the old Cái Khế (31117), part of Bùi Hữu Nghĩa, which
    went partly to the new Bình Thủy too; the old Cái Khế certified in 2024. Another province for outsiders."""
    old_province = ProvinceFactory(code="92", name="Cần Thơ", valid_to=OLD_MAP_LAST_DAY)
    new_province = ProvinceFactory.build(code="92", name="Cần Thơ", valid_from=REFORM_DATE)
    new_province.save()
    ProvinceLineage.objects.create(successor=new_province, predecessor=old_province)
    district = DistrictFactory(province=old_province, code="916", name="Ninh Kiều")
    an_hoa = WardFactory(district=district, code="31120", name="An Hòa", valid_to=OLD_MAP_LAST_DAY)
    old_cai_khe = WardFactory(district=district, code="31117", name="Cái Khế", valid_to=OLD_MAP_LAST_DAY)
    bhn = WardFactory(district=district, code="31178", name="Bùi Hữu Nghĩa", valid_to=OLD_MAP_LAST_DAY)
    new_cai_khe = Ward.objects.create(province=new_province, code="31120", name="Cái Khế", valid_from=REFORM_DATE)
    binh_thuy = Ward.objects.create(province=new_province, code="31168", name="Bình Thủy", valid_from=REFORM_DATE)
    for old, whole in ((an_hoa, True), (old_cai_khe, True), (bhn, False)):
        WardLineage.objects.create(successor=new_cai_khe, predecessor=old, predecessor_name=old.name, whole=whole)
    WardLineage.objects.create(successor=binh_thuy, predecessor=bhn, predecessor_name=bhn.name, whole=False)
    approver = user_with_role(Role.APPROVER, province=new_province, username="approver")
    old_2024 = AssessmentFactory(ward=old_cai_khe, year=2024, criteria_set=criteria_set)
    _certify(old_2024, approver)
    new_2025 = AssessmentFactory(ward=new_cai_khe, year=2025, criteria_set=criteria_set)
    _certify(new_2025, approver, certified=False)
    new_2026 = AssessmentFactory(ward=new_cai_khe, year=2026, criteria_set=criteria_set)
    foreign = WardFactory(name="Trần Phú")
    people = {
        "new_officer": user_with_role(Role.WARD_OFFICER, ward=new_cai_khe, username="new_officer"),
        "old_officer": user_with_role(Role.WARD_OFFICER, ward=old_cai_khe, username="old_officer"),
        "binh_thuy_officer": user_with_role(Role.WARD_OFFICER, ward=binh_thuy, username="bt_officer"),
        "reviewer": user_with_role(Role.REVIEWER, province=new_province, username="reviewer"),
        "approver": approver,
        "leader": user_with_role(Role.LEADERSHIP, province=new_province, username="leader"),
        "national_leader": user_with_role(Role.LEADERSHIP, username="national_leader"),
        "admin": user_with_role(Role.ADMIN, username="admin_test"),
        "foreign_officer": user_with_role(Role.WARD_OFFICER, ward=foreign, username="foreign_officer"),
        "foreign_reviewer": user_with_role(Role.REVIEWER, province=foreign.province, username="foreign_rev"),
        "foreign_leader": user_with_role(Role.LEADERSHIP, province=foreign.province, username="foreign_lead"),
        "no_role": UserFactory(username="no_role"),
    }
    return {
        "new": new_cai_khe,
        "old": old_cai_khe,
        "an_hoa": an_hoa,
        "bhn": bhn,
        "binh_thuy": binh_thuy,
        "old_2024": old_2024,
        "new_2025": new_2025,
        "new_2026": new_2026,
        "people": people,
        "set": criteria_set,
    }


def _get(client, user, ward):
    client.force_login(user)
    return client.get(f"/phuong/{ward.pk}/")


def test_every_ward_url_is_covered_here():
    assert {p.name for p in get_resolver().url_patterns if str(p.pattern).startswith("phuong/")} == {"ward"}


def test_the_page_needs_a_login(client, reform):
    response = client.get(f"/phuong/{reform['new'].pk}/")
    assert response.status_code == 302 and "/dang-nhap/" in response.url


@pytest.mark.parametrize(
    "outsider", ["foreign_officer", "foreign_reviewer", "foreign_leader", "no_role", "binh_thuy_officer"]
)
def test_outsiders_get_404_for_every_ward_page(client, reform, outsider):
    client.force_login(reform["people"][outsider])
    for ward in ("new", "old", "an_hoa"):
        assert client.get(f"/phuong/{reform[ward].pk}/").status_code == 404, (outsider, ward)


def test_a_ward_that_does_not_exist_is_404(client, reform):
    client.force_login(reform["people"]["admin"])
    assert client.get("/phuong/999999/").status_code == 404


@pytest.mark.parametrize(
    ("who", "readable"),
    [
        ("new_officer", {"new", "old", "an_hoa", "bhn"}),  # their ward and its predecessors
        ("old_officer", {"old"}),  # the old ward only: its history
        ("reviewer", {"new", "old", "an_hoa", "bhn", "binh_thuy"}),  # the province and its predecessor's wards
        ("leader", {"new", "old", "an_hoa", "bhn", "binh_thuy"}),
        ("national_leader", {"new", "old", "an_hoa", "bhn", "binh_thuy"}),
        ("admin", {"new", "old", "an_hoa", "bhn", "binh_thuy"}),
    ],
)
def test_each_role_reads_the_ward_pages_of_its_scope(client, reform, who, readable):
    client.force_login(reform["people"][who])
    answers = {
        name: client.get(f"/phuong/{reform[name].pk}/").status_code
        for name in ("new", "old", "an_hoa", "bhn", "binh_thuy")
    }
    assert {name for name, status in answers.items() if status == 200} == readable
    assert set(answers.values()) <= {200, 404}


def test_a_new_wards_page_names_its_unit_period_years_and_lineage(client, reform):
    page = _get(client, reform["people"]["new_officer"], reform["new"]).content.decode()
    assert '<h1 class="h3 mb-1">Phường Cái Khế</h1>' in page
    assert "31120" in page and "Cần Thơ" in page
    assert "01/07/2025 – nay" in page and "Quận/huyện" not in page  # no district after the reform
    formed_from = page[page.index('id="formed-from"') : page.index("</p>", page.index('id="formed-from"'))]
    assert f'<a href="/phuong/{reform["an_hoa"].pk}/">An Hòa</a>' in formed_from
    assert f'<a href="/phuong/{reform["old"].pk}/">Cái Khế</a>' in formed_from
    assert f'<a href="/phuong/{reform["bhn"].pk}/">một phần Bùi Hữu Nghĩa</a>' in formed_from
    # Its years, each a link to the assessment page.
    assert f'href="/ho-so/{reform["new_2026"].pk}/">Hồ sơ năm 2026</a>' in page
    assert f'href="/ho-so/{reform["new_2025"].pk}/">Hồ sơ năm 2025</a>' in page
    assert "Chưa đạt chuẩn (19/22 tiêu chí)" in page
    # The old Cái Khế's certification stays its own: listed as the predecessor's, not inherited.
    certifications = page[page.index('id="predecessor-certifications"') :]
    assert f'<a href="/ho-so/{reform["old_2024"].pk}/">Cái Khế 2024</a>' in certifications
    assert "Tiền thân đã đạt chuẩn:" in page and "không thừa hưởng" in page
    assert "Công nhận đạt chuẩn" not in page[page.index('id="ward-assessments"') :]


def test_an_old_wards_page_says_what_it_became_linking_only_what_the_reader_may_read(client, reform):
    page = _get(client, reform["people"]["new_officer"], reform["old"]).content.decode()
    assert "… – 30/06/2025" in page and "Ninh Kiều" in page
    became = page[page.index('id="became"') : page.index("</p>", page.index('id="became"'))]
    assert "Từ 01/7/2025 thuộc" in became and f'<a href="/phuong/{reform["new"].pk}/">Phường Cái Khế</a>' in became
    assert f'href="/ho-so/{reform["old_2024"].pk}/">Hồ sơ năm 2024</a>' in page
    # The old ward's own user reads its history; the successor is named, not linked (outside their scope).
    page = _get(client, reform["people"]["old_officer"], reform["old"]).content.decode()
    became = page[page.index('id="became"') : page.index("</p>", page.index('id="became"'))]
    assert "Phường Cái Khế" in became and "/phuong/" not in became


def test_a_split_ward_became_part_of_two_successors(client, reform):
    page = _get(client, reform["people"]["reviewer"], reform["bhn"]).content.decode()
    became = " ".join(page[page.index('id="became"') : page.index("</p>", page.index('id="became"'))].split())
    assert f'<a href="/phuong/{reform["binh_thuy"].pk}/">Phường Bình Thủy</a> (một phần),' in became
    assert f'<a href="/phuong/{reform["new"].pk}/">Phường Cái Khế</a> (một phần)' in became


def test_the_ward_page_is_linked_from_the_assessment_review_and_home_pages(client, reform):
    client.force_login(reform["people"]["reviewer"])
    link = f'href="/phuong/{reform["new"].pk}/"'
    assert link in client.get(f"/ho-so/{reform['new_2025'].pk}/").content.decode()
    assert link in client.get(f"/ho-so/{reform['new_2025'].pk}/tham-dinh/").content.decode()
    assert link in client.get("/?year=2026").content.decode()
    client.force_login(reform["people"]["new_officer"])
    assert link in client.get("/").content.decode()


def test_the_query_count_does_not_grow_with_predecessors_and_years(client, reform, django_assert_max_num_queries):
    client.force_login(reform["people"]["reviewer"])
    with django_assert_max_num_queries(11) as small:
        assert client.get(f"/phuong/{reform['new'].pk}/").status_code == 200
    district = reform["old"].district
    for n in range(4):
        old = WardFactory(district=district, code=f"3190{n}", name=f"Phường cũ {n}", valid_to=OLD_MAP_LAST_DAY)
        WardLineage.objects.create(successor=reform["new"], predecessor=old, predecessor_name=old.name)
        _certify(AssessmentFactory(ward=old, year=2023, criteria_set=reform["set"]), reform["people"]["approver"])
        _certify(AssessmentFactory(ward=old, year=2024, criteria_set=reform["set"]), reform["people"]["approver"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(f"/phuong/{reform['new'].pk}/").content.decode()
    assert page.count("Phường cũ") >= 8
