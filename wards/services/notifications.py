"""Notifications in the app and by e-mail (queued after commit, swept when the broker is down), and reminders."""

import datetime
import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string

from modelphuong.language import in_site_language
from wards.models import (
    Assessment,
    Membership,
    Notification,
)

logger = logging.getLogger(__name__)


def ward_people(ward_id):
    return get_user_model().objects.filter(
        is_active=True, membership__ward_id=ward_id, membership__role__in=Membership.WARD_ROLES
    )


def province_people(province_id):
    return get_user_model().objects.filter(
        is_active=True, membership__province_id=province_id, membership__role__in=Membership.PROVINCE_ROLES
    )


@in_site_language
def message(kind: str, **context) -> tuple[str, str]:
    """(subject, body) of a notification, from templates/wards/notifications/<kind>.txt: its first line is
    the subject, the rest the body. In the site's language: it is stored, and e-mailed as stored."""
    text = render_to_string(f"wards/notifications/{kind}.txt", context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()


def notify(*, users, assessment: Assessment, kind: str, **context) -> list[Notification]:
    """Record an in-app notification per user, its text from the kind's template, and have their emails sent
    once the transaction commits."""
    subject, body = message(kind, a=assessment, ward=assessment.ward, **context)
    notes = Notification.objects.bulk_create(
        Notification(user=u, assessment=assessment, kind=kind, subject=subject, body=body) for u in users
    )
    ids = [n.pk for n in notes if n.pk]
    if ids:
        transaction.on_commit(lambda: enqueue_emails(ids))
    return notes


def enqueue_emails(ids: list[int]) -> None:
    """Queue the notifications' emails; when the broker is down the periodic sweep sends them later."""
    from wards.tasks import send_notification_emails

    queue_or_leave_for_the_sweep(send_notification_emails, ids, "notification")


def queue_or_leave_for_the_sweep(task, ids: list[int], what: str) -> None:
    """Queue a sending task for the rows; a broker that is down costs nothing here: the rows stay unsent and
    the periodic sweep sends them later (the request never waits on it, never fails for it)."""
    try:
        task.delay(ids)
    except Exception:  # any broker failure
        logger.warning("Broker unreachable; %d %s emails left for the sweep", len(ids), what, exc_info=True)


REMINDER_DAYS = (14, 7, 1)


def deadline_reminders(*, today: datetime.date) -> int:
    """Remind ward users of unsubmitted assessments 14, 7 and 1 days before their last day: the deadline (as the
    province's calendar set it) or the last extension granted; and of the half-year report on the province's
    calendar (15/5 by default). Each reminder exists once per user, assessment, kind, threshold and day (a
    database constraint), so running twice sends nothing, and a moved day is reminded of."""
    created = 0
    for days in REMINDER_DAYS:
        due = today + datetime.timedelta(days=days)
        assessments = (
            Assessment.objects.filter(
                Q(deadline=due) | Q(extensions__until=due), status__in=Assessment.EDITABLE_BY_WARD
            )
            .distinct()
            .select_related("ward")
            .prefetch_related("extensions")
        )
        for assessment in assessments:
            if assessment.last_day_to_submit() == due:  # else a later extension is the day to remind of
                created += _remind(assessment, Notification.Kind.REMINDER, days, due)
        for assessment in _half_year_due(due):
            created += _remind(assessment, Notification.Kind.HALF_YEAR, days, due)
    return created


def _half_year_due(due: datetime.date):
    """The year's drafts of the provinces whose half-year report falls on the day (their calendar's, else 15/5)."""
    from wards.models import ReportingCalendar

    set_here = ReportingCalendar.objects.filter(year=due.year)
    on_day = set_here.filter(half_year_report=due).values("province_id")
    drafts = Assessment.objects.filter(year=due.year, status__in=Assessment.EDITABLE_BY_WARD).select_related("ward")
    by_calendar = Q(ward__province_id__in=on_day)
    if (due.month, due.day) == ReportingCalendar.DEFAULT_HALF_YEAR:
        by_calendar |= ~Q(ward__province_id__in=set_here.values("province_id"))
    return drafts.filter(by_calendar)


def _remind(assessment, kind, days: int, due: datetime.date) -> int:
    existing = set(
        Notification.objects.filter(assessment=assessment, kind=kind, days_before=days, due_on=due).values_list(
            "user_id", flat=True
        )
    )
    subject, body = message(kind, a=assessment, ward=assessment.ward, days=days, last_day=due)
    made = Notification.objects.bulk_create(
        [
            Notification(
                user=u,
                assessment=assessment,
                kind=kind,
                days_before=days,
                due_on=due,
                subject=subject,
                body=body,
            )
            for u in ward_people(assessment.ward_id)
            if u.pk not in existing
        ],
        ignore_conflicts=True,
    )
    return len(made)
