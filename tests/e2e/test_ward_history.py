"""End to end, in a real browser: a ward officer of the new Phường Cái Khế walks its history across the 2025
reform — the old Cái Khế's 2024 assessment, the old ward's page ("Từ 01/7/2025 thuộc Phường Cái Khế"), the
successor's page ("Hình thành từ: An Hòa, Cái Khế, một phần Bùi Hữu Nghĩa"), its 2025 assessment.

The map is the real one (import_divisions for Cần Thơ). Screenshots of both ward pages go to /tmp/shots-m-demo/.
"""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, expect_accessible
from tests.factories import AssessmentFactory, user_with_role
from wards.map import OLD_MAP_LAST_DAY, REFORM_DATE
from wards.models import Assessment, Decision, Membership, Ward
from wards.services.divisions import import_divisions

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-thu"  # tests.factories.UserFactory
SHOTS = Path("/tmp/shots-m-demo")


@pytest.fixture
def history(criteria_set):
    import_divisions(provinces={"92"})
    old = Ward.objects.get(code="31117", valid_to=OLD_MAP_LAST_DAY)
    new = Ward.objects.get(code="31120", valid_from=REFORM_DATE)
    officer = user_with_role(Membership.Role.WARD_OFFICER, ward=new, username="canbo.caikhe")
    approver = user_with_role(Membership.Role.APPROVER, province=new.province, username="pheduyet")
    made = {}
    for ward, year, certified in ((old, 2023, False), (old, 2024, True), (new, 2025, False)):
        assessment = AssessmentFactory(
            ward=ward, year=year, criteria_set=criteria_set, status=Assessment.Status.APPROVED
        )
        Decision.objects.create(
            assessment=assessment,
            outcome=Decision.Outcome.CERTIFIED if certified else Decision.Outcome.NOT_CERTIFIED,
            criteria_passed=22 if certified else 20,
            criteria_total=22,
            number=f"{year % 100:02d}/QĐ-CAT",
            decided_on=datetime.date(year, 12, 20),
            approver=approver,
        )
        made[(ward.code, year)] = assessment
    draft = AssessmentFactory(ward=new, year=2026, criteria_set=criteria_set)
    return {"old": old, "new": new, "officer": officer, "made": made, "draft": draft}


def log_in(page: Page, username: str) -> None:
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("/")


def test_an_officer_walks_the_old_wards_history_into_its_successor(new_page, history, debug_mode):
    page = new_page()
    log_in(page, "canbo.caikhe")
    old_2024 = history["made"][("31117", 2024)]
    new_2025 = history["made"][("31120", 2025)]

    # The old Cái Khế's last assessment, read-only, on the old map.
    page.goto(f"/ho-so/{old_2024.pk}/")
    expect(page.locator("h1")).to_have_text("Phường Cái Khế — năm 2024")
    expect(page.get_by_role("button", name="Lưu và gửi hồ sơ")).to_have_count(0)
    page.get_by_role("link", name="Trang phường", exact=True).click()

    # The old ward's page: its period, district, years, and what it became.
    page.wait_for_url(f"/phuong/{history['old'].pk}/")
    expect(page.locator("h1")).to_have_text("Phường Cái Khế")
    expect(page.locator("#period")).to_have_text("… – 30/06/2025")
    expect(page.locator("#ward-facts")).to_contain_text("Ninh Kiều")
    expect(page.locator("#ward-assessments tbody tr")).to_have_count(2)
    became = page.locator("#became")
    expect(became).to_have_text("Từ 01/7/2025 thuộc Phường Cái Khế")
    expect_accessible(page, "old ward page")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"old-cai-khe-{'debug' if debug_mode else 'prod'}.png"), full_page=True)
    became.get_by_role("link", name="Phường Cái Khế").click()

    # The successor's page: formed from An Hòa, the old Cái Khế and part of Bùi Hữu Nghĩa; the certification of
    # 2024 is the predecessor's, listed, not inherited.
    page.wait_for_url(f"/phuong/{history['new'].pk}/")
    expect(page.locator("h1")).to_have_text("Phường Cái Khế")
    expect(page.locator("#period")).to_have_text("01/07/2025 – nay")
    expect(page.locator("#formed-from")).to_have_text("Hình thành từ: An Hòa, Cái Khế, một phần Bùi Hữu Nghĩa")
    expect(page.locator("#predecessor-certifications")).to_have_text("Tiền thân đã đạt chuẩn: Cái Khế 2024")
    expect(page.locator("#ward-assessments")).not_to_contain_text("Công nhận đạt chuẩn")
    expect_accessible(page, "new ward page")
    page.screenshot(path=str(SHOTS / f"new-cai-khe-{'debug' if debug_mode else 'prod'}.png"), full_page=True)

    # Back to where it started, through the lineage, then on to the successor's 2025 assessment.
    page.locator("#formed-from").get_by_role("link", name="Cái Khế", exact=True).click()
    page.wait_for_url(f"/phuong/{history['old'].pk}/")
    page.go_back()
    page.wait_for_url(f"/phuong/{history['new'].pk}/")
    page.get_by_role("link", name="Hồ sơ năm 2025").click()
    page.wait_for_url(f"/ho-so/{new_2025.pk}/")
    expect(page.locator("h1")).to_have_text("Phường Cái Khế — năm 2025")
    # The new ward's draft of 2026 is the officer's to edit.
    page.goto("/")
    expect(page.locator("#assessment-2026")).to_contain_text("Đang soạn")
    page.locator("#assessment-2026").get_by_role("link", name="Nhập số liệu").click()
    page.wait_for_url(f"/ho-so/{history['draft'].pk}/")
