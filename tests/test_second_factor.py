"""Two-factor sign-in: password, then a code from an authenticator app (TOTP) or a recovery code.

Required of approvers, administrators (and superusers, and staff) and province administrators; offered to
everyone else. Wrong codes count with wrong passwords towards django-axes' lockout."""

import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory, totp_code, user_with_role
from wards.models import AccountEvent, Membership
from wards.services import second_factor

pytestmark = pytest.mark.django_db

Role = Membership.Role
PASSWORD = "mat-khau-thu"
CODE_PAGE = "/dang-nhap/ma-xac-thuc/"
ENROL_PAGE = "/tai-khoan/xac-thuc-hai-lop/bat/"


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    """The user with an authenticator and recovery codes, set up through the service."""
    device = second_factor.enrolment_device(user=user)
    codes = second_factor.second_factor_enrol(user=user, device=device, code=totp_code(device))
    device.refresh_from_db()
    return device, codes


def password_step(client, username, password=PASSWORD, **extra):
    return client.post("/dang-nhap/", {"username": username, "password": password, **extra})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def approver(ward):
    return user_with_role(Role.APPROVER, province=ward.province, username="pheduyet")


@pytest.fixture
def officer(ward):
    return user_with_role(Role.WARD_OFFICER, ward=ward, username="canbo")


