"""Signing PDFs as PAdES by the province's certificate, and validating them (reports/signing.py).

Signed with the demo certificate (demo/signing.py), made once for the module in a temporary folder; validated by
pyHanko's validator against the demo CA. No database.
"""

import datetime
import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields
from pypdf import PdfReader
from weasyprint import HTML

from demo.signing import CA_NAME, NOT_LEGAL, PROVINCE_NAME, ensure_demo_signing
from reports.signing import (
    Placement,
    SigningError,
    UnreadablePdf,
    pkcs12_signer,
    sign_pdf,
    validate_pdf,
)

PASSWORD = "mat-khau-thu"
BOX = (300, 80, 540, 150)
TITLE = "KT. CHỦ TỊCH — PHÓ CHỦ TỊCH"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return ensure_demo_signing(tmp_path_factory.mktemp("signing"), password=PASSWORD)


@pytest.fixture(scope="module")
def ca(demo):
    return x509.load_pem_x509_certificate(demo.ca.read_bytes())


@pytest.fixture(scope="module")
def pdf():
    return HTML(string="<h1>Quyết định công nhận</h1><p>Điều 1. Công nhận Công an phường Cái Khế.</p>").write_pdf()


@pytest.fixture(scope="module")
def signed(demo, pdf):
    return sign_pdf(
        pdf,
        placement=Placement(page=-1, box=BOX),
        title=TITLE,
        signer_name="Nguyễn Văn An",
        reason="Quyết định công nhận",
        signer=pkcs12_signer(str(demo.pkcs12), PASSWORD),
    )


@pytest.fixture
def configured(settings, demo):
    settings.SIGNING_PKCS11_MODULE = ""
    settings.SIGNING_PKCS12_PATH = str(demo.pkcs12)
    settings.SIGNING_PKCS12_PASSWORD = PASSWORD
    settings.SIGNING_TRUST_ROOTS = [str(demo.ca)]
    return settings


def test_a_signed_pdf_is_intact_valid_and_trusted_by_the_demo_ca(signed, ca):
    assert signed.sha256 == hashlib.sha256(signed.data).hexdigest()
    assert signed.signer_name == "Nguyễn Văn An"
    assert abs(signed.signed_at - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=5)
    assert signed.signed_at.utcoffset() == datetime.timedelta(hours=7)

    result = validate_pdf(signed.data, trust_roots=[ca])
    assert result.ok
    [check] = result.signatures
    assert (check.intact, check.valid, check.trusted, check.changed_after_signing) == (True, True, True, False)
    assert check.modification_level == "NONE"
    assert check.signer_name == PROVINCE_NAME
    assert NOT_LEGAL in check.signer_subject
    assert check.signed_at == signed.signed_at


def test_the_signature_is_pades_and_visible_in_the_box_with_name_title_and_time(signed):
    reader = PdfReader(io.BytesIO(signed.data))
    field = reader.get_fields()["ChuKySo"]
    signature = field["/V"]
    assert signature["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature["/Reason"] == "Quyết định công nhận"
    [widget] = [a.get_object() for a in reader.pages[-1]["/Annots"] if a.get_object().get("/FT") == "/Sig"]
    assert [float(v) for v in widget["/Rect"]] == list(BOX)
    # The appearance: Vietnamese letters, the time in Vietnam's, day first.
    local = signed.signed_at.strftime("%d/%m/%Y %H:%M:%S")
    appearance = _appearance_text(widget)
    assert "Ký bởi: Nguyễn Văn An" in appearance
    assert TITLE in appearance
    assert f"Thời gian ký: {local} (GMT+7)" in appearance


def _appearance_text(widget) -> str:
    """The text drawn by the widget's appearance stream (pyHanko writes each line as /ActualText)."""
    stream = widget["/AP"]["/N"].get_object()
    data = stream.get_data()
    texts = []
    for part in data.split(b"/ActualText")[1:]:
        start = part.index(b"(") if b"(" in part[:5] else part.index(b"<")
        value = generic.read_object(io.BytesIO(part[start:]), None)
        texts.append(str(value))
    return "\n".join(texts)


def test_one_byte_changed_inside_the_signed_range_fails_validation(signed, ca):
    data = signed.data
    signature_range = PdfReader(io.BytesIO(data)).get_fields()["ChuKySo"]["/V"]["/ByteRange"]
    at = data.index(b"Producer")  # the original revision's document information, inside the first range
    assert at < signature_range[1]
    changed = data[:at] + b"Q" + data[at + 1 :]

    [check] = validate_pdf(changed, trust_roots=[ca]).signatures
    assert not check.intact
    assert not check.ok
    assert not validate_pdf(changed, trust_roots=[ca]).ok


def test_an_update_appended_after_signing_is_reported_as_a_change(signed, ca):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed.data))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)

    result = validate_pdf(out.getvalue(), trust_roots=[ca])
    [check] = result.signatures
    assert check.intact and check.valid and check.trusted  # the signed revision itself is untouched
    assert check.changed_after_signing
    assert check.modification_level == "OTHER"
    assert not check.ok and not result.ok


