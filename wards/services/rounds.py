"""Review rounds: what the ward submitted in each round, what changed since, and which verdicts that outdates."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from criteria.models import Criterion
from modelphuong.language import in_site_language
from wards import parsing
from wards.collation import sort_key
from wards.models import (
    Assessment,
    AuditEvent,
    RoundSnapshot,
)
from wards.selectors import assessment_page
from wards.services.audit import audit_event
from wards.services.verdicts import verdict_text


def snapshot_data(assessment: Assessment) -> dict:
    """The ward's figures, narratives and files as text, per criterion code, for round comparisons."""
    return snapshot_from_page(assessment_page(assessment=assessment))


@in_site_language
def snapshot_from_page(page) -> dict:
    """What the page holds, as the stored snapshot writes it (in the site's language)."""
    data: dict[str, dict] = {}
    for criterion in page.criteria:
        values = {}
        for indicator in criterion.indicators.all():
            shown = parsing.initial_for(indicator, page.values.get(indicator.pk))
            for part in parsing.parts_for(indicator):
                values[f"{indicator.code} — {part.label}"] = parsing.display(part.name, shown[part.name])
        narrative = page.narratives.get(criterion.pk)
        data[criterion.code] = {
            "values": values,
            "narrative": narrative.text if narrative else "",
            "files": [f"{f.original_name} ({f.sha256[:12]})" for f in page.evidence.get(criterion.pk, [])],
        }
    return data


def snapshot_round(locked: Assessment, user, at, *, page=None) -> None:
    """Keep what the round starts from, to show the reviewer what changed in the next one."""
    data = snapshot_from_page(page) if page is not None else snapshot_data(locked)
    RoundSnapshot.objects.update_or_create(
        assessment=locked, round=locked.round, defaults={"submitted_at": at, "submitted_by": user, "data": data}
    )


@in_site_language
def clear_outdated_verdicts(locked: Assessment, user) -> None:
    """A verdict was given on what the ward showed then: where the ward changed a criterion since, the
    verdict no longer applies and that criterion must be concluded again (the old one stays in the audit)."""
    snapshots = list(locked.snapshots.filter(round__lte=locked.round).order_by("-round")[:2])
    if len(snapshots) < 2:
        return
    changed = round_changes(snapshots[1].data, snapshots[0].data)
    numbers = {c.code: c.number for c in Criterion.objects.filter(criteria_set_id=locked.criteria_set_id)}
    outdated = locked.verdicts.filter(
        criterion__number__in=[numbers[c] for c in changed if c in numbers]
    ).select_related("criterion")
    events = [
        audit_event(
            locked,
            user,
            AuditEvent.Action.VERDICT,
            f"Kết luận {v.criterion.code}",
            verdict_text(v),
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


# How a snapshot writes a field left empty (wards.parsing.display): compared as stored.
EMPTY = "(trống)"


def round_changes(previous: dict, current: dict) -> dict[str, list[Change]]:
    """Per criterion code: what changed between two snapshots (values, narrative, files). The snapshots' texts
    are shown as stored (in the site's language); the words around them are the reader's."""
    empty = {"values": {}, "narrative": "", "files": []}
    changes: dict[str, list[Change]] = {}
    for code, now in current.items():
        before = previous.get(code, empty)
        found = [
            Change(label, before["values"].get(label, EMPTY), text)
            for label, text in now["values"].items()
            if before["values"].get(label, EMPTY) != text
        ]
        if before["narrative"] != now["narrative"]:
            found.append(
                Change(_("Kết quả thực hiện"), before["narrative"] or _("(trống)"), now["narrative"] or _("(trống)"))
            )
        old_files, new_files = set(before["files"]), set(now["files"])
        found += [Change(_("Minh chứng"), name, _("(đã xoá)")) for name in sorted(old_files - new_files, key=sort_key)]
        found += [Change(_("Minh chứng"), _("(chưa có)"), name) for name in sorted(new_files - old_files, key=sort_key)]
        if found:
            changes[code] = found
    return changes
