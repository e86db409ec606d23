"""The reporting calendar: a province's deadline for a year, what changing it does, and the extensions that let
one ward submit after it (the way DHIS2 closes data entry after its expiry days and grants lock exceptions)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import gettext

from wards import access
from wards.models import (
    Assessment,
    AuditEvent,
    DeadlineExtension,
    Membership,
    Notification,
    Province,
    ReportingCalendar,
)
from wards.selectors import membership_of, provinces_administered_by
from wards.services.audit import audit_event, locked_for_update
from wards.services.notifications import notify, ward_people


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
        calendar.full_clean()  # refuses (ValidationError) a deadline off the map of the drafts it would move
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


class SubmissionClosed(Exception):
    """The deadline (and any extension) has passed: a draft cannot be submitted without a new extension."""

    def __init__(self, assessment: Assessment):
        self.assessment = assessment
        super().__init__(closed_message(assessment))


@dataclass(frozen=True)
class SubmissionWindow:
    """What both sides see of a draft's deadline: the extensions granted, the last day, closed or not."""

    extensions: list[DeadlineExtension]
    last_day: datetime.date
    closed: bool


def submission_window(assessment: Assessment, today=None) -> SubmissionWindow:
    """In one query (the extensions, newest first), by the assessment's own rule (last_day_to_submit)."""
    prefetch_related_objects(
        [assessment], Prefetch("extensions", queryset=DeadlineExtension.objects.select_related("granted_by"))
    )
    return SubmissionWindow(
        list(assessment.extensions.all()), assessment.last_day_to_submit(), assessment.submission_closed(today)
    )


def closed_message(assessment: Assessment) -> str:
    return gettext(
        "Đã quá hạn nộp (%(day)s): chỉ gửi được khi Công an tỉnh/thành phố cho gia hạn. Số liệu đã nhập vẫn được lưu."
    ) % {"day": assessment.last_day_to_submit().strftime("%d/%m/%Y")}


def may_grant_extension(user, assessment: Assessment) -> bool:
    """Reviewers and approvers of the ward's province, its administrator, and national administrators."""
    if not access.can(user, access.Action.GRANT_EXTENSION):
        return False
    membership = membership_of(user)
    if membership is not None and membership.role in Membership.PROVINCE_ROLES:
        return membership.province_id == assessment.ward.province_id
    return provinces_administered_by(user).filter(pk=assessment.ward.province_id).exists()


def extension_errors(assessment: Assessment, until: datetime.date | None, reason: str, today=None) -> dict:
    today = today or timezone.localdate()
    errors = {}
    if assessment.status != Assessment.Status.DRAFT:
        errors["until"] = gettext("Chỉ gia hạn cho hồ sơ chưa gửi.")
    elif until is None:
        errors["until"] = gettext("Cần ghi ngày gia hạn đến.")
    elif until < today:
        errors["until"] = gettext("Ngày gia hạn phải từ hôm nay trở đi.")
    elif until > today + datetime.timedelta(days=DeadlineExtension.MAX_DAYS):
        errors["until"] = gettext("Gia hạn tối đa %(days)s ngày kể từ hôm nay.") % {"days": DeadlineExtension.MAX_DAYS}
    if not (reason or "").strip():
        errors["reason"] = gettext("Cần nêu lý do gia hạn.")
    return errors


@transaction.atomic
def extension_grant(*, assessment: Assessment, until: datetime.date, reason: str, user) -> DeadlineExtension:
    """Let a ward submit until a day after its deadline, for a reason: audited, and the ward's people notified."""
    locked = locked_for_update(assessment)
    if not may_grant_extension(user, locked):
        raise PermissionDenied(gettext("Chỉ cán bộ của tỉnh/thành phố cho gia hạn được."))
    errors = extension_errors(locked, until, reason)
    if errors:
        raise ValidationError(errors)
    with translation.override(settings.LANGUAGE_CODE):
        old = locked.last_day_to_submit().strftime("%d/%m/%Y")
        extension = DeadlineExtension.objects.create(
            assessment=locked, until=until, reason=reason.strip(), granted_by=user
        )
        new = gettext("%(until)s (lý do: %(reason)s)") % {"until": until.strftime("%d/%m/%Y"), "reason": reason.strip()}
        audit_event(locked, user, AuditEvent.Action.EXTENSION, gettext("Hạn nộp hồ sơ"), old, new).save()
        notify(
            users=ward_people(locked.ward_id),
            assessment=locked,
            kind=Notification.Kind.EXTENDED,
            extension=extension,
        )
    return extension
