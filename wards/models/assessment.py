"""A ward's yearly assessment (hồ sơ đánh giá) and what the ward puts in it: figures, narratives, evidence."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from criteria import scoring
from criteria.models import CriteriaSet, Criterion, Indicator
from wards.map import map_date
from wards.models.places import Ward
from wards.years import YEAR_MAX, YEAR_MIN


class Assessment(models.Model):  # Hồ sơ đánh giá
    """One ward's yearly assessment under one criteria set."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang soạn")
        SUBMITTED = "submitted", _("Đã gửi")
        IN_REVIEW = "in_review", _("Đang thẩm định")
        RETURNED = "returned", _("Trả lại để bổ sung")
        APPROVED = "approved", _("Đã phê duyệt")

    EDITABLE_BY_WARD = (Status.DRAFT, Status.RETURNED)

    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("phường"))
    year = models.PositiveSmallIntegerField(_("năm"))
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("bộ tiêu chí")
    )
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
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người gửi"),
    )
    # The scoring engine's result, stored with the figures it comes from (wards.services.scores): how many
    # criteria pass and how many have every figure they ask for. Province-wide pages count these in SQL.
    criteria_passed = models.PositiveSmallIntegerField(_("số tiêu chí đạt (tính toán)"), default=0, editable=False)
    criteria_complete = models.PositiveSmallIntegerField(_("số tiêu chí đủ số liệu"), default=0, editable=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

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

    def last_day_to_submit(self):
        """The deadline, or the latest extension the province granted: after it a draft cannot be submitted
        (a returned assessment can: the province asked for it)."""
        latest = max((e.until for e in self.extensions.all()), default=None)
        return max(self.deadline, latest) if latest else self.deadline

    def submission_closed(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.DRAFT and today > self.last_day_to_submit()

    def clean(self):
        """A ward is assessed only on the map in force on the deadline (it existed that day, and is a phường),
        under a criteria set that applies to the year. The database refuses the same (a trigger, migration 0005)."""
        errors = {}
        if self.year and not YEAR_MIN <= self.year <= YEAR_MAX:
            errors["year"] = gettext("Năm đánh giá phải từ %(year_min)s đến %(year_max)s.") % {
                "year_min": YEAR_MIN,
                "year_max": YEAR_MAX,
            }
        elif self.ward_id and self.year:
            errors.update(self._ward_on_deadline_errors())
        if self.criteria_set_id and self.year:
            cs = self.criteria_set
            if self.year < cs.year_from or (cs.year_to and self.year > cs.year_to):
                errors["criteria_set"] = gettext("Bộ tiêu chí «%(code)s» không áp dụng cho năm %(year)s.") % {
                    "code": cs.code,
                    "year": self.year,
                }
        if errors:
            raise ValidationError(errors)

    def _ward_on_deadline_errors(self) -> dict[str, str]:
        ward, deadline = self.ward, self.deadline or map_date(self.year)
        if ward.kind != Ward.Kind.WARD:
            return {"ward": gettext("Chỉ đánh giá phường; %(ward)s không phải là phường.") % {"ward": ward}}
        if ward.exists_on(deadline):
            return {}
        message = gettext(
            "%(ward)s không tồn tại vào ngày %(day)s (hạn nộp năm %(year)s): đơn vị tồn tại %(period)s."
        ) % {"ward": ward, "day": deadline.strftime("%d/%m/%Y"), "year": self.year, "period": ward.period_label}
        successors = [link.successor for link in ward.successor_links.select_related("successor")]
        if successors and deadline > ward.valid_to:
            message += " " + gettext("Đơn vị kế thừa: %(names)s.") % {"names": ", ".join(map(str, successors))}
        return {"deadline" if self.deadline else "year": message}


class IndicatorValue(models.Model):  # Số liệu chỉ tiêu
    """The figures a ward entered for one indicator. Empty fields are not entered yet."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="values", verbose_name=_("hồ sơ đánh giá")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("chỉ tiêu")
    )
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
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người sửa"),
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
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="narratives", verbose_name=_("hồ sơ đánh giá")
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("tiêu chí"))
    text = models.TextField(_("kết quả thực hiện"), blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người sửa"),
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
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("hồ sơ đánh giá")
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("tiêu chí"))
    file = models.FileField(_("tệp"), upload_to=evidence_path)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người tải lên")
    )
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
