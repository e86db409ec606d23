"""The data each document shows, its content hash, and its rendering to PDF with WeasyPrint.

The data is built once as plain values; the hash is taken over that data and the layout's source, so the
same data (and layout) always gives back the same file, and any change gives a new one.
"""

import hashlib
import json
import logging
import math
import mimetypes
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.scoring import format_number
from reports import charts
from reports.selectors import report_provinces, require_in_scope
from wards import access, parsing
from wards.collation import sort_key
from wards.models import Assessment, Decision, Membership, Province, RoadmapTarget, count_passed
from wards.selectors import (
    assessment_page,
    assessment_scores,
    criteria_set_with_catalogue,
    last_year_values,
    summarize_scores,
)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
PRINT_DIR = settings.BASE_DIR / "templates" / "pdf"
TEMPLATES = {
    "dossier": "pdf/dossier.html",
    "province_report": "pdf/province_report.html",
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
    page = assessment_page(assessment=assessment)
    last_year = last_year_values(assessment=assessment)
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
                            "last": _last_year_text(i, page.values.get(i.pk), last_year.get(i.code)),
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


def _last_year_text(indicator, value, last) -> str:
    if last is not None:
        return parsing.describe(indicator, last)
    if value is not None and value.last_year is not None:
        return f"{parsing.format_integer(value.last_year)} (nhập tay)"
    return "—"


@dataclass(frozen=True)
class RoadmapRow:
    year: int
    target: int
    label: str
    basis: str
    certified: int | None  # None for a milestone after the year looked at: nothing is achieved there yet

    @property
    def met(self) -> bool:
        return self.certified is not None and self.certified >= self.target


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


def certified_by_year(province: Province) -> dict[int, set[int]]:
    """Ward ids with a decision in force certifying them, per year."""
    result: dict[int, set[int]] = {}
    rows = (
        Decision.objects.in_force()
        .filter(assessment__ward__province=province, outcome=Decision.Outcome.CERTIFIED)
        .values_list("assessment__year", "assessment__ward_id")
    )
    for year, ward_id in rows:
        result.setdefault(year, set()).add(ward_id)
    return result


def roadmap_rows(province: Province, wards: int, certified: dict[int, set[int]], *, as_of: int) -> list[RoadmapRow]:
    """Each milestone with the wards certified by then, counting nothing after the year `as_of`."""
    targets = list(province.roadmap_targets.order_by("year"))
    pilots = next((t.target_count for t in targets if t.target_count is not None), 0)
    rows = []
    for t in targets:
        reached = None
        if t.year <= as_of:
            reached = len(set().union(*[ids for y, ids in certified.items() if y <= t.year]) if certified else set())
        rows.append(RoadmapRow(t.year, _resolved_target(t, wards, pilots), t.target_label, t.note, reached))
    return rows


def roadmap_status(rows: list[RoadmapRow], year: int) -> tuple[str, str]:
    """("on_track" | "behind" | "none", a sentence), judged on the last milestone due by `year` and,
    when none is due yet, on the progress toward the next one."""
    due = [r for r in rows if r.year <= year]
    upcoming = [r for r in rows if r.year > year]
    if not rows:
        return "none", _("Chưa có chỉ tiêu lộ trình.")
    if due:
        last = due[-1]
        reached = {"certified": last.certified, "target": last.target, "year": last.year}
        if not last.met:
            return "behind", _("Chậm tiến độ: mới đạt %(certified)s/%(target)s phường của mốc %(year)s.") % reached
        if not upcoming:
            return "on_track", _("Đúng tiến độ: đạt %(certified)s/%(target)s phường của mốc %(year)s.") % reached
        return "on_track", _(
            "Đúng tiến độ: đạt %(certified)s/%(target)s phường của mốc %(year)s; mốc tiếp theo: %(next_target)s "
            "phường năm %(next_year)s."
        ) % {**reached, "next_target": upcoming[0].target, "next_year": upcoming[0].year}
    nxt = upcoming[0]
    return "on_track", _("Chưa đến mốc đầu tiên (%(target)s phường năm %(year)s).") % {
        "target": nxt.target,
        "year": nxt.year,
    }


def province_year(*, province: Province, year: int, user):
    """The province's picture for a year as plain values, with the year's assessments and their scores: what
    the leadership page shows (the report is made of the same summary). Refuses (PermissionDenied) a user who
    may not read province reports, and one who may but not this province's."""
    access.require(user, access.Action.READ_PROVINCE)
    require_in_scope(report_provinces(user), province)
    return _province_year(province, year)


def _province_year(province: Province, year: int):
    """(the summary, the year's assessments, their scores), for whoever asks: the callers have checked (the
    page above, or the render service that accepted the report's request)."""
    assessments = list(Assessment.objects.filter(ward__province=province, year=year).select_related("ward__district"))
    scores = assessment_scores(assessments=assessments)
    # A draft is not yet in: counting it as "0 criteria met" would sink every rate of the current year.
    submitted = {a.pk: scores[a.pk] for a in assessments if a.status != Assessment.Status.DRAFT}
    drafts = [a for a in assessments if a.status == Assessment.Status.DRAFT]
    criteria_titles, criteria_numbers = {}, {}
    if assessments:
        catalogue = criteria_set_with_catalogue(assessments[0].criteria_set_id)
        criteria_titles = {c.code: c.title for g in catalogue.groups.all() for c in g.criteria.all()}
        criteria_numbers = {c.code: c.number for g in catalogue.groups.all() for c in g.criteria.all()}
    counted = summarize_scores(province=province, year=year, scores=submitted)
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
    certified = certified_by_year(province)
    total_wards = province.wards.count()
    roadmap = roadmap_rows(province, total_wards, certified, as_of=year)
    status, status_text = roadmap_status(roadmap, year)
    decisions = (
        Decision.objects.in_force()
        .filter(assessment__ward__province=province, assessment__year=year, outcome=Decision.Outcome.CERTIFIED)
        .select_related("assessment__ward__district")
        .order_by("assessment__ward__district__name", "assessment__ward__name")
    )
    dist_rows = [{"k": k, "wards": wards} for k, wards in distribution.items()]
    summary = {
        "province": province.name,
        "province_code": province.code,
        "year": year,
        "wards": n,
        "assessments": len(assessments),
        "drafts": len(drafts),
        "drafts_list": [
            {"ward": a.ward.name, "district": a.ward.district.name if a.ward.district else ""}
            for a in sorted(drafts, key=lambda a: sort_key(a.ward.name))
        ],
        "total_criteria": len(codes),
        "distribution": dist_rows,
        "rates": rates,
        "roadmap": [
            {
                "year": r.year,
                "target": r.target,
                "label": r.label,
                "note": r.basis,
                "certified": r.certified,
                "met": r.met,
                "due": r.year <= year,
            }
            for r in roadmap
        ],
        "roadmap_status": status,
        "roadmap_text": status_text,
        "certified": [
            {
                "ward": d.assessment.ward.name,
                "district": d.assessment.ward.district.name if d.assessment.ward.district else "",
                "number": d.number,
                "date": d.decided_on.strftime("%d/%m/%Y"),
                "assessment_id": d.assessment_id,
            }
            for d in decisions
        ],
        "certified_total": len(set().union(*[ids for y, ids in certified.items() if y <= year])) if certified else 0,
        "place_date": f"{province.name}, {vn_date(timezone.localdate())}",
        "signatures": _province_signers(province),
    }
    return summary, assessments, scores


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
    """Everything the province report shows, as plain values. Checks no user, like dossier_data: the render
    services check who asks (reports.services.report_request), and the worker renders what they accepted."""
    data = _province_year(province, year)[0]
    previous = _province_year(province, year - 1)[0]
    data["previous"] = {"year": year - 1, "wards": previous["wards"], "distribution": previous["distribution"]}
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


def render_pdf(kind: str, data: dict) -> tuple[bytes, int]:
    """The PDF bytes and page count for a document's data.
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
    return document.write_pdf(), len(document.pages)
