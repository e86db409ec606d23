"""State changes of an assessment. Each checks permission and state, writes the audit trail, and runs in one
transaction. Views call these; nothing else writes assessments."""

import datetime
import hashlib
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from criteria import scoring
from criteria.models import Criterion, Indicator
from wards import entry, filetypes, uploads, workflow
from wards.collation import sort_key
from wards.models import (
    Assessment,
    AuditEvent,
    Decision,
    EvidenceFile,
    IndicatorValue,
    Membership,
    Narrative,
    Notification,
    ReturnReason,
    RoundSnapshot,
    Verdict,
)
from wards.selectors import assessment_page
from wards.workflow import Action

logger = logging.getLogger(__name__)

Status = Assessment.Status
Role = Membership.Role
REVIEWABLE = (Status.SUBMITTED, Status.IN_REVIEW)
VALUE_FIELDS = (
    "yes",
    "count",
    "excluded",
    "exclusion_reason",
    "numerator",
    "denominator",
    "last_year",
    "last_year_manual",
    "na",
    "na_reason",
)


class StaleRevision(Exception):
    """The assessment changed since the page was opened."""


@dataclass
class MissingIndicator:
    indicator: Indicator

    @property
    def anchor(self) -> str:
        return entry.anchor(self.indicator)


class IncompleteAssessment(Exception):
    def __init__(self, missing: list[MissingIndicator]):
        super().__init__(f"{len(missing)} chỉ tiêu chưa có số liệu")
        self.missing = missing


def can_edit(user, assessment: Assessment) -> bool:
    """Whether the user may change the ward's figures, narratives and evidence now."""
    return workflow.can(user, Action.EDIT, assessment)


def _require_editable(user, assessment: Assessment) -> None:
    workflow.require(user, Action.EDIT, assessment)


def _audit(assessment, user, action, target, old="", new=""):
    return AuditEvent(
        assessment=assessment,
        actor=user,
        round=assessment.round,
        action=action,
        target=target,
        old=old,
        new=new,
    )


def _nothing_entered(data: dict) -> bool:
    # "No" (yes=False) is an answer; an unticked N/A box and the typed-by-hand mark are not.
    return not data.get("na") and all(
        data.get(f) is None or data.get(f) == "" for f in VALUE_FIELDS if f not in ("na", "last_year_manual")
    )


def _shown(indicator: Indicator, value) -> dict[str, str]:
    return entry.initial_for(indicator, value)


