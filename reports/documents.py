"""The data each document shows, its content hash, and its rendering to PDF with WeasyPrint.

The data is built once as plain values; the hash is taken over that data and the layout's source, so the
same data (and layout) always gives back the same file, and any change gives a new one.
"""

import hashlib
import json
import logging
import math
import mimetypes
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.db.models import Count, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from criteria.models import Criterion
from criteria.scoring import format_number
from reports import charts
from reports.selectors import report_provinces, require_in_scope
from wards import access, parsing
from wards.collation import sort_key
from wards.map import OLD_MAP_LAST_DAY, map_date, on_new_map
from wards.models import (
    Assessment,
    Decision,
    Membership,
    Province,
    RoadmapTarget,
    Ward,
    WardLineage,
    count_passed,
    in_province,
)
from wards.selectors import (
    assessment_page,
    stored_scores,
    summarize_stored,
)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
PRINT_DIR = settings.BASE_DIR / "templates" / "pdf"
TEMPLATES = {
    "dossier": "pdf/dossier.html",
    "province_report": "pdf/province_report.html",
    "national_report": "pdf/national_report.html",
    # Issued documents (reports.issued): the decision, and the approved dossier with its QR code and signature.
    "decision": "pdf/decision.html",
    "signed_dossier": "pdf/dossier.html",
}
# Every file the renderer reads: all print templates (includes such as the masthead too), the CSS, the fonts
# and the chart code. The content hash covers them all, so a change to any of them makes new files.
LAYOUT_FILES = [
    *sorted(p for p in PRINT_DIR.rglob("*") if p.is_file()),
    *sorted(p for p in FONT_DIR.rglob("*") if p.is_file()),
    Path(charts.__file__),
]


def vn_date(value) -> str:
    """ "ngày 15 tháng 11 năm 2026", "ngày 05 tháng 02 năm 2026", "ngày 20 tháng 3 năm 2026": the way
    Nghị định 30/2020/NĐ-CP writes dates (a leading zero for days below 10 and for months 1 and 2 only)."""
    if value is None:
        return "ngày … tháng … năm …"
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


@cache
def _weasyprint_version() -> str:
    return version("weasyprint")


@cache
def _file_digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _layout_digest() -> str:
    """A digest of the layout: every file in LAYOUT_FILES (by name and content) and WeasyPrint's version.
    Files are read again only when they change, so a bulk request does not hash the fonts once per ward."""
    digest = hashlib.sha256(f"weasyprint {_weasyprint_version()}".encode())
    for path in LAYOUT_FILES:
        try:
            stat = path.stat()
            content = _file_digest(path, stat.st_mtime_ns, stat.st_size)
        except OSError:
            content = "missing"  # the render then fails and says so; the request itself still works
        digest.update(f"|{path.name}:{content}".encode())
    return digest.hexdigest()


def content_hash(kind: str, data: dict) -> str:
    payload = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{kind}|{_layout_digest()}|{payload}".encode()).hexdigest()


