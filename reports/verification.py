"""The public verification of issued documents (xác minh văn bản): what `/xac-minh/<token>/` shows and checks.

Anyone holding a printed or electronic copy reaches the page by its QR code (the token) or by typing the short code
printed under it. The page says only what the document itself says in public (`public_document`), and its status:
in force, superseded or revoked, for a decision also revoked for one of its wards. A document that is not issued
yet (not signed and stored) is not known here: its token answers as an unknown one does.

An uploaded PDF is checked against the issued file (`check_upload`): the same bytes (SHA-256), and the signatures
as pyHanko's validator sees them (reports/signing.py). Nothing of it is stored.

The pages are open to everyone, so each client address has a budget per minute (`rate_limit`), kept in Django's
cache as fixed-window counters. A cache that fails (Redis down or hung) lets the request through and logs a
warning: the page is a public service, and an outage of the cache must not become an outage of the page.
"""

import datetime
import hashlib
import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from modelphuong.client_ip import client_ip
from reports.signing import SignatureCheck, UnreadablePdf, validate_pdf
from wards.models import Decision
from wards.models.issued import IssuedDocument, normalize_code

logger = logging.getLogger(__name__)

# new_token() writes URL-safe base64; anything else is not a token (and a NUL byte would not even reach the query).
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


# --- Looking a document up --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replacement:
    """The document that supersedes another, as far as it is issued."""

    number: str
    decided_on: datetime.date
    token: str


@dataclass(frozen=True)
class WardRevocation:
    """A decision revoked for one of its wards (its assessment reopened), the decision still in force for the rest."""

    ward: str
    revoked_at: datetime.datetime
    reason: str
    replacement: Replacement | None = None  # the ward's later decision, once issued


@dataclass(frozen=True)
class PublicDocument:
    """What the verification page may show of an issued document: what the document says in public and its
    status. No internal ids, no figures, nobody but the signer."""

    token: str
    kind: str
    kind_label: str
    outcome_label: str
    issuer: str
    wards: list[str]
    year: int
    number: str
    decided_on: datetime.date
    sha256: str
    signer_name: str
    signer_title: str
    certificate_name: str
    signed_at: datetime.datetime | None
    state: str
    state_label: str
    replacement: Replacement | None = None  # superseded: the replacing document, once issued
    revoked_at: datetime.datetime | None = None
    revoke_reason: str = ""
    ward_revocations: list[WardRevocation] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.state == IssuedDocument.State.VALID

    @property
    def superseded(self) -> bool:
        return self.state == IssuedDocument.State.SUPERSEDED

    @property
    def revoked(self) -> bool:
        return self.state == IssuedDocument.State.REVOKED


def issued_document(token: str) -> IssuedDocument | None:
    """The issued document of a verification token (one query), or None: unknown, malformed or not issued yet
    are one and the same answer."""
    if not TOKEN.fullmatch(token or ""):
        return None
    return (
        IssuedDocument.objects.issued()
        .select_related("province", "assessment__ward", "superseded_by")
        .filter(token=token)
        .first()
    )


def token_for_code(text: str) -> str | None:
    """The verification token of the issued document a short code (as typed: see normalize_code) names, or None."""
    code = normalize_code(text)
    if not code:
        return None
    return IssuedDocument.objects.issued().filter(code=code).values_list("token", flat=True).first()


def public_document(document: IssuedDocument) -> PublicDocument:
    """The public view of an issued document (from issued_document): a decision's wards take one more query."""
    revocations = []
    if document.kind == IssuedDocument.Kind.DECISION:
        decisions = sorted(
            Decision.objects.filter(document=document).select_related("assessment__ward"),
            key=lambda d: (d.assessment.ward.name, d.round),
        )
        wards = list(dict.fromkeys(str(d.assessment.ward) for d in decisions))
        revoked = [d for d in decisions if d.revoked_at]
        # A revoked ward decided again since: its decision in force, where that one is issued (one more query).
        later = {}
        if revoked:
            for d in (
                Decision.objects.in_force()
                .filter(assessment__in=[r.assessment_id for r in revoked], document__isnull=False)
                .exclude(document__sha256="")
                .exclude(document=document)
                .select_related("document")
            ):
                later[d.assessment_id] = Replacement(
                    number=d.document.number, decided_on=d.document.decided_on, token=d.document.token
                )
        revocations = [
            WardRevocation(
                ward=str(d.assessment.ward),
                revoked_at=d.revoked_at,
                reason=d.revoke_reason,
                replacement=later.get(d.assessment_id),
            )
            for d in revoked
        ]
        all_revoked = bool(decisions) and all(d.revoked_at for d in decisions)
    else:
        wards = [str(document.assessment.ward)]
        all_revoked = False
    state = document.state
    revoked_at = document.revoked_at
    if all_revoked and state != IssuedDocument.State.REVOKED:
        # Revoked for every ward it names, the decision is revoked, whether or not the document row says so yet:
        # each ward's line gives its reason.
        state, revoked_at = IssuedDocument.State.REVOKED, max(r.revoked_at for r in revocations)
    replacement = None
    successor = document.superseded_by
    # A revoked document replaced by a new approval's shows its replacement too.
    if successor is not None and successor.issued:
        replacement = Replacement(number=successor.number, decided_on=successor.decided_on, token=successor.token)
    return PublicDocument(
        token=document.token,
        kind=document.kind,
        kind_label=str(document.get_kind_display()),
        outcome_label=str(document.get_outcome_display()),
        issuer=str(_("Công an %(province)s") % {"province": document.province.name}),
        wards=wards,
        year=document.year,
        number=document.number,
        decided_on=document.decided_on,
        sha256=document.sha256,
        signer_name=document.signer_name,
        signer_title=document.signer_title,
        certificate_name=document.certificate_name,
        signed_at=document.signed_at,
        state=state,
        state_label=str(IssuedDocument.State(state).label),
        replacement=replacement,
        revoked_at=revoked_at,
        revoke_reason=document.revoke_reason,
        # Revoked as a whole, the document's own date and reason say it all.
        ward_revocations=[] if document.revoked_at else revocations,
    )


