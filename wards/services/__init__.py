"""State changes of an assessment, one module per concern. Each service checks the workflow's permission
and state, writes the audit trail and runs in one transaction; views call these, nothing else writes.

- entry: the ward's figures, narratives and evidence
- transitions: submit, return, start review, approve, reopen (the moves of wards.workflow's table)
- verdicts: the reviewers' verdicts and the return reasons prepared with them
- rounds: round snapshots and what changed between them
- notifications: in-app and e-mail notifications, deadline reminders
- calendar: a province's deadlines per year, and the extensions that let one ward submit after it
- opening: opening a year for a province (one assessment per ward on the year's map)
- divisions: loading the 2025 administrative map (import_divisions)
- audit: the audit trail's entries and the row lock
"""

from wards.services.calendar import SubmissionClosed, extension_grant, may_grant_extension
from wards.services.entry import (
    StaleRevision,
    assessment_save,
    can_edit,
    evidence_add,
    evidence_delete,
    retry_when_stale,
    validate_evidence,
)
from wards.services.notifications import deadline_reminders, enqueue_emails, notify
from wards.services.rounds import Change, round_changes, snapshot_data, snapshot_from_page
from wards.services.transitions import (
    IncompleteAssessment,
    MissingIndicator,
    assessment_approve,
    assessment_reopen,
    assessment_return,
    assessment_start_review,
    assessment_submit,
    decision_errors,
    missing_indicators,
)
from wards.services.verdicts import VerdictsSaved, draft_reasons, verdict_needs_comment, verdicts_save

__all__ = [
    "Change",
    "IncompleteAssessment",
    "MissingIndicator",
    "StaleRevision",
    "SubmissionClosed",
    "VerdictsSaved",
    "assessment_approve",
    "assessment_reopen",
    "assessment_return",
    "assessment_save",
    "assessment_start_review",
    "assessment_submit",
    "can_edit",
    "deadline_reminders",
    "decision_errors",
    "draft_reasons",
    "enqueue_emails",
    "evidence_add",
    "evidence_delete",
    "extension_grant",
    "may_grant_extension",
    "missing_indicators",
    "notify",
    "retry_when_stale",
    "round_changes",
    "snapshot_data",
    "snapshot_from_page",
    "validate_evidence",
    "verdict_needs_comment",
    "verdicts_save",
]
