"""A province's reporting calendar (lịch báo cáo) for a year: the yearly deadline and the half-year report date."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wards.map import DEFAULT_DEADLINE
from wards.models.places import Province
from wards.years import YEAR_MAX, YEAR_MIN


class ReportingCalendar(models.Model):  # Lịch báo cáo
    """Where a province sets its own dates; without one, the ministry's (15/11 yearly, 15/5 half-year)."""

    DEFAULT_DEADLINE = DEFAULT_DEADLINE  # the ministry's 15/11 (wards.map)
    DEFAULT_HALF_YEAR = (5, 15)

    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="calendars", verbose_name=_("tỉnh/thành phố")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    deadline = models.DateField(_("hạn nộp hồ sơ năm"))
    half_year_report = models.DateField(_("hạn báo cáo 6 tháng"))

    class Meta:
        verbose_name = _("lịch báo cáo")
        verbose_name_plural = _("lịch báo cáo")
        ordering = ["province", "-year"]
        constraints = [models.UniqueConstraint(fields=["province", "year"], name="calendar_one_per_province_year")]

    def __str__(self):
        return f"{self.province} {self.year}"

    @classmethod
    def defaults(cls, year: int) -> tuple[datetime.date, datetime.date]:
        return datetime.date(year, *cls.DEFAULT_DEADLINE), datetime.date(year, *cls.DEFAULT_HALF_YEAR)

    def clean(self):
        errors = {}
        if self.year and not YEAR_MIN <= self.year <= YEAR_MAX:
            errors["year"] = gettext("Năm phải từ %(year_min)s đến %(year_max)s.") % {
                "year_min": YEAR_MIN,
                "year_max": YEAR_MAX,
            }
        elif self.year:
            for name in ("deadline", "half_year_report"):
                day = getattr(self, name)
                if day and not self.year <= day.year <= self.year + 1:
                    errors[name] = gettext("Ngày này phải thuộc năm %(year)s hoặc đầu năm sau.") % {"year": self.year}
            if self.deadline and self.half_year_report and self.half_year_report >= self.deadline:
                errors["half_year_report"] = gettext("Hạn báo cáo 6 tháng phải trước hạn nộp hồ sơ năm.")
        if "deadline" not in errors and self.deadline and self.province_id:
            message = self._deadline_off_the_map()
            if message:
                errors["deadline"] = message
        if errors:
            raise ValidationError(errors)

    def _deadline_off_the_map(self) -> str:
        """A deadline is a day of the map: the province and the wards of the year's drafts (which move to it) must
        exist on it (1/7/2025 separates the old map from the new)."""
        province = self.province
        day = self.deadline.strftime("%d/%m/%Y")
        if not province.exists_on(self.deadline):
            return gettext("%(province)s không tồn tại vào ngày %(day)s (đơn vị tồn tại %(period)s).") % {
                "province": province,
                "day": day,
                "period": province.period_label,
            }
        from wards.models.assessment import Assessment

        drafts = Assessment.objects.filter(ward__province=province, year=self.year, status=Assessment.Status.DRAFT)
        off = [a.ward for a in drafts.select_related("ward") if not a.ward.exists_on(self.deadline)]
        if off:
            names = ", ".join(str(w) for w in off[:3]) + ("…" if len(off) > 3 else "")
            return gettext(
                "%(count)s phường có hồ sơ đang soạn năm %(year)s không tồn tại vào ngày %(day)s (%(names)s): "
                "hạn nộp phải là một ngày của bản đồ các phường đó."
            ) % {"count": len(off), "year": self.year, "day": day, "names": names}
        return ""


class DeadlineExtension(models.Model):  # Gia hạn nộp hồ sơ
    """The province lets one ward submit after the deadline, until a day, for a reason (audited, shown to both
    sides). The latest extension in force is the ward's last day; a returned assessment needs none."""

    MAX_DAYS = 90

    assessment = models.ForeignKey(
        "wards.Assessment", on_delete=models.CASCADE, related_name="extensions", verbose_name=_("hồ sơ đánh giá")
    )
    until = models.DateField(_("gia hạn đến ngày"))
    reason = models.TextField(_("lý do gia hạn"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người cho gia hạn")
    )
    granted_at = models.DateTimeField(_("thời điểm cho gia hạn"), auto_now_add=True)

    class Meta:
        verbose_name = _("gia hạn nộp hồ sơ")
        verbose_name_plural = _("gia hạn nộp hồ sơ")
        ordering = ["-granted_at", "-pk"]

    def __str__(self):
        return f"{self.assessment} → {self.until:%d/%m/%Y}"
