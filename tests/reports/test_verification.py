"""The public verification of issued documents (reports/verification.py): the page of a document's QR code, the
short-code form, the check of an uploaded PDF, and the rate limit in front of them.

The PDFs are real: tiny WeasyPrint files signed with the demo certificate (made once for the module), validated
against the demo CA as SIGNING_TRUST_ROOTS. The rate limit counts in a cache of the module's own (local memory),
cleared for every test; the tests of a failing cache use one that raises and a real redis-server stopped or frozen.
"""

import datetime
import hashlib
import io
import logging
import re
import threading
import time

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import connections
from django.test import Client
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from weasyprint import HTML

from demo.signing import PROVINCE_NAME, ensure_demo_signing
from reports import verification
from reports.signing import Placement, pkcs12_signer, sign_pdf
from reports.verification_views import NOT_FOUND
from tests.factories import (
    AssessmentFactory,
    DecisionFactory,
    IssuedDocumentFactory,
    ProvinceFactory,
    UserFactory,
    WardFactory,
    user_with_role,
)
from wards.models import Membership
from wards.models.issued import IssuedDocument

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-thu"
NOW = 1_800_000_030.0  # 30 s into a minute: the window ends in 30 s


def _sign(signing, html: str) -> bytes:
    return sign_pdf(
        HTML(string=html).write_pdf(),
        placement=Placement(page=-1, box=(300, 80, 540, 150)),
        title="GIÁM ĐỐC",
        signer_name="Trần Quốc Bảo",
        signer=pkcs12_signer(str(signing.pkcs12), PASSWORD),
    ).data


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """The issued file, another file signed by the same certificate, one signed by a certificate nobody trusts,
    an unsigned one; and the demo signing folder."""
    demo = ensure_demo_signing(tmp_path_factory.mktemp("signing"), password=PASSWORD)
    stranger = ensure_demo_signing(tmp_path_factory.mktemp("stranger"), password=PASSWORD)
    return {
        "demo": demo,
        "issued": _sign(demo, "<h1>Quyết định công nhận</h1><p>Điều 1. Công nhận Công an phường Cái Khế.</p>"),
        "other": _sign(demo, "<h1>Quyết định công nhận</h1><p>Điều 1. Công nhận Công an phường Hưng Lợi.</p>"),
        "untrusted": _sign(stranger, "<h1>Quyết định công nhận</h1><p>Điều 1. Công nhận Công an phường Cái Khế.</p>"),
        "unsigned": HTML(string="<h1>Quyết định công nhận</h1>").write_pdf(),
    }


@pytest.fixture(autouse=True)
def own_cache(settings, pdfs):
    """The demo CA is the trust root; the limiter counts in a cache of this module's, empty for each test."""
    settings.SIGNING_TRUST_ROOTS = [str(pdfs["demo"].ca)]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-verification"}
    }
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """A fixed time for the limiter's windows: a test never straddles two minutes."""
    monkeypatch.setattr(verification.time, "time", lambda: NOW)


@pytest.fixture
def province(db):
    return ProvinceFactory(name="Cần Thơ")


@pytest.fixture
def wards(province):
    return [WardFactory(district__province=province, name=name) for name in ("Cái Khế", "An Cư")]


@pytest.fixture
def insiders(province):
    """The province's people, whose names the public page must never show."""
    return {
        "approver": UserFactory(username="pheduyet", first_name="Hoà", last_name="Phạm Thị"),
        "issuer": UserFactory(username="phathanh", first_name="Khang", last_name="Đỗ Minh"),
        "reopener": UserFactory(username="molai", first_name="Lâm", last_name="Vũ Ngọc"),
    }


@pytest.fixture
def decision(criteria_set, province, wards, insiders, pdfs):
    """One decision for the province's two wards, issued: its stored hash is the signed file's."""
    document = IssuedDocumentFactory(
        province=province,
        number="15/QĐ-CAT",
        sha256=hashlib.sha256(pdfs["issued"]).hexdigest(),
        issued_by=insiders["issuer"],
        certificate_name=PROVINCE_NAME,
    )
    for ward in wards:
        DecisionFactory(
            assessment=AssessmentFactory(ward=ward, criteria_set=criteria_set, status="approved"),
            document=document,
            approver=insiders["approver"],
            criteria_passed=22,
        )
    return document


