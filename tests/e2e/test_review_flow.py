"""End to end, in a real browser: the province returns a submitted assessment, the ward fixes it and sends
it again, the reviewer sees what changed and scores every criterion, and the approver certifies the ward.

Each person works in their own browser context (own session). The assessment starts filled and submitted
(set up in the database: entering the figures is test_ward_entry's subject). "Trả lại", "Phê duyệt" and
"Mở lại" notify people and cannot be undone silently: each asks for confirmation first, and declining sends
nothing.
"""

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, click_and_post, enter_code, expect_accessible, wait_until_ready
from tests.factories import authenticator, fill_assessment, user_with_role
from wards import services
from wards.models import Assessment, Decision, IndicatorValue, Membership, Notification, Verdict

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-thu"  # tests.factories.UserFactory
REVIEW_SCREENSHOT = Path("/tmp/e2e-review.png")
CHANGES_SCREENSHOT = Path("/tmp/e2e-changes.png")
REASON = "Chỉ tiêu 13.2: số vụ năm trước chưa khớp báo cáo thống kê, đề nghị kiểm tra lại."
CRITERIA = 22
DECISION_NUMBER = "123/QĐ-CAT"


def log_in(page: Page, username: str, *, device=None) -> None:
    """Sign in; with the user's authenticator when they have one (an approver must)."""
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    if device is not None:
        enter_code(page, device)
    page.wait_for_url("/")


def open_from_queue(page: Page, assessment: Assessment, status: str, verdicts: str) -> None:
    """The province's queue for the year: the ward's row with its status and verdict count, then its review."""
    page.goto(f"/tham-dinh/?year={assessment.year}")
    row = page.locator("#queue tbody tr").filter(has_text=assessment.ward.name)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_contain_text(status)
    expect(row.locator("td").nth(4)).to_have_text(f"{verdicts}/{CRITERIA}")
    row.get_by_role("link", name=assessment.ward.name).click()
    page.wait_for_url(f"/ho-so/{assessment.pk}/tham-dinh/")
    expect(page.locator("h1")).to_contain_text(f"Phường {assessment.ward.name} — năm {assessment.year}")