def dossier_data(assessment: Assessment) -> dict:
    """Everything the dossier of one ward-year shows, as plain values."""
    page = assessment_page(assessment=assessment, every_last_year=True)
    previous = page.previous  # every indicator's last year (last_year_for), read with the page
    verdicts = {v.criterion_id: v for v in assessment.verdicts.select_related("reviewer")}
    decision = assessment.decisions.in_force().select_related("approver").first()
    ward = assessment.ward
    groups = []
    for group in page.catalogue.groups.all():
        criteria = []
        for criterion in group.criteria.all():
            score = page.score.criteria[criterion.code]
            verdict = verdicts.get(criterion.pk)
            narrative = page.narratives.get(criterion.pk)
            criteria.append(
                {
                    "code": criterion.code,
                    "number": criterion.number,
                    "title": criterion.title,
                    "computed": score.judgement.label,
                    "computed_result": score.judgement.result.value,
                    "verdict": verdict.get_outcome_display() if verdict else "Chưa kết luận",
                    "verdict_result": verdict.outcome if verdict else "",
                    "comment": verdict.comment if verdict else "",
                    "narrative": narrative.text if narrative else "",
                    "indicators": [
                        {
                            "code": i.code,
                            "text": i.text,
                            "requirement": i.requirement,
                            "now": parsing.describe(i, page.values.get(i.pk), with_reasons=False),
                            "note": parsing.reasons_of(page.values.get(i.pk)),
                            **_last_year(previous.source(i), page.values.get(i.pk)),
                            "computed": score.indicators[i.code].label,
                            "reason": score.indicators[i.code].reason,
                        }
                        for i in criterion.indicators.all()
                    ],
                }
            )
        groups.append({"title": str(group), "criteria": criteria})
    evidence = [
        {
            "criterion": c.code,
            "name": f.original_name,
            "size": f.size,
            "sha256": f.sha256,
            "uploaded_by": parsing.person(f.uploaded_by),
            "uploaded_at": timezone.localtime(f.uploaded_at).strftime("%d/%m/%Y"),
        }
        for c in page.criteria
        for f in page.evidence.get(c.pk, [])
    ]
    passed_verdicts = count_passed(verdicts.values())
    dated = decision.decided_on if decision else None
    if dated is None and assessment.submitted_at:
        dated = timezone.localtime(assessment.submitted_at).date()
    return {
        "province": ward.province.name,
        "district": ward.district.name if ward.district else "",
        "ward": ward.name,
        "ward_code": ward.code,
        "year": assessment.year,
        "criteria_set": page.catalogue.title,
        "legal_basis": page.catalogue.legal_basis,
        "status": assessment.get_status_display(),
        "round": assessment.round,
        "submitted_at": timezone.localtime(assessment.submitted_at).strftime("%H:%M %d/%m/%Y")
        if assessment.submitted_at
        else "",
        "total": len(page.criteria),
        "computed_passed": page.score.passed,
        "complete": page.score.complete,
        "verdicts_given": len(verdicts),
        "verdicts_passed": passed_verdicts,
        "groups": groups,
        "evidence": evidence,
        "decision": {
            "label": decision.label,
            "certified": decision.outcome == Decision.Outcome.CERTIFIED,
            "number": decision.number,
            "date": vn_date(decision.decided_on),
            "approver": parsing.person(decision.approver),
        }
        if decision
        else None,
        "place_date": f"{ward.province.name}, {vn_date(dated)}",
        "signatures": {
            "preparer": parsing.person(assessment.submitted_by),
            "head": parsing.person(assessment.submitted_by),
            "reviewer": parsing.person(assessment.reviewer) or _first_reviewer(verdicts),
            "approver": parsing.person(decision.approver) if decision else "",
        },
    }


def _first_reviewer(verdicts) -> str:
    for v in verdicts.values():
        return parsing.person(v.reviewer)
    return ""


def _last_year(source, value) -> dict:
    """Last year's figure and where it came from ("Cộng từ 3 phường tiền thân: 3 + 2 + 4 …", "Nhập tay — Tiền
    thân: …"), in Vietnamese whatever the reader's language: the dossier is an official paper."""
    with translation.override("vi"):
        text, note = source.shown(value.last_year if value is not None else None)
        if source.typed_by_hand and value is not None and value.last_year is not None:
            text = f"{text} (nhập tay)"
        return {"last": text, "last_source": note}


@dataclass(frozen=True)
class RoadmapRow:
    year: int
    target: int
    label: str
    basis: str
    certified: int | None  # None for a milestone after the year looked at: nothing is achieved there yet
    wards: int = 0  # the phường the target counts: those on its year's map (within the province's period)
    # A milestone set for a province that ended before its year (an old-map target for 2025 and later): kept
    # as set, counted on the province's last map and shown as replaced by its successor's re-based roadmap.
    replaced: bool = False

    @property
    def met(self) -> bool:
        return not self.replaced and self.certified is not None and self.certified >= self.target


class MapWard(NamedTuple):
    """A phường of a province's lineage as the roadmap and the year's lists need it (one query for all). A tuple:
    the national view makes 2,400 of them a request, five times faster than a frozen dataclass's."""

    id: int
    name: str
    province_id: int
    district_id: int | None
    valid_from: object
    valid_to: object

    def exists_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


def lineage_wards(province: Province) -> list[MapWard]:
    """Every phường of the province and of the provinces it was formed from, each with its period."""
    # In id order, sorted here: the model's order joins the provinces and districts, and its readers count them or
    # sort what they show by name (stably: two wards of one name keep the same order every time).
    rows = (
        Ward.objects.filter(in_province(province), kind=Ward.Kind.WARD)
        .order_by()
        .values_list("id", "name", "province_id", "district_id", "valid_from", "valid_to")
    )
    return [MapWard(*row) for row in sorted(rows)]


def roadmap_day(province: Province, year: int, *, old_map: bool = False):
    """The day whose map a province's milestone for a year counts: the year's map date, or the old map's last
    day for a milestone set on the old map (RoadmapTarget.set_on_old_map), kept within the province's own period
    (an old province's 2030 milestone counts its wards on its last day, 30/6/2025)."""
    day = OLD_MAP_LAST_DAY if old_map else map_date(year)
    if province.valid_to and day > province.valid_to:
        return province.valid_to
    if province.valid_from and day < province.valid_from:
        return province.valid_from
    return day


