"""People change their own password, and reset a forgotten one by e-mail (Django's views, in Vietnamese)."""

import re

import pytest

from tests.factories import user_with_role
from wards.models import Membership

pytestmark = pytest.mark.django_db

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
VIETNAMESE = {"Accept-Language": "vi"}


@pytest.fixture
def officer(ward):
    user = user_with_role(Membership.Role.WARD_OFFICER, ward=ward, username="canbo")
    user.email = "canbo@caikhe.example.vn"
    user.save()
    return user


def test_a_user_changes_their_own_password(client, officer):
    client.force_login(officer)
    page = client.get("/mat-khau/doi/").content.decode()
    assert "Đổi mật khẩu" in page and "Mật khẩu cũ" in page
    response = client.post(
        "/mat-khau/doi/",
        {
            "old_password": "mat-khau-thu",
            "new_password1": "Cong-an-phuong-2026",
            "new_password2": "Cong-an-phuong-2026",
        },
    )
    assert response.status_code == 302 and response.url == "/mat-khau/doi/xong/"
    assert "Đã đổi mật khẩu" in client.get(response.url).content.decode()
    assert client.get("/").status_code == 200  # still logged in
    officer.refresh_from_db()
    assert officer.check_password("Cong-an-phuong-2026")


def test_changing_a_password_needs_a_login(client):
    response = client.get("/mat-khau/doi/")
    assert response.status_code == 302 and response.url.startswith("/dang-nhap/")


def test_a_wrong_old_password_is_told_at_the_field(client, officer):
    client.force_login(officer)
    page = client.post(
        "/mat-khau/doi/", {"old_password": "sai", "new_password1": "Cong-an-phuong-2026", "new_password2": ""}
    ).content.decode()
    assert "Mật khẩu cũ không chính xác" in page
    assert "Trường này là bắt buộc." in page
    officer.refresh_from_db()
    assert officer.check_password("mat-khau-thu")


@pytest.mark.parametrize(
    ("headers", "said", "not_said"),
    [(VIETNAMESE, "Mật khẩu quá ngắn", "too short"), (ENGLISH, "This password is too short", "Mật khẩu quá ngắn")],
)
def test_a_too_short_password_is_refused_in_the_reader_s_language(client, officer, headers, said, not_said):
    client.force_login(officer)
    page = client.post(
        "/mat-khau/doi/",
        {"old_password": "mat-khau-thu", "new_password1": "Ab1!", "new_password2": "Ab1!"},
        headers=headers,
    ).content.decode()
    assert said in page and not_said not in page


def test_a_forgotten_password_is_reset_through_a_link_sent_by_email(client, officer, mailoutbox):
    assert "/mat-khau/quen/" in client.get("/dang-nhap/").content.decode()
    response = client.post("/mat-khau/quen/", {"email": "CANBO@caikhe.example.vn"})
    assert response.status_code == 302 and response.url == "/mat-khau/quen/da-gui/"
    assert "Đã gửi" in client.get(response.url).content.decode()

    [mail] = mailoutbox
    assert mail.to == ["canbo@caikhe.example.vn"]
    assert "Đặt lại mật khẩu" in mail.subject
    assert "canbo" in mail.body  # the username, in case they forgot it too
    link = re.search(r"http://testserver(/mat-khau/dat-lai/\S+/)", mail.body).group(1)

    response = client.get(link)  # Django moves the token out of the address into the session
    assert response.status_code == 302
    form_url = response.url
    assert "Mật khẩu mới" in client.get(form_url).content.decode()
    response = client.post(form_url, {"new_password1": "Cong-an-phuong-2026", "new_password2": "Cong-an-phuong-2026"})
    assert response.status_code == 302 and response.url == "/mat-khau/dat-lai/xong/"
    assert "Đăng nhập" in client.get(response.url).content.decode()

    officer.refresh_from_db()
    assert officer.check_password("Cong-an-phuong-2026")
    assert "không còn hiệu lực" in client.get(link, follow=True).content.decode()  # a used link is dead


def test_an_unknown_address_is_answered_like_a_known_one_and_gets_no_email(client, officer, mailoutbox):
    response = client.post("/mat-khau/quen/", {"email": "ai-do@example.vn"})
    assert response.status_code == 302 and response.url == "/mat-khau/quen/da-gui/"
    assert mailoutbox == []


def test_an_empty_reset_form_says_what_is_missing(client):
    page = client.post("/mat-khau/quen/", {"email": ""}, headers=VIETNAMESE).content.decode()
    assert "Trường này là bắt buộc." in page
    page = client.post("/mat-khau/quen/", {"email": ""}, headers=ENGLISH).content.decode()
    assert "This field is required." in page


def test_the_menu_offers_a_password_change(client, officer):
    client.force_login(officer)
    assert 'href="/mat-khau/doi/"' in client.get("/").content.decode()


def test_the_admins_own_password_change_still_works_with_these_pages(admin_client, admin_user):
    # The admin's password change renders the same registration/ templates.
    assert "Đổi mật khẩu" in admin_client.get("/quan-tri/password_change/").content.decode()
    response = admin_client.post(
        "/quan-tri/password_change/",
        {"old_password": "password", "new_password1": "Cong-an-phuong-2026", "new_password2": "Cong-an-phuong-2026"},
    )
    assert response.status_code == 302 and response.url == "/quan-tri/password_change/done/"
    assert "Đã đổi mật khẩu" in admin_client.get(response.url).content.decode()
    admin_user.refresh_from_db()
    assert admin_user.check_password("Cong-an-phuong-2026")
