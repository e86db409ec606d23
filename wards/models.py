"""Provinces, districts and wards; who may act where; the yearly assessments and everything in them."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from criteria import scoring
from criteria.models import CriteriaSet, Criterion, Indicator
from wards.collation import COLLATION


class Province(models.Model):  # Tỉnh / Thành phố trực thuộc trung ương
    code = models.CharField(_("mã"), max_length=10, unique=True)
    # Names sort in Vietnamese order wherever they are ordered by, on PostgreSQL and SQLite alike.
    name = models.CharField(_("tên"), max_length=100, db_collation=COLLATION)

    class Meta:
        verbose_name = _("tỉnh/thành phố")
        verbose_name_plural = _("tỉnh/thành phố")
        ordering = ["name"]

    def __str__(self):
        return self.name


class District(models.Model):  # Quận / Huyện / Thị xã (abolished in 2025, hence optional on wards)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="districts")
    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=100, db_collation=COLLATION)

    class Meta:
        verbose_name = _("quận/huyện")
        verbose_name_plural = _("quận/huyện")
        ordering = ["province", "name"]

    def __str__(self):
        return self.name


class Ward(models.Model):  # Phường
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="wards")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="wards", null=True, blank=True)
    code = models.CharField(_("mã đơn vị hành chính"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=100, db_collation=COLLATION)
    year_from = models.PositiveSmallIntegerField(_("tồn tại từ năm"), null=True, blank=True)
    year_to = models.PositiveSmallIntegerField(
        _("tồn tại đến năm"), null=True, blank=True, help_text=_("Để trống nếu phường còn tồn tại")
    )

    class Meta:
        verbose_name = _("phường")
        verbose_name_plural = _("phường")
        ordering = ["province", "district__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year_from__isnull=True) | Q(year_to__isnull=True) | Q(year_to__gte=F("year_from")),
                name="ward_years_ordered",
            ),
        ]

    def __str__(self):
        return f"Phường {self.name}"


class Membership(models.Model):  # Vai trò của người dùng
    """A user's one role and the ward or province it is scoped to."""

    class Role(models.TextChoices):
        WARD_OFFICER = "ward_officer", _("Cán bộ Công an phường")
        WARD_HEAD = "ward_head", _("Trưởng Công an phường")
        REVIEWER = "reviewer", _("Cán bộ thẩm định")
        APPROVER = "approver", _("Lãnh đạo phê duyệt")
        LEADERSHIP = "leadership", _("Lãnh đạo")
        ADMIN = "admin", _("Quản trị")

    WARD_ROLES = (Role.WARD_OFFICER, Role.WARD_HEAD)
    PROVINCE_ROLES = (Role.REVIEWER, Role.APPROVER)

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, null=True, blank=True, related_name="members")
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text=_("Để trống với lãnh đạo phụ trách mọi tỉnh"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vai trò người dùng")
        verbose_name_plural = _("vai trò người dùng")
        constraints = [
            # Ward roles are scoped to exactly one ward (their province follows from it).
            models.CheckConstraint(
                condition=~Q(role__in=["ward_officer", "ward_head"]) | Q(ward__isnull=False, province__isnull=True),
                name="membership_ward_role_has_ward",
            ),
            # Province roles are scoped to exactly one province.
            models.CheckConstraint(
                condition=~Q(role__in=["reviewer", "approver"]) | Q(ward__isnull=True, province__isnull=False),
                name="membership_province_role_has_province",
            ),
            # Leadership sees one province, or all when province is empty; administrators see everything.
            models.CheckConstraint(
                condition=~Q(role__in=["leadership", "admin"]) | Q(ward__isnull=True),
                name="membership_leadership_has_no_ward",
            ),
            models.CheckConstraint(
                condition=~Q(role="admin") | Q(province__isnull=True), name="membership_admin_unscoped"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} ({self.scope_label})"

    @property
    def scope_label(self) -> str:
        if self.ward_id:
            return str(self.ward)
        if self.province_id:
            return str(self.province)
        return "Toàn quốc"


class RoadmapTarget(models.Model):  # Chỉ tiêu lộ trình
    """How many wards (or what share) of a province should be certified by the end of a year."""

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="roadmap_targets")
    year = models.PositiveSmallIntegerField(_("năm"))
    target_count = models.PositiveSmallIntegerField(_("số phường đạt chuẩn (lũy kế)"), null=True, blank=True)
    target_share = models.DecimalField(
        _("tỷ lệ phường đạt chuẩn (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    share_of_remaining = models.BooleanField(_("tỷ lệ tính trên số phường còn lại (ngoài thí điểm)"), default=False)
    basis = models.CharField(_("căn cứ"), max_length=300)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("chỉ tiêu lộ trình")
        verbose_name_plural = _("chỉ tiêu lộ trình")
        ordering = ["province", "year"]
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="roadmap_one_target_per_year"),
            models.CheckConstraint(
                condition=Q(target_count__isnull=False, target_share__isnull=True)
                | Q(target_count__isnull=True, target_share__isnull=False),
                name="roadmap_count_or_share",
            ),
            models.CheckConstraint(
                condition=Q(target_share__isnull=True) | Q(target_share__gte=0, target_share__lte=100),
                name="roadmap_share_is_percent",
            ),
        ]

    def __str__(self):
        return f"{self.province} {self.year}: {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.target_count is not None:
            return f"{self.target_count} phường"
        suffix = " số phường còn lại" if self.share_of_remaining else " số phường"
        return f"{scoring.format_number(self.target_share)}%{suffix}"


class Assessment(models.Model):  # Hồ sơ đánh giá
    """One ward's yearly assessment under one criteria set."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang soạn")
        SUBMITTED = "submitted", _("Đã gửi")
        IN_REVIEW = "in_review", _("Đang thẩm định")
        RETURNED = "returned", _("Trả lại để bổ sung")
        APPROVED = "approved", _("Đã phê duyệt")

    EDITABLE_BY_WARD = (Status.DRAFT, Status.RETURNED)

    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="assessments")
    year = models.PositiveSmallIntegerField(_("năm"))
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    deadline = models.DateField(_("hạn nộp"))
    round = models.PositiveSmallIntegerField(_("vòng thẩm định"), default=1)
    # Bumped by every save of the ward's page: a save based on an older revision is a conflict.
    revision = models.PositiveIntegerField(_("phiên bản"), default=0)
    # The reviewer who opened it for review; shown in the queue so two reviewers do not duplicate work.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ thẩm định"),
    )
    submitted_at = models.DateTimeField(_("thời điểm gửi"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ đánh giá")
        verbose_name_plural = _("hồ sơ đánh giá")
        ordering = ["-year", "ward__name"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "year", "criteria_set"], name="assessment_one_per_ward_year_set"),
            models.CheckConstraint(condition=Q(round__gte=1), name="assessment_round_positive"),
        ]
        indexes = [
            # The reviewer's queue and province reports: every assessment of a province-year by status.
            models.Index(fields=["year", "status"], name="assessment_year_status"),
        ]

    def __str__(self):
        return f"{self.ward} — năm {self.year}"

    @property
    def editable_by_ward(self) -> bool:
        return self.status in self.EDITABLE_BY_WARD

    def clean(self):
        """A ward is assessed only for a year it existed in, under a criteria set that applies to the year."""
        errors = {}
        if self.ward_id and self.year:
            ward = self.ward
            if (ward.year_from and self.year < ward.year_from) or (ward.year_to and self.year > ward.year_to):
                span = f"{ward.year_from or '…'}–{ward.year_to or 'nay'}"
                errors["year"] = f"{ward} không tồn tại trong năm {self.year} (tồn tại {span})."
        if self.criteria_set_id and self.year:
            cs = self.criteria_set
            if self.year < cs.year_from or (cs.year_to and self.year > cs.year_to):
                errors["criteria_set"] = f"Bộ tiêu chí «{cs.code}» không áp dụng cho năm {self.year}."
        if errors:
            raise ValidationError(errors)


class IndicatorValue(models.Model):  # Số liệu chỉ tiêu
    """The figures a ward entered for one indicator. Empty fields are not entered yet."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    yes = models.BooleanField(_("có/không"), null=True, blank=True)
    count = models.IntegerField(_("số lượng năm nay"), null=True, blank=True)
    excluded = models.IntegerField(_("số vụ bất khả kháng"), null=True, blank=True)
    exclusion_reason = models.TextField(_("lý do loại trừ bất khả kháng"), blank=True)
    numerator = models.IntegerField(_("tử số"), null=True, blank=True)
    denominator = models.IntegerField(_("mẫu số"), null=True, blank=True)
    last_year = models.IntegerField(_("số lượng năm trước"), null=True, blank=True)
    # True when last year's count was typed by hand because there was no assessment for last year.
    last_year_manual = models.BooleanField(_("số liệu năm trước nhập tay"), default=False)
    na = models.BooleanField(_("không áp dụng"), default=False)
    na_reason = models.TextField(_("lý do không áp dụng"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("số liệu chỉ tiêu")
        verbose_name_plural = _("số liệu chỉ tiêu")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="value_one_per_indicator"),
            models.CheckConstraint(condition=Q(count__isnull=True) | Q(count__gte=0), name="value_count_non_negative"),
            models.CheckConstraint(
                condition=Q(excluded__isnull=True) | Q(excluded__gte=0), name="value_excluded_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True) | Q(numerator__gte=0), name="value_numerator_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gte=0), name="value_denominator_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(last_year__isnull=True) | Q(last_year__gte=0), name="value_last_year_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True) | Q(denominator__isnull=True) | Q(numerator__lte=F("denominator")),
                name="value_numerator_within_denominator",
            ),
            models.CheckConstraint(
                condition=Q(excluded__isnull=True) | Q(count__isnull=True) | Q(excluded__lte=F("count")),
                name="value_excluded_within_count",
            ),
        ]

    def __str__(self):
        return f"{self.assessment} — {self.indicator.code}"

    def figures(self) -> scoring.Figures:
        return scoring.Figures(
            yes=self.yes,
            count=self.count,
            excluded=self.excluded,
            numerator=self.numerator,
            denominator=self.denominator,
            last_year=self.last_year,
            na=self.na,
        )