def last_year_on_map(province: Province) -> int | None:
    """The last assessment year on a province's map (2024 for one that ended on 30/6/2025); None if open."""
    if province.valid_to is None:
        return None
    year = province.valid_to.year
    return year if map_date(year) <= province.valid_to else year - 1


def _resolved_target(target: RoadmapTarget, wards: int, pilots: int) -> int:
    if target.target_count is not None:
        return target.target_count
    share = target.target_share / 100
    if target.share_of_remaining:
        return pilots + math.ceil(share * (wards - pilots))
    return math.ceil(share * wards)


def _percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def certified_by_year(province: Province) -> tuple[dict[int, set[int]], dict[int, int]]:
    """Ward ids of the province's lineage with a decision in force certifying them, per year, and how many such
    decisions each year has (a ward assessed under two criteria sets in one year can have two). A certification
    stays with the ward that earned it: a successor never counts its predecessors'."""
    result: dict[int, set[int]] = {}
    decisions: dict[int, int] = {}
    rows = (
        Decision.objects.in_force()
        .filter(in_province(province, "assessment__ward__"), outcome=Decision.Outcome.CERTIFIED)
        .order_by()  # sets: the default order (the assessment's year and ward name) is a sort for nothing
        .values_list("assessment__year", "assessment__ward_id")
    )
    for year, ward_id in rows:
        result.setdefault(year, set()).add(ward_id)
        decisions[year] = decisions.get(year, 0) + 1
    return result, decisions


def first_certified(certified: dict[int, set[int]]) -> dict[int, int]:
    """Ward id → the first year it was certified."""
    first: dict[int, int] = {}
    for year in sorted(certified):
        for ward_id in certified[year]:
            first.setdefault(ward_id, year)
    return first


def roadmap_rows(
    province: Province, wards: list[MapWard], certified: dict[int, int], *, as_of: int, targets=None
) -> list[RoadmapRow]:
    """Each milestone of the province's own roadmap, counted on its year's map: the phường that exist on that
    day (never every ward ever recorded) and, of them, those certified by the milestone's year. Nothing after
    `as_of` counts; a milestone after the province's last year is counted up to that year and replaced."""
    targets = list(province.roadmap_targets.order_by("year")) if targets is None else targets
    last_year = last_year_on_map(province)
    if last_year is not None:
        as_of = min(as_of, last_year)
    days = {t.year: roadmap_day(province, t.year, old_map=t.set_on_old_map) for t in targets}
    counted_on = {t.year: {w.id for w in wards if w.exists_on(days[t.year])} for t in targets}
    pilot = next((t for t in targets if t.target_count is not None), None)
    rows = []
    for t in targets:
        counted = counted_on[t.year]
        # The pilots (the first count milestone) are wards of their map: where none of that map's wards is left
        # (a share set on the old map, counted on the new), "the remaining wards" are all of this map's.
        pilots = pilot.target_count if pilot and counted_on[pilot.year] & counted else 0
        replaced = last_year is not None and t.year > last_year
        reached = None
        if replaced or t.year <= as_of:
            until = min(t.year, as_of)
            reached = sum(1 for ward_id in counted if certified.get(ward_id, until + 1) <= until)
        rows.append(
            RoadmapRow(
                t.year,
                _resolved_target(t, len(counted), pilots),
                t.target_label,
                t.note,
                reached,
                wards=len(counted),
                replaced=replaced,
            )
        )
    return rows


def judged_milestones(rows: list[RoadmapRow], year: int) -> tuple[RoadmapRow | None, RoadmapRow | None]:
    """(the last milestone due by `year`, the next one after it), either None when there is none. A replaced
    milestone is never judged, nor one whose year has not come: a year ahead (2030 looked at in 2026) is judged
    as of this year."""
    year = min(year, timezone.localdate().year)
    due = [r for r in rows if r.year <= year and not r.replaced]
    upcoming = [r for r in rows if r.year > year and not r.replaced]
    return (due[-1] if due else None), (upcoming[0] if upcoming else None)


def roadmap_status(rows: list[RoadmapRow], year: int) -> tuple[str, str]:
    """("on_track" | "behind" | "none", a sentence), judged on the last milestone due by `year` and,
    when none is due yet, on the progress toward the next one (judged_milestones)."""
    if not rows:
        return "none", _("Chưa có chỉ tiêu lộ trình.")
    last, nxt = judged_milestones(rows, year)
    if last is not None:
        if last.met:
            following = f"; mốc tiếp theo: {nxt.target} phường năm {nxt.year}" if nxt else ""
            return (
                "on_track",
                f"Đúng tiến độ: đạt {last.certified}/{last.target} phường của mốc {last.year}{following}.",
            )
        return "behind", f"Chậm tiến độ: mới đạt {last.certified}/{last.target} phường của mốc {last.year}."
    if nxt is None:
        return "none", "Các mốc sau khi tỉnh sáp nhập đã được thay bằng lộ trình điều chỉnh của tỉnh mới."
    return "on_track", _("Chưa đến mốc đầu tiên (%(target)s phường năm %(year)s).") % {
        "target": nxt.target,
        "year": nxt.year,
    }


