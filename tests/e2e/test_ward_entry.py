"""End to end, in a real browser: a ward enters its figures and evidence, and its head submits the assessment.

The ward officer logs in, fixes refused figures (the first one in error gets the focus, a summary links
to each), uploads evidence (and has a disguised file and an empty upload refused); every refused request
leaves the page, its styles and what was typed in place. The rest of the figures are stored directly
(typing 59 indicators teaches nothing more); the head's incomplete submission is refused, then the complete
one goes through, and from then on both see the assessment read-only.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from criteria import scoring
from criteria.models import Indicator
from tests.e2e.conftest import (
    CHROMIUM,
    click_and_post,
    expect_accessible,
    expect_page_intact,
    mark_document,
    wait_until_ready,
)
from tests.factories import user_with_role
from wards import services
from wards.models import Assessment, EvidenceFile, IndicatorValue, Membership

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-thu"  # tests.factories.UserFactory
SCREENSHOT = Path("/tmp/e2e-ward.png")


def passing_figures(indicator: Indicator) -> dict:
    """Figures that make any indicator of the default set pass."""
    kind = indicator.kind
    if kind == scoring.Kind.YES_NO:
        return {"yes": True}
    if kind == scoring.Kind.COUNT_MIN:
        return {"count": int(indicator.threshold)}
    if kind == scoring.Kind.COUNT_MAX:
        return {"count": 0}
    if kind == scoring.Kind.SHARE_BELOW:
        return {"numerator": 0, "denominator": 10}
    if kind == scoring.Kind.SHARE_MIN:
        return {"numerator": 10, "denominator": 10}
    if kind == scoring.Kind.FALL_MIN:
        return {"count": 0, "last_year": 0, "last_year_manual": True}
    if kind == scoring.Kind.RISE_MIN:
        return {"count": 6, "last_year": 5, "last_year_manual": True}
    raise AssertionError(f"unknown kind {kind}")


def fill_the_rest(assessment: Assessment, user) -> int:
    """Store passing figures for every indicator without a value, as the page's save would."""
    assessment.refresh_from_db()
    entered = set(assessment.values.values_list("indicator_id", flat=True))
    indicators = Indicator.objects.filter(criteria_set=assessment.criteria_set).exclude(pk__in=entered)
    figures = {i.pk: passing_figures(i) for i in indicators}
    services.assessment_save(
        assessment=assessment, user=user, figures=figures, narratives={}, base_revision=assessment.revision
    )
    return len(figures)


def log_in(page: Page, username: str) -> None:
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("/")


def open_assessment(page: Page, assessment: Assessment) -> None:
    """From the home page, the year's card: "Nhập số liệu"."""
    page.locator(f"#assessment-{assessment.year}").get_by_role("link", name="Nhập số liệu").click()
    page.wait_for_url(f"/ho-so/{assessment.pk}/")
    expect(page.locator("#status")).to_have_text("Đang soạn")


def expect_read_only(page: Page) -> None:
    expect(page.locator("#read-only")).to_be_visible()
    expect(page.locator("#save")).to_have_count(0)
    expect(page.locator("#submit-assessment")).to_have_count(0)
    expect(page.locator('[name="ind-5-1-numerator"]')).to_be_disabled()
    expect(page.locator('[name="ind-1-1-yes"]')).to_be_disabled()
    editable = page.locator(
        "#figures-form input:not([type=hidden]):enabled, #figures-form select:enabled, "
        "#figures-form textarea:enabled, input[type=file]"
    )
    expect(editable).to_have_count(0)


def click_and_get_refused(page: Page, selector: str, *, typed: dict[str, str]) -> None:
    """Click a button whose request the app refuses (422): the page stays whole, with what was typed."""
    wait_until_ready(page)
    mark_document(page)
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.locator(selector).click()
    assert answered.value.status == 422, f"{selector}: expected 422, got {answered.value.status}"
    assert answered.value.request.headers.get("hx-request") == "true", f"{selector} did not post through htmx"
    page.wait_for_load_state()
    expect_page_intact(page, form="#figures-form", typed=typed)


