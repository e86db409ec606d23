"""What the province issues and signs: the certification decision as a document, and the approved dossier.

An issued document (văn bản phát hành) is made at approval: one decision for one or several wards of a province
and year (each ward's Decision row points at it), and one signed dossier per ward. A worker renders it, signs it
with the province's certificate (PAdES) and stores the signed file with its SHA-256; only then is it issued and
answers on the public verification page `/xac-minh/<token>/` (its QR code) or by its short code. Reopening an
assessment revokes its dossier and, for that ward, the decision; approving it again supersedes them.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wards.models.assessment import Assessment
from wards.models.places import Province

# Crockford's base32 without the letters that read like digits (I, L, O, U): a code read aloud or typed from paper.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits: with the verification page's rate limit, nobody finds a document by trying codes


def new_token() -> str:
    """The unguessable part of the verification address (192 bits)."""
    return secrets.token_urlsafe(24)


def new_code() -> str:
    """The short code printed under the QR code, e.g. 7KQ2M-X9D4T."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalize_code(text: str) -> str:
    """A code as typed (lower case, spaces, O for 0, I or L for 1, no dash) in its printed form."""
    cleaned = (text or "").upper().translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    raw = "".join(c for c in cleaned if c in CODE_ALPHABET)
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == CODE_LENGTH else ""


class IssuedDocumentQuerySet(models.QuerySet):
    def issued(self):
        """Signed and stored: the documents the verification page knows."""
        return self.exclude(sha256="")


class IssuedDocument(models.Model):  # Văn bản phát hành (ký số)
    class Kind(models.TextChoices):
        DECISION = "decision", _("Quyết định")
        DOSSIER = "dossier", _("Hồ sơ đề nghị công nhận đã phê duyệt")

    class Outcome(models.TextChoices):  # the same values as Decision.Outcome
        CERTIFIED = "certified", _("Công nhận đạt chuẩn")
        NOT_CERTIFIED = "not_certified", _("Chưa đạt chuẩn")

    class State(models.TextChoices):
        VALID = "valid", _("Còn hiệu lực")
        SUPERSEDED = "superseded", _("Đã được thay thế")
        REVOKED = "revoked", _("Đã thu hồi")

    kind = models.CharField(_("loại văn bản"), max_length=20, choices=Kind.choices)
    outcome = models.CharField(_("kết quả"), max_length=20, choices=Outcome.choices)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="issued_documents", verbose_name=_("cơ quan ban hành (tỉnh)")
    )
    year = models.PositiveSmallIntegerField(_("năm đánh giá"))
    # The dossier's ward-year; a decision names its wards through its Decision rows (decisions).
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_documents",
        verbose_name=_("hồ sơ đánh giá"),
    )
    number = models.CharField(_("số quyết định"), max_length=50)
    decided_on = models.DateField(_("ngày quyết định"))
    signer_name = models.CharField(_("người ký"), max_length=150)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=150)
    token = models.CharField(_("mã xác minh"), max_length=64, unique=True, default=new_token, editable=False)
    code = models.CharField(_("mã tra cứu"), max_length=16, unique=True, default=new_code, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người phát hành")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    # Set by the worker once the file is signed and stored: until then the document is not issued.
    sha256 = models.CharField(_("SHA-256 của tệp đã ký"), max_length=64, blank=True)
    signed_at = models.DateTimeField(_("ký lúc"), null=True, blank=True)
    certificate_name = models.CharField(_("chứng thư ký"), max_length=300, blank=True)
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("được thay thế bởi"),
    )
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người thu hồi"),
    )
    revoke_reason = models.TextField(_("lý do thu hồi"), blank=True)

    objects = IssuedDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("văn bản phát hành")
        verbose_name_plural = _("văn bản phát hành")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="decision", assessment__isnull=True) | Q(kind="dossier", assessment__isnull=False),
                name="issued_target_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(kind="dossier", revoked_at__isnull=True, superseded_by__isnull=True),
                name="issued_one_dossier_in_force",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number} ({self.code})"

    @property
    def issued(self) -> bool:
        return bool(self.sha256)

    @property
    def state(self) -> str:
        if self.revoked_at:
            return self.State.REVOKED
        if self.superseded_by_id:
            return self.State.SUPERSEDED
        return self.State.VALID

    def get_state_display(self) -> str:
        return str(self.State(self.state).label)