def _roadmap_dicts(rows: list[RoadmapRow], year: int) -> list[dict]:
    return [
        {
            "year": r.year,
            "target": r.target,
            "label": r.label,
            "note": r.basis,
            "certified": r.certified,
            "met": r.met,
            "due": r.year <= year and not r.replaced,
            "wards": r.wards,
            "replaced": r.replaced,
        }
        for r in rows
    ]


def lineage_targets(province: Province) -> dict[int, list[RoadmapTarget]]:
    """The roadmap milestones of the province and of the provinces it was formed from, by province id and in
    year order, in one query."""
    targets: dict[int, list[RoadmapTarget]] = {p.pk: [] for p in (province, *province.predecessors)}
    for target in RoadmapTarget.objects.filter(province_id__in=list(targets)).order_by("year", "pk"):
        targets[target.province_id].append(target)
    return targets


def _old_roadmaps(
    province: Province, wards: list[MapWard], certified: dict[int, int], year: int, targets_of: dict
) -> list[dict]:
    """The roadmaps of the provinces this one was formed from, as they were set for the old map: what was
    reached up to their last year, their later milestones shown as replaced. `targets_of`: lineage_targets."""
    result = []
    for old in province.predecessors:  # read once with the page's other queries (wards.models.in_province)
        targets = targets_of[old.pk]
        if not targets:
            continue
        own = [w for w in wards if w.province_id == old.pk]
        last_year = last_year_on_map(old)
        as_of = min(year, last_year) if last_year is not None else year
        rows = roadmap_rows(old, own, certified, as_of=as_of, targets=targets)
        status, text = roadmap_status(rows, as_of)
        day = roadmap_day(old, as_of)
        result.append(
            {
                "province": old.name,
                "period": old.period_label,
                "basis": "; ".join(dict.fromkeys(t.basis for t in targets)),
                "wards": sum(1 for w in own if w.exists_on(day)),
                "last_year": as_of,
                "certified_total": sum(1 for w in own if certified.get(w.id, as_of + 1) <= as_of),
                "rows": _roadmap_dicts(rows, as_of),
                "status": status,
                "text": text,
            }
        )
    return result


def _predecessor_certified(
    province: Province, on_map: list[MapWard], wards: list[MapWard], certified: dict[int, int], year: int
) -> list[dict]:
    """For each ward of the year's map, its predecessors' certifications ("tiền thân đã đạt chuẩn: Cái Khế
    2024"): listed with the ward, never counted as its own."""
    ids = {w.id for w in on_map}
    earned = {ward_id for ward_id, first in certified.items() if first <= year}
    if not ids or not earned:
        return []
    # The names come from the lineage's phường (a successor is on the map, a certified predecessor was assessed):
    # the links alone, without joining the wards twice. Every link into the lineage's wards, kept here: the same
    # rows as "successor in (the map's ids) and predecessor in (the certified ids)", without a query of some 300
    # parameters that Django takes longer to build than PostgreSQL to run.
    names = {w.id: w.name for w in wards}
    links = [
        link
        for link in WardLineage.objects.filter(in_province(province, "successor__"))
        .values_list("successor_id", "predecessor_id", "whole")
        .order_by()
        if link[0] in ids and link[1] in earned
    ]
    missing = {w for link in links for w in link[:2] if w not in names}
    if missing:  # a unit outside the lineage's phường (none on the real map): read its name
        names.update(Ward.objects.filter(pk__in=missing).values_list("id", "name"))
    found: dict[int, dict] = {}
    for successor_id, predecessor_id, whole in links:
        successor_name, name = names[successor_id], names[predecessor_id]
        label = name if whole else f"một phần {name}"
        entry_ = found.setdefault(successor_id, {"ward": successor_name, "items": []})
        entry_["items"].append((certified[predecessor_id], sort_key(name), f"{label} {certified[predecessor_id]}"))
    rows = []
    for item in found.values():
        rows.append({"ward": item["ward"], "text": ", ".join(text for *_, text in sorted(item["items"]))})
    return sorted(rows, key=lambda r: sort_key(r["ward"]))


def _result_text(assessment, score, decision) -> str:
    if decision is not None and decision.outcome == Decision.Outcome.CERTIFIED:
        return f"Công nhận đạt chuẩn (QĐ {decision.number})"
    if assessment.status == Assessment.Status.DRAFT:
        return f"Chưa gửi hồ sơ (đạt {score.passed}/{score.total} theo số liệu đang soạn)"
    text = f"đạt {score.passed}/{score.total} ({assessment.get_status_display()})"
    if decision is not None:
        text += f", {decision.label}"
    return text


