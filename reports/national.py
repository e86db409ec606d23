"""The national picture of a year: the provinces of that year's map side by side (the ministry's view and its
report). Everything is counted in SQL over the stored scores and decisions, in a constant number of queries
whatever the number of provinces and wards; the roadmaps reuse the province report's own computation
(reports.documents.roadmap_rows) over rows loaded once for all provinces.

The values are plain and language-neutral (names, numbers, codes): the page words them in the reader's language,
the PDF template in Vietnamese."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.models import Criterion
from criteria.scoring import format_number
from reports import charts
from reports.documents import MapWard, judged_milestones, roadmap_rows, roadmap_status, vn_date
from wards import parsing
from wards.collation import sort_key
from wards.map import map_date, on_new_map
from wards.models import (
    Assessment,
    CriterionResult,
    Decision,
    Membership,
    Province,
    ProvinceLineage,
    RoadmapTarget,
    Ward,
)

# How many criteria a row names as its weakest (the lowest pass rates among the submitted, below 100%).
WEAKEST = 3
# The order of the roadmap column when sorted: who is behind first.
STATUS_ORDER = {"behind": 0, "on_track": 1, "none": 2}


@dataclass
class Weak:
    code: str
    number: int
    title: str
    passes: int
    counted: int

    @property
    def rate(self) -> float:
        return 100 * self.passes / self.counted if self.counted else 0.0

    @property
    def rate_text(self) -> str:
        return format_number(self.rate, decimals=1)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "passes": self.passes,
            "counted": self.counted,
            "rate": round(self.rate, 1),
            "rate_text": self.rate_text,
        }


@dataclass
class ProvinceRow:
    province: Province
    drill_code: str  # the province whose leadership page shows this one's year (itself, or its successor)
    wards: int = 0  # phường on the year's map
    submitted: int = 0  # assessments of the year past the draft
    certified: int = 0  # certified this year (decisions in force)
    certified_total: int = 0  # phường of the year's map certified by the end of the year
    status: str = "none"
    milestone: dict | None = None  # the milestone the status is judged on: year, target, certified
    weakest: list[Weak] = field(default_factory=list)

    @property
    def submitted_share(self) -> float:
        return 100 * self.submitted / self.wards if self.wards else 0.0

    @property
    def certified_share(self) -> float:
        return 100 * self.certified_total / self.wards if self.wards else 0.0

    @property
    def certified_share_text(self) -> str:
        return format_number(self.certified_share, decimals=1)

    def as_dict(self) -> dict:
        return {
            "name": self.province.name,
            "code": self.province.code,
            "drill_code": self.drill_code,
            "wards": self.wards,
            "submitted": self.submitted,
            "certified": self.certified,
            "certified_total": self.certified_total,
            "certified_share": round(self.certified_share, 1),
            "certified_share_text": self.certified_share_text,
            "status": self.status,
            "milestone": self.milestone,
            "weakest": [w.as_dict() for w in self.weakest],
        }


SORTS = {
    "name": lambda r: sort_key(r.province.name),
    "wards": lambda r: (r.wards, sort_key(r.province.name)),
    "submitted": lambda r: (r.submitted, sort_key(r.province.name)),
    "certified": lambda r: (r.certified, sort_key(r.province.name)),
    "certified_total": lambda r: (r.certified_total, sort_key(r.province.name)),
    # Behind first, then by how far the judged milestone is reached.
    "status": lambda r: (
        STATUS_ORDER[r.status],
        (r.milestone["certified"] or 0) / r.milestone["target"] if r.milestone and r.milestone["target"] else 1,
        sort_key(r.province.name),
    ),
    # The weakest criterion's pass rate, lowest first; provinces without a weak criterion last.
    "weakest": lambda r: (r.weakest[0].rate if r.weakest else 101, sort_key(r.province.name)),
}


def parse_sort(value: str | None) -> tuple[str, bool]:
    """ "certified" → ("certified", False), "-certified" → ("certified", True); anything else sorts by name."""
    value = value or ""
    descending = value.startswith("-")
    key = value.lstrip("-")
    return (key, descending) if key in SORTS else ("name", False)


def sort_rows(rows: list[ProvinceRow], key: str, descending: bool) -> list[ProvinceRow]:
    return sorted(rows, key=SORTS[key], reverse=descending)


def _milestone(rows, year: int) -> dict | None:
    """The milestone roadmap_status judges: the last one due by the year, else the next one."""
    last, nxt = judged_milestones(rows, year)
    chosen = last or nxt
    if chosen is None:
        return None
    return {"year": chosen.year, "target": chosen.target, "certified": chosen.certified, "due": last is not None}


def _weakest(results: dict[int, Weak]) -> list[Weak]:
    weak = [w for w in results.values() if w.counted and w.passes < w.counted]
    return sorted(weak, key=lambda w: (w.rate, w.number))[:WEAKEST]


@dataclass
class NationalYear:
    year: int
    rows: list[ProvinceRow]
    weakest: list[Weak]  # over every submitted assessment of the year

    @property
    def totals(self) -> dict:
        return {
            "provinces": len(self.rows),
            "wards": sum(r.wards for r in self.rows),
            "submitted": sum(r.submitted for r in self.rows),
            "certified": sum(r.certified for r in self.rows),
            "certified_total": sum(r.certified_total for r in self.rows),
            "behind": sum(1 for r in self.rows if r.status == "behind"),
        }


def national_year(year: int) -> NationalYear:
    """Every province of the year's map with its figures, in a constant number of queries. Checks no user: the
    page and the render service that accepted the request have."""
    day = map_date(year)
    provinces = list(Province.objects.on_map(year).order_by())
    ids = {p.pk for p in provinces}
    today = timezone.localdate()
    current = {p.pk for p in provinces if p.exists_on(today)}  # on today's map (UnitQuerySet.current)
    # Each province of the lineages: the one of the year's map it counts for (itself, or the one formed from it),
    # and for a province no longer on today's map, the one of today's map whose leadership page reads its history.
    owner = {pk: pk for pk in ids}
    successor_today: dict[int, str] = {}
    for successor_id, predecessor_id, successor_code, successor_valid_to in ProvinceLineage.objects.filter(
        Q(successor_id__in=ids) | Q(predecessor_id__in=ids)
    ).values_list("successor_id", "predecessor_id", "successor__code", "successor__valid_to"):
        if successor_id in ids:
            owner.setdefault(predecessor_id, successor_id)
        if predecessor_id in ids and successor_valid_to is None:
            successor_today[predecessor_id] = successor_code
    rows = {
        p.pk: ProvinceRow(p, drill_code=p.code if p.pk in current else successor_today.get(p.pk, p.code))
        for p in provinces
    }

    lineage_ids = set(owner)
    wards: dict[int, list[MapWard]] = defaultdict(list)
    # Unordered and without their names: the lists are only counted and looked up by id (the model's order joins
    # the provinces and districts to sort 2,400 rows; the names alone are half of what the query reads).
    for ward_id, province_id, valid_from, valid_to in (
        Ward.objects.filter(province_id__in=lineage_ids, kind=Ward.Kind.WARD)
        .order_by()
        .values_list("id", "province_id", "valid_from", "valid_to")
    ):
        wards[owner[province_id]].append(MapWard(ward_id, "", province_id, None, valid_from, valid_to))
    # Every certification in force of the country, as (ward, year): the first year of each ward, and the year's
    # count of each province. Not only those of the lineages (the pairs are looked up by the lineages' ward ids),
    # and without a join to the wards. Counting the year's certifications here, not through a join of the year's
    # assessments to every decision, makes the year's two queries cheaper (3 + 2.3 → 2.2 + 1.2 ms at national
    # scale, 1,262 certifications).
    ward_owner = {w.id: pk for pk, lineage in wards.items() for w in lineage}
    first_certified: dict[int, int] = {}
    for ward_id, certified_year in (
        Decision.objects.in_force()
        .filter(outcome=Decision.Outcome.CERTIFIED)
        .order_by()
        .values_list("assessment__ward", "assessment__year")
    ):
        if certified_year < first_certified.get(ward_id, certified_year + 1):
            first_certified[ward_id] = certified_year
        if certified_year == year and ward_id in ward_owner:
            rows[ward_owner[ward_id]].certified += 1
    targets: dict[int, list[RoadmapTarget]] = defaultdict(list)
    for target in RoadmapTarget.objects.filter(province_id__in=ids).order_by("year"):
        targets[target.province_id].append(target)

    submitted = (
        Assessment.objects.filter(year=year, ward__province_id__in=lineage_ids)
        .exclude(status=Assessment.Status.DRAFT)
        .order_by()
        .values_list("ward__province_id")
        .annotate(n=Count("pk"))
    )
    for province_id, n in submitted:
        rows[owner[province_id]].submitted += n

    per_province: dict[int, dict[int, Weak]] = defaultdict(dict)
    national: dict[int, Weak] = {}
    results = list(
        # Filtered through the join (not "assessment in (subquery)"): PostgreSQL then reads the year's assessments by
        # their index instead of scanning every year's (7 → 4 ms at national scale). Grouped by the criterion's id,
        # its number and title read apart: grouping 9,000 rows by a title costs more than the query that reads it.
        CriterionResult.objects.filter(assessment__year=year, assessment__ward__province_id__in=lineage_ids)
        .exclude(assessment__status=Assessment.Status.DRAFT)
        .values("assessment__ward__province_id", "criterion_id")
        .annotate(passes=Count("pk", filter=Q(result=CriterionResult.Result.PASS)), counted=Count("pk"))
        .order_by()
    )
    criteria = {
        pk: (number, title)
        for pk, number, title in Criterion.objects.filter(pk__in={r["criterion_id"] for r in results}).values_list(
            "pk", "number", "title"
        )
    }
    for r in results:
        number, title = criteria[r["criterion_id"]]
        for bucket in (per_province[owner[r["assessment__ward__province_id"]]], national):
            weak = bucket.setdefault(number, Weak(Criterion.code_for(number), number, title, 0, 0))
            weak.passes += r["passes"]
            weak.counted += r["counted"]

    for pk, row in rows.items():
        lineage = wards[pk]
        on_map = [w for w in lineage if w.exists_on(day)]
        row.wards = len(on_map)
        row.certified_total = sum(1 for w in on_map if first_certified.get(w.id, year + 1) <= year)
        roadmap = roadmap_rows(row.province, lineage, first_certified, as_of=year, targets=targets[pk])
        row.status = roadmap_status(roadmap, year)[0]
        row.milestone = _milestone(roadmap, year)
        row.weakest = _weakest(per_province[pk])
    return NationalYear(year, sort_rows(list(rows.values()), "name", False), _weakest(national))


def chart_texts(year: int) -> dict:
    """The chart's title and legend in the current language (the PDF's data is built in the site's)."""
    return {
        "title": _("Tỷ lệ phường đã gửi hồ sơ và đã đạt chuẩn theo tỉnh/thành phố"),
        "legend": _("Cột nhạt: đã gửi hồ sơ; cột đậm: đạt chuẩn lũy kế; trên số phường năm %(year)s") % {"year": year},
    }


def chart(data: NationalYear, *, title: str, legend: str) -> str:
    """Each province's share of its phường submitted and certified, highest certified share first."""
    rows = sorted(data.rows, key=lambda r: (-r.certified_share, -r.submitted_share, sort_key(r.province.name)))
    return charts.share_bars(
        [(r.province.name, r.submitted_share, r.certified_share) for r in rows], title=title, legend=legend
    )


def _signers() -> dict:
    """Who signs the national report: the ministry's leadership (leadership without a province)."""
    leaders = (
        Membership.objects.filter(role=Membership.Role.LEADERSHIP, province__isnull=True, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    first = leaders.first()
    return {"approver": parsing.person(first.user) if first else ""}


def national_report_data(year: int) -> dict:
    """Everything the national report shows, as plain values (hashed for reuse, then rendered)."""
    data = national_year(year)
    return {
        "year": year,
        "new_map": on_new_map(year),
        "rows": [r.as_dict() for r in data.rows],
        "totals": data.totals,
        "weakest": [w.as_dict() for w in data.weakest],
        "chart": chart(
            data,
            **chart_texts(year),
        ),
        "date": vn_date(timezone.localdate()),  # the template writes the place (the ministry's seat) before it
        "signatures": _signers(),
    }
