"""Provinces, districts and wards (tỉnh, quận/huyện, phường) with the periods they existed, and their lineage.

A unit is its code *and* its period: the 2025 reform ended every old ward and most provinces on 30/6/2025 and
formed new ones from 1/7/2025, reusing codes. A ward's province (and district) hold for the ward's period, so a
Kon Tum ward stays Kon Tum's in 2024 while Kon Tum's successor is Quảng Ngãi. Lineage says which new unit was
formed from which old ones, whole or in part (`wards.map` holds the dates).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wards.collation import COLLATION
from wards.map import REFORM_DATE, in_force_on, map_date, period_label


def _period_constraints(prefix: str) -> list:
    return [
        models.CheckConstraint(
            condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
            name=f"{prefix}_period_ordered",
        ),
        # Identity is code + period: one unit per code and start date (an open start counts as one date).
        models.UniqueConstraint(
            fields=["code", "valid_from"], condition=Q(valid_from__isnull=False), name=f"{prefix}_code_period"
        ),
        models.UniqueConstraint(fields=["code"], condition=Q(valid_from__isnull=True), name=f"{prefix}_code_open"),
    ]


class UnitQuerySet(models.QuerySet):
    def on(self, day):
        """The units that exist on a day."""
        return self.filter(in_force_on(day))

    def current(self):
        """The units on today's map."""
        return self.on(timezone.localdate())

    def on_map(self, year: int):
        """The units on a year's map (its deadline's: wards.map.map_date)."""
        return self.on(map_date(year))


def in_province(province, prefix: str = "") -> Q:
    """Wards (through `prefix`, e.g. "ward__" from assessments) of a province or of the provinces it was formed
    from: the new Cần Thơ's history is the old Cần Thơ's, Hậu Giang's and Sóc Trăng's; each ward keeps its own
    province. `province` is a Province (its predecessors read once, Province.predecessors) or a province's id (a
    subquery, no extra round trip)."""
    if isinstance(province, Province):
        # The ids written out, from the province's predecessors read once per instance (a page passes one
        # province to every query it makes): PostgreSQL then reads the wards by their province's index instead of
        # testing each ward against a subquery (the leadership page's SQL 19 → 15 ms at national scale).
        return Q(**{f"{prefix}province_id__in": [province.pk, *(p.pk for p in province.predecessors)]})
    predecessors = ProvinceLineage.objects.filter(successor_id=province).values("predecessor_id")
    return Q(**{f"{prefix}province_id": province}) | Q(**{f"{prefix}province_id__in": predecessors})


class Unit(models.Model):
    """What provinces and wards share: a code, a name and the period they existed."""

    code = models.CharField(_("mã"), max_length=10)
    # Names sort in Vietnamese order wherever they are ordered by, on PostgreSQL and SQLite alike.
    name = models.CharField(_("tên"), max_length=100, db_collation=COLLATION)
    valid_from = models.DateField(_("tồn tại từ ngày"), null=True, blank=True, help_text=_("Để trống nếu không rõ"))
    valid_to = models.DateField(_("tồn tại đến ngày"), null=True, blank=True, help_text=_("Để trống nếu còn tồn tại"))

    objects = UnitQuerySet.as_manager()

    class Meta:
        abstract = True

    def exists_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    @property
    def ended(self) -> bool:
        return self.valid_to is not None

    @property
    def period_label(self) -> str:
        return period_label(self.valid_from, self.valid_to)

    def overlaps(self, other) -> bool:
        starts_before_other_ends = (
            self.valid_from is None or other.valid_to is None or self.valid_from <= other.valid_to
        )
        ends_after_other_starts = self.valid_to is None or other.valid_from is None or other.valid_from <= self.valid_to
        return starts_before_other_ends and ends_after_other_starts

    def clean(self):
        """Two units with one code may not exist on the same day (the constraint only sees equal starts)."""
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": gettext("Ngày kết thúc phải sau ngày bắt đầu.")})
        if self.code:
            for other in type(self).objects.filter(code=self.code).exclude(pk=self.pk):
                if self.overlaps(other):
                    raise ValidationError(
                        {
                            "code": gettext("Mã %(code)s đã thuộc %(other)s trong thời gian %(period)s.")
                            % {"code": self.code, "other": other, "period": other.period_label}
                        }
                    )


