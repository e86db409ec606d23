"""A province's administration pages: scope (404 outside, 403 without the role), opening a year, the calendar."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from tests.factories import UserFactory, user_with_role
from wards.models import Assessment, Invitation, Membership, Province, ReportingCalendar
from wards.services.divisions import import_divisions

pytestmark = pytest.mark.django_db
Role = Membership.Role
User = get_user_model()


@pytest.fixture
def can_tho(criteria_set):
    import_divisions(provinces={"92"})
    return Province.objects.current().get(code="92")


@pytest.fixture
def quang_ngai(criteria_set):
    import_divisions(provinces={"51"})
    return Province.objects.current().get(code="51")


@pytest.fixture
def province_admin(can_tho):
    return user_with_role(Role.PROVINCE_ADMIN, province=can_tho)


def test_a_provinces_administrator_goes_straight_to_their_province(client, province_admin):
    client.force_login(province_admin)
    response = client.get("/quan-tri-tinh/")
    assert response.status_code == 302 and response.url == "/quan-tri-tinh/92/"


def test_the_overview_lists_the_wards_with_their_lineage_in_constant_queries(
    client, province_admin, django_assert_max_num_queries
):
    client.force_login(province_admin)
    with django_assert_max_num_queries(16):
        response = client.get("/quan-tri-tinh/92/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "31 phường hiện nay" in page
    assert "An Hòa, Cái Khế, một phần Bùi Hữu Nghĩa" in page
    assert "Hình thành từ:" in page and "Hậu Giang" in page


PROVINCE_URLS = [
    ("administration", "/quan-tri-tinh/51/", "get"),
    ("administration_open_year", "/quan-tri-tinh/51/mo-dot/", "post"),
    ("administration_calendar", "/quan-tri-tinh/51/lich/", "post"),
    ("administration_people", "/quan-tri-tinh/51/nguoi-dung/", "get"),
    ("administration_people_template", "/quan-tri-tinh/51/nguoi-dung/mau/", "get"),
    ("administration_people_import", "/quan-tri-tinh/51/nguoi-dung/nhap/", "post"),
    ("administration_people_invite", "/quan-tri-tinh/51/nguoi-dung/{person}/moi-lai/", "post"),
    ("administration_people_deactivate", "/quan-tri-tinh/51/nguoi-dung/{person}/ngung/", "post"),
    ("administration_people_reactivate", "/quan-tri-tinh/51/nguoi-dung/{person}/kich-hoat/", "post"),
]


def test_every_address_of_a_province_is_in_the_scope_test():
    from django.urls import get_resolver

    names = {p.name for p in get_resolver().url_patterns if str(p.pattern).startswith("quan-tri-tinh/<str:code>")}
    assert names == {name for name, _, _ in PROVINCE_URLS}


@pytest.mark.parametrize("name, path, method", PROVINCE_URLS)
def test_another_provinces_administrator_gets_404_and_a_reviewer_403(
    client, province_admin, quang_ngai, name, path, method
):
    # A person of that province, for the addresses of one person.
    path = path.format(person=user_with_role(Role.WARD_OFFICER, ward=quang_ngai.wards.first()).pk)
    client.force_login(province_admin)
    assert getattr(client, method)(path, {"open-year": "2027"}).status_code == 404
    client.force_login(user_with_role(Role.REVIEWER, province=quang_ngai))
    assert getattr(client, method)(path, {"open-year": "2027"}).status_code == 403
    assert not Assessment.objects.exists()
    assert User.objects.filter(is_active=True).count() == User.objects.count() and not Invitation.objects.exists()
    client.logout()
    assert getattr(client, method)(path).status_code == 302


def test_opening_a_year_on_the_page_creates_every_wards_assessment_with_the_provinces_deadline(
    client, province_admin, can_tho
):
    client.force_login(province_admin)
    saved = client.post(
        "/quan-tri-tinh/92/lich/",
        {"calendar-year": "2027", "calendar-deadline": "10/11/2027", "calendar-half_year_report": "15/05/2027"},
        follow=True,
    )
    assert "Đã lưu lịch báo cáo năm 2027: hạn nộp 10/11/2027" in saved.content.decode()
    opened = client.post("/quan-tri-tinh/92/mo-dot/", {"open-year": "2027"}, follow=True)
    assert "tạo 31 hồ sơ (hạn nộp 10/11/2027" in opened.content.decode()
    assert set(Assessment.objects.filter(year=2027).values_list("deadline", flat=True)) == {datetime.date(2027, 11, 10)}
    again = client.post("/quan-tri-tinh/92/mo-dot/", {"open-year": "2027"}, follow=True)
    assert "không tạo thêm hồ sơ nào" in again.content.decode()
    assert Assessment.objects.filter(year=2027).count() == 31


def test_bad_input_is_answered_at_the_field_and_kept(client, province_admin, can_tho):
    client.force_login(province_admin)
    refused = client.post("/quan-tri-tinh/92/mo-dot/", {"open-year": "20x7"})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Hãy nhập năm bằng chữ số, ví dụ 2027." in page and 'value="20x7"' in page
    late = client.post(
        "/quan-tri-tinh/92/lich/",
        {"calendar-year": "2027", "calendar-deadline": "15/11/2027", "calendar-half_year_report": "01/12/2027"},
    )
    assert late.status_code == 422
    assert "Hạn báo cáo 6 tháng phải trước hạn nộp hồ sơ năm." in late.content.decode()
    assert 'value="01/12/2027"' in late.content.decode()
    assert not ReportingCalendar.objects.exists()


def test_the_national_administrator_sets_a_province_up_on_the_page(client, criteria_set):
    admin_user = UserFactory(username="quantri_tinh", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    index = client.get("/quan-tri-tinh/")
    assert index.status_code == 200 and "Quảng Ngãi (51)" in index.content.decode()
    done = client.post("/quan-tri-tinh/thiet-lap/", {"province": "51"}, follow=True)
    assert "Đã thiết lập Quảng Ngãi: 9 phường mới" in done.content.decode()
    assert done.redirect_chain[-1][0] == "/quan-tri-tinh/51/"
    province_admin = user_with_role(Role.PROVINCE_ADMIN, province=Province.objects.current().get(code="51"))
    client.force_login(province_admin)
    assert client.post("/quan-tri-tinh/thiet-lap/", {"province": "92"}).status_code == 403
