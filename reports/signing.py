"""Digital signatures (ký số) of the documents the province issues: PAdES signing with pyHanko, and validation.

`sign_pdf` signs PDF bytes by the province's certificate, with a visible signature (the signer's name, title and
the signing time) in a box the caller gives (a page and a rectangle) or in a signature field the PDF already has,
and returns the signed bytes with their SHA-256. `validate_pdf` says of PDF bytes whether each signature is intact
and valid, chains to the trust roots, who signed and when, and whether the file was changed after signing.

The signer comes from settings (`open_signer`): a PKCS#11 token when `SIGNING_PKCS11_MODULE` is set (the USB tokens
of Vietnamese signers), else the PKCS#12 file `SIGNING_PKCS12_PATH` (locally the demo certificate that
`manage.py demo_signing` creates in var/signing/). Missing configuration, a missing file or token, a wrong password
or PIN are `SigningError`s with a Vietnamese message for whoever asked to sign.

There is no timestamp authority: a signature's time is the one the signer reports, and certificates are checked
as of the validation, without fetching revocation lists.
"""

import contextlib
import datetime
import hashlib
import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pkcs11
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from django.conf import settings
from django.utils.translation import gettext as _
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)

FONT = Path(__file__).resolve().parent / "fonts" / "Tinos-Regular.ttf"
LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
FIELD_NAME = "ChuKySo"


class SigningError(Exception):
    """Signing cannot be done as configured; the message (Vietnamese) says why and what to set."""


class UnreadablePdf(SigningError):
    """The bytes given to validate are not a PDF that can be read."""


@dataclass(frozen=True)
class Placement:
    """Where the visible signature goes: an existing signature field of the PDF (by name), or a new one in a box
    on a page (0 the first, -1 the last) given as (left, bottom, right, top) in PDF points from the lower left."""

    field: str = FIELD_NAME
    page: int = 0
    box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class SignedPdf:
    data: bytes
    sha256: str
    signer_name: str
    signed_at: datetime.datetime
    certificate_name: str = ""  # the signing certificate's common name (the province's, not the person's)


@dataclass(frozen=True)
class SignatureCheck:
    """What the validator says of one signature of a file."""

    field: str
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the signature over them is the certificate's
    trusted: bool  # the certificate chains to a trust root, valid now
    signer_name: str
    signer_subject: str
    signed_at: datetime.datetime | None
    changed_after_signing: bool  # bytes were appended after this signature (an incremental update)
    modification_level: str | None  # pyHanko's judgement of those changes (NONE, LTA_UPDATES, FORM_FILLING, OTHER)
    acceptable: bool  # pyHanko's bottom line: everything above holds and any later change is allowed

    @property
    def ok(self) -> bool:
        """Intact, valid, trusted and nothing changed after it."""
        return self.acceptable and self.intact and self.valid and self.trusted and not self.changed_after_signing


@dataclass(frozen=True)
class Validation:
    signatures: list[SignatureCheck]

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def ok(self) -> bool:
        """Signed, and every signature intact, valid, trusted, with nothing changed after the last one."""
        return self.signed and all(s.ok for s in self.signatures)


# --- The visible signature ------------------------------------------------------------------------------------


# Latin, Vietnamese (precomposed and combining) and the punctuation of the appearance.
_APPEARANCE_CHARACTERS = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "".join(chr(c) for c in range(0xC0, 0x1B1))  # to Ơ ơ Ư ư
    + "".join(chr(c) for c in range(0x1EA0, 0x1F00))
    + "\u0300\u0301\u0303\u0309\u0323–—“”‘’…·"
)


@cache
def _appearance_font() -> bytes:
    """Tinos, cut to the letters of the appearance and scaled to 1000 units per em: pyHanko writes a TrueType
    font's glyph widths in its own units where PDF expects thousandths of an em (Tinos has 2048)."""
    font = TTFont(FONT)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=_APPEARANCE_CHARACTERS)
    subsetter.subset(font)
    scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class _AppearanceFont(GlyphAccumulatorFactory):
    font_file: str = str(FONT)

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(_appearance_font()),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )


