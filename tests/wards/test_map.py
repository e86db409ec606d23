"""The 2025 map: units with periods (identity is code + period), lineage, and which map an assessment is on."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import AssessmentFactory, DistrictFactory, ProvinceFactory, WardFactory
from wards.map import OLD_MAP_LAST_DAY, REFORM_DATE, map_date, on_new_map
from wards.models import Assessment, Ward, WardLineage

pytestmark = pytest.mark.django_db


@pytest.fixture
def reform(criteria_set):
    """Old An Hòa (31120) and old Cái Khế (31117) ended on 30/6/2025; the new Cái Khế took An Hòa's code."""
    old_province = ProvinceFactory(code="92", name="Cần Thơ", valid_to=OLD_MAP_LAST_DAY)
    new_province = ProvinceFactory.build(code="92", name="Cần Thơ", valid_from=REFORM_DATE)
    new_province.save()
    district = DistrictFactory(province=old_province, code="916", name="Ninh Kiều")
    an_hoa = WardFactory(district=district, code="31120", name="An Hòa", valid_to=OLD_MAP_LAST_DAY)
    old_cai_khe = WardFactory(district=district, code="31117", name="Cái Khế", valid_to=OLD_MAP_LAST_DAY)
    bui_huu_nghia = WardFactory(district=district, code="31178", name="Bùi Hữu Nghĩa", valid_to=OLD_MAP_LAST_DAY)
    new_cai_khe = Ward.objects.create(province=new_province, code="31120", name="Cái Khế", valid_from=REFORM_DATE)
    for old, whole in ((an_hoa, True), (old_cai_khe, True), (bui_huu_nghia, False)):
        WardLineage.objects.create(successor=new_cai_khe, predecessor=old, predecessor_name=old.name, whole=whole)
    return {"an_hoa": an_hoa, "old": old_cai_khe, "new": new_cai_khe, "bhn": bui_huu_nghia, "set": criteria_set}


def test_a_year_is_on_the_map_in_force_on_its_deadline():
    assert map_date(2025) == datetime.date(2025, 11, 15)
    assert [on_new_map(y) for y in (2023, 2024, 2025, 2026)] == [False, False, True, True]


def test_a_code_names_a_unit_only_with_its_period(reform):
    assert Ward.objects.filter(code="31120").count() == 2
    assert list(Ward.objects.on(datetime.date(2024, 11, 15)).filter(code="31120")) == [reform["an_hoa"]]
    assert list(Ward.objects.on(datetime.date(2025, 11, 15)).filter(code="31120")) == [reform["new"]]


def test_two_units_with_one_code_and_one_start_are_refused_by_the_database(reform):
    with pytest.raises(IntegrityError), transaction.atomic():
        Ward.objects.create(province=reform["new"].province, code="31120", name="Khác", valid_from=REFORM_DATE)


