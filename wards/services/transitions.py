"""The moves of the declared workflow (wards.workflow): submit, return, start review, approve, reopen."""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.models import Criterion, Indicator
from modelphuong.language import site_language
from wards import parsing, workflow
from wards.models import (
    Assessment,
    Decision,
    Notification,
    ReturnReason,
)
from wards.selectors import assessment_page
from wards.services.audit import locked_for_update, status_event
from wards.services.calendar import SubmissionClosed
from wards.services.issuing import decision_issue, documents_revoke
from wards.services.notifications import notify, province_people, ward_people
from wards.services.rounds import clear_outdated_verdicts, snapshot_round
from wards.services.verdicts import take_into_review
from wards.workflow import Action

Status = Assessment.Status


@dataclass
class MissingIndicator:
    indicator: Indicator

    @property
    def anchor(self) -> str:
        return parsing.anchor(self.indicator)


class IncompleteAssessment(Exception):
    def __init__(self, missing: list[MissingIndicator]):
        super().__init__(_("%(missing)s chỉ tiêu chưa có số liệu") % {"missing": len(missing)})
        self.missing = missing


def missing_indicators(page) -> list[MissingIndicator]:
    """Indicators without a figure, an N/A or an exclusion with its reason that their criterion asks for:
    what blocks submission (TC14 with no hotspot does not ask for 14.2 and 14.3)."""
    return [
        MissingIndicator(indicator)
        for criterion in page.criteria
        for indicator in criterion.indicators.all()
        if indicator.code in page.score.criteria[criterion.code].missing
    ]


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user) -> Assessment:
    """Send a draft or returned assessment to the province. Refuses anyone but the ward's head, other
    statuses, and assessments with indicators still missing (IncompleteAssessment lists them)."""
    locked = Assessment.objects.select_for_update().select_related("ward").get(pk=assessment.pk)
    transition = workflow.require(user, Action.SUBMIT, locked)
    if locked.submission_closed():
        raise SubmissionClosed(locked)
    page = assessment_page(assessment=locked)
    missing = missing_indicators(page)
    if missing:
        raise IncompleteAssessment(missing)
    old = locked.status
    if locked.status == Status.RETURNED:
        locked.round += 1
    locked.status = transition.target
    locked.submitted_at = timezone.now()
    locked.submitted_by = user
    locked.save(update_fields=["status", "round", "submitted_at", "submitted_by", "updated_at"])
    with site_language():  # what is stored and sent reads the same whoever acted
        status_event(locked, user, Status(old).label, locked.get_status_display())
        snapshot_round(locked, user, locked.submitted_at, page=page)
        clear_outdated_verdicts(locked, user)
        notify(users=province_people(locked.ward.province_id), assessment=locked, kind=Notification.Kind.SUBMITTED)
    return locked


@transaction.atomic
def assessment_return(*, assessment: Assessment, user, reasons: dict[int, str]) -> Assessment:
    """Return a submitted assessment to the ward with a reason per criterion (criterion id → text).
    Refuses non-reviewers, statuses other than submitted/in review, and a return without any reason."""
    locked = locked_for_update(assessment)
    transition = workflow.require(user, Action.RETURN, locked)
    reasons = {cid: text.strip() for cid, text in reasons.items() if text and text.strip()}
    if not reasons:
        raise ValidationError(_("Cần nêu lý do trả lại cho ít nhất một tiêu chí."))
    # The reasons sent are those posted now; drafts saved earlier with the verdicts give way to them.
    locked.return_reasons.filter(round=locked.round, draft=True).delete()
    ReturnReason.objects.bulk_create(
        ReturnReason(assessment=locked, round=locked.round, criterion_id=cid, text=text, reviewer=user)
        for cid, text in reasons.items()
    )
    old = locked.status
    locked.status = transition.target
    locked.save(update_fields=["status", "updated_at"])
    numbers = dict(Criterion.objects.filter(pk__in=reasons).values_list("pk", "number"))
    listed = [(f"TC{numbers[cid]}", text) for cid, text in sorted(reasons.items(), key=lambda r: numbers[r[0]])]
    with site_language():  # what is stored and sent reads the same whoever acted
        status_event(locked, user, Status(old).label, locked.get_status_display())
        notify(users=ward_people(locked.ward_id), assessment=locked, kind=Notification.Kind.RETURNED, reasons=listed)
    return locked