@dataclass(frozen=True)
class _AppearanceStyle(TextStampStyle):
    """pyHanko's text stamp, with the signing time in Vietnam's time and day-first, as on the document."""

    timestamp_format: str = "%Y-%m-%dT%H:%M:%S%z"

    def create_stamp(self, writer, box, text_params):
        signed_at = datetime.datetime.strptime(text_params["ts"], self.timestamp_format)
        text_params = {**text_params, "ts": signed_at.astimezone(LOCAL_TIME).strftime("%d/%m/%Y %H:%M:%S (GMT+7)")}
        return super().create_stamp(writer, box, text_params)


def _appearance(font_size: int) -> _AppearanceStyle:
    # The official document's words: Vietnamese whatever the reader's language.
    return _AppearanceStyle(
        stamp_text="Ký bởi: %(signer)s\n%(title)s\nThời gian ký: %(ts)s",
        text_box_style=TextBoxStyle(
            font=_AppearanceFont(font_size=font_size), font_size=font_size, leading=font_size + 3
        ),
        border_width=1,
        background=None,
    )


# --- Signers from settings ------------------------------------------------------------------------------------


def pkcs12_signer(path: str, password: str) -> signers.SimpleSigner:
    """The signer of a PKCS#12 file: its key, its certificate and the chain it holds."""
    file = Path(path)
    if not file.is_file():
        raise SigningError(
            _(
                "Không tìm thấy tệp chứng thư số %(path)s (SIGNING_PKCS12_PATH). Khi chạy thử, lệnh "
                "“manage.py demo_signing” tạo chứng thư demo."
            )
            % {"path": path}
        )
    data = file.read_bytes()
    try:
        key, certificate, _others = pkcs12.load_key_and_certificates(data, password.encode() or None)
    except ValueError:
        raise SigningError(
            _(
                "Không mở được tệp chứng thư số %(path)s: sai mật khẩu (SIGNING_PKCS12_PASSWORD) hoặc tệp không "
                "phải PKCS#12."
            )
            % {"path": path}
        ) from None
    if key is None or certificate is None:
        raise SigningError(_("Tệp chứng thư số %(path)s không có khoá bí mật và chứng thư ký.") % {"path": path})
    _check_validity(certificate)
    return signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=password.encode() or None)


