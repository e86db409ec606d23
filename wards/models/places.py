"""Provinces, districts and wards (tỉnh, quận/huyện, phường): the places assessments are about."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

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
