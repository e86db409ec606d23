"""The criteria catalogue (Bộ tiêu chí): versioned sets → groups → criteria → indicators.

A new ministry decision is a new CriteriaSet, never an edit of last year's: assessments point at the set
they were made under.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from criteria import scoring

ENGLISH_HELP = _("Không bắt buộc. Trang tiếng Anh hiện nội dung này; để trống thì hiện tiếng Việt.")


def in_reader_language(vietnamese: str, english: str) -> str:
    """The English text when the reader reads English and one was entered, else the Vietnamese one."""
    reads_english = (translation.get_language() or "").split("-")[0] == "en"
    return english if reads_english and english else vietnamese


class EnglishTitle:
    """A criteria text (data, as the administrator entered it) with its optional English version. The pages show
    `display_title`; the PDFs, the Excel template and the audit trail keep the Vietnamese field itself."""

    TITLE_FIELDS = ("title", "title_en")

    @property
    def display_title(self) -> str:
        vietnamese, english = (getattr(self, name) for name in self.TITLE_FIELDS)
        return in_reader_language(vietnamese, english)


class CriteriaSet(models.Model):  # Bộ tiêu chí
    code = models.SlugField(_("mã"), max_length=50, unique=True)
    title = models.CharField(_("tên bộ tiêu chí"), max_length=300)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=200, help_text=_("Ví dụ: 5764/QĐ-BCA-V05"))
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    year_from = models.PositiveSmallIntegerField(_("áp dụng từ năm"))
    year_to = models.PositiveSmallIntegerField(_("áp dụng đến năm"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("bộ tiêu chí")
        verbose_name_plural = _("bộ tiêu chí")
        ordering = ["-year_from", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year_to__isnull=True) | Q(year_to__gte=F("year_from")),
                name="criteriaset_years_ordered",
            ),
        ]

    def __str__(self):
        return self.title

    def specs(self) -> list[scoring.CriterionSpec]:
        """The set as the scoring engine sees it. Uses prefetched criteria and indicators when present."""
        return [criterion.spec() for group in self.groups.all() for criterion in group.criteria.all()]


class CriterionGroup(EnglishTitle, models.Model):  # Nhóm tiêu chí (I–VII)
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="groups", verbose_name=_("bộ tiêu chí")
    )
    code = models.CharField(_("mã nhóm"), max_length=10, help_text=_("Ví dụ: I, II"))
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    title = models.CharField(_("tên nhóm"), max_length=300)
    title_en = models.CharField(_("tên nhóm (tiếng Anh)"), max_length=300, blank=True, help_text=ENGLISH_HELP)

    class Meta:
        verbose_name = _("nhóm tiêu chí")
        verbose_name_plural = _("nhóm tiêu chí")
        ordering = ["criteria_set", "order"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="group_code_unique_in_set"),
            models.UniqueConstraint(fields=["criteria_set", "order"], name="group_order_unique_in_set"),
        ]

    def __str__(self):
        return f"Nhóm {self.code}. {self.title}"


class Criterion(EnglishTitle, models.Model):  # Tiêu chí (1–22)
    class Rule(models.TextChoices):
        ALL = scoring.CriterionRule.ALL.value, _("Đạt khi mọi chỉ tiêu đạt")
        FIRST_OR_REST = (
            scoring.CriterionRule.FIRST_OR_REST.value,
            _("Đạt khi chỉ tiêu đầu đạt, hoặc mọi chỉ tiêu còn lại đạt"),
        )

    group = models.ForeignKey(
        CriterionGroup, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("nhóm tiêu chí")
    )
    # Denormalised from the group so that "one criterion number per set" is a database constraint.
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="criteria", editable=False, verbose_name=_("bộ tiêu chí")
    )
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    title = models.CharField(_("tên tiêu chí"), max_length=300)
    title_en = models.CharField(_("tên tiêu chí (tiếng Anh)"), max_length=300, blank=True, help_text=ENGLISH_HELP)
    rule = models.CharField(_("cách kết luận"), max_length=20, choices=Rule.choices, default=Rule.ALL)
    rule_note = models.CharField(_("ghi chú cách kết luận"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        ordering = ["criteria_set", "number"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "number"], name="criterion_number_unique_in_set"),
        ]

    def __str__(self):
        return f"{self.code}. {self.title}"

    def save(self, *args, **kwargs):
        self.criteria_set_id = self.group.criteria_set_id
        super().save(*args, **kwargs)

    @property
    def code(self) -> str:
        return self.code_for(self.number)

    @staticmethod
    def code_for(number: int) -> str:
        """ "TC5" for criterion 5 (queries that read the number alone name it so)."""
        return f"TC{number}"

    def spec(self) -> scoring.CriterionSpec:
        return scoring.CriterionSpec(
            code=self.code,
            rule=scoring.CriterionRule(self.rule),
            indicators=tuple(indicator.rule_for_scoring() for indicator in self.indicators.all()),
        )


class Indicator(EnglishTitle, models.Model):  # Chỉ tiêu (1.1, 1.2, …)
    TITLE_FIELDS = ("text", "text_en")

    class Kind(models.TextChoices):
        YES_NO = scoring.Kind.YES_NO.value, _("Có / không")
        COUNT_MAX = scoring.Kind.COUNT_MAX.value, _("Số lượng tối đa")
        COUNT_MIN = scoring.Kind.COUNT_MIN.value, _("Số lượng tối thiểu")
        SHARE_MIN = scoring.Kind.SHARE_MIN.value, _("Tỷ lệ tối thiểu")
        SHARE_BELOW = scoring.Kind.SHARE_BELOW.value, _("Tỷ lệ dưới mức")
        FALL_MIN = scoring.Kind.FALL_MIN.value, _("Giảm tối thiểu so với năm trước")
        RISE_MIN = scoring.Kind.RISE_MIN.value, _("Tăng tối thiểu so với năm trước")

    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("tiêu chí")
    )
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="indicators", editable=False, verbose_name=_("bộ tiêu chí")
    )
    code = models.CharField(_("mã chỉ tiêu"), max_length=10, help_text=_("Ví dụ: 13.2"))
    order = models.PositiveSmallIntegerField(_("thứ tự trong tiêu chí"))
    text = models.TextField(_("nội dung"))
    text_en = models.TextField(_("nội dung (tiếng Anh)"), blank=True, help_text=ENGLISH_HELP)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    threshold = models.DecimalField(
        _("ngưỡng"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Số lượng, hoặc phần trăm với các chỉ tiêu tỷ lệ, giảm, tăng"),
    )
    unit = models.CharField(_("đơn vị tính"), max_length=50, blank=True)
    denominator_label = models.CharField(_("mẫu số"), max_length=300, blank=True)
    allows_exclusion = models.BooleanField(_("cho phép loại trừ bất khả kháng"), default=False)
    allows_na = models.BooleanField(_("cho phép khai báo không áp dụng"), default=False)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["criterion__number", "order"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="indicator_code_unique_in_set"),
            models.UniqueConstraint(fields=["criterion", "order"], name="indicator_order_unique_in_criterion"),
            models.CheckConstraint(
                condition=Q(kind=scoring.Kind.YES_NO.value) | Q(threshold__isnull=False),
                name="indicator_threshold_required",
            ),
            models.CheckConstraint(
                condition=Q(threshold__isnull=True) | Q(threshold__gte=0), name="indicator_threshold_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(allows_exclusion=False) | Q(kind=scoring.Kind.COUNT_MAX.value),
                name="indicator_exclusion_only_for_count_max",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.text}"

    def save(self, *args, **kwargs):
        self.criteria_set_id = self.criterion.criteria_set_id
        super().save(*args, **kwargs)

    def rule_for_scoring(self) -> scoring.IndicatorRule:
        return scoring.IndicatorRule(
            code=self.code,
            kind=scoring.Kind(self.kind),
            threshold=self.threshold,
            allows_exclusion=self.allows_exclusion,
            allows_na=self.allows_na,
        )

    @property
    def requirement(self) -> str:
        """The rule in a few words, e.g. "≥ 90%"; for labels and templates."""
        if self.kind == scoring.Kind.YES_NO:
            return gettext("Có")
        value = scoring.format_number(self.threshold)
        return {
            scoring.Kind.COUNT_MAX: f"≤ {value}",
            scoring.Kind.COUNT_MIN: f"≥ {value}",
            scoring.Kind.SHARE_MIN: f"≥ {value}%",
            scoring.Kind.SHARE_BELOW: f"< {value}%",
            scoring.Kind.FALL_MIN: gettext("giảm ≥ %(value)s%%") % {"value": value},
            scoring.Kind.RISE_MIN: gettext("tăng ≥ %(value)s%%") % {"value": value},
        }[scoring.Kind(self.kind)]
