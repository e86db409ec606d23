"""The scoring engine's result of each assessment, stored (kết quả tính toán đã lưu): what the province-wide pages
count in SQL instead of scoring every ward's figures again. Written with the figures it depends on
(wards.services.scores); `manage.py rescore --check` proves it matches a fresh computation."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from criteria import scoring
from criteria.models import Criterion
from wards.models.assessment import Assessment


class CriterionResult(models.Model):  # Kết quả tính toán của một tiêu chí
    class Result(models.TextChoices):
        PASS = scoring.Result.PASS.value, scoring.RESULT_LABELS[scoring.Result.PASS]
        FAIL = scoring.Result.FAIL.value, scoring.RESULT_LABELS[scoring.Result.FAIL]
        INCOMPLETE = scoring.Result.INCOMPLETE.value, scoring.RESULT_LABELS[scoring.Result.INCOMPLETE]

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="results", verbose_name=_("hồ sơ đánh giá")
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+", verbose_name=_("tiêu chí"))
    result = models.CharField(_("kết quả tính toán"), max_length=12, choices=Result.choices)
    complete = models.BooleanField(_("đủ số liệu"), default=False)

    class Meta:
        verbose_name = _("kết quả tính toán của tiêu chí")
        verbose_name_plural = _("kết quả tính toán của tiêu chí")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="criterion_result_one_per_assessment"),
        ]
        indexes = [
            # "How many wards pass each criterion" over a province-year: by criterion and result.
            models.Index(fields=["criterion", "result"], name="criterion_result_by_result"),
        ]

    def __str__(self):
        return f"{self.assessment} — {self.criterion.code}: {self.get_result_display()}"