def test_an_overlapping_period_for_a_reused_code_is_refused_at_the_field(reform):
    clash = Ward(province=reform["new"].province, code="31117", name="Khác", valid_from=datetime.date(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        clash.full_clean()
    assert "Mã 31117 đã thuộc Phường Cái Khế trong thời gian … – 30/06/2025" in error.value.message_dict["code"][0]


def test_a_unit_formed_after_the_reform_has_no_district(reform):
    with pytest.raises(IntegrityError), transaction.atomic():
        Ward.objects.filter(pk=reform["new"].pk).update(district=reform["old"].district)


def test_lineage_names_the_predecessors_as_the_page_shows_them(reform):
    labels = sorted(link.label for link in reform["new"].predecessor_links.select_related("predecessor"))
    assert labels == ["An Hòa", "Cái Khế", "một phần Bùi Hữu Nghĩa"]


def test_the_database_refuses_an_assessment_of_a_ward_that_did_not_exist_on_its_deadline(reform):
    AssessmentFactory(ward=reform["old"], year=2024, criteria_set=reform["set"])
    with pytest.raises(IntegrityError), transaction.atomic():
        AssessmentFactory(ward=reform["old"], year=2025, criteria_set=reform["set"])
    with pytest.raises(IntegrityError), transaction.atomic():
        AssessmentFactory(ward=reform["new"], year=2024, criteria_set=reform["set"])
    moved = AssessmentFactory(ward=reform["new"], year=2025, criteria_set=reform["set"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=moved.pk).update(deadline=datetime.date(2025, 6, 1))


def test_the_database_refuses_ending_a_ward_before_one_of_its_assessments(reform):
    AssessmentFactory(ward=reform["new"], year=2026, criteria_set=reform["set"], deadline=datetime.date(2026, 11, 15))
    with pytest.raises(IntegrityError), transaction.atomic():
        Ward.objects.filter(pk=reform["new"].pk).update(valid_to=datetime.date(2026, 1, 1))
    Ward.objects.filter(pk=reform["new"].pk).update(valid_to=datetime.date(2026, 12, 31))


def test_a_commune_is_never_assessed(reform):
    commune = Ward.objects.create(
        province=reform["an_hoa"].province, code="31999", name="Mỹ Khánh", kind=Ward.Kind.COMMUNE
    )
    with pytest.raises(ValidationError) as error:
        Assessment(ward=commune, year=2024, criteria_set=reform["set"], deadline=map_date(2024)).full_clean()
    assert "Chỉ đánh giá phường; Xã Mỹ Khánh không phải là phường." in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        AssessmentFactory(ward=commune, year=2024, criteria_set=reform["set"])


def test_the_message_names_the_day_the_period_and_the_successor(reform):
    assessment = Assessment(ward=reform["old"], year=2025, criteria_set=reform["set"], deadline=map_date(2025))
    with pytest.raises(ValidationError) as error:
        assessment.full_clean()
    assert error.value.message_dict["deadline"] == [
        "Phường Cái Khế không tồn tại vào ngày 15/11/2025 (hạn nộp năm 2025): đơn vị tồn tại … – 30/06/2025. "
        "Đơn vị kế thừa: Phường Cái Khế."
    ]


def test_a_new_wards_people_read_its_predecessors_history_but_act_only_on_their_own_ward(reform):
    from tests.factories import user_with_role
    from wards import workflow
    from wards.models import Membership
    from wards.selectors import assessments_visible_to, wards_visible_to

    old_year = AssessmentFactory(ward=reform["old"], year=2024, criteria_set=reform["set"])
    own = AssessmentFactory(ward=reform["new"], year=2026, criteria_set=reform["set"])
    head = user_with_role(Membership.Role.WARD_HEAD, ward=reform["new"])
    assert set(wards_visible_to(user=head)) == {reform["new"], reform["an_hoa"], reform["old"], reform["bhn"]}
    assert set(assessments_visible_to(user=head)) == {old_year, own}
    assert not workflow.may_act(head, workflow.Action.SUBMIT, old_year)
    assert workflow.may_act(head, workflow.Action.SUBMIT, own)
    old_officer = user_with_role(Membership.Role.WARD_OFFICER, ward=reform["old"])
    assert list(wards_visible_to(user=old_officer)) == [reform["old"]]


def test_the_new_provinces_people_read_the_old_provinces_wards(reform):
    from tests.factories import user_with_role
    from wards.models import Membership, ProvinceLineage
    from wards.selectors import wards_visible_to

    new_province, old_province = reform["new"].province, reform["old"].province
    ProvinceLineage.objects.create(successor=new_province, predecessor=old_province)
    reviewer = user_with_role(Membership.Role.REVIEWER, province=new_province)
    assert set(wards_visible_to(user=reviewer)) == set(Ward.objects.all())
    outsider = user_with_role(Membership.Role.REVIEWER, province=ProvinceFactory(code="51", name="Quảng Ngãi"))
    assert not wards_visible_to(user=outsider).exists()


def test_the_admins_ward_picker_tells_the_old_and_the_new_cai_khe_apart(client, reform):
    from tests.factories import UserFactory

    admin_user = UserFactory(username="quantri_map", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.get(
        "/quan-tri/autocomplete/",
        {"term": "Cái Khế", "app_label": "wards", "model_name": "membership", "field_name": "ward"},
    )
    assert response.status_code == 200
    texts = sorted(r["text"] for r in response.json()["results"])
    assert texts == ["Phường Cái Khế (31117, … – 30/06/2025)", "Phường Cái Khế (31120, 01/07/2025 – nay)"]
    client.logout()
    assert client.get("/quan-tri/autocomplete/", {"term": "x"}).status_code == 302


def test_the_new_wards_home_lists_its_own_years_and_links_its_predecessors(client, reform):
    from tests.factories import user_with_role
    from wards.models import Membership

    AssessmentFactory(ward=reform["old"], year=2024, criteria_set=reform["set"])
    AssessmentFactory(ward=reform["new"], year=2026, criteria_set=reform["set"])
    client.force_login(user_with_role(Membership.Role.WARD_HEAD, ward=reform["new"]))
    page = client.get("/").content.decode()
    assert 'id="assessment-2026"' in page and 'id="assessment-2024"' not in page
    assert "Lịch sử các phường tiền thân:" in page
    assert f'<a href="/phuong/{reform["bhn"].pk}/">một phần Bùi Hữu Nghĩa</a>' in page


def test_the_admin_refuses_in_words_a_ward_period_that_leaves_an_assessment_off_its_map(reform):
    AssessmentFactory(ward=reform["an_hoa"], year=2024, criteria_set=reform["set"])
    an_hoa = Ward.objects.get(pk=reform["an_hoa"].pk)
    an_hoa.valid_to = datetime.date(2023, 6, 30)
    with pytest.raises(ValidationError) as error:
        an_hoa.full_clean()
    assert error.value.message_dict["valid_to"] == [
        "Phường An Hòa có hồ sơ đánh giá năm 2024 (hạn nộp 15/11/2024) nằm ngoài thời gian … – 30/06/2023."
    ]
    an_hoa.refresh_from_db()
    an_hoa.kind = Ward.Kind.COMMUNE
    with pytest.raises(ValidationError) as error:
        an_hoa.full_clean()
    assert "chỉ phường mới được đánh giá" in error.value.message_dict["kind"][0]


def test_a_provinces_period_must_cover_its_wards(reform):
    old_province = reform["old"].province
    old_province.valid_to = datetime.date(2023, 12, 31)
    with pytest.raises(ValidationError) as error:
        old_province.full_clean()
    assert (
        "3 đơn vị của tỉnh/thành phố tồn tại ngoài thời gian … – 31/12/2023" in error.value.message_dict["valid_to"][0]
    )


def test_the_ward_admin_answers_a_field_error_not_a_500(client, reform):
    from tests.factories import UserFactory

    AssessmentFactory(ward=reform["an_hoa"], year=2024, criteria_set=reform["set"])
    client.force_login(UserFactory(username="quantri_ward", is_staff=True, is_superuser=True))
    url = f"/quan-tri/wards/ward/{reform['an_hoa'].pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = {
        "province": reform["an_hoa"].province_id,
        "district": reform["an_hoa"].district_id,
        "code": "31120",
        "name": "An Hòa",
        "kind": "phuong",
        "valid_from": "",
        "valid_to": "30/06/2023",
        "predecessor_links-TOTAL_FORMS": 0,
        "predecessor_links-INITIAL_FORMS": 0,
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "nằm ngoài thời gian" in response.content.decode()


def test_the_successor_provinces_reviewers_finish_a_predecessors_open_year(reform):
    from tests.factories import user_with_role
    from wards import workflow
    from wards.models import Membership, ProvinceLineage

    new_province, old_province = reform["new"].province, reform["old"].province
    ProvinceLineage.objects.create(successor=new_province, predecessor=old_province)
    pending = AssessmentFactory(
        ward=reform["old"], year=2024, criteria_set=reform["set"], status=Assessment.Status.SUBMITTED
    )
    reviewer = user_with_role(Membership.Role.REVIEWER, province=new_province)
    assert workflow.can(reviewer, workflow.Action.START_REVIEW, pending)
    outsider = user_with_role(Membership.Role.REVIEWER, province=ProvinceFactory(code="51", name="Quảng Ngãi"))
    assert not workflow.may_act(outsider, workflow.Action.START_REVIEW, pending)
