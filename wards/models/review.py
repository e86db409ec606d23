"""What the province says: verdicts per criterion, the decision, return reasons, and each round's snapshot."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from criteria.models import Criterion
from wards.models.assessment import Assessment


class VerdictQuerySet(models.QuerySet):
    def passed(self):
        return self.filter(outcome=Verdict.Outcome.PASS)


def count_passed(verdicts) -> int:
    """How many of these verdicts (model instances) conclude "Đạt"."""
    return sum(1 for v in verdicts if v.outcome == Verdict.Outcome.PASS)


class Verdict(models.Model):  # Kết luận thẩm định từng tiêu chí
    class Outcome(models.TextChoices):
        PASS = "pass", _("Đạt")
        FAIL = "fail", _("Không đạt")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="verdicts", verbose_name=_("hồ sơ đánh giá")
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("tiêu chí"))
    outcome = models.CharField(_("kết luận"), max_length=10, choices=Outcome.choices)
    comment = models.TextField(_("nhận xét"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("cán bộ thẩm định")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    objects = VerdictQuerySet.as_manager()

    class Meta:
        verbose_name = _("kết luận tiêu chí")
        verbose_name_plural = _("kết luận tiêu chí")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="verdict_one_per_criterion"),
        ]

    def __str__(self):
        return f"{self.assessment} — {self.criterion.code}: {self.get_outcome_display()}"


class DecisionQuerySet(models.QuerySet):
    def in_force(self):
        """The decisions not revoked by a reopening: at most one per assessment (a constraint says so)."""
        return self.filter(revoked_at__isnull=True)


class Decision(models.Model):  # Quyết định công nhận
    class Outcome(models.TextChoices):
        CERTIFIED = "certified", _("Công nhận đạt chuẩn")
        NOT_CERTIFIED = "not_certified", _("Chưa đạt chuẩn")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("hồ sơ đánh giá")
    )
    round = models.PositiveSmallIntegerField(_("vòng thẩm định"), default=1)
    outcome = models.CharField(_("kết quả"), max_length=20, choices=Outcome.choices)
    criteria_passed = models.PositiveSmallIntegerField(_("số tiêu chí đạt"))
    criteria_total = models.PositiveSmallIntegerField(_("tổng số tiêu chí"))
    number = models.CharField(_("số quyết định"), max_length=50)
    decided_on = models.DateField(_("ngày quyết định"))
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người phê duyệt")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    # A reopened assessment keeps its old decision, marked revoked, with who reopened it and why.
    revoked_at = models.DateTimeField(_("thời điểm mở lại"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người thu hồi"),
    )
    revoke_reason = models.TextField(_("lý do mở lại"), blank=True)
    # The decision document (several wards of a province-year may share one); None for decisions recorded before
    # decisions were issued as signed documents.
    document = models.ForeignKey(
        "wards.IssuedDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("văn bản quyết định"),
    )

    objects = DecisionQuerySet.as_manager()

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
        indexes = [
            # The certifications in force, which every province-wide page and the national view read in full: the
            # index alone instead of every decision ever recorded (revoked, "not certified").
            models.Index(
                fields=["assessment"],
                condition=Q(revoked_at__isnull=True, outcome="certified"),
                name="decision_certified_in_force",
            ),
        ]

    def __str__(self):
        return f"{self.number}: {self.label}"

    @property
    def label(self) -> str:
        if self.outcome == self.Outcome.CERTIFIED:
            return str(self.Outcome.CERTIFIED.label)
        return gettext("Chưa đạt chuẩn (%(criteria_passed)s/%(criteria_total)s tiêu chí)") % {
            "criteria_passed": self.criteria_passed,
            "criteria_total": self.criteria_total,
        }


class ReturnReason(models.Model):  # Lý do trả lại, theo từng tiêu chí
    """Why a reviewer returned an assessment, per criterion and round; the ward sees it next to the criterion."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="return_reasons", verbose_name=_("hồ sơ đánh giá")
    )
    round = models.PositiveSmallIntegerField(_("vòng thẩm định"))
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("tiêu chí"))
    text = models.TextField(_("lý do"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("cán bộ thẩm định")
    )
    # Saved with the verdicts while the reviewer prepares the return; the ward sees only sent reasons.
    draft = models.BooleanField(_("bản nháp (chưa gửi phường)"), default=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("lý do trả lại")
        verbose_name_plural = _("lý do trả lại")
        ordering = ["round", "criterion__number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "round", "criterion"], name="return_reason_one_per_round"),
        ]

    def __str__(self):
        return f"{self.assessment} — vòng {self.round} — {self.criterion.code}"


class RoundSnapshot(models.Model):  # Bản chụp hồ sơ khi gửi
    """What the ward submitted in a round (figures, narratives, files as text), to show what changed."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("hồ sơ đánh giá")
    )
    round = models.PositiveSmallIntegerField(_("vòng thẩm định"))
    submitted_at = models.DateTimeField(_("thời điểm gửi"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người gửi")
    )
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
