"""End to end, in a real browser: the ministry's leadership lands on the national view, sorts the provinces by
the certified wards, and drills into one province's leadership page. A screenshot goes to /tmp/national.png."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, expect_accessible
from tests.factories import (
    AssessmentFactory,
    DistrictFactory,
    ProvinceFactory,
    UserFactory,
    WardFactory,
    fill_assessment,
    user_with_role,
)
from wards.models import Assessment, Decision, Membership, RoadmapTarget

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-thu"  # tests.factories.UserFactory


@pytest.fixture
def provinces(criteria_set):
    """Three provinces: Cần Thơ with 2 of 3 wards certified, An Giang with 1 of 2, Cà Mau with none."""
    approver = UserFactory()
    for code, name, wards, certified in (("92", "Cần Thơ", 3, 2), ("89", "An Giang", 2, 1), ("96", "Cà Mau", 2, 0)):
        province = ProvinceFactory(code=code, name=name)
        district = DistrictFactory(province=province)
        RoadmapTarget.objects.create(province=province, year=2026, target_count=2, basis="Đề án")
        for i in range(wards):
            a = AssessmentFactory(ward=WardFactory(district=district), year=2026, criteria_set=criteria_set)
            fill_assessment(a, skip=() if i < certified else ("7.1",))
            Assessment.objects.filter(pk=a.pk).update(
                status=Assessment.Status.APPROVED if i < certified else Assessment.Status.SUBMITTED
            )
            if i < certified:
                Decision.objects.create(
                    assessment=a,
                    outcome=Decision.Outcome.CERTIFIED,
                    criteria_passed=22,
                    criteria_total=22,
                    number=f"{a.pk}/QĐ-CAT",
                    decided_on=datetime.date(2026, 10, 1),
                    approver=approver,
                )
    user_with_role(Membership.Role.LEADERSHIP, username="lanhdao.bo")


def codes(page) -> list[str]:
    return page.locator("#provinces tbody tr").evaluate_all("rows => rows.map(r => r.dataset.code)")


def test_the_ministry_sorts_the_provinces_and_drills_into_one(new_page, provinces):
    page = new_page()
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill("lanhdao.bo")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/lanh-dao/toan-quoc/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Toàn quốc — năm")
    page.goto("/lanh-dao/toan-quoc/?year=2026")
    expect(page.locator("#national-totals")).to_contain_text("3 tỉnh/thành phố · 7 phường")
    assert codes(page) == ["89", "96", "92"]  # An Giang, Cà Mau, Cần Thơ: by name

    page.locator("#sort-certified_total").click()
    page.wait_for_url("**sort=-certified_total")
    assert codes(page) == ["92", "89", "96"]
    expect(page.locator("th[aria-sort='descending']")).to_contain_text("Đạt chuẩn lũy kế")
    page.locator("#sort-certified_total").click()  # again: the other way round
    page.wait_for_url("**sort=certified_total")
    assert codes(page) == ["96", "89", "92"]
    page.locator("#sort-status").click()  # behind first: Cà Mau (0/2), An Giang (1/2); Cần Thơ on schedule
    page.wait_for_url("**sort=status")
    assert codes(page) == ["96", "89", "92"]
    expect(page.locator("tr[data-code='92']")).to_contain_text("Đúng tiến độ")
    expect(page.locator("tr[data-code='96']")).to_contain_text("TC7 (0,0%)")
    expect(page.locator("svg[role='img']")).to_be_visible()
    expect_accessible(page, "national view")
    page.screenshot(path="/tmp/national.png", full_page=True)

    page.get_by_role("link", name="Cần Thơ", exact=True).click()
    page.wait_for_url("**/lanh-dao/?province=92&year=2026")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cần Thơ — năm 2026")
    page.locator("#nav-national").click()
    page.wait_for_url("**/lanh-dao/toan-quoc/")
