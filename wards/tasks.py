"""Celery tasks: thin wrappers that load by id and call a service."""

import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from wards import services
from wards.models import Invitation, Notification
from wards.services import people

TRANSIENT = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email each notification once: a row is claimed (emailed_at set) before sending, and released when
    the mail server fails, so a retry or the sweep sends it later."""
    sent = 0
    for note in Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related("user"):
        if not note.user.email:
            Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
            continue
        if not Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(emailed_at=timezone.now()):
            continue  # another worker took it
        try:
            send_mail(note.subject, note.body, settings.DEFAULT_FROM_EMAIL, [note.user.email])
        except TRANSIENT:
            Notification.objects.filter(pk=note.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def send_invitation_emails(invitation_ids: list[int]) -> int:
    """Email each invitation once, with a link made now: a row is claimed (emailed_at set) before sending, and
    released when the mail server fails, so a retry or the sweep sends it later."""
    sent = 0
    for invitation in Invitation.objects.filter(pk__in=invitation_ids, emailed_at__isnull=True).select_related(
        "user", "invited_by"
    ):
        if not Invitation.objects.filter(pk=invitation.pk, emailed_at__isnull=True).update(emailed_at=timezone.now()):
            continue  # another worker took it
        try:
            sent += people.invitation_send(invitation)
        except TRANSIENT:
            Invitation.objects.filter(pk=invitation.pk).update(emailed_at=None)
            raise
    return sent


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def send_pending_emails() -> int:
    """The sweep: send what could not be queued (broker down) or failed before: notifications and invitations."""
    ids = list(Notification.objects.filter(emailed_at__isnull=True).values_list("pk", flat=True)[:500])
    invitations = list(Invitation.objects.filter(emailed_at__isnull=True).values_list("pk", flat=True)[:500])
    return (send_notification_emails(ids) if ids else 0) + (send_invitation_emails(invitations) if invitations else 0)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def send_deadline_reminders() -> int:
    """Daily: create the 14/7/1-day reminders due today, then email them."""
    created = services.deadline_reminders(today=timezone.localdate())
    send_pending_emails.delay()
    return created
