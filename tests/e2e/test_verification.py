"""The public verification pages in a real browser, signed out: a code typed sloppily leads to the document, a PDF
uploaded there is checked, and the pages pass axe-core with nothing refused by the Content Security Policy."""

import datetime
import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect
from weasyprint import HTML

from demo.signing import ensure_demo_signing
from reports.signing import Placement, pkcs12_signer, sign_pdf
from tests.e2e.conftest import CHROMIUM, expect_accessible
from tests.factories import AssessmentFactory, DecisionFactory, IssuedDocumentFactory, ProvinceFactory, WardFactory
from wards.models.issued import IssuedDocument

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-thu"


@pytest.fixture(scope="module")
def signing(tmp_path_factory):
    demo = ensure_demo_signing(tmp_path_factory.mktemp("signing"), password=PASSWORD)

    def sign() -> bytes:
        return sign_pdf(
            HTML(string="<h1>Quyết định công nhận</h1><p>Điều 1. Công nhận Công an phường Cái Khế.</p>").write_pdf(),
            placement=Placement(page=-1, box=(300, 80, 540, 150)),
            title="GIÁM ĐỐC",
            signer_name="Trần Quốc Bảo",
            signer=pkcs12_signer(str(demo.pkcs12), PASSWORD),
        ).data

    # pyHanko signs with asyncio.run, which refuses to run in this thread once Playwright's loop is there.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return demo, pool.submit(sign).result()


@pytest.fixture
def decision(settings, signing, criteria_set):
    demo, data = signing
    settings.SIGNING_TRUST_ROOTS = [str(demo.ca)]
    settings.VERIFY_PAGES_PER_MINUTE = 1000  # the live server's cache is shared with the rest of the run
    province = ProvinceFactory(name="Cần Thơ")
    document = IssuedDocumentFactory(
        province=province,
        number="15/QĐ-CAT",
        sha256=hashlib.sha256(data).hexdigest(),
        certificate_name="Công an tỉnh (demo)",
    )
    IssuedDocument.objects.filter(pk=document.pk).update(code="7KQ2M-X9D41")
    for name in ("Cái Khế", "An Cư"):
        DecisionFactory(
            assessment=AssessmentFactory(
                ward=WardFactory(district__province=province, name=name), criteria_set=criteria_set, status="approved"
            ),
            document=document,
        )
    document.refresh_from_db()
    return document, data


def test_a_code_leads_to_the_document_and_the_issued_file_is_recognised(new_page, decision, tmp_path):
    document, data = decision
    page = new_page()
    page.goto("/xac-minh/")
    expect_accessible(page, "verification start")
    page.get_by_label("Mã tra cứu").fill("7kq2m x9d4i")
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_url(f"**/xac-minh/{document.token}/")
    expect(page.locator("#status")).to_contain_text("Văn bản còn hiệu lực")
    expect(page.locator("#document")).to_contain_text("Phường An Cư")
    expect_accessible(page, "verification page")

    page.get_by_label("Tệp PDF cần kiểm tra").set_input_files(
        {"name": "quyet-dinh.pdf", "mimeType": "application/pdf", "buffer": data}
    )
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.locator("#result")).to_contain_text("Đúng tệp đã phát hành, chữ ký số hợp lệ")
    expect_accessible(page, "verification result")


def test_a_wrong_code_is_refused_at_the_field_and_a_revoked_document_says_so(new_page, decision):
    document, _ = decision
    page = new_page()
    page.goto("/xac-minh/")
    page.get_by_label("Mã tra cứu").fill("ZZZZZ-ZZZZZ")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("#id_code_error")).to_contain_text("Không tìm thấy văn bản đã phát hành nào với mã này")
    expect(page.get_by_label("Mã tra cứu")).to_have_value("ZZZZZ-ZZZZZ")
    expect_accessible(page, "verification start, wrong code")

    document.revoked_at = datetime.datetime(2027, 1, 5, 3, 0, tzinfo=datetime.UTC)
    document.revoke_reason = "Mở lại hồ sơ để thẩm định lại"
    document.save()
    page.goto(f"/xac-minh/{document.token}/")
    expect(page.locator("#status")).to_contain_text("Văn bản đã bị thu hồi")
    expect(page.locator("#status")).to_contain_text("Mở lại hồ sơ để thẩm định lại")
    expect_accessible(page, "verification page, revoked")
