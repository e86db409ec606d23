"""The issued documents as signed PDFs (reports/issued.py): the decision for one or several wards, its refusal,
and the approved dossier with its QR code and signature.

Signed with the demo certificate (demo/signing.py), made once for the module in a temporary folder, and validated
by pyHanko's validator against the demo CA; the rows are made directly (the services that make them at approval
have tests of their own). Each document is rendered and signed once for the module.
"""

import datetime
import io
import os
import re
import subprocess
from pathlib import Path

import pytest
import segno
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from demo.signing import ensure_demo_signing
from reports import issued
from reports.signing import validate_pdf
from tests.conftest import catalogue, shared_data
from tests.factories import AssessmentFactory, DistrictFactory, ProvinceFactory, UserFactory, WardFactory
from tests.reports.conftest import approve
from wards.models import Assessment, Decision, IssuedDocument, RoadmapTarget, Verdict

# Every test reads the module's rows (and pytest-django sets a database up only for tests that say so).
pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-thu"
YEAR = 2026
DECIDED_ON = datetime.date(2026, 12, 18)
ROADMAP_BASIS = "Đề án số 03/ĐA-UBND ngày 15/6/2022 của UBND thành phố Cần Thơ"
SIGNER = "Trần Minh Quân"
NAMES = ["Cái Khế", "An Bình", "Thới Bình", "Hưng Lợi", "Xuân Khánh", "An Cư", "Tân An"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return ensure_demo_signing(tmp_path_factory.mktemp("signing"), password=PASSWORD)


@pytest.fixture(scope="module")
def signing_settings(demo):
    from django.test.utils import override_settings

    with override_settings(
        SIGNING_PKCS11_MODULE="",
        SIGNING_PKCS12_PATH=str(demo.pkcs12),
        SIGNING_PKCS12_PASSWORD=PASSWORD,
        SIGNING_TRUST_ROOTS=[str(demo.ca)],
        PUBLIC_BASE_URL="https://antt.example.vn",
    ):
        yield


def _decision_document(province, wards, *, approver, outcome=IssuedDocument.Outcome.CERTIFIED, failing=()):
    """A decision document for the wards (approved assessments, each with its Decision row pointing at it);
    for a refusal, the failing criteria numbers' verdicts are "không đạt"."""
    criteria_set = catalogue()
    document = IssuedDocument.objects.create(
        kind=IssuedDocument.Kind.DECISION,
        outcome=outcome,
        province=province,
        year=YEAR,
        number=f"{IssuedDocument.objects.count() + 15}/QĐ-CAT-PV01",
        decided_on=DECIDED_ON,
        signer_name=SIGNER,
        signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        issued_by=approver,
    )
    criteria = list(criteria_set.criteria.order_by("number"))
    for ward in wards:
        assessment = AssessmentFactory(
            ward=ward, year=YEAR, criteria_set=criteria_set, status=Assessment.Status.APPROVED
        )
        Verdict.objects.bulk_create(
            Verdict(
                assessment=assessment,
                criterion=c,
                outcome=Verdict.Outcome.FAIL if c.number in failing else Verdict.Outcome.PASS,
                reviewer=approver,
            )
            for c in criteria
        )
        Decision.objects.create(
            assessment=assessment,
            outcome=outcome,
            criteria_passed=len(criteria) - len(failing),
            criteria_total=len(criteria),
            number=document.number,
            decided_on=DECIDED_ON,
            approver=approver,
            document=document,
        )
    return document


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker, signing_settings):
    """The documents, rendered and signed once: a decision for 1 ward, one for 3, one for 7 (a table), a refusal,
    and an approved dossier."""
    with shared_data(django_db_blocker), django_db_blocker.unblock():
        province = ProvinceFactory(code="92", name="Cần Thơ")
        district = DistrictFactory(province=province, name="Ninh Kiều")
        approver = UserFactory(username="giamdoc", last_name="Trần Minh", first_name="Quân")
        RoadmapTarget.objects.create(province=province, year=2030, target_share=100, basis=ROADMAP_BASIS)
        wards = [WardFactory(district=district, name=name) for name in NAMES]
        other = [WardFactory(district=district, name=f"Phường {i}") for i in range(1, 5)]
        documents = {
            "one": _decision_document(province, wards[:1], approver=approver),
            "three": _decision_document(province, wards[1:4], approver=approver),
            "seven": _decision_document(province, other + wards[4:7], approver=approver),
            "refused": _decision_document(
                province,
                [WardFactory(district=district, name="Bùi Hữu Nghĩa")],
                approver=approver,
                outcome=IssuedDocument.Outcome.NOT_CERTIFIED,
                failing=(6, 13),
            ),
        }
        from tests.conftest import make_people

        dossier_ward = WardFactory(district=district, name="An Hòa")
        people = make_people(dossier_ward, WardFactory(district=district), WardFactory())
        assessment = approve(AssessmentFactory(ward=dossier_ward, year=YEAR, criteria_set=catalogue()), people)
        # Approval may already issue the dossier (the services' own job): then that row is the one signed.
        IssuedDocument.objects.filter(assessment=assessment, kind=IssuedDocument.Kind.DOSSIER).delete()
        documents["dossier"] = IssuedDocument.objects.create(
            kind=IssuedDocument.Kind.DOSSIER,
            outcome=IssuedDocument.Outcome.NOT_CERTIFIED,
            province=province,
            year=YEAR,
            assessment=assessment,
            number="123/QĐ-CAT",
            decided_on=timezone.localdate(),
            signer_name=SIGNER,
            signer_title="GIÁM ĐỐC",
            issued_by=people["approver"],
        )
        rendered = {}
        for key, document in documents.items():
            _kind, document_data, layout = issued.render(document)
            rendered[key] = {
                "document": document,
                "data": document_data,
                "anchors": [page.anchors for page in layout.pages],
                "heights": [page.height for page in layout.pages],
                "signed": issued.render_signed(document),
            }
            if os.environ.get("ISSUED_PAGES_DIR"):  # to look at the pages (pdftoppm -png -r 60 …)
                Path(os.environ["ISSUED_PAGES_DIR"], f"{key}.pdf").write_bytes(rendered[key]["signed"].data)
        yield rendered


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def _signature_widget(pdf: bytes):
    reader = PdfReader(io.BytesIO(pdf))
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            widget = annotation.get_object()
            if widget.get("/FT") == "/Sig":
                return index, [float(v) for v in widget["/Rect"]]
    raise AssertionError("no signature widget")