class Narrative(models.Model):  # Kết quả thực hiện (per criterion)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="narratives")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("kết quả thực hiện"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("kết quả thực hiện")
        verbose_name_plural = _("kết quả thực hiện")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="narrative_one_per_criterion"),
        ]

    def __str__(self):
        return f"{self.assessment} — {self.criterion.code}"


def evidence_path(instance, filename):
    # A random name: the original name is kept in the row, never trusted on disk.
    return f"evidence/{instance.assessment_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class EvidenceFile(models.Model):  # Tài liệu minh chứng
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("tệp"), upload_to=evidence_path)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), auto_now_add=True)

    class Meta:
        verbose_name = _("tài liệu minh chứng")
        verbose_name_plural = _("tài liệu minh chứng")
        ordering = ["uploaded_at"]
        indexes = [
            # The assessment page lists each criterion's files.
            models.Index(fields=["assessment", "criterion"], name="evidence_assessment_criterion"),
        ]

    def __str__(self):
        return self.original_name


class Verdict(models.Model):  # Kết luận thẩm định từng tiêu chí
    class Outcome(models.TextChoices):
        PASS = "pass", _("Đạt")
        FAIL = "fail", _("Không đạt")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="verdicts")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("kết luận"), max_length=10, choices=Outcome.choices)
    comment = models.TextField(_("nhận xét"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kết luận tiêu chí")
        verbose_name_plural = _("kết luận tiêu chí")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="verdict_one_per_criterion"),
        ]

    def __str__(self):
        return f"{self.assessment} — {self.criterion.code}: {self.get_outcome_display()}"


