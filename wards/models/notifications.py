"""Messages to users (thông báo), shown on their home page and sent by e-mail."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wards.models.assessment import Assessment


class Notification(models.Model):  # Thông báo
    """A message to one user, shown on their home page and sent by email by a Celery task."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Hồ sơ được gửi")
        RETURNED = "returned", _("Hồ sơ bị trả lại")
        APPROVED = "approved", _("Hồ sơ được phê duyệt")
        REOPENED = "reopened", _("Hồ sơ được mở lại")
        REMINDER = "reminder", _("Nhắc hạn nộp")
        OPENED = "opened", _("Mở đợt đánh giá")
        EXTENDED = "extended", _("Được gia hạn nộp")
        HALF_YEAR = "half_year", _("Nhắc báo cáo 6 tháng")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("người dùng")
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("hồ sơ đánh giá")
    )
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"))
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("đã gửi email lúc"), null=True, blank=True)
    # For reminders: how many days before the deadline it was for; one per user, assessment and threshold.
    days_before = models.PositiveSmallIntegerField(_("số ngày trước hạn"), null=True, blank=True)
    # For reminders: the last day it was about (the deadline, or the extension's day): a moved deadline or an
    # extension is reminded of again.
    due_on = models.DateField(_("hạn được nhắc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "assessment", "kind", "days_before", "due_on"],
                condition=Q(kind__in=["reminder", "half_year"]),
                name="notification_one_reminder_per_threshold",
            ),
        ]
        indexes = [
            # The home page's list: a user's newest notifications.
            models.Index(fields=["user", "-created_at"], name="notification_user_created"),
            # The sweep: notifications whose email has not gone yet.
            models.Index(fields=["emailed_at"], name="notification_unsent", condition=Q(emailed_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.user}: {self.subject}"