@transaction.atomic
def assessment_start_review(*, assessment: Assessment, user) -> Assessment:
    """A reviewer takes a submitted assessment into review. Refuses non-reviewers and other statuses."""
    locked = locked_for_update(assessment)
    workflow.require(user, Action.START_REVIEW, locked)
    take_into_review(locked, user)
    return locked


# A Vietnamese decision number: the number, "QĐ", then the issuing body (e.g. 125/QĐ-CAT-PV05, 15/QĐ-UBND).
DECISION_NUMBER = re.compile(r"\d{1,6}/QĐ(-[A-ZĐ0-9]{1,20}){1,4}")


def decision_errors(assessment: Assessment, number: str, decided_on: datetime.date | None) -> dict[str, str]:
    """What is wrong with a decision's number and date, by field: the number in the Vietnamese form, a date
    not in the future and not before the assessment was submitted."""
    errors = {}
    number = parsing.nfc((number or "").strip())
    if not number:
        errors["number"] = _("Cần ghi số quyết định.")
    elif not DECISION_NUMBER.fullmatch(number):
        errors["number"] = _(
            "«%(number)s» không đúng dạng số quyết định: số/QĐ-cơ quan ban hành, ví dụ 125/QĐ-CAT-PV05."
        ) % {"number": number[:40]}
    if decided_on is None:
        errors["decided_on"] = _("Cần ghi ngày quyết định.")
    else:
        today = timezone.localdate()
        submitted = timezone.localtime(assessment.submitted_at).date() if assessment.submitted_at else None
        if decided_on > today:
            errors["decided_on"] = _("Ngày quyết định không được sau hôm nay (%(today)s).") % {
                "today": f"{today:%d/%m/%Y}"
            }
        elif submitted and decided_on < submitted:
            errors["decided_on"] = _("Ngày quyết định không được trước ngày phường gửi hồ sơ (%(submitted)s).") % {
                "submitted": f"{submitted:%d/%m/%Y}"
            }
    return errors


def assessment_approve(
    *,
    assessment: Assessment,
    user,
    number: str,
    decided_on: datetime.date,
    signer_name: str = "",
    signer_title: str = "",
) -> Decision:
    """Record the certification decision of one ward, issued as a decision document of its own (see
    issuing.decision_issue, which approves several wards in one decision). Refuses all but the province's approving
    reviewers, statuses other than in review, and assessments whose criteria do not all have a verdict."""
    document = decision_issue(
        assessments=[assessment],
        user=user,
        number=number,
        decided_on=decided_on,
        signer_name=signer_name,
        signer_title=signer_title,
    )
    return document.decisions.get()


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, user, reason: str) -> Assessment:
    """Reopen an approved assessment for a new review round, revoking its decision. Refuses all but the
    province's approving reviewers, assessments that are not approved, and a reopening without reason."""
    locked = locked_for_update(assessment)
    transition = workflow.require(user, Action.REOPEN, locked)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Cần nêu lý do mở lại hồ sơ."))
    now = timezone.now()
    locked.decisions.in_force().update(revoked_at=now, revoked_by=user, revoke_reason=reason)
    documents_revoke(locked, user, reason, now)
    old = locked.status
    locked.status = transition.target
    locked.round += 1
    locked.save(update_fields=["status", "round", "updated_at"])
    with site_language():  # what is stored and sent reads the same whoever acted
        status_event(
            locked,
            user,
            Status(old).label,
            f"{Status.IN_REVIEW.label} (vòng {locked.round}). Lý do: {reason}",
            "Mở lại hồ sơ",
        )
        snapshot_round(locked, user, now)
        notify(users=ward_people(locked.ward_id), assessment=locked, kind=Notification.Kind.REOPENED, reason=reason)
    return locked
