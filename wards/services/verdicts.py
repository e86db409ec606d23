"""The reviewers' verdicts per criterion, two reviewers at once, and the return reasons prepared with them."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from criteria import scoring
from modelphuong.language import in_site_language, site_language
from wards import workflow
from wards.models import (
    Assessment,
    AuditEvent,
    ReturnReason,
    Verdict,
)
from wards.selectors import assessment_page
from wards.services.audit import audit_event, locked_for_update, status_event
from wards.workflow import Action

Status = Assessment.Status


@in_site_language
def take_into_review(locked: Assessment, user) -> None:
    """Move a submitted assessment into review (recorded) and make the user its reviewer if it has none."""
    fields = []
    if locked.status == Status.SUBMITTED:
        status_event(locked, user, locked.get_status_display(), str(Status.IN_REVIEW.label))
        locked.status = Status.IN_REVIEW
        fields.append("status")
    if locked.reviewer_id is None:
        locked.reviewer = user
        fields.append("reviewer")
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])


@dataclass
class VerdictsSaved:
    saved: int
    conflicts: list  # [(criterion, the verdict another reviewer stored meanwhile)]
    reasons_saved: int = 0


def verdict_needs_comment(outcome: str, computed: scoring.Judgement) -> bool:
    """A verdict that differs from the computed result needs a comment."""
    return (outcome == Verdict.Outcome.PASS) != (computed.result is scoring.Result.PASS)


def verdict_text(verdict) -> str:
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
    locked = locked_for_update(assessment)
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
            errors[cid] = _("Kết luận khác kết quả tính toán: cần ghi nhận xét.")
    if errors:
        raise ValidationError(errors)
    conflicting = {criterion.pk for criterion, _ in conflicts}
    events = []
    with site_language():  # the audit trail reads the same whoever acted
        for cid, (outcome, comment) in changed.items():
            if cid in conflicting:
                continue
            verdict = current.get(cid) or Verdict(assessment=locked, criterion_id=cid)
            old = verdict_text(current.get(cid))
            verdict.outcome, verdict.comment, verdict.reviewer = outcome, comment, user
            verdict.save()
            target = f"Kết luận {criteria[cid].code}"
            events.append(audit_event(locked, user, AuditEvent.Action.VERDICT, target, old, verdict_text(verdict)))
    AuditEvent.objects.bulk_create(events)
    reasons_saved = _save_draft_reasons(locked, user, reasons or {})
    take_into_review(locked, user)  # the table's VERDICT: submitted → in review, whatever changed
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