@transaction.atomic
def assessment_save(
    *,
    assessment: Assessment,
    user,
    figures: dict[int, dict],
    narratives: dict[int, str],
    base_revision: int,
) -> int:
    """Save the ward's page: figures per indicator id and narratives per criterion id. Returns how many
    fields changed. Refuses users outside the ward, assessments that are not editable, and stale pages."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_editable(user, locked)
    if locked.revision != base_revision:
        raise StaleRevision
    indicators = {i.pk: i for i in Indicator.objects.filter(pk__in=figures)}
    existing = {v.indicator_id: v for v in locked.values.filter(indicator_id__in=figures)}
    events, to_create, to_update = [], [], []
    for indicator_id, data in figures.items():
        indicator = indicators[indicator_id]
        value = existing.get(indicator_id)
        before = _shown(indicator, value)
        if value is None:
            if _nothing_entered(data):
                continue
            value = IndicatorValue(assessment=locked, indicator=indicator)
            to_create.append(value)
        changed = False
        for name in VALUE_FIELDS:
            if name in data and getattr(value, name) != data[name]:
                setattr(value, name, data[name])
                changed = True
        if not changed:
            if value in to_create:
                to_create.remove(value)
            continue
        value.updated_by = user
        if value.pk:
            to_update.append(value)
        after = _shown(indicator, value)
        labels = {p.name: p.label for p in entry.parts_for(indicator)}
        for name, old in before.items():
            if after[name] != old:
                events.append(
                    _audit(
                        locked,
                        user,
                        AuditEvent.Action.VALUE,
                        f"Chỉ tiêu {indicator.code} — {labels[name]}",
                        entry.display(name, old),
                        entry.display(name, after[name]),
                    )
                )
    IndicatorValue.objects.bulk_create(to_create)
    IndicatorValue.objects.bulk_update(to_update, [*VALUE_FIELDS, "updated_by", "updated_at"])

    criteria = {c.pk: c for c in Criterion.objects.filter(pk__in=narratives)}
    current = {n.criterion_id: n for n in locked.narratives.filter(criterion_id__in=narratives)}
    new_narratives, changed_narratives = [], []
    for criterion_id, text in narratives.items():
        narrative = current.get(criterion_id)
        old = narrative.text if narrative else ""
        if text == old:
            continue
        if narrative is None:
            new_narratives.append(Narrative(assessment=locked, criterion_id=criterion_id, text=text, updated_by=user))
        else:
            narrative.text, narrative.updated_by = text, user
            changed_narratives.append(narrative)
        events.append(
            _audit(
                locked,
                user,
                AuditEvent.Action.NARRATIVE,
                f"Kết quả thực hiện {criteria[criterion_id].code}",
                old,
                text,
            )
        )
    Narrative.objects.bulk_create(new_narratives)
    Narrative.objects.bulk_update(changed_narratives, ["text", "updated_by", "updated_at"])

    if events:
        AuditEvent.objects.bulk_create(events)
        locked.revision += 1
        locked.save(update_fields=["revision", "updated_at"])
        assessment.revision = locked.revision
    return len(events)


def validate_evidence(upload) -> filetypes.FileType:
    """The upload's type, or a ValidationError in Vietnamese (too large, empty, or not an allowed type)."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size == 0:
        raise ValidationError("Tệp rỗng.")
    if upload.size > limit:
        raise ValidationError(uploads.too_large_message(upload.name, upload.size, limit))
    try:
        kind = filetypes.detect(upload)
    except uploads.UnsafeArchive as exc:
        raise ValidationError(exc.message) from None
    if kind is None:
        raise ValidationError(
            f"Tệp «{upload.name}» không phải là {filetypes.ALLOWED_LABELS} (nhận biết theo nội dung tệp, "
            "không theo tên). Hãy chọn đúng tệp."
        )
    return kind


@transaction.atomic
def evidence_add(*, assessment: Assessment, criterion: Criterion, user, upload) -> EvidenceFile:
    """Store one evidence file under a random name with its original name, size, SHA-256 and uploader.
    Refuses users outside the ward, assessments that are not editable, and files that are not allowed."""
    # Locked and re-read: a submission racing this upload either sees the file or refuses it.
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_editable(user, assessment)
    kind = validate_evidence(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = EvidenceFile(
        assessment=assessment,
        criterion=criterion,
        original_name=entry.nfc(upload.name)[:255],
        content_type=kind.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )
    evidence.file.save(f"upload{kind.extension}", upload, save=False)
    evidence.save()
    _audit(
        assessment, user, AuditEvent.Action.FILE_ADDED, f"Minh chứng {criterion.code}", "", evidence.original_name
    ).save()
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: EvidenceFile, user) -> None:
    """Delete an evidence file and record it. Refuses users outside the ward and non-editable assessments."""
    assessment = Assessment.objects.select_for_update().get(pk=evidence.assessment_id)
    _require_editable(user, assessment)
    _audit(
        assessment,
        user,
        AuditEvent.Action.FILE_DELETED,
        f"Minh chứng {evidence.criterion.code}",
        f"{evidence.original_name} (SHA-256 {evidence.sha256[:12]}…)",
        "",
    ).save()
    stored = evidence.file.name
    storage = evidence.file.storage
    evidence.delete()
    # The file goes only once the deletion is committed, so a rollback never leaves a row without its file.
    transaction.on_commit(lambda: storage.delete(stored))


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
    page = assessment_page(assessment=locked)
    missing = missing_indicators(page)
    if missing:
        raise IncompleteAssessment(missing)
    old = locked.get_status_display()
    if locked.status == Status.RETURNED:
        locked.round += 1
    locked.status = transition.target
    locked.submitted_at = timezone.now()
    locked.submitted_by = user
    locked.save(update_fields=["status", "round", "submitted_at", "submitted_by", "updated_at"])
    _audit(locked, user, AuditEvent.Action.STATUS, "Trạng thái hồ sơ", old, locked.get_status_display()).save()
    _snapshot(locked, user, locked.submitted_at, page=page)
    _clear_outdated_verdicts(locked, user)
    ward = locked.ward
    notify(
        users=_province_people(ward.province_id),
        assessment=locked,
        kind=Notification.Kind.SUBMITTED,
        subject=f"Phường {ward.name} đã gửi hồ sơ năm {locked.year}",
        body=f"Công an phường {ward.name} đã gửi hồ sơ đánh giá năm {locked.year} (vòng {locked.round}) để thẩm định.",
    )
    return locked