def _before_after(on_map: list[MapWard], year: int) -> list[dict]:
    """For a year across the reform: each of these new wards, the old units it was formed from and their results
    of the year before (the last year on the old map). A constant number of queries for any number of wards."""
    if not on_new_map(year) or on_new_map(year - 1):
        return []
    ids = [w.id for w in on_map]
    links = list(
        WardLineage.objects.filter(successor_id__in=ids).select_related("predecessor").order_by("-whole", "pk")
    )
    if not links:
        return []
    assessments = list(Assessment.objects.filter(ward_id__in=ids, year=year))
    previous = list(
        Assessment.objects.filter(ward_id__in={link.predecessor_id for link in links}, year=year - 1).select_related(
            "ward"
        )
    )
    scores = stored_scores(assessments=[*previous, *assessments])
    decisions = {
        d.assessment_id: d
        for d in Decision.objects.in_force().filter(assessment__in=[a.pk for a in [*previous, *assessments]])
    }
    previous_by_ward = {a.ward_id: a for a in previous}
    current_by_ward = {a.ward_id: a for a in assessments}
    by_successor: dict[int, list] = {}
    for link in links:
        by_successor.setdefault(link.successor_id, []).append(link)
    rows = []
    for ward in on_map:
        own = current_by_ward.get(ward.id)
        sources = []
        for link in by_successor.get(ward.id, []):
            old = link.predecessor
            if old is None:
                result = "Không có trong danh mục đơn vị cũ"
            elif old.kind != Ward.Kind.WARD:
                result = f"{old.get_kind_display()}: không đánh giá"
            elif (a := previous_by_ward.get(old.pk)) is None:
                result = f"Chưa có hồ sơ {year - 1}"
            else:
                result = _result_text(a, scores[a.pk], decisions.get(a.pk))
            sources.append({"label": link.label, "result": result})
        if not sources:
            sources.append({"label": "—", "result": "Chưa có dữ liệu hình thành"})
        rows.append(
            {
                "ward": ward.name,
                "result": _result_text(own, scores[own.pk], decisions.get(own.pk)) if own else f"Chưa có hồ sơ {year}",
                "from": sources,
            }
        )
    return sorted(rows, key=lambda r: sort_key(r["ward"]))


def shows_before_after(year: int) -> bool:
    """Whether a year's picture has the table "before → after" (the year across the reform)."""
    return on_new_map(year) and not on_new_map(year - 1)


def map_wards(province: Province, year: int):
    """The phường of a province's lineage on a year's map, in Vietnamese order (a queryset): what the table
    "before → after" lists, a page at a time on the leadership page."""
    day = map_date(year)
    return (
        Ward.objects.filter(in_province(province), kind=Ward.Kind.WARD)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("name", "pk")
    )


def before_after(wards, year: int) -> list[dict]:
    """The table "before → after" of these wards (a page of map_wards) for a year across the reform."""
    return _before_after(
        [MapWard(w.pk, w.name, w.province_id, w.district_id, w.valid_from, w.valid_to) for w in wards], year
    )


def province_assessments(province: Province, year: int):
    """The assessments of a province's lineage for a year (a queryset): the leadership page lists them a page at
    a time, in the order of their places."""
    return (
        Assessment.objects.filter(in_province(province, "ward__"), year=year)
        .select_related("ward__district")
        .order_by("ward__district__name", "ward__name", "pk")
    )


@dataclass(frozen=True)
class YearCounts:
    """A year of a province's lineage as its picture counts it: its assessments, the drafts among them, its
    criteria set, and the assessments past the draft by the number of criteria they meet (stored results)."""

    assessments: int = 0
    drafts: int = 0
    criteria_set_id: int | None = None  # the lowest of the year's sets: the one its criteria are named from
    distribution: dict[int, int] = field(default_factory=dict)  # criteria met → assessments past the draft


def year_counts(province: Province) -> dict[int, YearCounts]:
    """Every year of the province's lineage, counted in one query (by year and criteria met): what the page's
    list of years, a year's totals and its distribution, and the year before's, would each read apart."""
    years: dict[int, dict] = {}
    rows = (
        Assessment.objects.filter(in_province(province, "ward__"))
        .order_by()
        .values("year", "criteria_passed")
        .annotate(
            n=Count("pk"), drafts=Count("pk", filter=Q(status=Assessment.Status.DRAFT)), set_id=Min("criteria_set_id")
        )
    )
    for row in rows:
        year = years.setdefault(row["year"], {"assessments": 0, "drafts": 0, "sets": [], "distribution": {}})
        year["assessments"] += row["n"]
        year["drafts"] += row["drafts"]
        year["sets"].append(row["set_id"])
        if row["n"] > row["drafts"]:
            year["distribution"][row["criteria_passed"]] = row["n"] - row["drafts"]
    return {
        y: YearCounts(c["assessments"], c["drafts"], min(c["sets"]), dict(sorted(c["distribution"].items())))
        for y, c in years.items()
    }


