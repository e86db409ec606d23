"""End to end, in a real browser, from an empty database: the national administrator sets Cần Thơ up from the
national list, sets its 2027 deadline and opens the year; every one of its 31 phường then has a 2027
assessment with that deadline. A person's part is one sign-in and nine steps (pick, set up, three dates,
save, a year, open) — well under a minute. Screenshots go to /tmp/shots-onboarding/.
"""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, enter_code, expect_accessible
from tests.factories import UserFactory, authenticator
from wards.models import Assessment, Province, Ward

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-thu"  # tests.factories.UserFactory
SHOTS = Path("/tmp/shots-onboarding")


def test_a_province_is_set_up_and_its_year_opened_in_the_browser(new_page, criteria_set, debug_mode):
    assert not Province.objects.exists() and not Ward.objects.exists()
    admin_user = UserFactory(username="quantri", is_staff=True, is_superuser=True)
    device = authenticator(admin_user)
    SHOTS.mkdir(exist_ok=True)
    suffix = "debug" if debug_mode else "prod"

    page = new_page()
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill("quantri")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    enter_code(page, device)
    page.wait_for_url("/")

    page.get_by_role("link", name="Quản trị tỉnh").click()
    page.wait_for_url("**/quan-tri-tinh/")
    expect_accessible(page, "the provinces to administer")
    page.locator("#setup-province").select_option("92")
    page.get_by_role("button", name="Thiết lập").click()
    page.wait_for_url("**/quan-tri-tinh/92/")
    expect(page.locator(".alert-success").first).to_contain_text("Đã thiết lập Cần Thơ: 31 phường mới")
    expect(page.locator("#wards-title")).to_contain_text("31 phường hiện nay")

    page.locator("#id_calendar-year").fill("2027")
    page.locator("#id_calendar-deadline").fill("10/11/2027")
    page.locator("#id_calendar-half_year_report").fill("15/05/2027")
    page.get_by_role("button", name="Lưu lịch báo cáo").click()
    expect(page.locator(".alert-success").first).to_contain_text("Đã lưu lịch báo cáo năm 2027: hạn nộp 10/11/2027")

    page.locator("#id_open-year").fill("2027")
    page.get_by_role("button", name="Mở đợt đánh giá").click()
    expect(page.locator(".alert-success").first).to_contain_text("tạo 31 hồ sơ (hạn nộp 10/11/2027")
    expect(page.locator("#years")).to_contain_text("2027")
    expect_accessible(page, "a province's administration")
    page.screenshot(path=str(SHOTS / f"province-{suffix}.png"), full_page=True)

    can_tho = Province.objects.current().get(code="92")
    opened = Assessment.objects.filter(year=2027)
    assert opened.count() == Ward.objects.current().filter(province=can_tho, kind=Ward.Kind.WARD).count() == 31
    assert set(opened.values_list("deadline", flat=True)) == {datetime.date(2027, 11, 10)}
    assert set(opened.values_list("ward__province", flat=True)) == {can_tho.pk}
