"""Logging in and out, and the throttling of repeated wrong passwords (django-axes)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt

from tests.factories import user_with_role
from wards.models import Membership

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


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


# Behind a reverse proxy every request comes from the proxy's address. The throttle must count the client's
# own address, taken from X-Forwarded-For only as far as the proxies we trust wrote it.
PROXY = "10.0.0.2"


def login_from(client, password, *, remote, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/dang-nhap/", {"username": "canbo", "password": password}, REMOTE_ADDR=remote, headers=headers)


def test_behind_a_trusted_proxy_one_client_cannot_lock_out_another(client, officer, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login_from(client, "sai", remote=PROXY, forwarded="203.0.113.5")
    assert login_from(client, "mat-khau-thu", remote=PROXY, forwarded="203.0.113.5").status_code == 429
    assert login_from(client, "mat-khau-thu", remote=PROXY, forwarded="198.51.100.7").status_code == 302
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.5"]


def test_a_client_cannot_dodge_the_lockout_by_forging_x_forwarded_for(client, officer, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The proxy appends the address it saw; whatever the client sent stands to its left.
    for n in range(settings.AXES_FAILURE_LIMIT):
        login_from(client, "sai", remote=PROXY, forwarded=f"192.0.2.{n}, 203.0.113.5")
    assert login_from(client, "mat-khau-thu", remote=PROXY, forwarded="192.0.2.99, 203.0.113.5").status_code == 429


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, officer, settings):
    settings.TRUSTED_PROXIES = []
    for n in range(settings.AXES_FAILURE_LIMIT):
        login_from(client, "sai", remote="203.0.113.5", forwarded=f"192.0.2.{n}")
    assert login_from(client, "mat-khau-thu", remote="203.0.113.5", forwarded="192.0.2.99").status_code == 429
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.5"]


@pytest.mark.parametrize(
    ("remote", "forwarded", "client_address"),
    [
        ("203.0.113.5", None, "203.0.113.5"),
        ("203.0.113.5", "192.0.2.1", "203.0.113.5"),  # not from a trusted proxy: the header is the client's
        (PROXY, None, PROXY),
        (PROXY, "203.0.113.5", "203.0.113.5"),
        (PROXY, "192.0.2.1, 203.0.113.5", "203.0.113.5"),
        (PROXY, "192.0.2.1,203.0.113.5, 10.0.0.3", "203.0.113.5"),  # two proxies of ours
        (PROXY, "10.0.0.4, 10.0.0.3", "10.0.0.4"),  # only our own machines in the chain
        (PROXY, "192.0.2.1, not-an-address", PROXY),  # our proxy wrote nonsense: trust no further
        (PROXY, "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_client_address_is_the_nearest_untrusted_hop(rf, settings, remote, forwarded, client_address):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = rf.post("/dang-nhap/", REMOTE_ADDR=remote, headers=headers)
    assert get_client_ip_address(request) == client_address


def test_a_malformed_trusted_proxies_setting_stops_the_start(tmp_path):
    env = {**os.environ, "TRUSTED_PROXIES": "10.0.0.0/8,proxy.local", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "TRUSTED_PROXIES" in result.stderr


def test_an_empty_login_form_says_at_each_field_what_is_missing(client, officer):
    page = client.post("/dang-nhap/", {"username": "", "password": ""}).content.decode()
    assert page.count("Trường này là bắt buộc.") == 2
    assert page.count('aria-invalid="true"') == 2


def test_what_was_typed_stays_in_the_form_after_an_error(client, officer):
    page = client.post("/dang-nhap/", {"username": "canbo", "password": ""}).content.decode()
    assert 'value="canbo"' in page
    assert page.count("Trường này là bắt buộc.") == 1


def test_a_browser_asking_for_english_gets_the_login_s_messages_in_english(client, officer):
    english = {"Accept-Language": "en-US,en;q=0.9"}
    page = client.post("/dang-nhap/", {"username": "", "password": ""}, headers=english).content.decode()
    assert page.count("This field is required.") == 2 and "Trường này là bắt buộc." not in page
    page = client.post("/dang-nhap/", {"username": "canbo", "password": "sai"}, headers=english).content.decode()
    assert "Please enter a correct" in page and "Tên đăng nhập và mật khẩu chính xác" not in page
