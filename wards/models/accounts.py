"""What happened to a user's account (sự kiện tài khoản): the second factor turned on, recovery codes renewed or
used, a reset by an administrator. The assessments' audit trail is wards.models.audit; this one is the people's."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountEvent(models.Model):  # Nhật ký tài khoản
    """One thing done to a user's sign-in: whose account, by whom, when. Written only by services; never edited."""

    class Action(models.TextChoices):
        SECOND_FACTOR_ON = "second_factor_on", _("Bật xác thực hai lớp")
        RECOVERY_CODES_NEW = "recovery_codes_new", _("Tạo lại mã dự phòng")
        RECOVERY_CODE_USED = "recovery_code_used", _("Dùng mã dự phòng")
        SECOND_FACTOR_RESET = "second_factor_reset", _("Đặt lại xác thực hai lớp")

    # PROTECT, as for the assessments' audit trail: a user with a history is deactivated, not deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account_events", verbose_name=_("tài khoản")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người thực hiện")
    )
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    action = models.CharField(_("thao tác"), max_length=30, choices=Action.choices)
    detail = models.CharField(_("chi tiết"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("nhật ký tài khoản")
        verbose_name_plural = _("nhật ký tài khoản")
        ordering = ["-at", "-pk"]
        indexes = [
            # A user's own history, newest first (the admin's filter by account).
            models.Index(fields=["user", "at"], name="account_event_user_at"),
        ]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.user}: {self.get_action_display()} ({self.actor})"
