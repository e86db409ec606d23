"""What the ward enters: figures and narratives (with conflict detection), and evidence files."""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from criteria.models import Criterion, Indicator
from wards import filetypes, parsing, uploads, workflow
from wards.models import (
    Assessment,
    AuditEvent,
    EvidenceFile,
    IndicatorValue,
    Narrative,
)
from wards.services import scores
from wards.services.audit import audit_event
from wards.workflow import Action

T = TypeVar("T")

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


# How many saves in a row may lose the race to someone else's before the person is asked to try again.
SAVE_TRIES = 3


def retry_when_stale(assessment: Assessment, attempt: Callable[[Assessment], T], *, tries: int = SAVE_TRIES) -> T:
    """Run `attempt` on the assessment and, each time another save got in first (StaleRevision), again on the
    assessment as stored now. The attempt reads what is stored itself, reconciles what the person sent with it
    (wards.merge) and saves with the revision it read: the page's save and the Excel import alike. Refuses,
    with StaleRevision and its message, after `tries` races lost in a row."""
    for _attempt in range(tries):
        try:
            return attempt(assessment)
        except StaleRevision:
            assessment = Assessment.objects.get(pk=assessment.pk)
    raise StaleRevision(_("Hồ sơ được người khác lưu liên tục trong lúc bạn lưu, nên chưa lưu được. Hãy thử lại."))


def can_edit(user, assessment: Assessment) -> bool:
    """Whether the user may change the ward's figures, narratives and evidence now."""
    return workflow.can(user, Action.EDIT, assessment)


def _require_editable(user, assessment: Assessment) -> None:
    workflow.require(user, Action.EDIT, assessment)


def _nothing_entered(data: dict) -> bool:
    # "No" (yes=False) is an answer; an unticked N/A box and the typed-by-hand mark are not.
    return not data.get("na") and all(
        data.get(f) is None or data.get(f) == "" for f in VALUE_FIELDS if f not in ("na", "last_year_manual")
    )


def _shown(indicator: Indicator, value) -> dict[str, str]:
    return parsing.initial_for(indicator, value)


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
        labels = {p.name: p.label for p in parsing.parts_for(indicator)}
        for name, old in before.items():
            if after[name] != old:
                events.append(
                    audit_event(
                        locked,
                        user,
                        AuditEvent.Action.VALUE,
                        f"Chỉ tiêu {indicator.code} — {labels[name]}",
                        parsing.display(name, old),
                        parsing.display(name, after[name]),
                    )
                )
    IndicatorValue.objects.bulk_create(to_create)
    IndicatorValue.objects.bulk_update(to_update, [*VALUE_FIELDS, "updated_by", "updated_at"])
    if to_create or to_update:
        # The stored result moves with the figures, in this transaction (and next year's, which reads them).
        scores.rescore_changed([locked])

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
            audit_event(
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
    assessment.criteria_passed, assessment.criteria_complete = locked.criteria_passed, locked.criteria_complete
    return len(events)


def validate_evidence(upload) -> filetypes.FileType:
    """The upload's type, or a ValidationError in Vietnamese (too large, empty, or not an allowed type)."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size == 0:
        raise ValidationError(_("Tệp rỗng."))
    if upload.size > limit:
        raise ValidationError(uploads.too_large_message(upload.name, upload.size, limit))
    try:
        kind = filetypes.detect(upload)
    except uploads.UnsafeArchive as exc:
        raise ValidationError(exc.message) from None
    if kind is None:
        raise ValidationError(
            _(
                "Tệp «%(name)s» không phải là %(allowed_labels)s (nhận biết theo nội dung tệp, không theo tên). Hãy chọn đúng tệp."
            )
            % {"name": upload.name, "allowed_labels": filetypes.ALLOWED_LABELS}
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
        original_name=parsing.nfc(upload.name)[:255],
        content_type=kind.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )
    evidence.file.save(f"upload{kind.extension}", upload, save=False)
    evidence.save()
    audit_event(
        assessment, user, AuditEvent.Action.FILE_ADDED, f"Minh chứng {criterion.code}", "", evidence.original_name
    ).save()
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: EvidenceFile, user) -> None:
    """Delete an evidence file and record it. Refuses users outside the ward and non-editable assessments."""
    assessment = Assessment.objects.select_for_update().get(pk=evidence.assessment_id)
    _require_editable(user, assessment)
    audit_event(
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
