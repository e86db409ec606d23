"""The audit trail (nhật ký thay đổi): who changed what, when, from what to what."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wards.models.assessment import Assessment


class AuditEvent(models.Model):  # Nhật ký thay đổi
    """One change to an assessment: who, when, what, old → new. Written only by services; never edited."""

    class Action(models.TextChoices):
        VALUE = "value", _("Sửa số liệu")
        NARRATIVE = "narrative", _("Sửa kết quả thực hiện")
        FILE_ADDED = "file_added", _("Thêm minh chứng")
        FILE_DELETED = "file_deleted", _("Xoá minh chứng")
        STATUS = "status", _("Đổi trạng thái")
        VERDICT = "verdict", _("Kết luận tiêu chí")
        DECISION = "decision", _("Quyết định")
        OPENED = "opened", _("Mở đợt đánh giá")
        DEADLINE = "deadline", _("Đổi hạn nộp")
        EXTENSION = "extension", _("Gia hạn nộp")
        DOCUMENT_ISSUED = "doc_issued", _("Phát hành văn bản")
        DOCUMENT_SIGNED = "doc_signed", _("Ký số văn bản")
        DOCUMENT_SUPERSEDED = "doc_superseded", _("Thay thế văn bản")
        DOCUMENT_REVOKED = "doc_revoked", _("Thu hồi văn bản")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="audit_events", verbose_name=_("hồ sơ đánh giá")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người thực hiện")
    )
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    round = models.PositiveSmallIntegerField(_("vòng thẩm định"))
    action = models.CharField(_("thao tác"), max_length=20, choices=Action.choices)
    target = models.CharField(_("đối tượng"), max_length=200, help_text=_("Ví dụ: chỉ tiêu 13.2 — số lượng năm nay"))
    old = models.TextField(_("giá trị cũ"), blank=True)
    new = models.TextField(_("giá trị mới"), blank=True)

    class Meta:
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = _("nhật ký thay đổi")
        ordering = ["at", "pk"]
        indexes = [
            # The history shown on an assessment, newest first.
            models.Index(fields=["assessment", "at"], name="audit_assessment_at"),
        ]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor}: {self.target} {self.old} → {self.new}"
