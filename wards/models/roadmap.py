"""A province's roadmap (lộ trình): how many wards should be certified by each year."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from criteria import scoring
from wards.map import REFORM_DATE, map_date
from wards.models.places import Province


class RoadmapTarget(models.Model):  # Chỉ tiêu lộ trình
    """How many wards (or what share) of a province should be certified by the end of a year."""

    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="roadmap_targets", verbose_name=_("tỉnh/thành phố")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    target_count = models.PositiveSmallIntegerField(_("số phường đạt chuẩn (lũy kế)"), null=True, blank=True)
    target_share = models.DecimalField(
        _("tỷ lệ phường đạt chuẩn (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    share_of_remaining = models.BooleanField(_("tỷ lệ tính trên số phường còn lại (ngoài thí điểm)"), default=False)
    basis = models.CharField(_("căn cứ"), max_length=300)
    # The map a milestone counts on is the one it was set for: a target set before 1/7/2025 for a later year
    # (the Đề án's "10 by 2025") counts the old map's wards, until the roadmap is re-based.
    set_on = models.DateField(
        _("ngày đặt chỉ tiêu"),
        default=timezone.localdate,
        help_text=_("Ngày của văn bản đặt chỉ tiêu; chỉ tiêu đặt trước 01/7/2025 được tính trên bản đồ cũ."),
    )
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
    def set_on_old_map(self) -> bool:
        """Set before the reform for a year after it: counted on the old map (reports.documents.roadmap_day)."""
        return self.set_on < REFORM_DATE <= map_date(self.year)

    def clean(self):
        """A new milestone must fall within its province's period: its year's map is the province's. Targets
        already set for the old map (the Đề án's 2030) stay as they were; the re-based ones go to the new
        province, so only a target being entered is refused."""
        super().clean()
        if self.pk is not None or self.province_id is None or self.year is None:
            return
        province, day = self.province, map_date(self.year)
        if province.valid_to and day > province.valid_to:
            successors = ", ".join(str(link.successor) for link in province.successor_links.select_related("successor"))
            raise ValidationError(
                {
                    "year": gettext(
                        "%(province)s chỉ tồn tại đến %(end)s: năm %(year)s đã theo bản đồ mới. Hãy đặt chỉ tiêu "
                        "này cho tỉnh mới%(successors)s, kèm căn cứ điều chỉnh lộ trình."
                    )
                    % {
                        "province": province,
                        "end": province.valid_to.strftime("%d/%m/%Y"),
                        "year": self.year,
                        "successors": f" ({successors})" if successors else "",
                    }
                }
            )
        if province.valid_from and day < province.valid_from:
            raise ValidationError(
                {
                    "year": gettext(
                        "%(province)s hình thành từ %(start)s: năm %(year)s thuộc bản đồ cũ. Chỉ tiêu của năm đó "
                        "thuộc lộ trình của tỉnh cũ."
                    )
                    % {"province": province, "start": province.valid_from.strftime("%d/%m/%Y"), "year": self.year}
                }
            )

    @property
    def target_label(self) -> str:
        if self.target_count is not None:
            return gettext("%(count)s phường") % {"count": self.target_count}
        share = scoring.format_number(self.target_share)
        if self.share_of_remaining:
            return gettext("%(share)s%% số phường còn lại") % {"share": share}
        return gettext("%(share)s%% số phường") % {"share": share}
