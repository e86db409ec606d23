"""The reporting calendar: a province's deadline for a year, and what changing it does."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from wards import access
from wards.models import Assessment, AuditEvent, Province, ReportingCalendar
from wards.services.audit import audit_event


def deadline_for(province: Province, year: int) -> datetime.date:
    """The yearly deadline of a province's assessments: its calendar's, else the ministry's 15/11."""
    calendar = ReportingCalendar.objects.filter(province=province, year=year).first()
    return calendar.deadline if calendar else ReportingCalendar.defaults(year)[0]


def calendar_save(*, calendar: ReportingCalendar, user) -> int:
    """Save a province's calendar for a year. A changed deadline moves the deadline of that year's assessments
    that are still drafts (audited on each); submitted ones keep the deadline they were submitted against.
    Returns how many assessments were moved."""
    access.require_province(user, access.Action.MANAGE_ROUNDS, calendar.province)
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        calendar.save()
        drafts = list(
            Assessment.objects.select_for_update()
            .filter(ward__province=calendar.province, year=calendar.year, status=Assessment.Status.DRAFT)
            .exclude(deadline=calendar.deadline)
        )
        target = gettext("Hạn nộp hồ sơ năm %(year)s") % {"year": calendar.year}
        events = [
            audit_event(
                a, user, AuditEvent.Action.DEADLINE, target, f"{a.deadline:%d/%m/%Y}", f"{calendar.deadline:%d/%m/%Y}"
            )
            for a in drafts
        ]
        Assessment.objects.filter(pk__in=[a.pk for a in drafts]).update(deadline=calendar.deadline)
        AuditEvent.objects.bulk_create(events)
    return len(drafts)