def in_viewport(page: Page, selector: str) -> bool:
    return page.evaluate(
        """s => { const r = document.querySelector(s).getBoundingClientRect();
                  return r.top >= 0 && r.bottom <= window.innerHeight; }""",
        selector,
    )


def test_ward_enters_figures_and_evidence_then_head_submits(new_page, ward, assessment, tmp_path):
    officer = user_with_role(Membership.Role.WARD_OFFICER, ward=ward, username="canbo")
    user_with_role(Membership.Role.WARD_HEAD, ward=ward, username="truong")

    # 1. The officer logs in, lands on the home page and opens the year's assessment.
    page = new_page()
    log_in(page, "canbo")
    expect(page.locator("h1")).to_contain_text(f"Công an phường {ward.name}")
    open_assessment(page, assessment)
    expect(page.locator("#save")).to_be_visible()
    # 7. Only the head may submit: an officer is not offered the button.
    expect(page.locator("#submit-assessment")).to_have_count(0)

    # 2. TC5 with more people reached than there are, and a word where TC13 wants a number: refused at the
    #    fields; the first one in error has the focus and is in view, a summary at the top links to each,
    #    and everything typed stays (the narrative too).
    narrative = "Đã tổ chức 12 buổi tuyên truyền tại các tổ dân phố."
    page.locator('[name="narrative-5"]').fill(narrative)
    page.locator('[name="ind-5-1-numerator"]').fill("31")
    page.locator('[name="ind-5-1-denominator"]').fill("30")
    page.locator('[name="ind-13-1-count"]').fill("mười")
    page.locator("#criterion-1").scroll_into_view_if_needed()
    typed = {
        "narrative-5": narrative,
        "ind-5-1-numerator": "31",
        "ind-5-1-denominator": "30",
        "ind-13-1-count": "mười",
    }
    click_and_get_refused(page, "#save", typed=typed)
    expect(page.locator("#ind-5-1 .invalid-feedback")).to_contain_text("không được lớn hơn")
    expect(page.locator("#ind-13-1 .invalid-feedback")).to_contain_text("không phải là số nguyên")
    expect(page.locator("#assessment-page .alert-danger").first).to_contain_text("Chưa lưu")
    numerator = page.locator('[name="ind-5-1-numerator"]')
    expect(numerator).to_be_focused()
    assert in_viewport(page, '[name="ind-5-1-numerator"]'), "the first field in error is not in view"
    summary = page.locator("#error-summary")
    expect(summary.get_by_role("link")).to_have_count(2)
    expect(summary.get_by_role("link").nth(0)).to_contain_text("Chỉ tiêu 5.1")
    expect(summary.get_by_role("link").nth(1)).to_contain_text("Chỉ tiêu 13.1")
    expect(summary).to_contain_text("không phải là số nguyên")
    expect(numerator).to_have_class(re.compile(r"\bis-invalid\b"))
    expect_accessible(page, "the assessment page with errors")
    summary.get_by_role("link").nth(1).click()
    expect(page.locator('[name="ind-13-1-count"]')).to_be_focused()
    assert in_viewport(page, '[name="ind-13-1-count"]')
    assert not IndicatorValue.objects.filter(assessment=assessment).exists()

    numerator.fill("30")
    page.locator('[name="ind-13-1-count"]').fill("0")
    click_and_post(page, "#save")
    expect(page.locator("#assessment-page .alert-success")).to_contain_text("Đã lưu")
    expect(page.locator(".alert").filter(has_text="Đã lưu")).to_have_count(1)
    expect(page.locator("#result-TC5")).to_have_text("Đạt")
    expect(page.locator("#ind-5-1 .invalid-feedback")).to_have_count(0)
    expect(page.locator("#error-summary")).to_have_count(0)
    expect(page.locator('[name="ind-5-1-numerator"]')).to_have_value("30")
    expect(page.locator('[name="narrative-5"]')).to_have_value(narrative)
    value = IndicatorValue.objects.get(assessment=assessment, indicator__code="5.1")
    assert (value.numerator, value.denominator) == (30, 30)

    # 3. Evidence for TC5: a real PDF is listed; an executable named .pdf and an upload without a file are
    #    refused at the field, the page intact with a narrative typed meanwhile (not yet saved).
    unsaved = {"narrative-6": "Đang viết dở, chưa lưu."}
    page.locator('[name="narrative-6"]').fill(unsaved["narrative-6"])
    pdf = tmp_path / "bien-ban-tc5.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    page.locator("#file-5").set_input_files(pdf)
    click_and_post(page, "button[form=upload-5]")
    expect(page.locator("#evidence-5")).to_contain_text("bien-ban-tc5.pdf")
    expect(page.locator("#evidence-5 .invalid-feedback")).to_have_count(0)

    disguised = tmp_path / "x.pdf"
    disguised.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 4)
    page.locator("#file-5").set_input_files(disguised)
    click_and_get_refused(page, "button[form=upload-5]", typed=unsaved)
    expect(page.locator("#evidence-5 .invalid-feedback")).to_contain_text("không phải là PDF")
    expect(page.locator("#evidence-5")).to_contain_text("bien-ban-tc5.pdf")
    expect(page.locator("#file-5")).to_be_focused()

    click_and_get_refused(page, "button[form=upload-5]", typed=unsaved)
    expect(page.locator("#evidence-5 .invalid-feedback")).to_contain_text("Hãy chọn một tệp")
    files = EvidenceFile.objects.filter(assessment=assessment)
    assert [(f.criterion.code, f.original_name, f.content_type) for f in files] == [
        ("TC5", "bien-ban-tc5.pdf", "application/pdf")
    ]

    # 4. The head opens the assessment and tries to send it with 57 indicators missing: refused, the page
    #    whole, with the list of what is missing.
    head_page = new_page()
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    head_page.on("dialog", accept)
    log_in(head_page, "truong")
    open_assessment(head_page, assessment)
    click_and_get_refused(head_page, "#submit-assessment", typed={"ind-5-1-numerator": "30"})
    expect(head_page.locator("#assessment-page .alert-danger").first).to_contain_text("Chưa gửi được")
    expect(head_page.locator("#missing li")).to_have_count(57)
    expect(head_page.locator("#status")).to_have_text("Đang soạn")
    dialogs.clear()

    # 5. The other 57 indicators are stored; the head reloads and sends it (after confirming).
    assert fill_the_rest(assessment, officer) == 57
    head_page.reload()
    expect(head_page.locator("#complete-count")).to_have_text("22/22")
    expect(head_page.locator("#passed-count")).to_have_text("22/22")
    expect(head_page.locator('[name="ind-5-1-numerator"]')).to_have_value("30")
    click_and_post(head_page, "#submit-assessment")
    expect(head_page.locator("#status")).to_have_text("Đã gửi")
    expect(head_page.locator("#assessment-page .alert-success").filter(has_text="Đã gửi hồ sơ")).to_have_count(1)
    assert len(dialogs) == 1
    assert "Gửi hồ sơ lên tỉnh?" in dialogs[0]
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.submitted_by.username == "truong"

    # 6. From now on the assessment is read-only, for the head and for the officer.
    head_page.reload()
    expect(head_page.locator("#status")).to_have_text("Đã gửi")
    expect_read_only(head_page)
    expect(head_page.locator("#evidence-5")).to_contain_text("bien-ban-tc5.pdf")

    page.reload()
    expect(page.locator("#status")).to_have_text("Đã gửi")
    expect_read_only(page)

    head_page.evaluate("window.scrollTo(0, 0)")
    head_page.screenshot(path=str(SCREENSHOT))
    expect_accessible(head_page, "the read-only assessment page")
