"""In a real browser: an approver sets up two-factor sign-in on first sign-in (the QR code is an SVG image the
Content Security Policy admits), keeps the recovery codes, and next time signs in with a code, then with a
recovery code. Every page passes axe-core."""

from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, expect_accessible
from tests.factories import user_with_role
from wards.models import AccountEvent, Membership

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-thu"  # tests.factories.UserFactory


def password_step(page: Page, username: str) -> None:
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def code_from_secret(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the secret typed in by hand (as the page prints it, in groups)."""
    import time

    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def test_an_approver_sets_it_up_then_signs_in_with_a_code_and_with_a_recovery_code(new_page, ward):
    user_with_role(Membership.Role.APPROVER, province=ward.province, username="pheduyet")
    page = new_page()

    # 1. First sign-in: the password leads to the set-up, and nothing else opens until it is done.
    password_step(page, "pheduyet")
    page.wait_for_url("**/tai-khoan/xac-thuc-hai-lop/bat/?next=%2F")
    expect(page.locator("#second-factor-required")).to_be_visible()
    qr = page.locator("#qr-code")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert page.evaluate("document.querySelector('#qr-code').naturalWidth") > 0  # drawn, not refused by the CSP
    expect_accessible(page, "the set-up of two-factor sign-in")
    page.goto("/tham-dinh/")
    page.wait_for_url("**/tai-khoan/xac-thuc-hai-lop/bat/?next=%2Ftham-dinh%2F")

    # 2. A wrong code is told at the field; the app's code turns it on and shows the recovery codes once.
    secret = page.locator("#secret").inner_text()
    page.locator("#id_code").fill("000000" if code_from_secret(secret) != "000000" else "111111")
    page.get_by_role("button", name="Bật xác thực hai lớp").click()
    expect(page.locator("#id_code_error")).to_contain_text("Mã xác thực không đúng")
    page.wait_for_timeout(1100)  # django-otp's back-off: a second after one wrong code, every code waits
    page.locator("#id_code").fill(code_from_secret(secret))
    page.get_by_role("button", name="Bật xác thực hai lớp").click()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text()
    expect_accessible(page, "the recovery codes")
    page.get_by_role("link", name="Đã lưu mã, tiếp tục").click()
    page.wait_for_url("**/tham-dinh/")

    # 3. Next time: the password, then the code.
    page.locator("#account-menu > summary").click()
    page.get_by_role("button", name="Đăng xuất").click()
    password_step(page, "pheduyet")
    page.wait_for_url("**/dang-nhap/ma-xac-thuc/")
    expect_accessible(page, "the code step")
    page.locator("#id_code").fill(code_from_secret(secret, steps_ahead=1))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("/")

    # 4. Without the phone: a recovery code, once.
    page.locator("#account-menu > summary").click()
    page.get_by_role("button", name="Đăng xuất").click()
    password_step(page, "pheduyet")
    page.locator("#id_code").fill(recovery)
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("/")
    expect(page.locator(".alert-warning")).to_contain_text("còn 9 mã")
    page.goto("/tai-khoan/xac-thuc-hai-lop/")
    expect(page.locator("#second-factor-status")).to_contain_text("Còn 9 mã dự phòng")
    expect_accessible(page, "the two-factor page")
    assert list(AccountEvent.objects.values_list("action", flat=True).order_by("pk")) == [
        AccountEvent.Action.SECOND_FACTOR_ON,
        AccountEvent.Action.RECOVERY_CODE_USED,
    ]