def page(client, document):
    return client.get(f"/xac-minh/{document.token}/")


def text(response) -> str:
    return " ".join(response.content.decode().split())


def hrefs(response) -> set[str]:
    return set(re.findall(r'href="([^"]*)"', response.content.decode()))


def without_csrf(response) -> bytes:
    """The body with its CSRF tokens (masked anew for every response) blanked."""
    return re.sub(rb"[A-Za-z0-9]{64}", b"<csrf>", response.content)


# --- The document's page ------------------------------------------------------------------------------------------


def test_a_valid_decision_shows_what_it_says_in_public(client, decision, django_assert_num_queries):
    with django_assert_num_queries(2):  # the document with its province and successor; its wards
        response = page(client, decision)
    assert response.status_code == 200
    body = text(response)
    assert "Văn bản còn hiệu lực" in body
    for shown in (
        "Quyết định",
        "Công nhận đạt chuẩn",
        "Công an Cần Thơ",
        "Phường An Cư",
        "Phường Cái Khế",
        "2026",
        "Số 15/QĐ-CAT, ngày 01/12/2026",
        "Trần Quốc Bảo — GIÁM ĐỐC",
        PROVINCE_NAME,
        "16:30 01/12/2026",  # signed at 09:30 UTC, shown in Vietnam's time
        decision.sha256,
    ):
        assert shown in body, shown
    assert body.index("Phường An Cư") < body.index("Phường Cái Khế")
    assert "no-store" in response["Cache-Control"]


def test_the_page_shows_no_internal_data_and_links_nowhere_into_the_app(client, decision, insiders):
    body = text(page(client, decision))
    for person in insiders.values():
        assert person.last_name not in body and person.username not in body
    assessments = [d.assessment for d in decision.decisions.all()]
    for assessment in assessments:
        assert f"/ho-so/{assessment.pk}/" not in body
    assert "22/22" not in body and "tiêu chí" not in body
    assert decision.code not in body  # the short code is on the paper; the page is reached by the token
    links = hrefs(page(client, decision)) - {"#main"}
    assert all(link.startswith(("/static/", "/xac-minh/")) for link in links), links


def test_a_dossier_names_its_ward_in_one_query(client, criteria_set, wards, django_assert_num_queries):
    assessment = AssessmentFactory(ward=wards[0], criteria_set=criteria_set, status="approved")
    dossier = IssuedDocumentFactory(
        kind=IssuedDocument.Kind.DOSSIER, province=wards[0].province, assessment=assessment, number="15/QĐ-CAT"
    )
    with django_assert_num_queries(1):
        response = page(client, dossier)
    body = text(response)
    assert "Hồ sơ đề nghị công nhận đã phê duyệt" in body and "Phường Cái Khế" in body
    assert "Phường An Cư" not in body


def test_a_superseded_document_names_and_links_its_replacement(client, decision, province):
    replacement = IssuedDocumentFactory(province=province, number="20/QĐ-CAT", decided_on=datetime.date(2026, 12, 20))
    decision.superseded_by = replacement
    decision.save()
    response = page(client, decision)
    body = text(response)
    assert "Văn bản đã được thay thế" in body and "Văn bản còn hiệu lực" not in body
    assert "Được thay thế bởi văn bản số 20/QĐ-CAT ngày 20/12/2026." in body
    assert f"/xac-minh/{replacement.token}/" in hrefs(response)


def test_a_replacement_not_issued_yet_is_not_revealed(client, decision, province):
    replacement = IssuedDocumentFactory(province=province, number="20/QĐ-CAT", sha256="")
    decision.superseded_by = replacement
    decision.save()
    response = page(client, decision)
    body = text(response)
    assert "Văn bản đã được thay thế" in body and "Văn bản thay thế chưa được phát hành." in body
    assert "20/QĐ-CAT" not in body and replacement.token not in body


def test_a_revoked_document_gives_the_date_and_reason(client, decision, insiders):
    decision.revoked_at = datetime.datetime(2027, 1, 5, 3, 0, tzinfo=datetime.UTC)
    decision.revoked_by = insiders["reopener"]
    decision.revoke_reason = "Số liệu tiêu chí 9 không đúng thực tế"
    decision.save()
    body = text(page(client, decision))
    assert "Văn bản đã bị thu hồi" in body and "Văn bản còn hiệu lực" not in body
    assert "Thu hồi ngày 05/01/2027. Lý do: Số liệu tiêu chí 9 không đúng thực tế" in body
    assert insiders["reopener"].last_name not in body