@transaction.atomic
def assessment_return(*, assessment: Assessment, user, reasons: dict[int, str]) -> Assessment:
    """Return a submitted assessment to the ward with a reason per criterion (criterion id → text).
    Refuses non-reviewers, statuses other than submitted/in review, and a return without any reason."""
    locked = _locked(assessment)
    transition = workflow.require(user, Action.RETURN, locked)
    reasons = {cid: text.strip() for cid, text in reasons.items() if text and text.strip()}
    if not reasons:
        raise ValidationError("Cần nêu lý do trả lại cho ít nhất một tiêu chí.")
    # The reasons sent are those posted now; drafts saved earlier with the verdicts give way to them.
    locked.return_reasons.filter(round=locked.round, draft=True).delete()
    ReturnReason.objects.bulk_create(
        ReturnReason(assessment=locked, round=locked.round, criterion_id=cid, text=text, reviewer=user)
        for cid, text in reasons.items()
    )
    old = locked.get_status_display()
    locked.status = transition.target
    locked.save(update_fields=["status", "updated_at"])
    _audit(locked, user, AuditEvent.Action.STATUS, "Trạng thái hồ sơ", old, locked.get_status_display()).save()
    numbers = dict(Criterion.objects.filter(pk__in=reasons).values_list("pk", "number"))
    listed = "\n".join(
        f"- TC{numbers[cid]}: {text}" for cid, text in sorted(reasons.items(), key=lambda r: numbers[r[0]])
    )
    notify(
        users=_ward_people(locked.ward_id),
        assessment=locked,
        kind=Notification.Kind.RETURNED,
        subject=f"Hồ sơ năm {locked.year} bị trả lại để bổ sung",
        body=f"Cán bộ thẩm định đã trả lại hồ sơ năm {locked.year} của phường {locked.ward.name}. Lý do:\n{listed}",
    )
    return locked


# --- Notifications ---------------------------------------------------------------------------------


def _ward_people(ward_id):
    return get_user_model().objects.filter(
        is_active=True, membership__ward_id=ward_id, membership__role__in=Membership.WARD_ROLES
    )


def _province_people(province_id):
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


# --- Review ------------------------------------------------------------------------------------------


def snapshot_data(assessment: Assessment) -> dict:
    """The ward's figures, narratives and files as text, per criterion code, for round comparisons."""
    return snapshot_from_page(assessment_page(assessment=assessment))


def snapshot_from_page(page) -> dict:
    data: dict[str, dict] = {}
    for criterion in page.criteria:
        values = {}
        for indicator in criterion.indicators.all():
            shown = entry.initial_for(indicator, page.values.get(indicator.pk))
            for part in entry.parts_for(indicator):
                values[f"{indicator.code} — {part.label}"] = entry.display(part.name, shown[part.name])
        narrative = page.narratives.get(criterion.pk)
        data[criterion.code] = {
            "values": values,
            "narrative": narrative.text if narrative else "",
            "files": [f"{f.original_name} ({f.sha256[:12]})" for f in page.evidence.get(criterion.pk, [])],
        }
    return data


def _snapshot(locked: Assessment, user, at, *, page=None) -> None:
    """Keep what the round starts from, to show the reviewer what changed in the next one."""
    data = snapshot_from_page(page) if page is not None else snapshot_data(locked)
    RoundSnapshot.objects.update_or_create(
        assessment=locked, round=locked.round, defaults={"submitted_at": at, "submitted_by": user, "data": data}
    )