class Decision(models.Model):  # Quyết định công nhận
    class Outcome(models.TextChoices):
        CERTIFIED = "certified", _("Công nhận đạt chuẩn")
        NOT_CERTIFIED = "not_certified", _("Chưa đạt chuẩn")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="decisions")
    round = models.PositiveSmallIntegerField(_("vòng thẩm định"), default=1)
    outcome = models.CharField(_("kết quả"), max_length=20, choices=Outcome.choices)
    criteria_passed = models.PositiveSmallIntegerField(_("số tiêu chí đạt"))
    criteria_total = models.PositiveSmallIntegerField(_("tổng số tiêu chí"))
    number = models.CharField(_("số quyết định"), max_length=50)
    decided_on = models.DateField(_("ngày quyết định"))
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # A reopened assessment keeps its old decision, marked revoked, with who reopened it and why.
    revoked_at = models.DateTimeField(_("thời điểm mở lại"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.TextField(_("lý do mở lại"), blank=True)

    class Meta:
        verbose_name = _("quyết định công nhận")
        verbose_name_plural = _("quyết định công nhận")
        ordering = ["assessment", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment"], condition=Q(revoked_at__isnull=True), name="decision_one_in_force"
            ),
            models.CheckConstraint(
                condition=Q(criteria_passed__lte=F("criteria_total")), name="decision_passed_within_total"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="certified") | Q(criteria_passed=F("criteria_total")),
                name="decision_certified_means_all_passed",
            ),
        ]

    def __str__(self):
        return f"{self.number}: {self.label}"

    @property
    def label(self) -> str:
        if self.outcome == self.Outcome.CERTIFIED:
            return str(self.Outcome.CERTIFIED.label)
        return f"Chưa đạt chuẩn ({self.criteria_passed}/{self.criteria_total} tiêu chí)"