def test_a_decision_revoked_for_one_of_its_wards_stays_valid_for_the_other(client, decision, insiders):
    revoked = decision.decisions.get(assessment__ward__name="An Cư")
    revoked.revoked_at = datetime.datetime(2027, 2, 1, 2, 0, tzinfo=datetime.UTC)
    revoked.revoked_by = insiders["reopener"]
    revoked.revoke_reason = "Mở lại để thẩm định lại tiêu chí 9"
    revoked.save()
    body = text(page(client, decision))
    assert "Văn bản còn hiệu lực" in body
    assert "Đã thu hồi đối với Phường An Cư ngày 01/02/2027: Mở lại để thẩm định lại tiêu chí 9" in body
    assert "Phường Cái Khế ngày" not in body
    assert insiders["reopener"].last_name not in body


def test_a_decision_revoked_for_every_ward_is_revoked(client, decision):
    for i, row in enumerate(decision.decisions.order_by("pk")):
        row.revoked_at = datetime.datetime(2027, 2, 1 + i, 2, 0, tzinfo=datetime.UTC)
        row.revoke_reason = f"Lý do {i}"
        row.save()
    body = text(page(client, decision))
    assert "Văn bản đã bị thu hồi" in body and "Thu hồi ngày 02/02/2027." in body
    assert "Đã thu hồi đối với Phường Cái Khế ngày 01/02/2027: Lý do 0" in body


# --- Unknown, malformed and unissued: one answer ------------------------------------------------------------------


def test_unknown_malformed_and_unissued_tokens_get_the_same_404(decision, province, django_assert_max_num_queries):
    unissued = IssuedDocumentFactory(province=province, sha256="")
    paths = [
        f"/xac-minh/{unissued.token}/",
        "/xac-minh/khong-co-van-ban-nay-0123456789abcdefghij/",
        "/xac-minh/%00%27;--/",
        "/xac-minh/" + "a" * 300 + "/",
        f"/xac-minh/{decision.token[:-1]}/",
    ]
    answers = []
    for path in paths:
        with django_assert_max_num_queries(1):
            answers.append(Client().get(path))
    assert {r.status_code for r in answers} == {404}
    assert len({without_csrf(r) for r in answers}) == 1
    # Expires is the moment of the answer (never_cache), so it differs when a second turns between requests.
    varying = {"Content-Length", "Expires"}
    assert len({tuple(sorted((k, v) for k, v in r.items() if k not in varying)) for r in answers}) == 1
    body = text(answers[0])
    assert str(NOT_FOUND) in body
    assert unissued.number not in body and "Công an Cần Thơ" not in body


def test_the_404_says_what_a_wrong_code_says(client, decision):
    wrong = client.post("/xac-minh/", {"code": "ZZZZZ-ZZZZZ"})
    assert wrong.status_code == 422
    assert str(NOT_FOUND) in text(wrong)
    assert str(NOT_FOUND) in text(client.get("/xac-minh/khong-co/"))


# --- The short code -----------------------------------------------------------------------------------------------


def test_the_start_page_says_what_it_is_for_and_needs_no_login(client):
    response = client.get("/xac-minh/")
    assert response.status_code == 200
    assert "có đúng là văn bản thật và còn hiệu lực không" in text(response)


@pytest.mark.parametrize("typed", ["7KQ2M-X9D41", "7kq2m x9d4i", " 7KQ2MX9D4L ", "7kq2m-x9d4-1"])
def test_a_code_as_typed_leads_to_the_document(client, decision, typed, django_assert_num_queries):
    IssuedDocument.objects.filter(pk=decision.pk).update(code="7KQ2M-X9D41")
    with django_assert_num_queries(1):
        response = client.post("/xac-minh/", {"code": typed})
    assert response.status_code == 302 and response.url == f"/xac-minh/{decision.token}/"


def test_o_for_zero(client, decision):
    IssuedDocument.objects.filter(pk=decision.pk).update(code="70Q2M-X9D40")
    assert client.post("/xac-minh/", {"code": "7oq2m-x9d4O"}).url == f"/xac-minh/{decision.token}/"