def _check_validity(certificate: x509.Certificate) -> None:
    now = datetime.datetime.now(datetime.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SigningError(
            _("Chứng thư số của tỉnh chỉ có hiệu lực từ %(start)s đến %(end)s: hãy gia hạn hoặc thay chứng thư.")
            % {
                "start": certificate.not_valid_before_utc.astimezone(LOCAL_TIME).strftime("%d/%m/%Y"),
                "end": certificate.not_valid_after_utc.astimezone(LOCAL_TIME).strftime("%d/%m/%Y"),
            }
        )


@contextlib.contextmanager
def _pkcs11_signer() -> Iterator[signers.Signer]:
    from pyhanko.config.pkcs11 import PKCS11SignatureConfig, TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11SigningContext

    module = settings.SIGNING_PKCS11_MODULE
    token_label = settings.SIGNING_PKCS11_TOKEN_LABEL
    key_label = settings.SIGNING_PKCS11_KEY_LABEL
    if not Path(module).is_file():
        raise SigningError(
            _("Không tìm thấy thư viện PKCS#11 %(module)s (SIGNING_PKCS11_MODULE).") % {"module": module}
        )
    if not key_label:
        raise SigningError(_("Chưa đặt nhãn khoá ký trên token (SIGNING_PKCS11_KEY_LABEL)."))
    config = PKCS11SignatureConfig(
        module_path=module,
        token_criteria=TokenCriteria(label=token_label) if token_label else None,
        key_label=key_label,
        cert_label=key_label,
        user_pin=settings.SIGNING_PKCS11_PIN or None,
    )
    context = PKCS11SigningContext(config)
    try:
        signer = context.__enter__()  # opens the session and logs in
    except PyHankoSigningError as error:
        cause = error.__cause__
        if isinstance(cause, pkcs11.PinIncorrect | pkcs11.PinLenRange):
            message = _("Token ký số từ chối mã PIN (SIGNING_PKCS11_PIN).")
        elif isinstance(cause, pkcs11.PinLocked):
            message = _("Token ký số đã khoá mã PIN: hãy mở khoá token.")
        elif token_label:
            message = _(
                "Không tìm thấy token ký số “%(label)s” (SIGNING_PKCS11_TOKEN_LABEL): hãy cắm token và kiểm tra nhãn."
            ) % {"label": token_label}
        else:
            message = _("Không mở được token ký số: hãy cắm token, hoặc đặt SIGNING_PKCS11_TOKEN_LABEL.")
        logger.warning("PKCS#11: %s", error)
        raise SigningError(message) from error
    try:
        try:
            certificate = signer.signing_cert
        except (pkcs11.PKCS11Error, PyHankoSigningError):
            raise SigningError(
                _("Không tìm thấy khoá và chứng thư “%(label)s” trên token ký số (SIGNING_PKCS11_KEY_LABEL).")
                % {"label": key_label}
            ) from None
        _check_validity(x509.load_der_x509_certificate(certificate.dump()))
        yield signer
    finally:
        context.__exit__(None, None, None)


@contextlib.contextmanager
def open_signer() -> Iterator[signers.Signer]:
    """The province's signer as settings configure it: the PKCS#11 token if SIGNING_PKCS11_MODULE is set (its
    session is open inside the block), else the PKCS#12 file SIGNING_PKCS12_PATH."""
    if settings.SIGNING_PKCS11_MODULE:
        with _pkcs11_signer() as signer:
            yield signer
    elif settings.SIGNING_PKCS12_PATH:
        yield pkcs12_signer(settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD)
    else:
        raise SigningError(
            _(
                "Chưa cấu hình chữ ký số của tỉnh: hãy đặt SIGNING_PKCS12_PATH (tệp chứng thư PKCS#12) hoặc "
                "SIGNING_PKCS11_MODULE (token ký số PKCS#11)."
            )
        )


def _common_name(certificate: asn1_x509.Certificate) -> str:
    return certificate.subject.native.get("common_name") or certificate.subject.human_friendly


# --- Signing --------------------------------------------------------------------------------------------------


def _reader(data: bytes) -> PdfFileReader:
    try:
        return PdfFileReader(io.BytesIO(data), strict=False)
    except Exception:  # whatever a crafted file makes the parser raise: not a PDF it can read
        raise UnreadablePdf(_("Tệp này không phải là một tệp PDF đọc được.")) from None


def sign_pdf(
    data: bytes,
    *,
    placement: Placement,
    title: str,
    signer_name: str = "",
    reason: str = "",
    location: str = "",
    signer: signers.Signer | None = None,
    font_size: int = 8,
) -> SignedPdf:
    """Sign the PDF (PAdES baseline B, SHA-256) by `signer` (by default the province's, from settings), the
    visible signature showing `signer_name` (by default the certificate's common name), `title` and the time.

    Signing an existing field needs its name in `placement` and no box; a box makes a new field of that name."""
    if signer is None:
        with open_signer() as configured:
            return sign_pdf(
                data,
                placement=placement,
                title=title,
                signer_name=signer_name,
                reason=reason,
                location=location,
                signer=configured,
                font_size=font_size,
            )
    reader = _reader(data)
    existing = {name: field for name, field, _ref in fields.enumerate_sig_fields(reader)}
    if placement.box is None and placement.field not in existing:
        raise SigningError(_("Tệp PDF không có ô chữ ký “%(field)s” để ký vào.") % {"field": placement.field})
    if placement.box is not None and placement.field in existing:
        raise SigningError(_("Tệp PDF đã có ô chữ ký “%(field)s”.") % {"field": placement.field})
    pages = page_count(data)
    if placement.box is not None and not -pages <= placement.page < pages:
        raise SigningError(_("Tệp PDF không có trang %(page)s.") % {"page": placement.page + 1})
    name = signer_name or _common_name(signer.signing_cert)
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=placement.field,
            name=name,
            reason=reason or None,
            location=location or None,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        ),
        signer=signer,
        stamp_style=_appearance(font_size),
        new_field_spec=(
            fields.SigFieldSpec(placement.field, on_page=placement.page, box=placement.box)
            if placement.box is not None
            else None
        ),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    try:
        signed = pdf_signer.sign_pdf(writer, appearance_text_params={"title": title}).getvalue()
    except (PyHankoSigningError, pkcs11.PKCS11Error) as error:  # a token unplugged while signing, among others
        logger.warning("Signing failed: %s", error)
        raise SigningError(_("Không ký được tệp PDF: %(error)s") % {"error": error}) from error
    signed_at = _reader(signed).embedded_signatures[-1].self_reported_timestamp
    return SignedPdf(
        data=signed,
        sha256=hashlib.sha256(signed).hexdigest(),
        signer_name=name,
        signed_at=signed_at.astimezone(LOCAL_TIME) if signed_at else None,
        certificate_name=_common_name(signer.signing_cert),
    )