@pytest.fixture
def no_throttle(settings):
    """django-otp's own back-off (1, 2, 4 … seconds after each wrong code) off, to count attempts quickly."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


# Who must have it.


def required_users(ward):
    province = ward.province
    return {
        "approver": user_with_role(Role.APPROVER, province=province, username="pheduyet"),
        "admin": user_with_role(Role.ADMIN, username="quantri"),
        "province_admin": user_with_role(Role.PROVINCE_ADMIN, province=province, username="quantri.tinh"),
        "superuser": UserFactory(username="sieu", is_superuser=True, is_staff=True),
        "staff": UserFactory(username="nhanvien", is_staff=True),
    }


@pytest.mark.parametrize("who", ["approver", "admin", "province_admin", "superuser", "staff"])
def test_who_must_have_it_is_sent_to_set_it_up_after_the_password_and_can_open_nothing_else(client, ward, who):
    user = required_users(ward)[who]
    response = password_step(client, user.username, next="/tham-dinh/")
    assert response.status_code == 302 and response.url == f"{ENROL_PAGE}?next=%2Ftham-dinh%2F"
    for address in ("/", "/tham-dinh/", "/lanh-dao/", "/quan-tri/", "/mat-khau/doi/", "/tai-khoan/xac-thuc-hai-lop/"):
        response = client.get(address)
        assert response.status_code == 302 and response.url.startswith(f"{ENROL_PAGE}?next="), address
    page = client.get(ENROL_PAGE)
    assert page.status_code == 200
    assert "bắt buộc xác thực hai lớp" in page.content.decode()
    assert client.post("/dang-xuat/").status_code == 302  # signing out stays open
    assert client.get("/").url.startswith("/dang-nhap/")


@pytest.mark.parametrize("role", [Role.WARD_OFFICER, Role.WARD_HEAD, Role.REVIEWER, Role.LEADERSHIP])
def test_for_everyone_else_it_is_optional(client, ward, role):
    scope = {"ward": ward} if role in Membership.WARD_ROLES else {"province": ward.province}
    user = user_with_role(role, username="nguoidung", **scope)
    response = password_step(client, user.username)
    assert response.status_code == 302 and response.url == "/"
    assert signed_in(client)
    page = client.get("/tai-khoan/xac-thuc-hai-lop/").content.decode()
    assert "Chưa bật" in page and "Không bắt buộc" in page


def test_the_required_roles_are_a_setting(client, ward, settings):
    settings.OTP_REQUIRED_ROLES = ["reviewer"]
    reviewer = user_with_role(Role.REVIEWER, province=ward.province, username="thamdinh")
    approver = user_with_role(Role.APPROVER, province=ward.province, username="pheduyet")
    assert second_factor.second_factor_required(reviewer)
    assert not second_factor.second_factor_required(approver)
    assert password_step(client, "thamdinh").url == f"{ENROL_PAGE}?next=%2F"


# Setting it up.


def test_the_set_up_page_shows_a_qr_code_and_the_secret_and_keeps_them_across_reloads(client, approver):
    password_step(client, "pheduyet")
    first = client.get(ENROL_PAGE).content.decode()
    device = TOTPDevice.objects.get(user=approver)
    assert not device.confirmed
    secret = second_factor.authenticator_secret(device)
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in first
    # An SVG image inside the page's HTML, which the Content Security Policy admits (img-src data:).
    assert '<img src="data:image/svg+xml' in first
    policy = client.get(ENROL_PAGE)["Content-Security-Policy"]
    assert "img-src 'self' data:" in policy
    assert secret in client.get(ENROL_PAGE).content.decode().replace(" ", "")
    assert TOTPDevice.objects.filter(user=approver).count() == 1


def test_a_right_code_turns_it_on_and_shows_ten_recovery_codes_once(client, approver):
    password_step(client, "pheduyet", next="/tham-dinh/")
    client.get(ENROL_PAGE)
    device = TOTPDevice.objects.get(user=approver)
    response = client.post(ENROL_PAGE, {"code": totp_code(device), "next": "/tham-dinh/"})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    page = response.content.decode()
    assert all(code in page for code in codes) and 'href="/tham-dinh/"' in page
    assert set(StaticToken.objects.filter(device__user=approver).values_list("token", flat=True)) == set(codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/tham-dinh/").status_code == 200  # verified: free to work
    assert client.get(ENROL_PAGE).url == "/tai-khoan/xac-thuc-hai-lop/"  # and not shown again
    assert "Đang bật" in client.get("/tai-khoan/xac-thuc-hai-lop/").content.decode()
    event = AccountEvent.objects.get()
    assert (event.user, event.actor, event.action) == (approver, approver, AccountEvent.Action.SECOND_FACTOR_ON)


def test_a_wrong_code_while_setting_up_is_told_at_the_field(client, approver):
    password_step(client, "pheduyet")
    client.get(ENROL_PAGE)
    response = client.post(
        ENROL_PAGE, {"code": "000000" if totp_code(approver.totpdevice_set.get()) != "000000" else "1"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Mã xác thực không đúng" in page and 'aria-invalid="true"' in page
    assert not TOTPDevice.objects.get(user=approver).confirmed
    assert client.post(ENROL_PAGE, {"code": ""}).status_code == 422
    assert not AccountEvent.objects.exists()


def test_an_optional_user_turns_it_on_and_is_then_asked_for_a_code(client, officer):
    password_step(client, "canbo")
    client.get(ENROL_PAGE)
    device = TOTPDevice.objects.get(user=officer)
    assert client.post(ENROL_PAGE, {"code": totp_code(device)}).status_code == 200
    client.post("/dang-xuat/")
    assert password_step(client, "canbo").url == CODE_PAGE
    assert not signed_in(client)


# Signing in with it.


def test_the_password_alone_does_not_sign_in_a_user_with_an_authenticator(client, approver):
    device, _ = enrolled(approver)
    response = password_step(client, "pheduyet", next="/tham-dinh/")
    assert response.status_code == 302 and response.url == CODE_PAGE
    assert not signed_in(client)
    assert client.get("/quan-tri/", follow=True).redirect_chain[-1][0] == "/dang-nhap/?next=/quan-tri/"
    page = client.get(CODE_PAGE)
    assert page.status_code == 200 and "Mã xác thực" in page.content.decode()
    response = client.post(CODE_PAGE, {"code": totp_code(device, steps_ahead=1)})
    assert response.status_code == 302 and response.url == "/tham-dinh/"
    assert signed_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_wrong_code_is_refused_and_counted(client, approver, no_throttle):
    device, _ = enrolled(approver)
    password_step(client, "pheduyet")
    wrong = "123456" if totp_code(device) != "123456" else "654321"
    response = client.post(CODE_PAGE, {"code": wrong})
    assert response.status_code == 422
    assert "Mã xác thực không đúng hoặc đã được dùng" in response.content.decode()
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username="pheduyet").failures_since_start == 1


def test_a_code_is_accepted_once(client, approver, no_throttle):
    device, _ = enrolled(approver)  # the current code was used to set it up
    password_step(client, "pheduyet")
    assert client.post(CODE_PAGE, {"code": totp_code(device)}).status_code == 422


def test_the_administrators_session_opens_the_django_admin_only_after_the_code(client, ward):
    admin = UserFactory(username="sieu", is_superuser=True, is_staff=True)
    device, _ = enrolled(admin)
    # The admin's own sign-in form would skip the code: it sends to the site's two steps.
    assert client.get("/quan-tri/").url == "/quan-tri/login/?next=/quan-tri/"
    assert client.get("/quan-tri/login/?next=/quan-tri/").url == "/dang-nhap/?next=/quan-tri/"
    password_step(client, "sieu", next="/quan-tri/")
    assert client.get("/quan-tri/").status_code == 302
    assert client.post(CODE_PAGE, {"code": totp_code(device, steps_ahead=1)}).url == "/quan-tri/"
    assert client.get("/quan-tri/").status_code == 200


def test_the_admin_refuses_a_staff_session_without_the_second_factor(rf, ward):
    from django.contrib import admin

    staff = UserFactory(username="nhanvien", is_staff=True, is_superuser=True)
    request = rf.get("/quan-tri/")
    request.user = staff
    staff.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    staff.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_a_session_signed_in_before_the_authenticator_signs_in_again(client, approver, password_only_login):
    enrolled(approver)
    password_only_login(client, approver)
    response = client.get("/tham-dinh/")
    assert response.status_code == 302 and response.url == "/dang-nhap/?next=/tham-dinh/"
    assert not signed_in(client)


def test_the_code_page_without_the_password_step_sends_back_to_it(client, approver):
    response = client.get(CODE_PAGE)
    assert response.status_code == 302 and response.url == "/dang-nhap/"


def test_the_code_step_expires(client, approver, monkeypatch):
    device, _ = enrolled(approver)
    password_step(client, "pheduyet")
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(CODE_PAGE, {"code": totp_code(device)})
    assert response.status_code == 302 and response.url == "/dang-nhap/"
    assert not signed_in(client)


def test_an_unsafe_next_is_not_followed(client, approver):
    device, _ = enrolled(approver)
    password_step(client, "pheduyet", next="https://evil.example/")
    assert client.post(CODE_PAGE, {"code": totp_code(device, steps_ahead=1)}).url == "/"


# Recovery codes.


def test_a_recovery_code_signs_in_once(client, approver, no_throttle):
    _, codes = enrolled(approver)
    password_step(client, "pheduyet")
    response = client.post(CODE_PAGE, {"code": codes[0].upper()[:4] + " " + codes[0][4:]}, follow=True)
    assert response.status_code == 200 and signed_in(client)
    assert "còn 9 mã" in response.content.decode()
    assert StaticToken.objects.filter(device__user=approver).count() == 9
    event = AccountEvent.objects.get(action=AccountEvent.Action.RECOVERY_CODE_USED)
    assert event.user == approver and "9" in event.detail

    client.post("/dang-xuat/")
    password_step(client, "pheduyet")
    assert client.post(CODE_PAGE, {"code": codes[0]}).status_code == 422
    assert not signed_in(client)
    assert client.post(CODE_PAGE, {"code": codes[1]}).status_code == 302
    assert signed_in(client)


def test_recovery_codes_are_regenerated_in_a_verified_session_and_the_old_ones_stop(client, approver):
    _, old = enrolled(approver)
    client.force_login(approver)
    response = client.post("/tai-khoan/xac-thuc-hai-lop/ma-du-phong/")
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=approver).values_list("token", flat=True)) == set(new)
    assert AccountEvent.objects.filter(user=approver, action=AccountEvent.Action.RECOVERY_CODES_NEW).count() == 1
    assert client.get("/tai-khoan/xac-thuc-hai-lop/ma-du-phong/").status_code == 405


def test_recovery_codes_are_not_regenerated_without_the_second_factor(client, officer):
    client.force_login(officer)  # no authenticator: a password-only session
    assert client.post("/tai-khoan/xac-thuc-hai-lop/ma-du-phong/").status_code == 403
    assert not StaticDevice.objects.exists()


# Throttling and lockout.


def test_wrong_codes_in_a_row_are_throttled(client, approver):
    device, _ = enrolled(approver)
    password_step(client, "pheduyet")
    wrong = "123456" if totp_code(device, steps_ahead=1) != "123456" else "654321"
    client.post(CODE_PAGE, {"code": wrong})
    # Even the right code waits out the back-off (1 s after one wrong code, then 2, 4, 8 …).
    response = client.post(CODE_PAGE, {"code": totp_code(device, steps_ahead=1)})
    assert response.status_code == 422
    assert "Hãy thử lại sau" in response.content.decode()
    assert not signed_in(client)


def test_repeated_wrong_codes_lock_the_account_for_a_while(client, approver, settings, no_throttle):
    enrolled(approver)
    password_step(client, "pheduyet")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(CODE_PAGE, {"code": "000001"}).status_code == 422
    response = client.post(CODE_PAGE, {"code": "000001"})
    assert response.status_code == 429 and "Tạm khoá đăng nhập" in response.content.decode()
    # Locked out of both steps: the right password, then the right code, change nothing.
    response = password_step(client, "pheduyet")
    assert response.status_code == 429
    assert not signed_in(client)


def test_a_right_password_does_not_wipe_the_count_of_wrong_codes(client, approver, settings, no_throttle):
    enrolled(approver)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        password_step(client, "pheduyet")
        client.post(CODE_PAGE, {"code": "000001"})
    password_step(client, "pheduyet")
    assert client.post(CODE_PAGE, {"code": "000001"}).status_code == 429


def test_wrong_passwords_and_wrong_codes_count_together(client, approver, settings, no_throttle):
    enrolled(approver)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        password_step(client, "pheduyet", password="sai")
    password_step(client, "pheduyet")
    assert client.post(CODE_PAGE, {"code": "000001"}).status_code == 429


def test_signing_in_with_both_factors_clears_the_count(client, approver, settings, no_throttle):
    device, _ = enrolled(approver)
    password_step(client, "pheduyet", password="sai")
    password_step(client, "pheduyet")
    client.post(CODE_PAGE, {"code": "000001"})
    assert client.post(CODE_PAGE, {"code": totp_code(device, steps_ahead=1)}).status_code == 302
    assert not AccessAttempt.objects.filter(username="pheduyet").exists()


# The administrator's reset.


def reset(client, *users):
    return client.post(
        "/quan-tri/auth/user/",
        {"action": "reset_second_factor", "_selected_action": [u.pk for u in users]},
        follow=True,
    )


def test_an_administrator_resets_a_users_second_factor_audited(client, approver, ward):
    admin = user_with_role(Role.ADMIN, username="quantri")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    enrolled(approver)
    client.force_login(admin)
    assert "Đặt lại xác thực hai lớp" in client.get("/quan-tri/auth/user/").content.decode()
    response = reset(client, approver)
    assert response.status_code == 200
    assert "Đã đặt lại xác thực hai lớp của 1 người dùng" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=approver).exists()
    assert not StaticDevice.objects.filter(user=approver).exists()
    event = AccountEvent.objects.get(action=AccountEvent.Action.SECOND_FACTOR_RESET)
    assert (event.user, event.actor) == (approver, admin)
    # The audit is read-only in the admin.
    page = client.get(f"/quan-tri/wards/accountevent/{event.pk}/change/")
    assert page.status_code == 200 and 'name="detail"' not in page.content.decode()
    assert client.post(f"/quan-tri/wards/accountevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403

    # At their next sign-in they set a new one up.
    other = type(client)()
    assert password_step(other, "pheduyet").url == f"{ENROL_PAGE}?next=%2F"


def test_a_reset_ends_the_verification_of_the_users_open_session(client, approver, ward):
    enrolled(approver)
    client.force_login(approver)
    assert client.get("/tham-dinh/").status_code == 200
    admin = UserFactory(username="sieu", is_superuser=True, is_staff=True)
    second_factor.second_factor_reset(user=approver, actor=admin)
    assert client.get("/tham-dinh/").url.startswith(ENROL_PAGE)


def test_only_who_may_change_users_resets(approver, ward):
    enrolled(approver)
    reviewer = user_with_role(Role.REVIEWER, province=ward.province, username="thamdinh")
    with pytest.raises(second_factor.PermissionDenied):
        second_factor.second_factor_reset(user=approver, actor=reviewer)
    assert TOTPDevice.objects.filter(user=approver, confirmed=True).exists()
    assert not AccountEvent.objects.filter(action=AccountEvent.Action.SECOND_FACTOR_RESET).exists()


def test_a_staff_user_who_may_only_view_users_cannot_reset(client, approver):
    from django.contrib.auth.models import Permission

    enrolled(approver)
    staff = get_user_model().objects.create_user("nhanvien", password=PASSWORD, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(staff)
    assert "reset_second_factor" not in client.get("/quan-tri/auth/user/").content.decode()
    reset(client, approver)
    assert TOTPDevice.objects.filter(user=approver, confirmed=True).exists()


def test_the_admin_does_not_show_anyones_authenticator_secret(admin_client):
    assert admin_client.get("/quan-tri/otp_totp/totpdevice/").status_code == 404
    assert admin_client.get("/quan-tri/otp_static/staticdevice/").status_code == 404


def test_a_quick_second_try_while_setting_up_is_asked_to_wait(client, approver):
    password_step(client, "pheduyet")
    client.get(ENROL_PAGE)
    device = TOTPDevice.objects.get(user=approver)
    right = totp_code(device)
    client.post(ENROL_PAGE, {"code": "000000" if right != "000000" else "111111"})
    response = client.post(ENROL_PAGE, {"code": right})
    assert response.status_code == 422 and "Hãy thử lại sau 1 giây" in response.content.decode()
    assert not TOTPDevice.objects.get(user=approver).confirmed
