"""End to end, in a real browser: the approver issues one decision for two wards, the worker renders and signs it
(the demo certificate), the approver downloads it, the QR code's address is read from the PDF and opened signed
out, the downloaded file is checked there, and after a reopening the page says the decision is revoked for that
ward. Screenshots go to /tmp/e2e-decision-*.png and the decision's first page to /tmp/e2e-decision-pdf-1.png."""

import hashlib
import io
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from demo.signing import ensure_demo_signing
from reports import tasks
from reports.issued import verification_url
from reports.models import RenderJob
from tests.e2e.conftest import CHROMIUM, enter_code, expect_accessible, wait_until_ready
from tests.factories import AssessmentFactory, WardFactory, authenticator, user_with_role
from tests.wards.test_issuing import reviewed
from wards import services
from wards.models import IssuedDocument, Membership

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-thu"  # tests.factories.UserFactory
SHOTS = Path("/tmp")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return ensure_demo_signing(tmp_path_factory.mktemp("signing"), password="demo-thu")


@pytest.fixture
def signing(settings, demo, live_server):
    settings.SIGNING_PKCS11_MODULE = ""
    settings.SIGNING_PKCS12_PATH = str(demo.pkcs12)
    settings.SIGNING_PKCS12_PASSWORD = "demo-thu"
    settings.SIGNING_TRUST_ROOTS = [str(demo.ca)]
    settings.PUBLIC_BASE_URL = live_server.url
    settings.VERIFY_PAGES_PER_MINUTE = 1000  # the live server's cache is shared with the rest of the run


def run_worker():
    """What the Celery worker does with the approval's jobs. pyHanko signs with asyncio.run, which refuses to run in
    this thread once Playwright's loop is there: in a thread of its own."""
    ids = list(RenderJob.objects.filter(status=RenderJob.Status.QUEUED).values_list("pk", flat=True))
    with ThreadPoolExecutor(max_workers=1) as pool:
        results = list(pool.map(tasks.render_job, ids))
    assert results and set(results) == {"done"}, results


def test_one_decision_for_two_wards_is_signed_downloaded_and_verified(new_page, ward, people, criteria_set, signing):
    heads = {}
    wards = [ward, WardFactory(district=ward.district, name="An Hòa")]
    assessments = []
    for w in wards:
        head = people["head"] if w == ward else user_with_role(Membership.Role.WARD_HEAD, ward=w)
        heads[w.pk] = head
        assessments.append(reviewed(AssessmentFactory(ward=w, criteria_set=criteria_set), {**people, "head": head}))
    approver_user = user_with_role(Membership.Role.APPROVER, province=ward.province, username="giamdoc")
    device = authenticator(approver_user)

    # 1. The approver opens the decisions page from the queue, picks both wards, and issues one decision.
    page = new_page()
    page.on("dialog", lambda d: d.accept())
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill("giamdoc")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    enter_code(page, device)
    page.wait_for_url("/")
    page.goto(f"/tham-dinh/?year={assessments[0].year}")
    page.locator("#decision-batch-link").click()
    page.wait_for_url("**/tham-dinh/quyet-dinh/**")
    for a in assessments:
        page.locator(f"#pick-{a.pk}").check()
    page.get_by_label("Số quyết định").fill("88/QĐ-CAT-PV01")
    page.get_by_label("Người ký quyết định").fill("Trần Quốc Bảo")
    page.get_by_label("Chức vụ người ký").select_option(label="Phó Giám đốc, ký thay Giám đốc (KT. GIÁM ĐỐC)")
    expect_accessible(page, "the decisions page")
    page.screenshot(path=str(SHOTS / "e2e-decision-batch.png"), full_page=True)
    wait_until_ready(page)
    page.locator("#issue-decision").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã ra quyết định số 88/QĐ-CAT-PV01 cho 2 phường")
    document = IssuedDocument.objects.get(kind=IssuedDocument.Kind.DECISION)
    assert document.decisions.count() == 2

    # 2. The worker signs; the review page offers the signed file.
    run_worker()
    page.goto(f"/ho-so/{assessments[0].pk}/tham-dinh/")
    issued = page.locator(f"#issued-decision-{document.pk}")
    expect(issued).to_contain_text("Còn hiệu lực")
    with page.expect_download() as download:
        issued.get_by_role("link", name="Tải tệp đã ký").click()
    data = Path(download.value.path()).read_bytes()
    document.refresh_from_db()
    assert hashlib.sha256(data).hexdigest() == document.sha256
    page.screenshot(path=str(SHOTS / "e2e-decision-review.png"), full_page=True)
    pdf = SHOTS / "e2e-decision.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(SHOTS / "e2e-decision-pdf")])

    # 3. The QR code's address, as the PDF carries it (the QR is a link to it), opened by anyone, signed out.
    reader = PdfReader(io.BytesIO(data))
    uris = {
        a.get_object()["/A"]["/URI"]
        for a in reader.pages[0].get("/Annots", [])
        if a.get_object().get("/A", {}).get("/URI")
    }
    assert uris == {verification_url(document)}
    public = new_page()
    public.goto(urlsplit(next(iter(uris))).path)
    expect(public.locator("#status")).to_contain_text("Văn bản còn hiệu lực")
    expect(public.locator("#document")).to_contain_text("88/QĐ-CAT-PV01")
    expect(public.locator("#document")).to_contain_text("An Hòa")
    expect(public.locator("#document")).to_contain_text(document.sha256)

    # 4. The file downloaded is the file issued.
    public.get_by_label("Tệp PDF cần kiểm tra").set_input_files(
        {"name": "quyet-dinh.pdf", "mimeType": "application/pdf", "buffer": data}
    )
    public.get_by_role("button", name="Kiểm tra tệp").click()
    expect(public.locator("#result")).to_contain_text("Đúng tệp đã phát hành, chữ ký số hợp lệ")
    expect_accessible(public, "the verification page")
    public.screenshot(path=str(SHOTS / "e2e-decision-verified.png"), full_page=True)

    # 5. Reopening one ward revokes the decision for that ward; the other still stands.
    services.assessment_reopen(assessment=assessments[1], user=approver_user, reason="Khiếu nại về số liệu TC13")
    public.goto(urlsplit(next(iter(uris))).path)
    expect(public.locator("#status")).to_contain_text("Văn bản còn hiệu lực")
    expect(public.locator("#ward-revocations")).to_contain_text("An Hòa")
    expect(public.locator("#ward-revocations")).to_contain_text("Khiếu nại về số liệu TC13")
    services.assessment_reopen(assessment=assessments[0], user=approver_user, reason="Rà soát lại")
    public.reload()
    expect(public.locator("#status")).to_contain_text("Văn bản đã bị thu hồi")
    public.screenshot(path=str(SHOTS / "e2e-decision-revoked.png"), full_page=True)
