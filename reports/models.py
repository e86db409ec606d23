"""Rendered documents: a job per requested PDF, keyed on a hash of the data it shows."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wards.models import Assessment, IssuedDocument, Province


class BulkRender(models.Model):  # Xuất hàng loạt hồ sơ của một tỉnh-năm
    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="bulk_renders", verbose_name=_("tỉnh/thành phố")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người yêu cầu")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    # How many dossiers the export has: counted by the request, set again by the fan-out task when it makes the
    # jobs (an assessment may have appeared in between). The progress page shows "n / total" from the start.
    total = models.PositiveIntegerField(_("số hồ sơ"), default=0)
    # None until the broker accepted the fan-out task: the periodic sweep sends what the broker refused or lost.
    sent_at = models.DateTimeField(_("gửi cho Celery lúc"), null=True, blank=True)
    # When the fan-out task made a job per dossier; until then the export is not finished whatever its jobs.
    fanned_out_at = models.DateTimeField(_("đã tạo yêu cầu từng hồ sơ lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("xuất hồ sơ hàng loạt")
        verbose_name_plural = _("xuất hồ sơ hàng loạt")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.province} {self.year} ({self.created_at:%d/%m/%Y %H:%M})"


def report_path(instance, filename):
    return f"reports/{instance.kind}/{instance.content_hash[:2]}/{instance.content_hash}.pdf"


class RenderJob(models.Model):  # Yêu cầu xuất PDF
    class Kind(models.TextChoices):
        DOSSIER = "dossier", _("Hồ sơ đề nghị công nhận")
        PROVINCE_REPORT = "province_report", _("Báo cáo tỉnh")
        NATIONAL_REPORT = "national_report", _("Báo cáo toàn quốc")
        # Issued documents, signed by the province's certificate (their IssuedDocument says which).
        DECISION = "decision", _("Quyết định (ký số)")
        SIGNED_DOSSIER = "signed_dossier", _("Hồ sơ đã phê duyệt (ký số)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang xuất")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="render_jobs",
        verbose_name=_("hồ sơ đánh giá"),
    )
    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("tỉnh/thành phố")
    )
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    # SHA-256 of the data the document shows (and of the layout's version): same data, same file. Blank until a
    # worker has built the data: a request only queues the job, the worker hashes and renders (or links to the
    # file of an identical finished job).
    content_hash = models.CharField(_("mã nội dung"), max_length=64, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người yêu cầu")
    )
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    # None until the broker accepted the task: the periodic sweep sends what the broker refused.
    sent_at = models.DateTimeField(_("gửi cho Celery lúc"), null=True, blank=True)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    # The Celery task id of the delivery that claimed the job. The broker hands a message out again only
    # once its last delivery is over (the worker died, or the task asked for a retry), so a message with
    # this id may take back a job still marked running.
    run_token = models.CharField(_("mã lượt chạy"), max_length=64, blank=True)
    # What the user reads (Vietnamese); the technical detail is for administrators and the log.
    error = models.TextField(_("lỗi"), blank=True)
    error_detail = models.TextField(_("chi tiết lỗi"), blank=True)
    file = models.FileField(_("tệp"), upload_to=report_path, blank=True)
    size = models.PositiveIntegerField(_("dung lượng"), null=True, blank=True)
    pages = models.PositiveSmallIntegerField(_("số trang"), null=True, blank=True)
    # The issued document this job renders and signs (decision and signed dossier jobs only).
    document = models.OneToOneField(
        IssuedDocument,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="job",
        verbose_name=_("văn bản phát hành"),
    )
    batch = models.ManyToManyField(BulkRender, related_name="jobs", blank=True, verbose_name=_("lô xuất hàng loạt"))

    class Meta:
        verbose_name = _("yêu cầu xuất PDF")
        verbose_name_plural = _("yêu cầu xuất PDF")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="dossier", assessment__isnull=False)
                | Q(kind="province_report", province__isnull=False, year__isnull=False)
                | Q(kind="national_report", assessment__isnull=True, province__isnull=True, year__isnull=False)
                | Q(kind__in=("decision", "signed_dossier"), document__isnull=False),
                name="renderjob_target_matches_kind",
            ),
        ]
        indexes = [
            # "Is there already a file (or a job on its way) for this content?"
            models.Index(fields=["kind", "content_hash", "status"], name="renderjob_content"),
            # The sweep: queued jobs the broker never accepted.
            models.Index(fields=["status", "sent_at"], name="renderjob_unsent"),
        ]

    def __str__(self):
        target = self.assessment or f"{self.province or _('Toàn quốc')} {self.year}"
        return f"{self.get_kind_display()} — {target} ({self.get_status_display()})"

    @property
    def filename(self) -> str:
        if self.kind == self.Kind.DOSSIER:
            a = self.assessment
            return f"ho-so-{a.ward.code}-{a.year}.pdf"
        if self.kind == self.Kind.NATIONAL_REPORT:
            return f"bao-cao-toan-quoc-{self.year}.pdf"
        if self.kind == self.Kind.DECISION:
            return f"quyet-dinh-{self.document.province.code}-{self.document.year}-{self.document.code}.pdf"
        if self.kind == self.Kind.SIGNED_DOSSIER:
            a = self.document.assessment
            return f"ho-so-da-phe-duyet-{a.ward.code}-{a.year}-{self.document.code}.pdf"
        return f"bao-cao-{self.province.code}-{self.year}.pdf"