class Dialogs:
    """Answers the page's confirmation dialogs (accept unless told to decline once) and keeps their text."""

    def __init__(self, page: Page):
        self.page = page
        self.messages: list[str] = []
        self.decline_next = False
        page.on("dialog", self._answer)

    def seen(self, text: str, *, within_ms: int = 5000) -> bool:
        """Whether a dialog with the text has come: its event is delivered apart from the click, later on a
        loaded machine, so it is waited for (at most a few seconds)."""
        for _ in range(within_ms // 100):
            if any(text in m for m in self.messages):
                return True
            self.page.wait_for_timeout(100)
        return False

    def _answer(self, dialog):
        self.messages.append(dialog.message)
        if self.decline_next:
            self.decline_next = False
            dialog.dismiss()
        else:
            dialog.accept()


def scored(page: Page):
    """The "k/22" of verdicts in the summary bar (the bar also shows the computed "đạt 22/22")."""
    return page.locator("#progress strong")


def test_reviewer_returns_ward_resubmits_then_approver_certifies(new_page, ward, assessment, queued_emails):
    # 1. A ward with its head and officer, the province's reviewer and approver; the assessment filled and sent.
    province = ward.province
    head = user_with_role(Membership.Role.WARD_HEAD, ward=ward, username="truong")
    officer = user_with_role(Membership.Role.WARD_OFFICER, ward=ward, username="canbo")
    user_with_role(Membership.Role.REVIEWER, province=province, username="thamdinh")
    approver_device = authenticator(user_with_role(Membership.Role.APPROVER, province=province, username="pheduyet"))
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=head)
    review_url = f"/ho-so/{assessment.pk}/tham-dinh/"

    # 2. The reviewer finds it in the queue, writes a reason at TC13 and returns it to the ward.
    #    Declining the confirmation sends nothing; accepting it returns the assessment.
    reviewer = new_page()
    reviewer_dialogs = Dialogs(reviewer)
    log_in(reviewer, "thamdinh")
    open_from_queue(reviewer, assessment, "Đã gửi", "0")
    expect(reviewer.locator("#status")).to_have_text("Đã gửi")
    expect(reviewer.locator("[id^=changes-]")).to_have_count(0)  # round 1: nothing to compare with
    expect_accessible(reviewer, "the review page")
    reviewer.locator('[name="reason-13"]').fill(REASON)
    posts = []
    reviewer.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    reviewer_dialogs.decline_next = True
    wait_until_ready(reviewer)  # app.js asks for the confirmation: a click before it would just send
    reviewer.locator("#return-assessment").click()
    expect(reviewer.locator('[name="reason-13"]')).to_have_value(REASON)
    assert reviewer_dialogs.seen("Trả lại hồ sơ")
    assert posts == [], "declining the confirmation still sent the return"
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    wait_until_ready(reviewer)
    reviewer.locator("#return-assessment").click()
    reviewer.wait_for_url(review_url)
    expect(reviewer.locator("#status")).to_have_text("Trả lại để bổ sung")
    assert len(reviewer_dialogs.messages) == 2 and len(posts) == 1
    expect(reviewer.locator(".alert-success")).to_contain_text("Đã trả lại hồ sơ cho phường")
    expect(reviewer.locator("#return-assessment")).to_have_count(0)
    expect(reviewer.locator("#save-verdicts")).to_have_count(0)

    # 3. The head sees the reason on the home page and at TC13, fixes TC13's figures and sends again.
    head_page = new_page()
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    head_page.on("dialog", accept)
    log_in(head_page, "truong")
    card = head_page.locator(f"#assessment-{assessment.year}")
    expect(card).to_contain_text("Trả lại để bổ sung")
    expect(card.locator(".alert-warning")).to_contain_text("Lý do trả lại")
    expect(card.locator(".alert-warning")).to_contain_text(f"TC13: {REASON}")
    card.get_by_role("link", name="Nhập số liệu").click()
    head_page.wait_for_url(f"/ho-so/{assessment.pk}/")
    expect(head_page.locator("#status")).to_have_text("Trả lại để bổ sung")
    reasons = head_page.locator("#criterion-13 .reason")
    expect(reasons).to_have_count(1)
    expect(reasons).to_contain_text("Lý do trả lại")
    expect(reasons).to_contain_text(REASON)
    expect(head_page.locator(".reason")).to_have_count(1)  # no other criterion was questioned

    expect(head_page.locator('[name="ind-13-1-count"]')).to_have_value("0")
    this_year = head_page.locator('[name="ind-13-2-count"]')
    last_year = head_page.locator('[name="ind-13-2-last_year"]')
    expect(this_year).to_have_value("0")
    expect(last_year).to_have_value("0")
    this_year.fill("1")
    last_year.fill("5")  # 5 → 1 is a fall of 80 %: TC13 still passes
    click_and_post(head_page, "#submit-assessment")
    expect(head_page.locator("#status")).to_have_text("Đã gửi")
    expect(head_page.locator("#assessment-page .alert-success").filter(has_text="Đã gửi hồ sơ")).to_have_count(1)
    expect(head_page.locator("#result-TC13")).to_have_text("Đạt")
    expect(head_page.locator(".reason")).to_have_count(0)
    assert len(dialogs) == 1 and "Gửi hồ sơ lên tỉnh?" in dialogs[0]
    assessment.refresh_from_db()
    assert (assessment.status, assessment.round) == (Assessment.Status.SUBMITTED, 2)
    value = IndicatorValue.objects.get(assessment=assessment, indicator__code="13.2")
    assert (value.count, value.last_year) == (1, 5)

    # 4. The reviewer reloads: round 2, TC13's change shown; every criterion scored "Đạt" and saved.
    reviewer.reload()
    expect(reviewer.locator("#status")).to_have_text("Đã gửi")
    expect(reviewer.locator("h1 + div")).to_contain_text("vòng 2")
    changes = reviewer.locator("#changes-13")
    expect(changes).to_contain_text("Thay đổi so với vòng trước")
    expect(changes.locator("li")).to_have_text(["13.2 — Năm nay: 0 → 1", "13.2 — Năm trước: 0 → 5"])
    expect(reviewer.locator("[id^=changes-]")).to_have_count(1)
    changes.scroll_into_view_if_needed()
    reviewer.screenshot(path=str(CHANGES_SCREENSHOT))

    expect(scored(reviewer)).to_have_text(f"0/{CRITERIA}")
    for number in range(1, CRITERIA + 1):
        reviewer.locator(f"#criterion-{number}").get_by_label("Đạt", exact=True).check()
    wait_until_ready(reviewer)
    reviewer.locator("#save-verdicts").click()
    reviewer.wait_for_url(review_url)
    expect(reviewer.locator(".alert-success")).to_contain_text(f"Đã lưu {CRITERIA} kết luận.")
    expect(scored(reviewer)).to_have_text(f"{CRITERIA}/{CRITERIA}")
    expect(reviewer.locator("#progress")).to_contain_text(f"(đạt {CRITERIA})")
    expect(reviewer.locator("#status")).to_have_text("Đang thẩm định")
    expect(reviewer.locator("#approve")).to_have_count(0)  # a reviewer does not approve
    assert Verdict.objects.filter(assessment=assessment, outcome=Verdict.Outcome.PASS).count() == CRITERIA

    # 5. The approver opens it from the queue and certifies the ward.
    approver = new_page()
    approver_dialogs = Dialogs(approver)
    log_in(approver, "pheduyet", device=approver_device)
    open_from_queue(approver, assessment, "Đang thẩm định", str(CRITERIA))
    expect_accessible(approver, "the review page (approver)")
    expect(scored(approver)).to_have_text(f"{CRITERIA}/{CRITERIA}")
    decided_on = timezone.localdate()
    form = approver.locator("#approve")
    form.locator('[name="number"]').fill(DECISION_NUMBER)
    form.locator('[name="decided_on"]').fill(f"{decided_on:%d/%m/%Y}")
    wait_until_ready(approver)
    form.locator("#approve-button").click()
    approver.wait_for_url(review_url)
    assert len(approver_dialogs.messages) == 1 and "Phê duyệt hồ sơ" in approver_dialogs.messages[0]
    decision = approver.locator("#decision")
    expect(decision).to_contain_text("Công nhận đạt chuẩn")
    expect(decision).to_contain_text(f"Quyết định số {DECISION_NUMBER} ngày {decided_on:%d/%m/%Y}")
    expect(approver.locator("#status")).to_have_text("Đã phê duyệt")
    expect(approver.locator("#approve")).to_have_count(0)
    expect(approver.locator("#save-verdicts")).to_have_count(0)
    approver.evaluate("window.scrollTo(0, 0)")
    approver.screenshot(path=str(REVIEW_SCREENSHOT))
    stored = Decision.objects.get(assessment=assessment, revoked_at__isnull=True)
    assert (stored.outcome, stored.number, stored.decided_on, stored.round) == (
        Decision.Outcome.CERTIFIED,
        DECISION_NUMBER,
        decided_on,
        2,
    )
    assert (stored.criteria_passed, stored.criteria_total) == (CRITERIA, CRITERIA)

    # 6. The head's home page shows the decision and the notifications; the assessment is read-only.
    head_page.goto("/")
    card = head_page.locator(f"#assessment-{assessment.year}")
    expect(card).to_contain_text("Đã phê duyệt")
    expect(card).to_contain_text(f"Công nhận đạt chuẩn (QĐ {DECISION_NUMBER})")
    expect(card).not_to_contain_text("Lý do trả lại")
    notifications = head_page.locator("#notifications")
    expect(notifications).to_be_visible()
    expect(notifications).to_contain_text(f"Hồ sơ năm {assessment.year} bị trả lại để bổ sung")
    expect(notifications).to_contain_text(f"TC13: {REASON}")
    expect(notifications).to_contain_text(f"Hồ sơ năm {assessment.year}: Công nhận đạt chuẩn")
    card.get_by_role("link", name="Xem hồ sơ").click()
    head_page.wait_for_url(f"/ho-so/{assessment.pk}/")
    expect(head_page.locator("#status")).to_have_text("Đã phê duyệt")
    expect(head_page.locator("#decision")).to_contain_text("Công nhận đạt chuẩn")
    expect(head_page.locator("#decision")).to_contain_text(DECISION_NUMBER)
    expect(head_page.locator("#read-only")).to_be_visible()
    expect(head_page.locator("#save")).to_have_count(0)
    expect(head_page.locator("#submit-assessment")).to_have_count(0)
    expect(head_page.locator('[name="ind-13-2-count"]')).to_be_disabled()
    expect(head_page.locator('[name="ind-13-2-count"]')).to_have_value("1")

    # Who was told: the province at each submission, the whole ward at the return and the decision.
    kinds = Notification.Kind
    for person in (head, officer):
        assert sorted(Notification.objects.filter(user=person).values_list("kind", flat=True)) == sorted(
            [kinds.RETURNED, kinds.APPROVED]
        )
    assert sorted(queued_emails) == sorted(Notification.objects.values_list("pk", flat=True))

    # 7. The approver reopens the decision, after confirming: a new round starts.
    reopen = approver.locator("#reopen")
    reopen.locator('[name="reason"]').fill("Phát hiện sai sót trong số liệu tiêu chí 13.")
    wait_until_ready(approver)
    reopen.get_by_role("button", name="Mở lại").click()
    approver.wait_for_url(review_url)
    expect(approver.locator(".alert-success")).to_contain_text("Đã mở lại hồ sơ")
    assert len(approver_dialogs.messages) == 2 and "Mở lại hồ sơ" in approver_dialogs.messages[1]
    assert not Decision.objects.filter(assessment=assessment, revoked_at__isnull=True).exists()
