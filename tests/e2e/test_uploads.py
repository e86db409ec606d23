"""In a real browser: a file over the limit is refused at its field, by the page before sending and by the server."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM
from tests.e2e.test_ward_entry import log_in, open_assessment
from tests.factories import user_with_role
from wards.models import EvidenceFile, Membership

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

MB = 1024 * 1024


def test_a_file_over_the_limit_is_refused_at_the_field_before_and_after_sending(
    new_page, ward, assessment, settings, tmp_path
):
    settings.EVIDENCE_MAX_BYTES = 1 * MB
    user_with_role(Membership.Role.WARD_OFFICER, ward=ward, username="canbo")
    page = new_page()
    log_in(page, "canbo")
    open_assessment(page, assessment)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    big = tmp_path / "bien-ban-lon.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (2 * MB))
    page.locator("#file-5").set_input_files(big)
    message = "Tệp «bien-ban-lon.pdf» dung lượng 2,01 MB, vượt giới hạn 1 MB."
    expect(page.locator("#evidence-5 .invalid-feedback")).to_have_text(message)
    assert page.locator("#file-5").evaluate("input => input.validity.customError")
    page.locator("button[form=upload-5]").click()
    page.wait_for_timeout(300)
    assert posts == []  # the browser did not send it

    # Past the page's check (a script that is off or old), the server refuses it from its length, at the field.
    page.locator("#file-5").evaluate("input => { delete input.dataset.maxBytes; input.setCustomValidity(''); }")
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.locator("button[form=upload-5]").click()
    assert answered.value.status == 422
    expect(page.locator("#evidence-5 .invalid-feedback")).to_contain_text(
        "Tệp «bien-ban-lon.pdf» dung lượng khoảng 2,01 MB, vượt giới hạn 1 MB."
    )

    small = tmp_path / "bien-ban.pdf"
    small.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    page.locator("#file-5").set_input_files(small)
    page.locator("button[form=upload-5]").click()
    expect(page.locator("#evidence-5 a")).to_have_text("bien-ban.pdf")
    expect(page.locator("#evidence-5 .invalid-feedback")).to_have_count(0)
    assert list(EvidenceFile.objects.values_list("original_name", flat=True)) == ["bien-ban.pdf"]


def test_a_file_deleted_from_the_page_leaves_its_section_in_place(new_page, ward, assessment, tmp_path):
    """The delete button sits inside the figures form: the section the server answers replaces the old one (the
    form's hx-select, the whole page, once made it swap in nothing and the section vanished)."""
    user_with_role(Membership.Role.WARD_OFFICER, ward=ward, username="canbo")
    page = new_page()
    log_in(page, "canbo")
    open_assessment(page, assessment)
    small = tmp_path / "bien-ban.pdf"
    small.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    page.locator("#file-3").set_input_files(small)
    page.locator("button[form=upload-3]").click()
    expect(page.locator("#evidence-3 a")).to_have_text("bien-ban.pdf")

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.locator("#evidence-3 button", has_text="Xoá").click()
    assert answered.value.status == 200
    expect(page.locator("#evidence-3")).to_contain_text("Chưa có tệp.")
    expect(page.locator("#file-3")).to_be_visible()
    assert not EvidenceFile.objects.exists()
