"""Who may act where: a user's one role (vai trò) and the ward or province it is scoped to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wards.models.places import Province, Ward


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
            return gettext("Phường %(ward)s") % {"ward": self.ward.name}
        if self.province_id:
            return str(self.province)
        return gettext("Toàn quốc")
