"""The decision as an issued document: approving one or several wards of a province-year in one decision, the
signed dossier of each, and what a reopening revokes and a new approval supersedes.

The rows are made here, in the approval's transaction; the reports app renders and signs them (documents_issued),
and the verification page reads them. Every step is in the audit trail of each ward it concerns.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from criteria.models import Criterion
from modelphuong.language import site_language
from wards import parsing, workflow
from wards.models import Assessment, AuditEvent, Decision, IssuedDocument, Notification, Province, count_passed
from wards.services.audit import audit_event, status_event
from wards.services.notifications import notify, ward_people
from wards.signals import documents_issued
from wards.workflow import Action

Status = Assessment.Status
Kind = IssuedDocument.Kind

# The authority line of the signer's block (Nghị định 30/2020/NĐ-CP: the head signs, or a deputy "KT." for him).
# Keyed for forms (a browser sends a choice's line break back as CR LF): key → (the block's lines, the label).
SIGNER_TITLES = {
    "director": ("GIÁM ĐỐC", gettext_lazy("Giám đốc")),
    "deputy": ("KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", gettext_lazy("Phó Giám đốc, ký thay Giám đốc (KT. GIÁM ĐỐC)")),
}
DEFAULT_SIGNER_TITLE = SIGNER_TITLES["director"][0]


def _document_label(document: IssuedDocument) -> str:
    return f"{document.get_kind_display()} số {document.number} (mã tra cứu {document.code})"


def ready_for_decision(criteria: list[Criterion], verdicts: list) -> list[str]:
    """The codes of the criteria still without a verdict: an assessment is decided on only when there are none."""
    concluded = {v.criterion_id for v in verdicts}
    return [c.code for c in criteria if c.pk not in concluded]


def _number_errors(province_id: int, number: str) -> str | None:
    """A number already used by a decision of the province in force: one number, one decision."""
    used = Decision.objects.in_force().filter(number=number, assessment__ward__province_id=province_id)
    first = used.select_related("assessment__ward").order_by("decided_on").first()
    if first is None:
        return None
    return _(
        "Số %(number)s đã dùng cho quyết định ngày %(date)s (phường %(ward)s). Mỗi quyết định một số; để công nhận "
        "nhiều phường trong một quyết định, hãy chọn các phường cùng lúc ở trang Ra quyết định."
    ) % {"number": number, "date": f"{first.decided_on:%d/%m/%Y}", "ward": first.assessment.ward.name}


@transaction.atomic
def decision_issue(
    *,
    assessments,
    user,
    number: str,
    decided_on: datetime.date | None,
    signer_name: str = "",
    signer_title: str = "",
) -> IssuedDocument:
    """Approve in-review assessments of one province and year in one decision: a Decision row per ward (certified
    when all its criteria passed), one decision document for them all, and a signed dossier per ward, queued for
    rendering and signing once the transaction commits. Refuses (ValidationError by field: assessments, number,
    decided_on, signer_name) a selection that is empty, spans provinces or years, mixes outcomes or has criteria
    without a verdict, and a number or date the decision cannot have; PermissionDenied / InvalidTransition as
    workflow.require for each ward."""
    from wards.services.transitions import decision_errors  # transitions calls this module

    pks = sorted({a.pk for a in assessments})
    if not pks:
        raise ValidationError({"assessments": _("Cần chọn ít nhất một phường.")})
    locked = list(
        Assessment.objects.select_for_update()
        .select_related("ward")
        .prefetch_related("verdicts")  # one query for every ward's verdicts, not one a ward
        .filter(pk__in=pks)
        .order_by("pk")
    )
    transitions = [workflow.require(user, Action.APPROVE, a) for a in locked]
    if len({(a.ward.province_id, a.year) for a in locked}) > 1:
        raise ValidationError({"assessments": _("Một quyết định chỉ gồm các phường của một tỉnh, một năm.")})
    criteria_by_set = {}
    outcomes, passed = {}, {}
    missing = []
    for a in locked:
        if a.criteria_set_id not in criteria_by_set:  # once a set (setdefault would query for every ward)
            criteria_by_set[a.criteria_set_id] = list(
                Criterion.objects.filter(criteria_set_id=a.criteria_set_id).order_by("number")
            )
        criteria = criteria_by_set[a.criteria_set_id]
        verdicts = list(a.verdicts.all())
        codes = ready_for_decision(criteria, verdicts)
        if codes:
            missing.append((a, codes))
        passed[a.pk] = count_passed(verdicts)
        outcomes[a.pk] = Decision.Outcome.CERTIFIED if passed[a.pk] == len(criteria) else Decision.Outcome.NOT_CERTIFIED
    if missing:
        if len(locked) == 1:
            a, codes = missing[0]
            message = _("Chưa phê duyệt được: còn %(missing)s tiêu chí chưa có kết luận (%(codes)s).") % {
                "missing": len(codes),
                "codes": ", ".join(codes),
            }
        else:
            message = _("Chưa phê duyệt được: %(wards)s còn tiêu chí chưa có kết luận.") % {
                "wards": ", ".join(f"{a.ward.name} ({', '.join(codes)})" for a, codes in missing)
            }
        raise ValidationError({"assessments": message} if len(locked) > 1 else message)
    if len(set(outcomes.values())) > 1:
        raise ValidationError(
            {
                "assessments": _(
                    "Một quyết định chỉ gồm các phường cùng kết quả: công nhận (%(certified)s) và chưa công nhận "
                    "(%(refused)s) là hai quyết định."
                )
                % {
                    "certified": ", ".join(a.ward.name for a in locked if outcomes[a.pk] == Decision.Outcome.CERTIFIED),
                    "refused": ", ".join(
                        a.ward.name for a in locked if outcomes[a.pk] == Decision.Outcome.NOT_CERTIFIED
                    ),
                }
            }
        )
    errors = {}
    for a in locked:
        for field, message in decision_errors(a, number, decided_on).items():
            errors.setdefault(field, message)
    number = parsing.nfc((number or "").strip())
    # Two approvers issuing at once: the province's row serialises the check of the number and the insert.
    Province.objects.select_for_update().filter(pk=locked[0].ward.province_id).first()
    if "number" not in errors:
        used = _number_errors(locked[0].ward.province_id, number)
        if used:
            errors["number"] = used
    signer_name = parsing.nfc((signer_name or "").strip()) or parsing.person(user)
    signer_title = (signer_title or "").strip() or DEFAULT_SIGNER_TITLE
    if signer_title not in {text for text, _label in SIGNER_TITLES.values()}:
        errors["signer_title"] = _("Chọn chức vụ của người ký trong danh sách.")
    if errors:
        raise ValidationError(errors)

    first = locked[0]
    outcome = outcomes[first.pk]
    common = {
        "outcome": outcome,
        "province_id": first.ward.province_id,
        "year": first.year,
        "number": number,
        "decided_on": decided_on,
        "signer_name": signer_name,
        "signer_title": signer_title,
        "issued_by": user,
    }
    decision_document = IssuedDocument.objects.create(kind=Kind.DECISION, **common)
    issued = [decision_document]
    total = {a.pk: len(criteria_by_set[a.criteria_set_id]) for a in locked}
    for a, transition in zip(locked, transitions, strict=True):
        decision = Decision.objects.create(
            assessment=a,
            round=a.round,
            outcome=outcomes[a.pk],
            criteria_passed=passed[a.pk],
            criteria_total=total[a.pk],
            number=number,
            decided_on=decided_on,
            approver=user,
            document=decision_document,
        )
        dossier = IssuedDocument.objects.create(kind=Kind.DOSSIER, assessment=a, **common)
        issued.append(dossier)
        old = a.status
        a.status = transition.target
        a.save(update_fields=["status", "updated_at"])
        with site_language():  # what is stored and sent reads the same whoever acted
            audit_event(
                a, user, AuditEvent.Action.DECISION, "Quyết định", "", f"{decision.number}: {decision.label}"
            ).save()
            status_event(a, user, Status(old).label, a.get_status_display())
            for document in (decision_document, dossier):
                audit_event(
                    a, user, AuditEvent.Action.DOCUMENT_ISSUED, _document_label(document), "", _("chờ ký số")
                ).save()
            notify(users=ward_people(a.ward_id), assessment=a, kind=Notification.Kind.APPROVED, decision=decision)
    named = {a.pk for a in locked}
    with site_language():
        for a, dossier in zip(locked, issued[1:], strict=True):
            _supersede(a, user, decision_document, dossier, named)
    documents_issued.send(sender=IssuedDocument, documents=issued)
    return decision_document


def _supersede(
    assessment: Assessment, user, decision_document: IssuedDocument, dossier: IssuedDocument, named: set[int]
) -> None:
    """What the new approval replaces: the ward's earlier dossiers, and each earlier decision of the ward that was
    revoked as a whole and whose every ward the new decision names again."""
    older_dossiers = IssuedDocument.objects.filter(
        kind=Kind.DOSSIER, assessment=assessment, superseded_by__isnull=True
    ).exclude(pk=dossier.pk)
    replaced = list(older_dossiers)
    older_decisions = (
        IssuedDocument.objects.filter(
            kind=Kind.DECISION,
            decisions__assessment=assessment,
            revoked_at__isnull=False,
            superseded_by__isnull=True,
        )
        .exclude(pk=decision_document.pk)
        .distinct()
    )
    for old in older_decisions:
        if set(old.decisions.values_list("assessment_id", flat=True)) <= named:
            replaced.append(old)
    for old in replaced:
        new = dossier if old.kind == Kind.DOSSIER else decision_document
        IssuedDocument.objects.filter(pk=old.pk).update(superseded_by=new)
        audit_event(
            assessment, user, AuditEvent.Action.DOCUMENT_SUPERSEDED, _document_label(old), "", _document_label(new)
        ).save()


def documents_revoke(assessment: Assessment, user, reason: str, now) -> None:
    """A reopening's effect on what was issued for the ward (its decisions are revoked by the caller): its dossier
    in force is revoked, and so is each decision whose wards are now all revoked; a decision that still stands for
    other wards stays valid, revoked for this ward only (its Decision row says so)."""
    dossiers = list(IssuedDocument.objects.filter(kind=Kind.DOSSIER, assessment=assessment, revoked_at__isnull=True))
    # Counted apart from the filter on this ward: a filter and a count across the same relation would count only
    # this ward's decisions.
    naming = IssuedDocument.objects.filter(kind=Kind.DECISION, decisions__assessment=assessment).values("pk")
    decisions = list(
        IssuedDocument.objects.filter(pk__in=naming, revoked_at__isnull=True).annotate(
            standing=Count("decisions", filter=Q(decisions__revoked_at__isnull=True))
        )
    )
    whole = [d for d in decisions if d.standing == 0] + dossiers
    IssuedDocument.objects.filter(pk__in=[d.pk for d in whole]).update(
        revoked_at=now, revoked_by=user, revoke_reason=reason
    )
    with site_language():
        for document in whole:
            audit_event(
                assessment, user, AuditEvent.Action.DOCUMENT_REVOKED, _document_label(document), "", reason
            ).save()
        for document in decisions:
            if document.standing:
                audit_event(
                    assessment,
                    user,
                    AuditEvent.Action.DOCUMENT_REVOKED,
                    _document_label(document),
                    "",
                    _("Thu hồi đối với phường %(ward)s: %(reason)s") % {"ward": assessment.ward.name, "reason": reason},
                ).save()


def document_signed(document: IssuedDocument) -> None:
    """The worker signed and stored the document: the audit trail of each ward it concerns says so."""
    if document.kind == Kind.DOSSIER:
        assessments = [document.assessment]
    else:
        assessments = [d.assessment for d in document.decisions.select_related("assessment__ward")]
    with site_language():
        for a in assessments:
            audit_event(
                a,
                document.issued_by,
                AuditEvent.Action.DOCUMENT_SIGNED,
                _document_label(document),
                "",
                _("Ký số bởi %(certificate)s lúc %(at)s; SHA-256 %(sha)s")
                % {
                    "certificate": document.certificate_name,
                    "at": f"{timezone.localtime(document.signed_at):%d/%m/%Y %H:%M}" if document.signed_at else "",
                    "sha": document.sha256,
                },
            ).save()