class ReturnReason(models.Model):  # Lý do trả lại, theo từng tiêu chí
    """Why a reviewer returned an assessment, per criterion and round; the ward sees it next to the criterion."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="return_reasons")
    round = models.PositiveSmallIntegerField(_("vòng thẩm định"))
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("lý do"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Saved with the verdicts while the reviewer prepares the return; the ward sees only sent reasons.
    draft = models.BooleanField(_("bản nháp (chưa gửi phường)"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lý do trả lại")
        verbose_name_plural = _("lý do trả lại")
        ordering = ["round", "criterion__number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "round", "criterion"], name="return_reason_one_per_round"),
        ]

    def __str__(self):
        return f"{self.assessment} — vòng {self.round} — {self.criterion.code}"


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

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
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


class RoundSnapshot(models.Model):  # Bản chụp hồ sơ khi gửi
    """What the ward submitted in a round (figures, narratives, files as text), to show what changed."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="snapshots")
    round = models.PositiveSmallIntegerField(_("vòng thẩm định"))
    submitted_at = models.DateTimeField(_("thời điểm gửi"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(_("nội dung"))

    class Meta:
        verbose_name = _("bản chụp vòng thẩm định")
        verbose_name_plural = _("bản chụp vòng thẩm định")
        ordering = ["assessment", "round"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "round"], name="snapshot_one_per_round"),
        ]

    def __str__(self):
        return f"{self.assessment} — vòng {self.round}"


class Notification(models.Model):  # Thông báo
    """A message to one user, shown on their home page and sent by email by a Celery task."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Hồ sơ được gửi")
        RETURNED = "returned", _("Hồ sơ bị trả lại")
        APPROVED = "approved", _("Hồ sơ được phê duyệt")
        REOPENED = "reopened", _("Hồ sơ được mở lại")
        REMINDER = "reminder", _("Nhắc hạn nộp")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"))
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(_("đã gửi email lúc"), null=True, blank=True)
    # For reminders: how many days before the deadline it was for; one per user, assessment and threshold.
    days_before = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "assessment", "days_before"],
                condition=Q(kind="reminder"),
                name="notification_one_reminder_per_threshold",
            ),
        ]
        indexes = [
            # The home page's list: a user's newest notifications.
            models.Index(fields=["user", "-created_at"], name="notification_user_created"),
            # The sweep: notifications whose email has not gone yet.
            models.Index(fields=["emailed_at"], name="notification_unsent", condition=Q(emailed_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.user}: {self.subject}"