class Province(Unit):  # Tỉnh / Thành phố trực thuộc trung ương
    class Meta:
        verbose_name = _("tỉnh/thành phố")
        verbose_name_plural = _("tỉnh/thành phố")
        ordering = ["name", "valid_from"]
        constraints = _period_constraints("province")

    def __str__(self):
        return self.name

    @cached_property
    def predecessors(self) -> list["Province"]:
        """The provinces this one was formed from, by name (the new Cần Thơ: the old Cần Thơ, Hậu Giang and Sóc
        Trăng); none for a province that was not. One query, read once per instance: code that writes a
        ProvinceLineage and then reads through the same instance drops it first (del province.predecessors)."""
        return list(Province.objects.filter(successor_links__successor=self).order_by("name"))

    def clean(self):
        """A province's period covers its wards' periods (a ward cannot outlive its province)."""
        super().clean()
        if self.pk is None:
            return
        outside = [w for w in self.wards.order_by("name") if not w._period_within(self)]
        if outside:
            names = ", ".join(str(w) for w in outside[:5]) + ("…" if len(outside) > 5 else "")
            raise ValidationError(
                {
                    "valid_to" if self.valid_to else "valid_from": gettext(
                        "%(count)s đơn vị của tỉnh/thành phố tồn tại ngoài thời gian %(period)s: %(names)s. Hãy sửa "
                        "thời gian của các đơn vị đó trước."
                    )
                    % {"count": len(outside), "period": self.period_label, "names": names}
                }
            )


class District(models.Model):  # Quận / Huyện / Thị xã: only before the 2025 reform
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="districts", verbose_name=_("tỉnh/thành phố")
    )
    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=100, db_collation=COLLATION)

    class Meta:
        verbose_name = _("quận/huyện")
        verbose_name_plural = _("quận/huyện")
        ordering = ["province", "name"]

    def __str__(self):
        return self.name


