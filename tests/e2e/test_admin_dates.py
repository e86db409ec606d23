"""In a real browser: the admin's date widgets write dd/mm/yyyy, and a day picked is the day stored."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, enter_code
from tests.factories import UserFactory, authenticator

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e


def test_the_admin_calendar_writes_and_stores_the_day_first(new_page, assessment):
    device = authenticator(UserFactory(username="quantri", is_staff=True, is_superuser=True))
    page = new_page()
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill("quantri")
    page.locator("#id_password").fill("mat-khau-thu")
    page.get_by_role("button", name="Đăng nhập").click()
    enter_code(page, device)
    page.wait_for_url("/")

    page.goto(f"/quan-tri/wards/assessment/{assessment.pk}/change/")
    deadline = page.locator("#id_deadline")
    expect(deadline).to_have_value(f"{assessment.deadline:%d/%m/%Y}")
    page.get_by_role("link", name="Hôm nay").click()
    today = timezone.localdate()
    expect(deadline).to_have_value(f"{today:%d/%m/%Y}")

    page.locator("#calendarlink0").click()
    page.locator("#calendarbox0").get_by_role("link", name="5", exact=True).click()
    expect(deadline).to_have_value(f"05/{today:%m/%Y}")
    page.locator('input[name="_save"]').click()
    page.wait_for_url("**/quan-tri/wards/assessment/")

    assessment.refresh_from_db()
    assert assessment.deadline == datetime.date(today.year, today.month, 5)
