"""End to end, in a real browser: a draft past its deadline cannot be sent; the province's reviewer grants the
ward an extension on the review page; the ward head sees it and sends the assessment."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, expect_accessible
from tests.factories import AssessmentFactory, fill_assessment, user_with_role
from wards.models import Assessment, Membership

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-thu"  # tests.factories.UserFactory


def log_in(page, username: str) -> None:
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("/")


def test_a_late_ward_is_given_an_extension_and_sends_its_assessment(new_page, ward, criteria_set):
    today = timezone.localdate()
    late = AssessmentFactory(
        ward=ward, year=today.year, criteria_set=criteria_set, deadline=today - datetime.timedelta(days=3)
    )
    fill_assessment(late)
    user_with_role(Membership.Role.WARD_HEAD, ward=ward, username="truong")
    user_with_role(Membership.Role.REVIEWER, province=ward.province, username="thamdinh")

    head = new_page()
    log_in(head, "truong")
    head.goto(f"/ho-so/{late.pk}/")
    expect(head.locator("#submission-closed")).to_contain_text("Đã quá hạn nộp")
    expect(head.locator("#submit-assessment")).to_be_disabled()

    reviewer = new_page()
    log_in(reviewer, "thamdinh")
    reviewer.goto(f"/ho-so/{late.pk}/tham-dinh/")
    until = today + datetime.timedelta(days=10)
    reviewer.locator("#id_until").fill("31/02/2026")
    reviewer.locator("#id_reason").fill("Mưa lũ kéo dài")
    reviewer.get_by_role("button", name="Gia hạn", exact=True).click()
    expect(reviewer.locator("#error-summary")).to_contain_text("Ngày theo dạng dd/mm/yyyy.")
    expect(reviewer.locator("#id_reason")).to_have_value("Mưa lũ kéo dài")
    reviewer.locator("#id_until").fill(f"{until:%d/%m/%Y}")
    reviewer.get_by_role("button", name="Gia hạn", exact=True).click()
    expect(reviewer.locator(".alert-success").first).to_contain_text(f"Đã gia hạn nộp hồ sơ đến {until:%d/%m/%Y}")
    expect(reviewer.locator("#extension")).to_contain_text("Mưa lũ kéo dài")
    expect_accessible(reviewer, "the review page with an extension")

    head.reload()
    expect(head.locator("#extension")).to_contain_text(f"Gia hạn đến {until:%d/%m/%Y}")
    expect(head.locator("#submission-closed")).to_have_count(0)
    head.on("dialog", lambda dialog: dialog.accept())
    head.locator("#submit-assessment").click()
    expect(head.locator("#status")).to_have_text("Đã gửi")
    late.refresh_from_db()
    assert late.status == Assessment.Status.SUBMITTED