def test_a_wrong_or_unissued_code_is_refused_at_the_field(client, decision, province):
    unissued = IssuedDocumentFactory(province=province, sha256="")
    for code in ("ZZZZZ-ZZZZZ", unissued.code):
        response = client.post("/xac-minh/", {"code": code})
        assert response.status_code == 422
        field = re.search(r'<div class="invalid-feedback" id="id_code_error">(.*?)</div>', response.content.decode())
        assert field and field.group(1) == str(NOT_FOUND)
        assert f'value="{code}"' in response.content.decode()  # nothing typed is lost


def test_a_code_of_the_wrong_length_is_explained(client):
    response = client.post("/xac-minh/", {"code": "7KQ2M"})
    assert response.status_code == 422
    assert "Mã tra cứu gồm 10 chữ và số (ví dụ 7KQ2M-X9D4T): hãy kiểm tra lại." in text(response)
    empty = client.post("/xac-minh/", {"code": ""})
    assert "Hãy nhập mã tra cứu in trên văn bản." in text(empty)


# --- Checking an uploaded PDF ----------------------------------------------------------------------------------


def upload(client, document, data: bytes, name: str = "quyet-dinh.pdf"):
    return client.post(f"/xac-minh/{document.token}/", {"file": SimpleUploadedFile(name, data)})


def result(response) -> str:
    found = re.search(
        r'<div class="alert alert-(\w+)" role="status" id="result">\s*<h3 class="h5 mb-1">(.*?)</h3>',
        response.content.decode(),
    )
    assert found, text(response)
    return found.group(2)