@dataclass(frozen=True)
class Lineage:
    """What every year's picture of a province reads alike: the phường of its lineage, the first year each was
    certified, and each year's counts. Three queries; a page that shows two years reads it once."""

    wards: list[MapWard]
    certified: dict[int, int]  # ward id → the first year it was certified
    certified_in: dict[int, int]  # year → how many decisions in force certify a ward for that year
    years: dict[int, YearCounts]  # every year with assessments → its counts

    def of_year(self, year: int) -> YearCounts:
        return self.years.get(year) or YearCounts()


def province_lineage(province: Province) -> Lineage:
    by_year, decisions = certified_by_year(province)
    return Lineage(lineage_wards(province), first_certified(by_year), decisions, year_counts(province))


def province_year_summary(
    province: Province, year: int, *, report: bool = True, lineage: Lineage | None = None
) -> dict:
    """The province's picture for a year, as plain values (shared by the report and the leadership page).
    Checks no user: its callers have (the page, or the render service that accepted the report's request)."""
    return _province_year(province, year, report=report, lineage=lineage)


def province_year(
    *, province: Province, year: int, user, lineage: Lineage | None = None, visible: list[Province] | None = None
) -> dict:
    """The province's picture for a year as plain values, as the leadership page shows it (the report is made
    of the same summary, with its lists in full). Refuses (PermissionDenied) a user who may not read province
    reports, and one who may but not this province's. `visible`: the user's report_provinces, when the caller
    has read them, checked in them instead of a query. The leadership page passes the list it picked the province
    from, so there the check cannot fail: it guards a caller that passes a province from elsewhere."""
    access.require(user, access.Action.READ_PROVINCE)
    require_in_scope(report_provinces(user) if visible is None else visible, province)
    return _province_year(province, year, report=False, lineage=lineage)


def province_year_counts(province: Province, year: int, *, lineage: Lineage | None = None) -> dict:
    """The counts of a province's year that the leadership page and the report show for the year before, the same
    values as in province_year_summary: the year's map and its phường, the wards counted (past the draft) and
    their distribution, the year's certifications and the phường of its map certified by its end. No query
    besides the lineage (none of the summary's lists, roadmaps or rates)."""
    lineage = lineage or province_lineage(province)
    day = map_date(year)
    on_map_ids = {w.id for w in lineage.wards if w.exists_on(day)}
    distribution = lineage.of_year(year).distribution
    return {
        "year": year,
        "new_map": on_new_map(year),
        "map_wards": len(on_map_ids),
        "wards": sum(distribution.values()),
        "distribution": [{"k": k, "wards": wards} for k, wards in distribution.items()],
        # the year's certifications: its decisions in force, counted as the year's own list counts them
        "certified_count": lineage.certified_in.get(year, 0),
        "certified_total": sum(
            1 for ward_id, first in lineage.certified.items() if first <= year and ward_id in on_map_ids
        ),
    }