def _clear_outdated_verdicts(locked: Assessment, user) -> None:
    """A verdict was given on what the ward showed then: where the ward changed a criterion since, the
    verdict no longer applies and that criterion must be concluded again (the old one stays in the audit)."""
    snapshots = list(locked.snapshots.filter(round__lte=locked.round).order_by("-round")[:2])
    if len(snapshots) < 2:
        return
    changed = round_changes(snapshots[1].data, snapshots[0].data)
    outdated = locked.verdicts.filter(criterion__number__in=[int(code[2:]) for code in changed]).select_related(
        "criterion"
    )
    events = [
        _audit(
            locked,
            user,
            AuditEvent.Action.VERDICT,
            f"Kết luận {v.criterion.code}",
            _verdict_text(v),
            "(cần kết luận lại: phường đã sửa tiêu chí này)",
        )
        for v in outdated
    ]
    AuditEvent.objects.bulk_create(events)
    outdated.delete()


@dataclass
class Change:
    what: str
    old: str
    new: str


def round_changes(previous: dict, current: dict) -> dict[str, list[Change]]:
    """Per criterion code: what changed between two snapshots (values, narrative, files)."""
    empty = {"values": {}, "narrative": "", "files": []}
    changes: dict[str, list[Change]] = {}
    for code, now in current.items():
        before = previous.get(code, empty)
        found = [
            Change(label, before["values"].get(label, "(trống)"), text)
            for label, text in now["values"].items()
            if before["values"].get(label, "(trống)") != text
        ]
        if before["narrative"] != now["narrative"]:
            found.append(Change("Kết quả thực hiện", before["narrative"] or "(trống)", now["narrative"] or "(trống)"))
        old_files, new_files = set(before["files"]), set(now["files"])
        found += [Change("Minh chứng", name, "(đã xoá)") for name in sorted(old_files - new_files, key=sort_key)]
        found += [Change("Minh chứng", "(chưa có)", name) for name in sorted(new_files - old_files, key=sort_key)]
        if found:
            changes[code] = found
    return changes


def _status_audit(locked, user, old, new, target="Trạng thái hồ sơ"):
    _audit(locked, user, AuditEvent.Action.STATUS, target, old, new).save()


def _take_into_review(locked: Assessment, user) -> None:
    fields = []
    if locked.status == Status.SUBMITTED:
        _status_audit(locked, user, locked.get_status_display(), str(Status.IN_REVIEW.label))
        locked.status = Status.IN_REVIEW
        fields.append("status")
    if locked.reviewer_id is None:
        locked.reviewer = user
        fields.append("reviewer")
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])