def test_a_certificate_outside_the_trust_roots_is_not_trusted(signed, tmp_path):
    other = ensure_demo_signing(tmp_path, password=PASSWORD)
    [check] = validate_pdf(signed.data, trust_roots=[x509.load_pem_x509_certificate(other.ca.read_bytes())]).signatures
    assert check.intact and check.valid
    assert not check.trusted and not check.ok


def test_an_unsigned_pdf_and_bytes_that_are_no_pdf(pdf, ca):
    result = validate_pdf(pdf, trust_roots=[ca])
    assert not result.signed and not result.ok
    with pytest.raises(UnreadablePdf, match="không phải là một tệp PDF"):
        validate_pdf(b"%PDF-1.7 nothing else", trust_roots=[ca])
    with pytest.raises(UnreadablePdf):
        validate_pdf(b"GIF89a", trust_roots=[ca])


def test_signing_an_existing_signature_field_by_settings_and_trust_roots_from_settings(configured, pdf):
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields.append_signature_field(writer, fields.SigFieldSpec("ChuKyChuTich", on_page=0, box=(60, 60, 280, 130)))
    out = io.BytesIO()
    writer.write(out)

    result = sign_pdf(out.getvalue(), placement=Placement(field="ChuKyChuTich"), title="CHỦ TỊCH")
    assert result.signer_name == PROVINCE_NAME  # the certificate's, when no name is given
    validation = validate_pdf(result.data)
    assert validation.ok
    assert [s.field for s in validation.signatures] == ["ChuKyChuTich"]

    with pytest.raises(SigningError, match="không có ô chữ ký “ChuKy2”"):
        sign_pdf(pdf, placement=Placement(field="ChuKy2"), title="CHỦ TỊCH")
    with pytest.raises(SigningError, match="không có trang 3"):
        sign_pdf(pdf, placement=Placement(page=2, box=BOX), title="CHỦ TỊCH")
    with pytest.raises(SigningError, match="đã có ô chữ ký “ChuKyChuTich”"):
        sign_pdf(out.getvalue(), placement=Placement(field="ChuKyChuTich", box=BOX), title="CHỦ TỊCH")


def test_without_a_signer_configured_the_error_says_what_to_set(configured, pdf):
    configured.SIGNING_PKCS12_PATH = ""
    with pytest.raises(SigningError, match=r"Chưa cấu hình chữ ký số.*SIGNING_PKCS12_PATH.*SIGNING_PKCS11_MODULE"):
        sign_pdf(pdf, placement=Placement(box=BOX), title=TITLE)


def test_a_missing_or_locked_pkcs12_file_is_a_clear_error(configured, demo, pdf, tmp_path):
    configured.SIGNING_PKCS12_PATH = str(tmp_path / "khong-co.p12")
    with pytest.raises(SigningError, match=r"Không tìm thấy tệp chứng thư số .*khong-co\.p12.*demo_signing"):
        sign_pdf(pdf, placement=Placement(box=BOX), title=TITLE)

    configured.SIGNING_PKCS12_PATH = str(demo.pkcs12)
    configured.SIGNING_PKCS12_PASSWORD = "sai"
    with pytest.raises(SigningError, match="sai mật khẩu"):
        sign_pdf(pdf, placement=Placement(box=BOX), title=TITLE)


def test_an_expired_certificate_does_not_sign(configured, demo, pdf, tmp_path):
    key, certificate, _chain = pkcs12.load_key_and_certificates(demo.pkcs12.read_bytes(), PASSWORD.encode())
    # A certificate of the same key that ran out yesterday (self-signed: the date is checked before the chain).
    now = datetime.datetime.now(datetime.UTC)
    expired = (
        x509.CertificateBuilder()
        .subject_name(certificate.subject)
        .issuer_name(certificate.subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=400))
        .not_valid_after(now - datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "het-han.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x", key, expired, None, serialization.BestAvailableEncryption(PASSWORD.encode())
        )
    )
    configured.SIGNING_PKCS12_PATH = str(path)
    with pytest.raises(SigningError, match=r"chỉ có hiệu lực từ .* đến .*gia hạn"):
        sign_pdf(pdf, placement=Placement(box=BOX), title=TITLE)