def _province_year(province: Province, year: int, *, report: bool = True, lineage: Lineage | None = None) -> dict:
    """The summary, counted in SQL whatever the number of wards. Everything is on the year's map: its wards,
    their districts (before the reform only), the roadmap's milestones each on its own year's map, and for the
    year across the reform a table "before → after". The report (report=True) has the drafts named and the
    table "before → after" in full; the page (report=False) has the drafts' count and cuts that table into
    pages itself (map_wards, before_after)."""
    lineage = lineage or province_lineage(province)
    totals = lineage.of_year(year)
    year_assessments = Assessment.objects.filter(in_province(province, "ward__"), year=year)
    criteria_titles, criteria_numbers = {}, {}
    if totals.criteria_set_id is not None:
        for number, title in (
            Criterion.objects.filter(criteria_set_id=totals.criteria_set_id)
            .order_by("number")
            .values_list("number", "title")
        ):
            criteria_titles[Criterion.code_for(number)] = title
            criteria_numbers[Criterion.code_for(number)] = number
    # A draft is not yet in: counting it as "0 criteria met" would sink every rate of the current year.
    counted = summarize_stored(
        province=province,
        year=year,
        assessments=year_assessments.exclude(status=Assessment.Status.DRAFT),
        distribution=totals.distribution,
    )
    if not counted.criteria_codes and criteria_titles:
        counted = replace(counted, criteria_codes=list(criteria_titles), passes=dict.fromkeys(criteria_titles, 0))
    codes, distribution, passes = counted.criteria_codes, counted.distribution, counted.passes
    n = counted.wards
    rates = sorted(
        (
            {
                "code": code,
                "title": criteria_titles.get(code, ""),
                "number": criteria_numbers.get(code, 0),
                "passes": passes[code],
                "rate": float(_percent(passes[code], n)),
                "rate_text": format_number(_percent(passes[code], n), decimals=1),
            }
            for code in codes
        ),
        key=lambda r: (r["passes"], r["number"]),
    )
    wards, certified = lineage.wards, lineage.certified
    day = map_date(year)
    on_map = [w for w in wards if w.exists_on(day)]
    on_map_ids = {w.id for w in on_map}
    targets_of = lineage_targets(province)
    roadmap = roadmap_rows(province, wards, certified, as_of=year, targets=targets_of[province.pk])
    status, status_text = roadmap_status(roadmap, year)
    decisions = (
        Decision.objects.in_force()
        .filter(in_province(province, "assessment__ward__"), assessment__year=year, outcome=Decision.Outcome.CERTIFIED)
        .order_by("assessment__ward__district__name", "assessment__ward__name")
        .values_list(
            "assessment__ward__name", "assessment__ward__district__name", "number", "decided_on", "assessment_id"
        )
    )
    dist_rows = [{"k": k, "wards": wards} for k, wards in distribution.items()]
    summary = {
        "province": province.name,
        "province_code": province.code,
        "year": year,
        "new_map": on_new_map(year),
        "map_wards": len(on_map),
        # Districts were abolished with the reform: a year on the new map lists none.
        "districts": any(w.district_id for w in on_map),
        "wards": n,
        "assessments": totals.assessments,
        "drafts": totals.drafts,
        "total_criteria": len(codes),
        "distribution": dist_rows,
        "rates": rates,
        "roadmap": _roadmap_dicts(roadmap, year),
        "roadmap_status": status,
        "roadmap_text": status_text,
        "old_roadmaps": _old_roadmaps(province, wards, certified, year, targets_of),
        "certified": [
            {
                "ward": ward,
                "district": district or "",
                "number": number,
                "date": decided_on.strftime("%d/%m/%Y"),
                "assessment_id": assessment_id,
            }
            for ward, district, number, decided_on, assessment_id in decisions
        ],
        # Certified wards of the year's map; those of wards that no longer exist are counted apart.
        "certified_total": sum(1 for ward_id, first in certified.items() if first <= year and ward_id in on_map_ids),
        "certified_old_map": sum(
            1 for ward_id, first in certified.items() if first <= year and ward_id not in on_map_ids
        ),
        "predecessor_certified": _predecessor_certified(province, on_map, wards, certified, year),
        "map_provinces": _map_provinces(on_map, year_assessments, certified, year),
    }
    if report:
        # The report's signature block (the page has none).
        summary["place_date"] = f"{province.name}, {vn_date(timezone.localdate())}"
        summary["signatures"] = _province_signers(province)
        drafts = year_assessments.filter(status=Assessment.Status.DRAFT).values_list(
            "ward__name", "ward__district__name"
        )
        summary["drafts_list"] = [
            {"ward": name, "district": district or ""}
            for name, district in sorted(drafts, key=lambda row: sort_key(row[0]))
        ]
        summary["before_after"] = _before_after(on_map, year)
    return summary


def _map_provinces(on_map: list[MapWard], assessments, certified: dict[int, int], year: int) -> list[dict]:
    """On a year before the reform, the provinces of the lineage as they were on that map, each with its own
    figures (the new Quảng Ngãi's 2024 is the old Quảng Ngãi's and Kon Tum's); empty when the map has one."""
    province_ids = {w.province_id for w in on_map}
    if len(province_ids) < 2:
        return []
    assessed = dict(assessments.order_by().values_list("ward__province_id").annotate(Count("pk")))
    rows = []
    for province in Province.objects.filter(pk__in=province_ids):
        own = [w for w in on_map if w.province_id == province.pk]
        rows.append(
            {
                "name": province.name,
                "period": province.period_label,
                "wards": len(own),
                "assessments": assessed.get(province.pk, 0),
                "certified": sum(1 for w in own if certified.get(w.id, year + 1) <= year),
            }
        )
    return sorted(rows, key=lambda r: (-r["wards"], sort_key(r["name"])))


