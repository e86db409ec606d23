"""Logging in and out, and the throttling of repeated wrong passwords (django-axes)."""

import pytest

from tests.factories import user_with_role
from wards.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(ward):
    return user_with_role(Membership.Role.WARD_OFFICER, ward=ward, username="canbo")


def login(client, password):
    return client.post("/dang-nhap/", {"username": "canbo", "password": password})


def test_a_wrong_password_is_told_in_vietnamese(client, officer):
    response = login(client, "sai")
    assert response.status_code == 200
    assert "Tên đăng nhập và mật khẩu chính xác" in response.content.decode()


def test_login_and_logout(client, officer):
    assert login(client, "mat-khau-thu").status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/dang-xuat/").status_code == 302
    assert client.get("/").status_code == 302


def test_repeated_wrong_passwords_lock_the_account_for_a_while(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "sai")
    response = login(client, "mat-khau-thu")  # even the right password, while locked
    assert response.status_code == 429
    assert "Tạm khoá đăng nhập" in response.content.decode()
    assert client.get("/").status_code == 302  # not logged in