def _locked(assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("ward").get(pk=assessment.pk)


@transaction.atomic
def assessment_start_review(*, assessment: Assessment, user) -> Assessment:
    """A reviewer takes a submitted assessment into review. Refuses non-reviewers and other statuses."""
    locked = _locked(assessment)
    workflow.require(user, Action.START_REVIEW, locked)
    _take_into_review(locked, user)
    return locked


@dataclass
class VerdictsSaved:
    saved: int
    conflicts: list  # [(criterion, the verdict another reviewer stored meanwhile)]
    reasons_saved: int = 0


def verdict_needs_comment(outcome: str, computed: scoring.Judgement) -> bool:
    """A verdict that differs from the computed result needs a comment."""
    return (outcome == Verdict.Outcome.PASS) != (computed.result is scoring.Result.PASS)


def _verdict_text(verdict) -> str:
    if verdict is None:
        return ""
    return f"{verdict.get_outcome_display()} — {verdict.comment}" if verdict.comment else verdict.get_outcome_display()


@transaction.atomic
def verdicts_save(
    *,
    assessment: Assessment,
    user,
    verdicts: dict[int, tuple[str, str]],
    base: dict[int, tuple[str, str]],
    reasons: dict[int, str] | None = None,
) -> VerdictsSaved:
    """Save the verdicts (criterion id → (outcome, comment)) this reviewer changed since their page showed
    `base`, leaving everyone else's alone. A criterion another reviewer changed differently meanwhile is
    not saved but returned as a conflict. Refuses non-reviewers, other statuses, and a verdict against the
    computed result without a comment (ValidationError keyed by criterion id, nothing saved)."""
    locked = _locked(assessment)
    workflow.require(user, Action.VERDICT, locked)
    page = assessment_page(assessment=locked)
    criteria = {c.pk: c for c in page.criteria}
    current = {v.criterion_id: v for v in locked.verdicts.all()}
    changed = {cid: v for cid, v in verdicts.items() if v[0] and v != base.get(cid, ("", ""))}
    conflicts, errors = [], {}
    for cid, (outcome, comment) in changed.items():
        now = current.get(cid)
        stored = (now.outcome, now.comment) if now else ("", "")
        if stored != base.get(cid, ("", "")) and stored != (outcome, comment):
            conflicts.append((criteria[cid], now))
        if verdict_needs_comment(outcome, page.score.criteria[criteria[cid].code].judgement) and not comment:
            errors[cid] = "Kết luận khác kết quả tính toán: cần ghi nhận xét."
    if errors:
        raise ValidationError(errors)
    conflicting = {criterion.pk for criterion, _ in conflicts}
    events = []
    for cid, (outcome, comment) in changed.items():
        if cid in conflicting:
            continue
        verdict = current.get(cid) or Verdict(assessment=locked, criterion_id=cid)
        old = _verdict_text(current.get(cid))
        verdict.outcome, verdict.comment, verdict.reviewer = outcome, comment, user
        verdict.save()
        events.append(
            _audit(
                locked, user, AuditEvent.Action.VERDICT, f"Kết luận {criteria[cid].code}", old, _verdict_text(verdict)
            )
        )
    AuditEvent.objects.bulk_create(events)
    reasons_saved = _save_draft_reasons(locked, user, reasons or {})
    if events or reasons_saved:
        _take_into_review(locked, user)
    return VerdictsSaved(len(events), conflicts, reasons_saved)


def _save_draft_reasons(locked: Assessment, user, reasons: dict[int, str]) -> int:
    """Keep the return reasons typed so far (not yet sent to the ward); an emptied field drops its draft."""
    drafts = {r.criterion_id: r for r in locked.return_reasons.filter(round=locked.round, draft=True)}
    changed = 0
    for cid, text in reasons.items():
        text = (text or "").strip()
        draft = drafts.get(cid)
        if draft is None and text:
            ReturnReason.objects.create(
                assessment=locked, round=locked.round, criterion_id=cid, text=text, reviewer=user, draft=True
            )
        elif draft is not None and not text:
            draft.delete()
        elif draft is not None and draft.text != text:
            draft.text, draft.reviewer = text, user
            draft.save(update_fields=["text", "reviewer"])
        else:
            continue
        changed += 1
    return changed


def draft_reasons(assessment: Assessment) -> dict[int, str]:
    """The return reasons saved but not yet sent in the current round, by criterion id."""
    return dict(
        assessment.return_reasons.filter(round=assessment.round, draft=True).values_list("criterion_id", "text")
    )


# A Vietnamese decision number: the number, "QĐ", then the issuing body (e.g. 125/QĐ-CAT-PV05, 15/QĐ-UBND).
DECISION_NUMBER = re.compile(r"\d{1,6}/QĐ(-[A-ZĐ0-9]{1,20}){1,4}")


def decision_errors(assessment: Assessment, number: str, decided_on: datetime.date | None) -> dict[str, str]:
    """What is wrong with a decision's number and date, by field: the number in the Vietnamese form, a date
    not in the future and not before the assessment was submitted."""
    errors = {}
    number = entry.nfc((number or "").strip())
    if not number:
        errors["number"] = "Cần ghi số quyết định."
    elif not DECISION_NUMBER.fullmatch(number):
        errors["number"] = (
            f"«{number[:40]}» không đúng dạng số quyết định: số/QĐ-cơ quan ban hành, ví dụ 125/QĐ-CAT-PV05."
        )
    if decided_on is None:
        errors["decided_on"] = "Cần ghi ngày quyết định."
    else:
        today = timezone.localdate()
        submitted = timezone.localtime(assessment.submitted_at).date() if assessment.submitted_at else None
        if decided_on > today:
            errors["decided_on"] = f"Ngày quyết định không được sau hôm nay ({today:%d/%m/%Y})."
        elif submitted and decided_on < submitted:
            errors["decided_on"] = f"Ngày quyết định không được trước ngày phường gửi hồ sơ ({submitted:%d/%m/%Y})."
    return errors


@transaction.atomic
def assessment_approve(*, assessment: Assessment, user, number: str, decided_on: datetime.date) -> Decision:
    """Record the certification decision. Refuses all but the province's approving reviewers, statuses
    other than submitted/in review, and assessments whose criteria do not all have a verdict."""
    locked = _locked(assessment)
    transition = workflow.require(user, Action.APPROVE, locked)
    criteria = list(Criterion.objects.filter(criteria_set_id=locked.criteria_set_id).order_by("number"))
    verdicts = {v.criterion_id: v for v in locked.verdicts.all()}
    missing = [c.code for c in criteria if c.pk not in verdicts]
    if missing:
        raise ValidationError(
            f"Chưa phê duyệt được: còn {len(missing)} tiêu chí chưa có kết luận ({', '.join(missing)})."
        )
    errors = decision_errors(locked, number, decided_on)
    if errors:
        raise ValidationError(errors)
    number = entry.nfc(number)
    passed = sum(1 for v in verdicts.values() if v.outcome == Verdict.Outcome.PASS)
    decision = Decision.objects.create(
        assessment=locked,
        round=locked.round,
        outcome=Decision.Outcome.CERTIFIED if passed == len(criteria) else Decision.Outcome.NOT_CERTIFIED,
        criteria_passed=passed,
        criteria_total=len(criteria),
        number=number,
        decided_on=decided_on,
        approver=user,
    )
    old = locked.get_status_display()
    locked.status = transition.target
    locked.save(update_fields=["status", "updated_at"])
    _audit(locked, user, AuditEvent.Action.DECISION, "Quyết định", "", f"{decision.number}: {decision.label}").save()
    _status_audit(locked, user, old, locked.get_status_display())
    notify(
        users=_ward_people(locked.ward_id),
        assessment=locked,
        kind=Notification.Kind.APPROVED,
        subject=f"Hồ sơ năm {locked.year}: {decision.label}",
        body=(
            f"Hồ sơ năm {locked.year} của phường {locked.ward.name} đã được phê duyệt: {decision.label}. "
            f"Quyết định số {decision.number} ngày {decided_on:%d/%m/%Y}."
        ),
    )
    return decision


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, user, reason: str) -> Assessment:
    """Reopen an approved assessment for a new review round, revoking its decision. Refuses all but the
    province's approving reviewers, assessments that are not approved, and a reopening without reason."""
    locked = _locked(assessment)
    transition = workflow.require(user, Action.REOPEN, locked)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần nêu lý do mở lại hồ sơ.")
    now = timezone.now()
    locked.decisions.filter(revoked_at__isnull=True).update(revoked_at=now, revoked_by=user, revoke_reason=reason)
    old = locked.get_status_display()
    locked.status = transition.target
    locked.round += 1
    locked.save(update_fields=["status", "round", "updated_at"])
    _status_audit(locked, user, old, f"{Status.IN_REVIEW.label} (vòng {locked.round}). Lý do: {reason}", "Mở lại hồ sơ")
    _snapshot(locked, user, now)
    notify(
        users=_ward_people(locked.ward_id),
        assessment=locked,
        kind=Notification.Kind.REOPENED,
        subject=f"Hồ sơ năm {locked.year} được mở lại để thẩm định",
        body=f"Hồ sơ năm {locked.year} của phường {locked.ward.name} được mở lại. Lý do: {reason}",
    )
    return locked


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
                    for u in _ward_people(assessment.ward_id)
                    if u.pk not in existing
                ],
                ignore_conflicts=True,
            )
    return len(created)