def page_count(data: bytes) -> int:
    """How many pages a PDF has."""
    return int(_reader(data).root["/Pages"]["/Count"])


# --- Validation -----------------------------------------------------------------------------------------------


def _as_asn1(certificate) -> asn1_x509.Certificate:
    if isinstance(certificate, asn1_x509.Certificate):
        return certificate
    if isinstance(certificate, x509.Certificate):
        return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))
    raise TypeError(f"not a certificate: {certificate!r}")


def trust_roots_from_settings() -> list[asn1_x509.Certificate]:
    """The certificates of SIGNING_TRUST_ROOTS (PEM or DER files, each with one or more), those that exist."""
    roots = []
    for path in settings.SIGNING_TRUST_ROOTS:
        file = Path(path)
        if file.is_file():
            roots.extend(load_certs_from_pemder_data(file.read_bytes()))
        else:
            logger.warning("SIGNING_TRUST_ROOTS: %s does not exist", path)
    return roots


def validate_pdf(data: bytes, trust_roots: Iterable | None = None) -> Validation:
    """Check every signature of the PDF against the trust roots (cryptography or asn1crypto certificates; by
    default those of SIGNING_TRUST_ROOTS). Raises UnreadablePdf for bytes that are not a readable PDF."""
    roots = [_as_asn1(c) for c in (trust_roots_from_settings() if trust_roots is None else trust_roots)]
    reader = _reader(data)
    try:
        embedded = reader.embedded_signatures
    except Exception:  # a crafted file trips pyHanko in many ways (AttributeError on a /V that is no dictionary…)
        logger.info("Unreadable signatures in an uploaded PDF", exc_info=True)
        raise UnreadablePdf(_("Tệp này không phải là một tệp PDF đọc được.")) from None
    checks = []
    for signature in embedded:
        context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
        try:
            status = validate_pdf_signature(signature, context)
        except Exception as error:  # a crafted signature: SignatureValidationError (a ValueError), and any other
            logger.info("A signature could not be read: %r", error)
            checks.append(_unreadable_signature(signature))
            continue
        level = status.modification_level
        checks.append(
            SignatureCheck(
                field=signature.field_name,
                intact=status.intact,
                valid=status.valid,
                trusted=status.trusted,
                signer_name=_common_name(status.signing_cert),
                signer_subject=status.signing_cert.subject.human_friendly,
                signed_at=status.signer_reported_dt.astimezone(LOCAL_TIME) if status.signer_reported_dt else None,
                changed_after_signing=status.coverage != SignatureCoverageLevel.ENTIRE_FILE,
                modification_level=level.name if level is not None else None,
                acceptable=status.bottom_line,
            )
        )
    return Validation(signatures=checks)


def _unreadable_signature(signature) -> SignatureCheck:
    return SignatureCheck(
        field=signature.field_name,
        intact=False,
        valid=False,
        trusted=False,
        signer_name="",
        signer_subject="",
        signed_at=None,
        changed_after_signing=True,
        modification_level=None,
        acceptable=False,
    )