def _province_signers(province: Province) -> dict:
    """Who signs the province report: the province's reviewer who prepares it and its approving leader."""
    people: dict[str, str] = {}
    members = Membership.objects.filter(
        province=province, role__in=Membership.PROVINCE_ROLES, user__is_active=True
    ).select_related("user")
    for m in members.order_by("user__last_name", "user__first_name", "pk"):
        people.setdefault(m.role, parsing.person(m.user))
    return {
        "preparer": people.get(Membership.Role.REVIEWER, ""),
        "approver": people.get(Membership.Role.APPROVER, ""),
    }


def province_report_data(province: Province, year: int) -> dict:
    lineage = province_lineage(province)  # read once for both years
    data = province_year_summary(province, year, lineage=lineage)
    previous = province_year_counts(province, year - 1, lineage=lineage)  # only its counts are shown
    data["previous"] = {
        "year": year - 1,
        "wards": previous["wards"],
        "distribution": previous["distribution"],
        "new_map": previous["new_map"],
        "map_wards": previous["map_wards"],
    }
    data["charts"] = report_charts(data)
    return data


def report_charts(data: dict) -> dict:
    """SVG charts drawn on the server: the same markup serves the web page (in the reader's language) and the
    PDF (its data is made in the site's language)."""
    return {
        "distribution": charts.bar_chart(
            [(str(r["k"]), r["wards"]) for r in data["distribution"]],
            title=_("Số phường theo số tiêu chí đạt"),
            x_label=_("Số tiêu chí đạt"),
        ),
        "rates": charts.horizontal_bars(
            [(r["code"], r["rate"], r["rate_text"]) for r in data["rates"]],
            maximum=100,
            suffix="%",
            title=_("Tỷ lệ phường đạt"),
        ),
        "roadmap": charts.roadmap_chart(
            [(r["year"], r["target"], r["certified"]) for r in data["roadmap"]],
            title=_("Lộ trình"),
            legend=_("Cột xanh: số phường đã đạt chuẩn (lũy kế); vạch đỏ: chỉ tiêu"),
        ),
    }


class FontsMissing(Exception):
    """The layout's own fonts could not be loaded: the PDF would come out in another face."""


class ResourceRefused(Exception):
    """The layout named something other than the project's fonts and print files (a URL, another file)."""


@cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ProjectFilesFetcher(URLFetcher):
        """WeasyPrint's fetcher narrowed to local files under the given folders; everything else is refused
        before anything is opened. Any failure stops the render (fail_on_errors)."""

        def __init__(self, *, fonts: Path, others: list[Path]):
            super().__init__(fail_on_errors=True, allowed_protocols={"file"})
            self.fonts, self.others = fonts.resolve(), [p.resolve() for p in others]

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ResourceRefused(f"Không tải tài nguyên ngoài: {url}")
            path = Path(url2pathname(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in [self.fonts, *self.others]):
                raise ResourceRefused(f"Không đọc tệp ngoài mẫu in: {url}")
            try:
                body = path.read_bytes()
            except OSError as exc:
                if path.is_relative_to(self.fonts):
                    raise FontsMissing(f"{path.name}: {exc.strerror or exc}") from exc
                raise
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), body, {"Content-Type": content_type})

    return ProjectFilesFetcher


class _FontFaceFailures(logging.Handler):
    """WeasyPrint only logs a font file it fetched but could not load (a damaged file): collect those."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.families: list[str] = []

    def emit(self, record):
        if str(record.msg).startswith("Font-face"):
            self.families.append(str(record.args[0] if record.args else record.msg))


def render_document(kind: str, data: dict):
    """The laid-out WeasyPrint document of a document's data: its pages (and their anchors, the positions of the
    elements with an id, in CSS px from the page's upper left) before it is written as PDF.
    Refuses (raises) when the layout names anything but its own files, or its fonts cannot be loaded."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    html = render_to_string(TEMPLATES[kind], {"d": data, "font_dir": FONT_DIR.as_uri()})
    fetcher = _fetcher_class()(fonts=FONT_DIR, others=[PRINT_DIR])
    failures = _FontFaceFailures()
    weasyprint_log = logging.getLogger("weasyprint")
    weasyprint_log.addHandler(failures)
    try:
        document = HTML(string=html, base_url=PRINT_DIR.as_uri() + "/", url_fetcher=fetcher).render()
    except FatalURLFetchingError as exc:
        cause = exc.__cause__
        if isinstance(cause, (FontsMissing, ResourceRefused)):
            raise type(cause)(*cause.args) from exc
        raise
    finally:
        weasyprint_log.removeHandler(failures)
    if failures.families:
        raise FontsMissing(f"Không nạp được phông chữ {', '.join(sorted(set(failures.families)))} từ {FONT_DIR}")
    return document


def render_pdf(kind: str, data: dict) -> tuple[bytes, int]:
    """The PDF bytes and page count for a document's data (render_document, written)."""
    document = render_document(kind, data)
    return document.write_pdf(), len(document.pages)