def appended_update(data: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def one_byte_changed(data: bytes) -> bytes:
    at = data.index(b"Producer")  # the first revision's document information, inside the signed range
    return data[:at] + b"Q" + data[at + 1 :]


def test_the_issued_file_is_recognised_with_its_signer_and_time(client, decision, pdfs):
    response = upload(client, decision, pdfs["issued"])
    assert response.status_code == 200
    assert result(response) == "Đúng tệp đã phát hành, chữ ký số hợp lệ"
    body = text(response)
    [(name, when)] = re.findall(r"Chữ ký số của (.*?), ký lúc (\d\d:\d\d \d\d/\d\d/\d{4})\.", body)
    assert name == PROVINCE_NAME  # the certificate's, as the validator reads it
    assert when.endswith(f"{timezone.localdate():%d/%m/%Y}")
    assert hashlib.sha256(pdfs["issued"]).hexdigest() in body


@pytest.mark.parametrize(
    "variant, expected",
    [
        ("other", "Tệp có chữ ký số hợp lệ nhưng không phải văn bản này"),
        ("appended", "Tệp đã bị thay đổi sau khi ký"),
        ("changed", "Chữ ký số không hợp lệ (tệp bị sửa)"),
        ("untrusted", "Chữ ký số không thuộc chứng thư số được công nhận"),
        ("unsigned", "Tệp không có chữ ký số"),
        ("broken", "Không đọc được tệp PDF"),
    ],
)
def test_every_other_file_is_told_apart(client, decision, pdfs, variant, expected):
    data = {
        "appended": lambda: appended_update(pdfs["issued"]),
        "changed": lambda: one_byte_changed(pdfs["issued"]),
        "broken": lambda: b"%PDF-1.7\nnothing else",
    }.get(variant, lambda: pdfs[variant])()
    response = upload(client, decision, data)
    assert response.status_code == 200
    assert result(response) == expected


def test_a_file_that_is_no_pdf_is_refused_at_the_field(client, decision):
    response = upload(client, decision, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, name="anh.png")
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="result"' not in body
    assert (
        '<div class="invalid-feedback" id="id_file_error">Tệp «anh.png» không phải tệp PDF: chỉ kiểm tra được tệp PDF '
        "của văn bản.</div>"
    ) in body
    assert "Hãy chọn tệp PDF cần kiểm tra." in text(client.post(f"/xac-minh/{decision.token}/", {}))


def test_a_file_over_the_limit_is_refused_at_the_field_before_it_is_read(client, settings, decision, pdfs):
    settings.VERIFY_UPLOAD_MAX_BYTES = 1024
    response = upload(client, decision, pdfs["issued"])
    assert response.status_code == 422
    assert "vượt giới hạn 0,01 MB" in text(response) and 'id="result"' not in response.content.decode()
    assert 'data-max-bytes="1024"' in response.content.decode()


def test_a_large_upload_is_held_in_memory_and_nothing_is_stored(client, decision, pdfs, monkeypatch):
    """Over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) Django would write the file to a temporary file."""

    def no_disk(*args, **kwargs):
        raise AssertionError("the uploaded PDF went to a temporary file")

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", no_disk)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdfs["unsigned"]))
    writer.add_object(generic.StreamObject(stream_data=b"x" * (3 * 1024 * 1024)))
    out = io.BytesIO()
    writer.write(out)
    large = out.getvalue()
    documents_before = IssuedDocument.objects.count()
    response = upload(client, decision, large)
    assert response.status_code == 200 and result(response) == "Tệp không có chữ ký số"
    assert IssuedDocument.objects.count() == documents_before


def test_an_upload_to_an_unknown_token_gets_the_same_404(client, decision, pdfs):
    response = client.post("/xac-minh/khong-co/", {"file": SimpleUploadedFile("a.pdf", pdfs["issued"])})
    assert response.status_code == 404 and str(NOT_FOUND) in text(response)


def test_a_revoked_document_says_so_next_to_the_same_file(client, decision, pdfs):
    decision.revoked_at, decision.revoke_reason = timezone.now(), "Mở lại"
    decision.save()
    response = upload(client, decision, pdfs["issued"])
    assert result(response) == "Đúng tệp đã phát hành, chữ ký số hợp lệ"
    assert "văn bản này hiện không còn hiệu lực" in text(response)


# --- Rate limit -------------------------------------------------------------------------------------------------


def test_pages_over_the_limit_get_429_with_retry_after(client, settings, decision, clock):
    settings.VERIFY_PAGES_PER_MINUTE = 3
    assert [client.get("/xac-minh/").status_code for _ in range(2)] == [200, 200]
    assert page(client, decision).status_code == 200
    limited = page(client, decision)
    assert limited.status_code == 429 and limited["Retry-After"] == "30"
    assert "Hãy thử lại sau 30 giây." in text(limited)
    assert client.post("/xac-minh/", {"code": decision.code}).status_code == 429
    # Another address has its own budget.
    assert Client(REMOTE_ADDR="203.0.113.9").get("/xac-minh/").status_code == 200


def test_the_next_minute_has_a_new_budget(client, settings, decision, monkeypatch):
    settings.VERIFY_PAGES_PER_MINUTE = 1
    monkeypatch.setattr(verification.time, "time", lambda: NOW)
    assert client.get("/xac-minh/").status_code == 200
    assert client.get("/xac-minh/").status_code == 429
    monkeypatch.setattr(verification.time, "time", lambda: NOW + 30)
    assert client.get("/xac-minh/").status_code == 200


def test_uploads_have_a_budget_of_their_own(client, settings, decision, pdfs, clock):
    settings.VERIFY_UPLOADS_PER_MINUTE = 2
    assert [upload(client, decision, pdfs["unsigned"]).status_code for _ in range(2)] == [200, 200]
    limited = upload(client, decision, pdfs["unsigned"])
    assert limited.status_code == 429 and limited["Retry-After"] == "30"
    assert page(client, decision).status_code == 200  # reading the page is still allowed


def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(settings, decision, clock):
    settings.VERIFY_PAGES_PER_MINUTE = 1

    def get(forwarded):
        return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded).get("/xac-minh/").status_code

    settings.TRUSTED_PROXIES = []
    assert [get("198.51.100.1"), get("198.51.100.2")] == [200, 429]  # a forged header buys nothing
    cache.clear()
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert [get("198.51.100.1"), get("198.51.100.2"), get("198.51.100.1")] == [200, 200, 429]


