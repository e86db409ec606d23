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
        PROVINCE_ADMIN = "province_admin", _("Quản trị tỉnh")

    WARD_ROLES = (Role.WARD_OFFICER, Role.WARD_HEAD)
    PROVINCE_ROLES = (Role.REVIEWER, Role.APPROVER)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership", verbose_name=_("người dùng")
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("phường")
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text=_("Để trống với lãnh đạo phụ trách mọi tỉnh"),
        verbose_name=_("tỉnh/thành phố"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("vai trò người dùng")
        verbose_name_plural = _("vai trò người dùng")
        constraints = [
            # Ward roles are scoped to exactly one ward (their province follows from it).
            models.CheckConstraint(
                condition=~Q(role__in=["ward_officer", "ward_head"]) | Q(ward__isnull=False, province__isnull=True),
                name="membership_ward_role_has_ward",
            ),
            # Province roles (and a province's administrator) are scoped to exactly one province.
            models.CheckConstraint(
                condition=~Q(role__in=["reviewer", "approver", "province_admin"])
                | Q(ward__isnull=True, province__isnull=False),
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


class Invitation(models.Model):  # Lời mời
    """An invitation to set one's own password, e-mailed by the worker with a one-time link.

    The link's token is made when the e-mail is sent (wards.tasks.send_invitation_emails) and is Django's
    password-reset token: it stops working once the password is set, and after PASSWORD_RESET_TIMEOUT."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("người dùng")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người mời")
    )
    # Where the link points: the address the administrator used (the worker has no request of its own).
    site = models.CharField(_("địa chỉ trang"), max_length=200)
    created_at = models.DateTimeField(_("mời lúc"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("đã gửi email lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lời mời")
        verbose_name_plural = _("lời mời")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep: invitations whose e-mail has not gone yet.
            models.Index(fields=["emailed_at"], name="invitation_unsent", condition=Q(emailed_at__isnull=True)),
            # The people page: each user's latest invitation.
            models.Index(fields=["user", "-created_at"], name="invitation_user_created"),
        ]

    def __str__(self):
        return f"{self.user} ({self.created_at:%d/%m/%Y %H:%M})"


class PeopleEvent(models.Model):  # Nhật ký quản lý người dùng
    """One change to a province's people: an import from Excel (who imported which file, what it created and
    updated), a deactivation or reactivation, an invitation sent again. Written only by
    wards.services.people; never edited. Users are never deleted, so what they did keeps pointing at them."""

    class Kind(models.TextChoices):
        IMPORT = "import", _("Nhập từ Excel")
        DEACTIVATE = "deactivate", _("Ngừng hoạt động")
        REACTIVATE = "reactivate", _("Hoạt động lại")
        INVITE = "invite", _("Gửi lại lời mời")

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="people_events", verbose_name=_("tỉnh/thành phố")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người thực hiện")
    )
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    kind = models.CharField(_("thao tác"), max_length=20, choices=Kind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người dùng"),
    )
    file_name = models.CharField(_("tệp"), max_length=255, blank=True)
    created = models.PositiveIntegerField(_("tạo mới"), default=0)
    updated = models.PositiveIntegerField(_("cập nhật"), default=0)
    # What changed, one line per person, in the site's language (stored text).
    detail = models.TextField(_("chi tiết"), blank=True)

    class Meta:
        verbose_name = _("nhật ký quản lý người dùng")
        verbose_name_plural = _("nhật ký quản lý người dùng")
        ordering = ["-at", "-pk"]
        indexes = [
            # The people page: a province's latest events.
            models.Index(fields=["province", "-at"], name="people_event_province_at"),
        ]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor}: {self.get_kind_display()}"