# --- Checking an uploaded file ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: str
    message: str
    explanation: str
    tone: str  # Bootstrap's: success, warning, danger


SAME = Outcome(
    "same",
    _("Đúng tệp đã phát hành, chữ ký số hợp lệ"),
    _("Tệp trùng khớp từng byte với tệp đã ký số và phát hành (cùng mã SHA-256)."),
    "success",
)
OTHER = Outcome(
    "other",
    _("Tệp có chữ ký số hợp lệ nhưng không phải văn bản này"),
    _("Chữ ký số còn nguyên vẹn, nhưng nội dung tệp khác với văn bản tra cứu tại trang này."),
    "warning",
)
UNTRUSTED = Outcome(
    "untrusted",
    _("Chữ ký số không thuộc chứng thư số được công nhận"),
    _(
        "Tệp được ký bằng một chứng thư số không do tổ chức được tin cậy cấp: đây không phải văn bản do cơ quan ban hành ký."
    ),
    "danger",
)
CHANGED = Outcome(
    "changed",
    _("Tệp đã bị thay đổi sau khi ký"),
    _("Có nội dung được thêm vào tệp sau chữ ký số: tệp không còn như khi được ký."),
    "danger",
)
BROKEN = Outcome(
    "broken",
    _("Chữ ký số không hợp lệ (tệp bị sửa)"),
    _("Nội dung được ký đã bị sửa: chữ ký số không còn khớp với tệp."),
    "danger",
)
UNSIGNED = Outcome("unsigned", _("Tệp không có chữ ký số"), _("Tệp PDF này không mang chữ ký số nào."), "danger")
UNREADABLE = Outcome(
    "unreadable", _("Không đọc được tệp PDF"), _("Tệp bị hỏng hoặc không đúng định dạng PDF."), "danger"
)


@dataclass(frozen=True)
class UploadCheck:
    outcome: Outcome
    sha256: str
    signatures: list[SignatureCheck]


def check_upload(document: PublicDocument | IssuedDocument, data: bytes) -> UploadCheck:
    """What an uploaded PDF is with respect to the issued document: the same file, another signed file, a file
    changed or broken after signing, unsigned or unreadable. Reads the bytes given; stores nothing."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        validation = validate_pdf(data)
    except UnreadablePdf:
        return UploadCheck(UNREADABLE, digest, [])
    signatures = validation.signatures
    if not signatures:
        outcome = UNSIGNED
    elif not all(s.intact and s.valid for s in signatures):
        outcome = BROKEN
    elif any(s.changed_after_signing for s in signatures):
        outcome = CHANGED
    elif digest == document.sha256:
        outcome = SAME
    elif not all(s.trusted and s.acceptable for s in signatures):
        outcome = UNTRUSTED
    else:
        outcome = OTHER
    return UploadCheck(outcome, digest, signatures)


def looks_like_pdf(data: bytes) -> bool:
    """A PDF by its first bytes (readers accept the header a little way into the file, as pyHanko does)."""
    return b"%PDF-" in data[:1024]


# --- Rate limit -------------------------------------------------------------------------------------------------

PAGES = "pages"  # every request to the verification pages, GET or POST
UPLOADS = "uploads"  # the files sent to be checked


def _limit(bucket: str) -> int:
    return {PAGES: settings.VERIFY_PAGES_PER_MINUTE, UPLOADS: settings.VERIFY_UPLOADS_PER_MINUTE}[bucket]


def _client_network(address: str) -> str:
    """Whom a request is counted for: its IPv4 address, or the /64 of an IPv6 one (one subscriber's network: any
    of its addresses is theirs to use)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def rate_limit(request, *buckets: str) -> int | None:
    """Count the request in each bucket for its client address (modelphuong.client_ip: X-Forwarded-For only as far
    as TRUSTED_PROXIES wrote it); the seconds until the window ends when one is over its limit, else None.

    Fixed windows of a minute, one counter per bucket, address and window (cache.add then cache.incr, both atomic
    in Redis). A cache that raises (Redis refused or timed out: CACHES sets short socket timeouts) lets the
    request through, logged as a warning."""
    window = 60
    now = time.time()
    start = int(now // window) * window
    address = _client_network(client_ip(request) or "-")
    over = False
    try:
        for bucket in buckets:
            key = f"xac-minh:{bucket}:{address}:{start}"
            cache.add(key, 0, timeout=window + 5)
            try:
                count = cache.incr(key)
            except ValueError:  # expired or evicted between add and incr
                cache.set(key, 1, timeout=window + 5)
                count = 1
            over = over or count > _limit(bucket)
    except Exception as error:  # any failure of the cache backend: Redis's errors are not Django's
        logger.warning("Verification pages: rate limit not applied, the cache failed: %r", error)
        return None
    if not over:
        return None
    return max(1, math.ceil(start + window - now))
