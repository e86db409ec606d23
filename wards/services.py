"""State changes of an assessment. Each checks permission and state, writes the audit trail, and runs in one
transaction. Views call these; nothing else writes assessments."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from criteria.models import Criterion, Indicator
from wards import entry, filetypes
from wards.models import (
    Assessment,
    AuditEvent,
    EvidenceFile,
    IndicatorValue,
    Membership,
    Narrative,
    ReturnReason,
)
from wards.selectors import membership_of

Status = Assessment.Status
Role = Membership.Role
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
        return f"ind-{self.indicator.code.replace('.', '-')}"


class IncompleteAssessment(Exception):
    def __init__(self, missing: list[MissingIndicator]):
        super().__init__(f"{len(missing)} chỉ tiêu chưa có số liệu")
        self.missing = missing


def _ward_member(user, assessment: Assessment) -> Membership:
    membership = membership_of(user)
    if membership is None or membership.role not in Membership.WARD_ROLES or membership.ward_id != assessment.ward_id:
        raise PermissionDenied("Chỉ cán bộ Công an phường này được sửa hồ sơ.")
    return membership


def can_edit(user, assessment: Assessment) -> bool:
    """Whether the user may change the ward's figures, narratives and evidence now."""
    membership = membership_of(user)
    return (
        membership is not None
        and membership.role in Membership.WARD_ROLES
        and membership.ward_id == assessment.ward_id
        and assessment.editable_by_ward
    )


def _require_editable(user, assessment: Assessment) -> None:
    _ward_member(user, assessment)
    if not assessment.editable_by_ward:
        raise PermissionDenied(f"Hồ sơ đang ở trạng thái «{assessment.get_status_display()}», không sửa được.")


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
        raise ValidationError(
            f"Tệp «{upload.name}» dung lượng {upload.size / 1024 / 1024:.1f} MB, vượt giới hạn "
            f"{limit / 1024 / 1024:.0f} MB.".replace(".", ",")
        )
    kind = filetypes.detect(upload)
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
    _require_editable(user, assessment)
    kind = validate_evidence(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = EvidenceFile(
        assessment=assessment,
        criterion=criterion,
        original_name=upload.name[:255],
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
    assessment = evidence.assessment
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


def missing_indicators(*, indicators, values_by_indicator) -> list[MissingIndicator]:
    """Indicators without a figure, an N/A or an exclusion with its reason: what blocks submission."""
    return [
        MissingIndicator(indicator)
        for indicator in indicators
        if entry.missing_parts(indicator, values_by_indicator.get(indicator.pk))
    ]


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user) -> Assessment:
    """Send a draft or returned assessment to the province. Refuses anyone but the ward's head, other
    statuses, and assessments with indicators still missing (IncompleteAssessment lists them)."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    membership = _ward_member(user, locked)
    if membership.role != Role.WARD_HEAD:
        raise PermissionDenied("Chỉ Trưởng Công an phường được gửi hồ sơ.")
    if not locked.editable_by_ward:
        raise PermissionDenied(f"Hồ sơ đang ở trạng thái «{locked.get_status_display()}», không gửi được.")
    indicators = list(
        Indicator.objects.filter(criteria_set_id=locked.criteria_set_id).order_by("criterion__number", "order")
    )
    values = {v.indicator_id: v for v in locked.values.all()}
    missing = missing_indicators(indicators=indicators, values_by_indicator=values)
    if missing:
        raise IncompleteAssessment(missing)
    old = locked.get_status_display()
    if locked.status == Status.RETURNED:
        locked.round += 1
    locked.status = Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.submitted_by = user
    locked.save(update_fields=["status", "round", "submitted_at", "submitted_by", "updated_at"])
    _audit(locked, user, AuditEvent.Action.STATUS, "Trạng thái hồ sơ", old, locked.get_status_display()).save()
    return locked


def _province_reviewer(user, assessment: Assessment) -> Membership:
    membership = membership_of(user)
    if (
        membership is None
        or membership.role not in Membership.PROVINCE_ROLES
        or membership.province_id != assessment.ward.province_id
    ):
        raise PermissionDenied("Chỉ cán bộ thẩm định của tỉnh được thao tác này.")
    return membership


@transaction.atomic
def assessment_return(*, assessment: Assessment, user, reasons: dict[int, str]) -> Assessment:
    """Return a submitted assessment to the ward with a reason per criterion (criterion id → text).
    Refuses non-reviewers, statuses other than submitted/in review, and a return without any reason."""
    locked = Assessment.objects.select_for_update().select_related("ward").get(pk=assessment.pk)
    _province_reviewer(user, locked)
    if locked.status not in (Status.SUBMITTED, Status.IN_REVIEW):
        raise PermissionDenied(f"Hồ sơ đang ở trạng thái «{locked.get_status_display()}», không trả lại được.")
    reasons = {cid: text.strip() for cid, text in reasons.items() if text and text.strip()}
    if not reasons:
        raise ValidationError("Cần nêu lý do trả lại cho ít nhất một tiêu chí.")
    ReturnReason.objects.bulk_create(
        ReturnReason(assessment=locked, round=locked.round, criterion_id=cid, text=text, reviewer=user)
        for cid, text in reasons.items()
    )
    old = locked.get_status_display()
    locked.status = Status.RETURNED
    locked.save(update_fields=["status", "updated_at"])
    _audit(locked, user, AuditEvent.Action.STATUS, "Trạng thái hồ sơ", old, locked.get_status_display()).save()
    return locked