def test_the_demo_certificates_are_marked_and_made_once(demo, ca, settings, tmp_path):
    assert NOT_LEGAL in CA_NAME
    organisation = x509.oid.NameOID.ORGANIZATION_NAME
    assert [a.value for a in ca.subject.get_attributes_for_oid(organisation)] == [NOT_LEGAL]
    _key, province, _chain = pkcs12.load_key_and_certificates(demo.pkcs12.read_bytes(), PASSWORD.encode())
    assert [a.value for a in province.subject.get_attributes_for_oid(organisation)] == [NOT_LEGAL]
    assert "DEMO" in PROVINCE_NAME
    assert province.issuer == ca.subject

    settings.SIGNING_DIR = tmp_path / "signing"
    settings.DEMO_SIGNING_PASSWORD = PASSWORD
    out = io.StringIO()
    call_command("demo_signing", stdout=out)
    assert "Đã tạo chứng thư số demo" in out.getvalue()
    before = {p.name: p.read_bytes() for p in settings.SIGNING_DIR.iterdir()}
    assert set(before) == {"demo-ca.pem", "demo-province.p12", "demo-province.pem"}
    out = io.StringIO()
    call_command("demo_signing", stdout=out)
    assert "đã có và còn hạn" in out.getvalue()
    assert {p.name: p.read_bytes() for p in settings.SIGNING_DIR.iterdir()} == before


# --- PKCS#11, through SoftHSM (Debian's softhsm2) ---------------------------------------------------------------

SOFTHSM_MODULES = ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"]
SOFTHSM_MODULE = next((m for m in SOFTHSM_MODULES if Path(m).is_file()), None)


@pytest.fixture
def softhsm_token(tmp_path, monkeypatch, demo):
    """A SoftHSM token in a temporary folder holding the demo province's key and certificate."""
    if SOFTHSM_MODULE is None or shutil.which("softhsm2-util") is None:
        pytest.skip("SoftHSM is not installed (apt-get install softhsm2): the PKCS#11 signer is not tested")
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass
    from pkcs11.util.rsa import decode_rsa_private_key

    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "tinh-demo", "--so-pin", "87654321", "--pin", "123456"],
        check=True,
        capture_output=True,
        env={**os.environ, "SOFTHSM2_CONF": str(conf)},
    )
    key, certificate, _chain = pkcs12.load_key_and_certificates(demo.pkcs12.read_bytes(), PASSWORD.encode())
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    from asn1crypto.keys import PrivateKeyInfo

    rsa_der = PrivateKeyInfo.load(key_der)["private_key"].parsed.dump()
    lib = pkcs11.lib(SOFTHSM_MODULE)
    lib.reinitialize()  # SoftHSM reads SOFTHSM2_CONF when initialised
    token = lib.get_token(token_label="tinh-demo")
    with token.open(rw=True, user_pin="123456") as session:
        session.create_object(
            decode_rsa_private_key(rsa_der)
            | {Attribute.TOKEN: True, Attribute.LABEL: "chu-ky-tinh", Attribute.ID: b"\x01", Attribute.SIGN: True}
        )
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: "chu-ky-tinh",
                Attribute.ID: b"\x01",
                Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
                Attribute.SUBJECT: certificate.subject.public_bytes(),
            }
        )
    return SOFTHSM_MODULE


def test_signing_through_a_pkcs11_token(configured, softhsm_token, pdf):
    configured.SIGNING_PKCS11_MODULE = softhsm_token
    configured.SIGNING_PKCS11_TOKEN_LABEL = "tinh-demo"
    configured.SIGNING_PKCS11_PIN = "123456"
    configured.SIGNING_PKCS11_KEY_LABEL = "chu-ky-tinh"
    configured.SIGNING_PKCS12_PATH = ""  # the token is used, not a file

    result = sign_pdf(pdf, placement=Placement(box=BOX), title=TITLE)
    assert result.signer_name == PROVINCE_NAME
    assert validate_pdf(result.data).ok

    configured.SIGNING_PKCS11_PIN = "000000"
    with pytest.raises(SigningError, match="từ chối mã PIN"):
        sign_pdf(pdf, placement=Placement(box=BOX), title=TITLE)
    configured.SIGNING_PKCS11_PIN = "123456"
    configured.SIGNING_PKCS11_TOKEN_LABEL = "token-khac"
    with pytest.raises(SigningError, match="Không tìm thấy token ký số “token-khac”"):
        sign_pdf(pdf, placement=Placement(box=BOX), title=TITLE)
    configured.SIGNING_PKCS11_TOKEN_LABEL = "tinh-demo"
    configured.SIGNING_PKCS11_KEY_LABEL = "khoa-khac"
    with pytest.raises(SigningError, match="Không tìm thấy khoá và chứng thư “khoa-khac”"):
        sign_pdf(pdf, placement=Placement(box=BOX), title=TITLE)
    configured.SIGNING_PKCS11_MODULE = "/khong/co/libpkcs11.so"
    with pytest.raises(SigningError, match="Không tìm thấy thư viện PKCS#11"):
        sign_pdf(pdf, placement=Placement(box=BOX), title=TITLE)
