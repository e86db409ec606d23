"""Notifications in the app and by e-mail (queued after commit, swept when the broker is down), and reminders."""

import datetime
import logging

from django.contrib.auth import get_user_model
from django.db import transaction

from wards.models import (
    Assessment,
    Membership,
    Notification,
)

logger = logging.getLogger(__name__)
Status = Assessment.Status


def ward_people(ward_id):
    return get_user_model().objects.filter(
        is_active=True, membership__ward_id=ward_id, membership__role__in=Membership.WARD_ROLES
    )


def province_people(province_id):
    return get_user_model().objects.filter(
        is_active=True, membership__province_id=province_id, membership__role__in=Membership.PROVINCE_ROLES
    )


def notify(*, users, assessment: Assessment, kind: str, subject: str, body: str) -> list[Notification]:
    """Record an in-app notification per user and have their emails sent once the transaction commits."""
    notes = Notification.objects.bulk_create(
        Notification(user=u, assessment=assessment, kind=kind, subject=subject, body=body) for u in users
    )
    ids = [n.pk for n in notes if n.pk]
    if ids:
        transaction.on_commit(lambda: enqueue_emails(ids))
    return notes


def enqueue_emails(ids: list[int]) -> None:
    """Queue the emails; when the broker is down the periodic sweep sends them later."""
    from wards.tasks import send_notification_emails

    try:
        send_notification_emails.delay(ids)
    except Exception:  # any broker failure: the notifications stay unsent and the sweep retries
        logger.warning("Broker unreachable; %d notification emails left for the sweep", len(ids), exc_info=True)


REMINDER_DAYS = (14, 7, 1)


def deadline_reminders(*, today: datetime.date) -> int:
    """Remind ward users of unsubmitted assessments 14, 7 and 1 days before the deadline. Each reminder
    exists once per user, assessment and threshold (a database constraint), so running twice sends nothing."""
    created = []
    for days in REMINDER_DAYS:
        due = today + datetime.timedelta(days=days)
        assessments = Assessment.objects.filter(deadline=due, status__in=Assessment.EDITABLE_BY_WARD)
        for assessment in assessments.select_related("ward"):
            existing = set(
                Notification.objects.filter(
                    assessment=assessment, kind=Notification.Kind.REMINDER, days_before=days
                ).values_list("user_id", flat=True)
            )
            created += Notification.objects.bulk_create(
                [
                    Notification(
                        user=u,
                        assessment=assessment,
                        kind=Notification.Kind.REMINDER,
                        days_before=days,
                        subject=f"Còn {days} ngày đến hạn nộp hồ sơ năm {assessment.year}",
                        body=(
                            f"Hồ sơ năm {assessment.year} của phường {assessment.ward.name} chưa được gửi. "
                            f"Hạn nộp: {assessment.deadline:%d/%m/%Y} (còn {days} ngày)."
                        ),
                    )
                    for u in ward_people(assessment.ward_id)
                    if u.pk not in existing
                ],
                ignore_conflicts=True,
            )
    return len(created)