def _link_uris(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [
        a.get_object()["/A"]["/URI"]
        for page in reader.pages
        for a in page.get("/Annots") or []
        if a.get_object().get("/Subtype") == "/Link"
    ]


@pytest.mark.parametrize("key", ["one", "three", "seven", "refused", "dossier"])
def test_every_issued_document_is_signed_valid_and_trusted_by_the_demo_ca(data, key):
    signed = data[key]["signed"]
    result = validate_pdf(signed.data)
    assert result.ok
    [check] = result.signatures
    assert check.intact and check.valid and check.trusted and not check.changed_after_signing
    assert signed.signer_name == SIGNER


@pytest.mark.parametrize("key", ["one", "dossier"])
def test_one_byte_changed_after_signing_fails_validation(data, key):
    signed = bytearray(data[key]["signed"].data)
    at = len(signed) // 3  # in the document as rendered: inside the signed range
    signed[at] ^= 0x01
    assert not validate_pdf(bytes(signed)).ok


def test_the_decision_for_one_ward_says_number_bases_articles_recipients_and_signer(data):
    document = data["one"]["document"]
    text = _text(data["one"]["signed"].data)
    for expected in [
        "CÔNG AN THÀNH PHỐ CẦN THƠ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        f"Số: {document.number}",
        "Cần Thơ, ngày 18 tháng 12 năm 2026",
        "QUYẾT ĐỊNH",
        "Về việc công nhận Công an phường đạt chuẩn",
        "GIÁM ĐỐC CÔNG AN THÀNH PHỐ CẦN THƠ",
        "Căn cứ Quyết định số 5764/QĐ-BCA-V05",
        f"Căn cứ {ROADMAP_BASIS};",
        "Xét đề nghị của Trưởng phòng Tham mưu",
        "QUYẾT ĐỊNH:",
        "Điều 1. Công nhận Công an phường Cái Khế",
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
        "Điều 3. Trưởng phòng Tham mưu",
        "Nơi nhận:",
        "Như Điều 3;",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        SIGNER,
        f"Mã tra cứu: {document.code}",
    ]:
        assert expected in text, expected


def test_the_decision_for_three_wards_lists_them_in_vietnamese_order_with_their_codes(data):
    text = _text(data["three"]["signed"].data)
    assert "Công nhận 03 Công an phường sau đây đạt chuẩn" in text
    wards = [w["name"] for w in data["three"]["data"]["wards"]]
    assert wards == ["An Bình", "Hưng Lợi", "Thới Bình"]
    positions = [text.index(f"Công an phường {name} (mã đơn vị") for name in wards]
    assert positions == sorted(positions)
    for ward in data["three"]["data"]["wards"]:
        assert ward["code"] in text


def test_more_than_five_wards_are_a_table(data):
    text = _text(data["seven"]["signed"].data)
    assert data["seven"]["data"]["as_table"]
    assert "có tên trong danh sách dưới đây" in text
    assert "Mã đơn vị" in text
    for ward in data["seven"]["data"]["wards"]:
        assert f"Công an phường {ward['name']}" in text


def test_the_refusal_says_not_recognised_with_the_criteria_passed_and_failed(data):
    text = _text(data["refused"]["signed"].data)
    assert "Về việc chưa công nhận Công an phường đạt chuẩn" in text
    assert "Điều 1. Chưa công nhận Công an phường Bùi Hữu Nghĩa" in text
    assert "đạt 20/22 tiêu chí" in text
    assert "Tiêu chí 6 (" in text and "Tiêu chí 13 (" in text
    assert [c["number"] for c in data["refused"]["data"]["wards"][0]["failed"]] == [6, 13]


@pytest.mark.parametrize("key", ["one", "three", "dossier"])
def test_the_qr_code_is_a_vector_link_to_the_verification_page(data, key):
    document = data[key]["document"]
    url = issued.verification_url(document)
    assert url == f"https://antt.example.vn/xac-minh/{document.token}/"
    assert set(_link_uris(data[key]["signed"].data)) == {url}  # the link and the drawing inside it
    block = data[key]["data"]["issued"]["verification"]
    assert block["url"] == url
    assert block["qr_svg"] == issued.qr_svg(url)
    assert "<path" in block["qr_svg"] and "<image" not in block["qr_svg"]
    # No raster anywhere in the file: the QR code is drawn as a path.
    reader = PdfReader(io.BytesIO(data[key]["signed"].data))
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        assert all(x.get_object().get("/Subtype") != "/Image" for x in xobjects.values())


def test_the_printed_qr_code_reads_as_the_verification_url(data, tmp_path):
    """The first page rasterised, the QR code's modules sampled where the layout put it: they are those of
    segno's code for the URL (the code a phone decodes)."""
    entry = data["one"]
    url = issued.verification_url(entry["document"])
    code = segno.make(url, error="m", micro=False)
    x1, y1, x2, _y2 = entry["anchors"][0]["qr-code"]
    dpi = 300
    pdf = tmp_path / "decision.pdf"
    pdf.write_bytes(entry["signed"].data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    [png] = tmp_path.glob("p*.png")
    image = Image.open(png).convert("L")
    scale = dpi / 96
    size = code.symbol_size(border=issued.QR_BORDER)[0]
    module = (x2 - x1) * scale / size
    matrix = [
        [
            image.getpixel((int((x1 * scale) + (col + 0.5) * module), int((y1 * scale) + (row + 0.5) * module))) < 128
            for col in range(size)
        ]
        for row in range(size)
    ]
    expected = [[bool(v) for v in row] for row in code.matrix_iter(border=issued.QR_BORDER)]
    assert matrix == expected


@pytest.mark.parametrize("key", ["one", "three", "refused", "dossier"])
def test_the_signature_sits_in_the_signer_block(data, key):
    entry = data[key]
    page, rect = _signature_widget(entry["signed"].data)
    [on] = [i for i, anchors in enumerate(entry["anchors"]) if issued.SIGNATURE_ANCHOR in anchors]
    assert page == on
    x1, y1, x2, y2 = entry["anchors"][on][issued.SIGNATURE_ANCHOR]
    height = entry["heights"][on]
    expected = [x1 * 0.75, (height - y2) * 0.75, x2 * 0.75, (height - y1) * 0.75]
    assert rect == pytest.approx(expected, abs=0.05)
    # The box's size in CSS.
    width, height = issued.SIGNATURE_BOX_MM
    assert (rect[2] - rect[0]) == pytest.approx(width / 25.4 * 72, abs=0.5)
    assert (rect[3] - rect[1]) == pytest.approx(height / 25.4 * 72, abs=0.5)


@pytest.mark.parametrize(
    ("key", "title"), [("one", "PHÓ GIÁM ĐỐC"), ("three", "PHÓ GIÁM ĐỐC"), ("dossier", "GIÁM ĐỐC")]
)
def test_the_signature_is_between_the_signers_title_and_name_over_no_text(data, key, title):
    entry = data[key]
    page, (left, bottom, right, top) = _signature_widget(entry["signed"].data)
    reader = PdfReader(io.BytesIO(entry["signed"].data))
    lines = []

    def visit(text, cm, tm, font, size):
        if text.strip():  # where the text starts, in PDF points (tm within cm)
            x, y = tm[4], tm[5]
            lines.append((text.strip(), x * cm[0] + y * cm[2] + cm[4], x * cm[1] + y * cm[3] + cm[5]))

    reader.pages[page].extract_text(visitor_text=visit)
    found = {text: (x, y) for text, x, y in lines}
    name_x, name_y = found[SIGNER]
    title_x, title_y = found[title]
    assert name_y < bottom < top < title_y
    assert left < name_x < right and left < title_x < right
    assert left > reader.pages[page].mediabox.width / 2  # the right half: the signer's block
    assert not [text for text, x, y in lines if left <= x <= right and bottom <= y <= top]


def test_the_signed_dossier_adds_the_verification_block_and_signs_the_approvers_block(data):
    entry = data["dossier"]
    text = _text(entry["signed"].data)
    assert f"Mã tra cứu: {entry['document'].code}" in text
    assert "Lãnh đạo phê duyệt".upper() in text.upper()
    page, _rect = _signature_widget(entry["signed"].data)
    assert page == len(entry["heights"]) - 1  # the approver's block closes the dossier


def test_the_unissued_dossier_has_neither_qr_code_nor_signature_box(data):
    from reports import documents

    assessment = data["dossier"]["document"].assessment
    layout = documents.render_document("dossier", documents.dossier_data(assessment))
    assert not any(issued.SIGNATURE_ANCHOR in page.anchors or "qr-code" in page.anchors for page in layout.pages)


def test_decision_data_takes_the_same_queries_for_one_ward_and_for_five(signing_settings, django_assert_num_queries):
    province = ProvinceFactory(code="93", name="Hậu Giang")
    district = DistrictFactory(province=province)
    approver = UserFactory()
    RoadmapTarget.objects.create(province=province, year=2030, target_share=100, basis="Nghị quyết số 1")
    one = _decision_document(province, [WardFactory(district=district)], approver=approver)
    five = _decision_document(
        province,
        [WardFactory(district=district) for _ in range(5)],
        approver=approver,
        failing=(3,),
        outcome=IssuedDocument.Outcome.NOT_CERTIFIED,
    )
    counts = []
    for document in (one, five):
        document = IssuedDocument.objects.get(pk=document.pk)
        with django_assert_num_queries(4) as captured:
            issued.decision_data(document)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("name", "issuer", "place"),
    [
        ("Cần Thơ", "Thành phố Cần Thơ", "Cần Thơ"),
        ("Quảng Ngãi", "Tỉnh Quảng Ngãi", "Quảng Ngãi"),
        ("Hồ Chí Minh", "Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
        ("Tỉnh Kon Tum", "Tỉnh Kon Tum", "Kon Tum"),
    ],
)
def test_the_issuer_is_the_province_with_its_kind_and_the_place_its_name(name, issuer, place):
    assert issued.province_body(name) == issuer
    assert issued.province_place(name) == place