class BrokenCache(BaseCache):
    """A cache whose server is gone: every call raises, as Django's Redis backend does with Redis down."""

    def __init__(self, location, params):
        super().__init__(params)

    def _fail(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    add = get = set = incr = delete = touch = has_key = clear = _fail


def test_a_failing_cache_lets_every_request_through_and_logs(client, settings, decision, pdfs, caplog):
    settings.CACHES = {"default": {"BACKEND": "tests.reports.test_verification.BrokenCache"}}
    settings.VERIFY_PAGES_PER_MINUTE = settings.VERIFY_UPLOADS_PER_MINUTE = 1
    with caplog.at_level(logging.WARNING, logger="reports.verification"):
        statuses = [client.get("/xac-minh/").status_code for _ in range(3)]
        statuses += [page(client, decision).status_code, upload(client, decision, pdfs["issued"]).status_code]
    assert statuses == [200] * 5
    warnings = [r for r in caplog.records if r.name == "reports.verification"]
    assert len(warnings) == 5 and all("rate limit not applied" in r.getMessage() for r in warnings)


# --- Login, second factor, language ----------------------------------------------------------------------------


def test_a_signed_in_approver_without_a_second_factor_still_sees_the_public_page(
    client, decision, province, password_only_login
):
    approver = user_with_role(Membership.Role.APPROVER, province=province)
    client.force_login(approver)
    assert page(client, decision).status_code == 200
    assert client.get("/xac-minh/").status_code == 200


def test_the_page_in_english(client, decision):
    client.post("/i18n/setlang/", {"language": "en", "next": "/xac-minh/"})
    start = text(client.get("/xac-minh/"))
    assert "Verify a document" in start and "Xác minh văn bản" not in start
    body = text(page(client, decision))
    assert "The document is in force" in body and "Police of Cần Thơ" in body
    assert "Decision" in body and "Check a PDF file" in body
    missing = text(client.get("/xac-minh/khong-co/"))
    assert "No issued document has this code" in missing


# --- Redis itself down or hung ------------------------------------------------------------------------------------

ABANDON_AFTER = 8


def _answer_in_a_thread(call):
    """The request in its own thread, abandoned (the test fails) if it still waits after ABANDON_AFTER seconds."""
    outcome = {}

    def target():
        try:
            outcome["value"] = call()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, daemon=True)
    start = time.monotonic()
    thread.start()
    thread.join(ABANDON_AFTER)
    assert not thread.is_alive(), f"the page was still waiting on Redis after {ABANDON_AFTER} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"], time.monotonic() - start


@pytest.fixture
def redis_cache(settings):
    from tests.reports.test_broker_faults import REDIS_SERVER, OwnRedis, _free_port

    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis(_free_port())
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": settings.CACHE_TIMEOUT, "socket_timeout": settings.CACHE_TIMEOUT},
        }
    }
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_redis_down_or_hung_lets_the_page_answer(redis_cache, settings, decision, fault, clock, caplog):
    settings.VERIFY_PAGES_PER_MINUTE = 1
    client = Client()
    assert page(client, decision).status_code == 200  # counted in Redis
    assert page(client, decision).status_code == 429
    redis_cache.stop() if fault == "stopped" else redis_cache.freeze()
    with caplog.at_level(logging.WARNING, logger="reports.verification"):
        response, elapsed = _answer_in_a_thread(lambda: page(client, decision))
    assert response.status_code == 200, fault
    assert any("rate limit not applied" in r.getMessage() for r in caplog.records)
    print(f"Redis {fault}: the page answered in {elapsed:.2f} s")


def _crafted_pdf(value: bytes) -> bytes:
    """A PDF whose signature field's value is the given object (a string where pyHanko expects a dictionary)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Annots [4 0 R] >>",
        b"<< /FT /Sig /T (S1) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R /V 5 0 R >>",
        value,
    ]
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


def test_a_crafted_signature_is_an_unreadable_file_not_a_500(client):
    document = IssuedDocumentFactory(sha256="a" * 64)
    client.raise_request_exception = False
    response = client.post(
        f"/xac-minh/{document.token}/", {"file": SimpleUploadedFile("x.pdf", _crafted_pdf(b"(hello)"))}
    )
    assert response.status_code != 500
    assert "đọc được" in response.content.decode() or "chữ ký" in response.content.decode()


def test_an_ipv6_client_is_counted_by_its_64(rf):
    from reports.verification import _client_network

    assert _client_network("2001:db8:1:2::1") == _client_network("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert _client_network("2001:db8:1:3::1") != "2001:db8:1:2::/64"
    assert _client_network("203.0.113.7") == "203.0.113.7"
    assert _client_network("::ffff:203.0.113.7") == "203.0.113.7"