class Ward(Unit):  # Phường (and the communes a new phường was formed from)
    class Kind(models.TextChoices):
        WARD = "phuong", _("Phường")
        COMMUNE = "xa", _("Xã")
        TOWNSHIP = "thi_tran", _("Thị trấn")

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="wards", verbose_name=_("tỉnh/thành phố")
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="wards", null=True, blank=True, verbose_name=_("quận/huyện")
    )
    code = models.CharField(_("mã đơn vị hành chính"), max_length=10)
    # Only phường are assessed; communes and townships are here as what a new phường was formed from.
    kind = models.CharField(_("loại đơn vị"), max_length=10, choices=Kind.choices, default=Kind.WARD)

    class Meta:
        verbose_name = _("phường")
        verbose_name_plural = _("phường")
        ordering = ["province", "district__name", "name"]
        constraints = [
            *_period_constraints("ward"),
            # Districts were abolished with the reform: a unit formed after it has none.
            models.CheckConstraint(
                condition=Q(district__isnull=True) | Q(valid_from__isnull=True) | Q(valid_from__lt=REFORM_DATE),
                name="ward_district_only_before_reform",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"

    def clean(self):
        super().clean()
        errors = {}
        if self.district_id and self.valid_from and self.valid_from >= REFORM_DATE:
            errors["district"] = gettext("Đơn vị hình thành sau ngày 01/7/2025 không thuộc quận/huyện nào.")
        if self.province_id and not self._period_within(self.province):
            errors["province"] = gettext("%(province)s không tồn tại trong suốt thời gian %(period)s của đơn vị.") % {
                "province": self.province,
                "period": self.period_label,
            }
        errors.update(self._assessments_kept_errors())
        if errors:
            raise ValidationError(errors)

    def _assessments_kept_errors(self) -> dict[str, str]:
        """Said in words what the database refuses (trigger ward_keeps_assessments): a period or a kind that
        would leave one of the ward's assessments off its map."""
        if self.pk is None:
            return {}
        assessments = list(self.assessments.order_by("year").only("year", "deadline"))
        if assessments and self.kind != Ward.Kind.WARD:
            return {
                "kind": gettext("%(ward)s có hồ sơ đánh giá (năm %(years)s): chỉ phường mới được đánh giá.")
                % {"ward": self, "years": ", ".join(str(a.year) for a in assessments)}
            }
        off = [a for a in assessments if not self.exists_on(a.deadline)]
        if not off:
            return {}
        field = "valid_from" if self.valid_from and any(a.deadline < self.valid_from for a in off) else "valid_to"
        return {
            field: gettext(
                "%(ward)s có hồ sơ đánh giá năm %(years)s (hạn nộp %(deadlines)s) nằm ngoài thời gian %(period)s."
            )
            % {
                "ward": self,
                "years": ", ".join(str(a.year) for a in off),
                "deadlines": ", ".join(a.deadline.strftime("%d/%m/%Y") for a in off),
                "period": self.period_label,
            }
        }

    @property
    def formed_from(self) -> str:
        """ "An Hòa, Cái Khế, một phần Bùi Hữu Nghĩa" (prefetch predecessor_links__predecessor for lists)."""
        return ", ".join(link.label for link in self.predecessor_links.all())

    def _period_within(self, outer: Unit) -> bool:
        starts = outer.valid_from is None or (self.valid_from is not None and outer.valid_from <= self.valid_from)
        ends = outer.valid_to is None or (self.valid_to is not None and self.valid_to <= outer.valid_to)
        return starts and ends


class ProvinceLineage(models.Model):  # Tỉnh mới hình thành từ tỉnh cũ
    """A new province formed from an old one (whole: provinces were merged, never split)."""

    successor = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="predecessor_links", verbose_name=_("tỉnh mới")
    )
    predecessor = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="successor_links", verbose_name=_("tỉnh cũ")
    )

    class Meta:
        verbose_name = _("sáp nhập tỉnh")
        verbose_name_plural = _("sáp nhập tỉnh")
        constraints = [
            models.UniqueConstraint(fields=["successor", "predecessor"], name="province_lineage_once"),
            models.CheckConstraint(condition=~Q(successor=F("predecessor")), name="province_lineage_not_self"),
        ]

    def __str__(self):
        return f"{self.successor} ← {self.predecessor}"


class WardLineage(models.Model):  # Phường mới hình thành từ đơn vị cũ
    """A new unit formed, whole or in part, from an old one; the reform's date is the successor's start."""

    successor = models.ForeignKey(
        Ward, on_delete=models.CASCADE, related_name="predecessor_links", verbose_name=_("đơn vị mới")
    )
    # Empty where the reference data names an old unit it could not match to a code.
    predecessor = models.ForeignKey(
        Ward,
        on_delete=models.PROTECT,
        related_name="successor_links",
        null=True,
        blank=True,
        verbose_name=_("đơn vị cũ"),
    )
    predecessor_name = models.CharField(_("tên đơn vị cũ"), max_length=120)
    # False when the old unit was split and this successor got only part of it ("một phần").
    whole = models.BooleanField(_("nhập nguyên đơn vị"), default=True)

    class Meta:
        verbose_name = _("hình thành phường")
        verbose_name_plural = _("hình thành phường")
        ordering = ["successor", "-whole", "predecessor_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["successor", "predecessor"], condition=Q(predecessor__isnull=False), name="ward_lineage_once"
            ),
            models.CheckConstraint(condition=~Q(successor=F("predecessor")), name="ward_lineage_not_self"),
        ]

    def __str__(self):
        return f"{self.successor} ← {self.label}"

    @property
    def label(self) -> str:
        """ "An Hòa", "một phần Bùi Hữu Nghĩa": how the ward's page names this predecessor."""
        if self.predecessor_id is None:
            name = self.predecessor_name
        else:
            old = self.predecessor
            # "An Hòa", but "Phường 1" (a number alone says nothing) and "Xã Mỹ Khánh" (not a phường).
            plain = old.kind == Ward.Kind.WARD and not old.name[:1].isdigit()
            name = old.name if plain else str(old)
        return name if self.whole else gettext("một phần %(name)s") % {"name": name}
