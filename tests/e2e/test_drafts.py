"""End to end: nothing typed is lost. What a ward officer types but has not saved is kept as a draft in the
browser's storage; it survives an expired login, a lost connection, a reload and a save the server failed
to store (the database dropped), and the page offers to restore it. The error says plainly that this save was not stored.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, expect_page_intact, mark_document, wait_until_ready
from tests.factories import fill_assessment, user_with_role
from wards import services
from wards.models import IndicatorValue, Membership, Narrative

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-thu"  # tests.factories.UserFactory
NARRATIVE = "Tổ chức 8 đợt tuần tra, kiểm soát trên các tuyến phố chính."
TYPED = {"narrative-3": NARRATIVE, "ind-5-1-numerator": "12", "ind-5-1-denominator": "20"}


def log_in(page: Page, username: str) -> None:
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")


def type_into(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f'[name="{name}"]').fill(value)


def expect_values(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        expect(page.locator(f'[name="{name}"]')).to_have_value(value)


def test_typed_figures_survive_lost_connection_reload_and_failed_save(
    new_page, ward, assessment, database_refuses_writes
):
    user_with_role(Membership.Role.WARD_OFFICER, ward=ward, username="canbo")
    page = new_page()
    log_in(page, "canbo")
    page.goto(f"/ho-so/{assessment.pk}/")
    expect(page.locator("#draft-banner")).to_have_count(0)
    type_into(page, TYPED)

    # 0. The session ends (the login expired): the answer is the login page, which is not swapped in; the
    #    page says why and keeps everything. Logged in again, the draft is offered. (The page's scripts are
    #    ready and no request is in flight first: the save must be htmx's, and the only one.)
    wait_until_ready(page)
    cookies = [c for c in page.context.cookies() if c["name"] != "sessionid"]
    page.context.clear_cookies()
    page.context.add_cookies(cookies)
    mark_document(page)
    problem = page.locator("#problem")
    with page.expect_response(lambda r: "/dang-nhap/" in r.url) as answered:
        page.locator("#save").click()
    # The answer to the save is the login page (the redirect followed): it must not be swapped in.
    assert answered.value.ok
    expect(problem).to_contain_text("phiên đăng nhập")
    expect_page_intact(page, form="#figures-form", typed=TYPED)
    log_in(page, "canbo")
    page.goto(f"/ho-so/{assessment.pk}/")
    page.locator("#draft-banner").get_by_role("button", name="Khôi phục").click()
    expect_values(page, TYPED)

    # 1. The connection is lost: the save cannot be sent; the page says so and keeps everything.
    wait_until_ready(page)
    mark_document(page)
    page.context.set_offline(True)
    page.locator("#save").click()
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("Không kết nối được máy chủ")
    expect(problem).to_contain_text("chưa được lưu")
    expect_page_intact(page, form="#figures-form", typed=TYPED)
    page.context.set_offline(False)

    # 2. A reload shows what is stored (nothing) and offers the draft; restoring puts it back.
    page.reload()
    expect_values(page, {name: "" for name in TYPED})
    banner = page.locator("#draft-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("3 ô")
    banner.get_by_role("button", name="Khôi phục").click()
    expect_values(page, TYPED)
    expect(banner).to_contain_text("Đã khôi phục 3 ô")

    # 3. The database drops during the save: the server answers 500, the page says this save was not
    #    stored, keeps what was typed, and the draft still holds it.
    database_refuses_writes(True)
    wait_until_ready(page)
    mark_document(page)
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.locator("#save").click()
    assert answered.value.status == 500
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("chưa được lưu")
    expect_page_intact(page, form="#figures-form", typed=TYPED)
    assert not IndicatorValue.objects.filter(assessment=assessment).exists()
    database_refuses_writes(False)

    page.reload()
    expect(page.locator("#draft-banner")).to_contain_text("3 ô")
    page.locator("#draft-banner").get_by_role("button", name="Khôi phục").click()
    expect_values(page, TYPED)

    # 4. Saved at last: stored, the draft is gone and no longer offered.
    wait_until_ready(page)
    page.locator("#save").click()
    expect(page.locator("#assessment-page .alert-success")).to_contain_text("Đã lưu")
    expect(problem).to_be_hidden()
    value = IndicatorValue.objects.get(assessment=assessment, indicator__code="5.1")
    assert (value.numerator, value.denominator) == (12, 20)
    assert Narrative.objects.get(assessment=assessment, criterion__number=3).text == NARRATIVE
    page.reload()
    expect_values(page, TYPED)
    expect(page.locator("#draft-banner")).to_have_count(0)

    # 5. A draft can also be thrown away.
    type_into(page, {"narrative-4": "Bản nháp không cần nữa."})
    page.reload()
    page.locator("#draft-banner").get_by_role("button", name="Bỏ bản nháp").click()
    expect(page.locator("#draft-banner")).to_have_count(0)
    page.reload()
    expect(page.locator("#draft-banner")).to_have_count(0)
    expect(page.locator('[name="narrative-4"]')).to_have_value("")


def test_reviewer_comments_survive_a_reload(new_page, ward, assessment):
    head = user_with_role(Membership.Role.WARD_HEAD, ward=ward)
    user_with_role(Membership.Role.REVIEWER, province=ward.province, username="thamdinh")
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=head)

    page = new_page()
    log_in(page, "thamdinh")
    page.goto(f"/ho-so/{assessment.pk}/tham-dinh/")
    page.locator("#criterion-2").get_by_label("Không đạt", exact=True).check()
    type_into(page, {"comment-2": "Thiếu biên bản họp chi bộ.", "reason-2": "Bổ sung biên bản họp."})
    page.reload()
    expect(page.locator('[name="comment-2"]')).to_have_value("")
    page.locator("#draft-banner").get_by_role("button", name="Khôi phục").click()
    expect(page.locator('[name="comment-2"]')).to_have_value("Thiếu biên bản họp chi bộ.")
    expect(page.locator('[name="reason-2"]')).to_have_value("Bổ sung biên bản họp.")
    expect(page.locator("#criterion-2").get_by_label("Không đạt", exact=True)).to_be_checked()

    # Saved through the ordinary (non-htmx) form: the verdict and the return reason (kept as a draft the ward
    # does not see) are stored, so nothing is left in the browser's draft.
    wait_until_ready(page)
    page.locator("#save-verdicts").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu 1 kết luận và 1 lý do trả lại")
    expect(page.locator('[name="comment-2"]')).to_have_value("Thiếu biên bản họp chi bộ.")
    expect(page.locator('[name="reason-2"]')).to_have_value("Bổ sung biên bản họp.")
    expect(page.locator("#draft-banner")).to_have_count(0)

    # Returned with that reason: the assessment leaves the reviewer's hands, and so does the draft.
    page.on("dialog", lambda dialog: dialog.accept())
    wait_until_ready(page)
    page.locator("#return-assessment").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã trả lại hồ sơ")
    page.reload()
    expect(page.locator("#draft-banner")).to_have_count(0)
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('draft')).length") == 0


def test_the_script_speaks_english_to_an_english_browser(new_page, ward, assessment):
    """The draft banner and the connection message come from Django's JavaScript catalogue, in English here."""
    user_with_role(Membership.Role.WARD_OFFICER, ward=ward, username="canbo")
    page = new_page(locale="en-US")
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill("canbo")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    page.goto(f"/ho-so/{assessment.pk}/")
    type_into(page, TYPED)

    wait_until_ready(page)
    page.context.set_offline(True)
    page.locator("#save").click()
    problem = page.locator("#problem")
    expect(problem).to_contain_text("Could not reach the server: this save was not saved.")
    expect(problem).to_contain_text("What you typed is still on this page")
    page.context.set_offline(False)

    page.reload()
    banner = page.locator("#draft-banner")
    expect(banner).to_contain_text("This browser still holds 3 fields you typed but did not save")
    banner.get_by_role("button", name="Restore").click()
    expect(banner).to_contain_text("Restored 3 fields from the draft")
    expect_values(page, TYPED)
    assert "ô" not in banner.inner_text() and "Khôi phục" not in page.content()
