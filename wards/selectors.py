"""Reads that span relations. Each owns its joins; scope is enforced here, so views cannot forget it."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from criteria import catalogue as criteria_catalogue
from criteria import scoring
from criteria.models import CriteriaSet, Criterion, Indicator
from wards import lineage
from wards.collation import sort_key
from wards.models import (
    Assessment,
    CriterionResult,
    Decision,
    EvidenceFile,
    IndicatorValue,
    Membership,
    Narrative,
    Province,
    ReturnReason,
    Verdict,
    Ward,
    WardLineage,
    in_province,
)

Role = Membership.Role


def membership_of(user) -> Membership | None:
    """The user's role, or None for anonymous users and users without one."""
    if not user.is_authenticated:
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def _sees_everything(user, membership: Membership | None) -> bool:
    if user.is_superuser:
        return True
    if membership is None:
        return False
    return membership.role == Role.ADMIN or (membership.role == Role.LEADERSHIP and membership.province_id is None)


def _in_scope(queryset: QuerySet, user, *, through: str) -> QuerySet:
    """The rows of `queryset` whose ward a user may read, the ward reached through `through` ("" for wards,
    "ward__" for assessments: "ward__id" is the assessment's own column). Refuses (returns none) for users
    without a role. Filtered on the rows' own columns, not "ward in (the visible wards)": that nests a
    second scan of the wards in every assessment lookup, and PostgreSQL spends longer planning it than running
    the page's lookup (1.3 → 0.5 ms at national scale)."""
    membership = membership_of(user)
    if _sees_everything(user, membership):
        return queryset
    if membership is None:
        return queryset.none()
    if membership.role in Membership.WARD_ROLES:
        # Their ward, and the wards it was formed from (its history, read-only: acting needs the ward itself).
        predecessors = WardLineage.objects.filter(successor_id=membership.ward_id).values("predecessor_id")
        return queryset.filter(Q(**{f"{through}id": membership.ward_id}) | Q(**{f"{through}id__in": predecessors}))
    return queryset.filter(in_province(membership.province_id, through))


def wards_visible_to(*, user) -> QuerySet[Ward]:
    """The wards a user may read. Refuses (returns none) for users without a role."""
    return _in_scope(Ward.objects.select_related("province", "district"), user, through="")


def assessment_years() -> set[int]:
    """Every year that has an assessment, read as a loose scan of the (year, status) index: one probe per year
    (0.4 ms at national scale, where SELECT DISTINCT reads all 8,254 rows: 1.5 ms). Plain SQL that PostgreSQL and
    SQLite both run; the ORM has no recursive query."""
    table = connection.ops.quote_name(Assessment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE y(year) AS (SELECT MIN(year) FROM {table} UNION ALL "
            f"SELECT (SELECT MIN(year) FROM {table} WHERE year > y.year) FROM y WHERE y.year IS NOT NULL) "
            "SELECT year FROM y WHERE year IS NOT NULL"
        )
        return {year for (year,) in cursor.fetchall()}


def provinces_administered_by(user) -> QuerySet[Province]:
    """The provinces whose rounds, calendar and people a user administers: every province (former ones
    included, for their history) for an administrator, their own for a province's administrator, none for
    anyone else."""
    membership = membership_of(user)
    if user.is_authenticated and (user.is_superuser or (membership and membership.role == Role.ADMIN)):
        return Province.objects.all()
    if membership is not None and membership.role == Role.PROVINCE_ADMIN:
        return Province.objects.filter(pk=membership.province_id)
    return Province.objects.none()


def people_of_province(province) -> QuerySet:
    """A province's users (người dùng của tỉnh): its province roles and the ward roles of its wards and of its
    predecessors' wards (who still need a ward on today's map), with their role and scope loaded. Refuses
    (leaves out) everyone else: national roles, other provinces' people, users without a role."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            Q(membership__province=province, membership__ward__isnull=True)
            | Q(membership__ward__in=Ward.objects.filter(in_province(province)))
        )
        .select_related("membership__ward__province", "membership__province")
    )


def assessments_visible_to(*, user) -> QuerySet[Assessment]:
    """The assessments a user may read: those of the wards in their scope."""
    assessments = Assessment.objects.select_related("ward__province", "ward__district", "criteria_set")
    return _in_scope(assessments, user, through="ward__")


def criteria_set_with_catalogue(criteria_set_id: int, version=None) -> CriteriaSet:
    """A criteria set with its groups, criteria and indicators: kept per process for a version (the set's
    updated_at, criteria/catalogue.py), else loaded in four queries."""
    return criteria_catalogue.catalogue(criteria_set_id, version)


def _catalogue_of(assessment: Assessment) -> CriteriaSet:
    """The assessment's catalogue, kept per process when its set was read with it (select_related)."""
    known = Assessment.criteria_set.is_cached(assessment)
    return criteria_set_with_catalogue(
        assessment.criteria_set_id, assessment.criteria_set.updated_at if known else None
    )


def criteria_set_for_year(year: int) -> CriteriaSet | None:
    """The criteria set that applies to a year (the newest one whose years include it), or None."""
    return (
        CriteriaSet.objects.filter(Q(year_to__isnull=True) | Q(year_to__gte=year), year_from__lte=year)
        .order_by("-year_from")
        .first()
    )


def assessment_scores(*, assessments: Iterable[Assessment]) -> dict[int, scoring.AssessmentScore]:
    """The scoring engine's result for each assessment, keyed by id, in a constant number of queries."""
    assessments = list(assessments)
    if not assessments:
        return {}
    specs = {set_id: criteria_set_with_catalogue(set_id).specs() for set_id in {a.criteria_set_id for a in assessments}}
    figures: dict[int, dict[str, scoring.Figures]] = defaultdict(dict)
    values = IndicatorValue.objects.filter(assessment__in=[a.pk for a in assessments]).select_related("indicator")
    for value in values.only(
        "assessment_id", "indicator__code", "yes", "count", "excluded", "numerator", "denominator", "last_year", "na"
    ):
        figures[value.assessment_id][value.indicator.code] = value.figures()
    previous = previous_year_counts(assessments=assessments)
    return {
        a.pk: scoring.score_assessment(
            specs[a.criteria_set_id], with_last_year(figures[a.pk], previous.get((a.ward_id, a.year), {}))
        )
        for a in assessments
    }


def previous_year_sources(
    *, assessments: Iterable[Assessment], trend_only: bool = True
) -> dict[tuple[int, int], lineage.LastYear]:
    """What each (ward id, year) of the given assessments can say about the year before: the ward's own
    assessment of that year, or else its predecessors' (see wards.lineage for the rule), in three queries
    however many assessments there are. trend_only loads only the trend indicators' figures (enough for every
    result); the reviewer's and the dossier's side-by-side column loads them all."""
    wanted = {(a.ward_id, a.year) for a in assessments}
    if not wanted:
        return {}
    links: dict[int, list[WardLineage]] = defaultdict(list)
    # order_by(): the model's ordering joins the successor's province and district; the links are sorted just below
    successors = {w for w, _ in wanted}
    for link in WardLineage.objects.filter(successor_id__in=successors).select_related("predecessor").order_by():
        links[link.successor_id].append(link)
    for ward_links in links.values():  # whole units first, each part in Vietnamese order: "3 + 2 + 4" reads so
        ward_links.sort(key=lambda link: (not link.whole, sort_key(link.label)))
    ward_ids = {w for w, _ in wanted} | {link.predecessor_id for ls in links.values() for link in ls}
    ward_ids.discard(None)
    years = {y - 1 for _, y in wanted}
    held = {
        (ward_id, year): pk
        for pk, ward_id, year in Assessment.objects.filter(ward_id__in=ward_ids, year__in=years).values_list(
            "pk", "ward_id", "year"
        )
    }
    # Filtered like the assessments (not by their ids) so that the query runs, and is counted, either way.
    rows = IndicatorValue.objects.filter(assessment__ward_id__in=ward_ids, assessment__year__in=years)
    if trend_only:
        rows = rows.filter(indicator__kind__in=list(scoring.TREND_KINDS))
    values: dict[int, dict[str, IndicatorValue]] = defaultdict(dict)
    for value in rows.select_related("indicator"):
        values[value.assessment_id][value.indicator.code] = value
    result = {}
    for ward_id, year in wanted:
        own = held.get((ward_id, year - 1))
        predecessors = tuple(
            lineage.Predecessor(
                label=link.label,
                name=link.predecessor_name if link.predecessor is None else _unit_name(link.predecessor),
                whole=link.whole,
                matched=link.predecessor is not None,
                is_ward=link.predecessor is not None and link.predecessor.kind == Ward.Kind.WARD,
                assessed=(link.predecessor_id, year - 1) in held,
                values=values.get(held.get((link.predecessor_id, year - 1)), {}),
            )
            for link in links.get(ward_id, [])
        )
        result[(ward_id, year)] = lineage.LastYear(
            year=year - 1, own=None if own is None else values.get(own, {}), predecessors=predecessors
        )
    return result


def _unit_name(ward: Ward) -> str:
    """ "Bùi Hữu Nghĩa" for a phường, "Xã Mỹ Khánh" for anything else (as WardLineage.label names them)."""
    return ward.name if ward.kind == Ward.Kind.WARD else str(ward)


def previous_year_counts(*, assessments: Iterable[Assessment]) -> dict[tuple[int, int], dict[str, int]]:
    """Last year's counts of the trend indicators, per (ward id, year) of the given assessments, in a constant
    number of queries: what "last year" means wherever a result is computed. The ward's own figure of last year,
    or, in a merged ward's first year, the sum (or the carried figure) of its predecessors' where the rule
    allows one; an indicator without a computed figure is left out (its count is typed by hand).
    previous_year_sources says where each figure came from."""
    sources = previous_year_sources(assessments=assessments)
    result: dict[tuple[int, int], dict[str, int]] = {}
    for key, last in sources.items():
        indicators = {v.indicator.code: v.indicator for v in last.all_values()}
        counts = last.counts(indicators.values())
        if counts:
            result[key] = counts
    return result


def with_last_year(figures: dict[str, scoring.Figures], last_year: dict[str, int]) -> dict[str, scoring.Figures]:
    """The figures a result is computed from: last year's count comes from last year's assessment, or its
    predecessors' (previous_year_counts), where there is one (so a correction there shows here at once); the
    count typed by hand only where there is none."""
    if not last_year:
        return figures
    result = dict(figures)
    for code, count in last_year.items():
        result[code] = replace(result.get(code, scoring.Figures()), last_year=count)
    return result


@dataclass(frozen=True)
class ProvinceSummary:
    """How many wards meet k criteria, and how many wards pass each criterion, in one province-year."""

    province: Province
    year: int
    wards: int
    criteria_codes: list[str]
    distribution: dict[int, int]  # k criteria met → number of wards
    passes: dict[str, int]  # criterion code → number of wards passing it


def province_summary(*, province: Province, year: int) -> ProvinceSummary:
    """Counted in SQL from the stored results (wards.services.scores) of the assessments submitted (a draft is
    not yet in, as in the province report); ignores verdicts. Two queries whatever the province's size."""
    submitted = Assessment.objects.filter(in_province(province, "ward__"), year=year).exclude(
        status=Assessment.Status.DRAFT
    )
    return summarize_stored(province=province, year=year, assessments=submitted)


def summarize_stored(
    *, province: Province, year: int, assessments: QuerySet[Assessment], distribution: dict[int, int] | None = None
) -> ProvinceSummary:
    """Wards by criteria met and wards passing each criterion, counted in SQL over the stored results of these
    assessments (a queryset, never loaded). `distribution`, when its caller has counted it already (the same
    assessments by criteria met, stored_distribution), saves its query."""
    if distribution is None:
        distribution = stored_distribution(assessments)
    wards = sum(distribution.values())
    passes: dict[str, int] = {}
    codes: list[str] = []
    if wards:
        rows = (
            CriterionResult.objects.filter(assessment__in=assessments.order_by().values("pk"))
            .values("criterion__number")
            .annotate(passes=Count("pk", filter=Q(result=CriterionResult.Result.PASS)))
            .order_by("criterion__number")
        )
        passes = {Criterion.code_for(row["criterion__number"]): row["passes"] for row in rows}
        codes = list(passes)
    return ProvinceSummary(
        province=province,
        year=year,
        wards=wards,
        criteria_codes=codes,
        distribution=distribution,
        passes=passes,
    )


def stored_distribution(assessments: QuerySet[Assessment]) -> dict[int, int]:
    """Criteria met → number of these assessments, from their stored results, in one query (ascending)."""
    rows = assessments.order_by().values("criteria_passed").annotate(wards=Count("pk"))
    return dict(sorted((row["criteria_passed"], row["wards"]) for row in rows))


@dataclass(frozen=True)
class StoredScore:
    """An assessment's stored result, as the lists of a province's wards show it."""

    passed: int
    complete: int
    total: int  # the criteria of its set


def stored_scores(*, assessments: Iterable[Assessment]) -> dict[int, StoredScore]:
    """The stored result of each assessment, keyed by id, in one query (for the number of criteria of each set)
    whatever their number: the figures are not read, nothing is scored."""
    assessments = list(assessments)
    if not assessments:
        return {}
    totals = dict(
        Criterion.objects.filter(criteria_set_id__in={a.criteria_set_id for a in assessments})
        .order_by()
        .values_list("criteria_set_id")
        .annotate(Count("pk"))
    )
    return {
        a.pk: StoredScore(a.criteria_passed, a.criteria_complete, totals.get(a.criteria_set_id, 0)) for a in assessments
    }


def assessment_for(*, user, pk: int) -> Assessment:
    """One assessment in the user's scope; 404 for anything outside it, whether or not it exists."""
    return get_object_or_404(assessments_visible_to(user=user), pk=pk)


@dataclass
class AssessmentPage:
    """Everything the assessment page shows, loaded in a constant number of queries."""

    assessment: Assessment
    catalogue: CriteriaSet
    values: dict[int, IndicatorValue]  # indicator id → value
    narratives: dict[int, Narrative]  # criterion id → narrative
    evidence: dict[int, list[EvidenceFile]]  # criterion id → files
    last_year: dict[str, int]  # indicator code → last year's computed count (the ward's own, or its predecessors')
    previous: lineage.LastYear  # where each trend indicator's last year comes from (previous.source(indicator))
    reasons: dict[int, list[ReturnReason]]  # criterion id → the reviewer's reasons of the last return
    score: scoring.AssessmentScore
    every_last_year: bool = False  # `previous` has last year's figures of every indicator, not the trend ones only

    @property
    def criteria(self) -> list[Criterion]:
        return [c for g in self.catalogue.groups.all() for c in g.criteria.all()]

    @property
    def indicators(self) -> list[Indicator]:
        return [i for c in self.criteria for i in c.indicators.all()]


def assessment_page(*, assessment: Assessment, every_last_year: bool = False) -> AssessmentPage:
    """The catalogue, figures, narratives, files, last year's counts and return reasons of an assessment.
    every_last_year loads last year's figures of every indicator into `previous` (what last_year_for gives, for
    the review page's and the dossier's side-by-side column) instead of the trend indicators' only; the counts,
    which come from the trend indicators, are the same either way."""
    catalogue = _catalogue_of(assessment)
    values = {v.indicator_id: v for v in assessment.values.all()}
    narratives = {n.criterion_id: n for n in assessment.narratives.all()}
    evidence: dict[int, list[EvidenceFile]] = defaultdict(list)
    for f in assessment.evidence.select_related("uploaded_by").order_by("uploaded_at", "pk"):
        evidence[f.criterion_id].append(f)
    previous = previous_year_sources(assessments=[assessment], trend_only=not every_last_year)[
        (assessment.ward_id, assessment.year)
    ]
    last_year = previous.counts(i for g in catalogue.groups.all() for c in g.criteria.all() for i in c.indicators.all())
    reasons: dict[int, list[ReturnReason]] = defaultdict(list)
    if assessment.status == Assessment.Status.RETURNED:
        for reason in assessment.return_reasons.filter(round=assessment.round, draft=False).select_related("reviewer"):
            reasons[reason.criterion_id].append(reason)
    codes = {i.pk: i.code for g in catalogue.groups.all() for c in g.criteria.all() for i in c.indicators.all()}
    figures = {codes[v.indicator_id]: v.figures() for v in values.values() if v.indicator_id in codes}
    score = scoring.score_assessment(catalogue.specs(), with_last_year(figures, last_year))
    return AssessmentPage(
        assessment, catalogue, values, narratives, evidence, last_year, previous, reasons, score, every_last_year
    )


def latest_return_reasons(*, assessments: list[Assessment]) -> dict[int, list[ReturnReason]]:
    """For each returned assessment (by id), the reasons of its last return, in one query."""
    returned = [a for a in assessments if a.status == Assessment.Status.RETURNED]
    result: dict[int, list[ReturnReason]] = defaultdict(list)
    if not returned:
        return result
    rounds = {a.pk: a.round for a in returned}
    for reason in ReturnReason.objects.filter(assessment__in=returned, draft=False).select_related("criterion"):
        if reason.round == rounds[reason.assessment_id]:
            result[reason.assessment_id].append(reason)
    return result


def last_year_for(*, assessment: Assessment) -> lineage.LastYear:
    """Last year's figures of every indicator, for the reviewer's and the dossier's side-by-side column: the
    ward's own, or its predecessors' in a merged ward's first year (`.source(indicator)` says which)."""
    return previous_year_sources(assessments=[assessment], trend_only=False)[(assessment.ward_id, assessment.year)]


@dataclass
class QueueRow:
    assessment: Assessment
    score: StoredScore
    days_since_submission: int | None
    overdue: bool


def status_counts(assessments: QuerySet[Assessment]) -> dict[str, int]:
    """How many of these assessments are in each status, counted in SQL (one query)."""
    return dict(assessments.order_by().values_list("status").annotate(Count("pk")))


def review_queue(
    *, user, year: int, status: str = "", district: str = "", passed: str = "", overdue: bool = False, q: str = ""
) -> tuple[QuerySet[Assessment], dict[str, int]]:
    """A province's assessments for a year, filtered and ordered in SQL (a queryset, for a page of it to be cut
    by the view: queue_rows makes that page's rows); and the counts per status of the whole year.

    Scope comes from assessments_visible_to, so a reviewer never sees another province.
    """
    today = timezone.localdate()
    year_rows = assessments_visible_to(user=user).filter(year=year)
    counts = status_counts(year_rows)
    verdicts = (
        Verdict.objects.filter(assessment=OuterRef("pk"))
        .order_by()
        .values("assessment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # A subquery, not a join: evaluated for the page's rows only, and left out of the page count. Only the joins the
    # queue shows (the ward and its district, the reviewer): with the province and the criteria set as well, planning
    # the query took PostgreSQL longer than running it (9 ms against 2).
    rows = (
        year_rows.select_related(None)
        .select_related("ward__district", "reviewer")
        .annotate(verdict_count=Coalesce(Subquery(verdicts, output_field=IntegerField()), 0))
    )
    if status:
        rows = rows.filter(status=status)
    if district:
        rows = rows.filter(ward__district__code=district)
    if q.strip():
        rows = rows.filter(ward__name__icontains=q.strip())
    # What needs the reviewer's action first: submitted (and resubmitted), the longest waiting first; then
    # those in review; then the returned, the drafts and the approved, by place.
    action_first = Case(
        When(status=Assessment.Status.SUBMITTED, then=Value(0)),
        When(status=Assessment.Status.IN_REVIEW, then=Value(1)),
        When(status=Assessment.Status.RETURNED, then=Value(2)),
        When(status=Assessment.Status.DRAFT, then=Value(3)),
        default=Value(4),
    )
    waiting = Case(
        When(status__in=[Assessment.Status.SUBMITTED, Assessment.Status.IN_REVIEW], then=F("submitted_at")),
        default=Value(None),
        output_field=DateTimeField(),
    )
    if passed:
        rows = rows.filter(criteria_passed=int(passed)) if passed.isdigit() else rows.none()
    if overdue:
        rows = rows.filter(status__in=Assessment.EDITABLE_BY_WARD, deadline__lt=today)
    rows = rows.order_by(action_first, waiting.asc(nulls_last=True), "ward__district__name", "ward__name", "pk")
    return rows, counts


def queue_rows(assessments: Iterable[Assessment]) -> list[QueueRow]:
    """The queue's rows for these assessments (a page of review_queue's), with their stored results."""
    today = timezone.localdate()
    assessments = list(assessments)
    scores = stored_scores(assessments=assessments)
    result = []
    for a in assessments:
        late = a.editable_by_ward and a.deadline < today
        since = (
            (today - timezone.localtime(a.submitted_at).date()).days
            if a.submitted_at and not a.editable_by_ward
            else None
        )
        result.append(QueueRow(a, scores[a.pk], since, late))
    return result


@dataclass
class WardPage:
    """What a ward's page shows: the unit, its years, who it was formed from or became, and the certifications its
    predecessors earned (a certification stays with the ward that earned it: the successor does not inherit it).
    `readable` holds the ids of the linked wards the user may read, to link only those."""

    ward: Ward
    years: list[tuple[Assessment, Decision | None]]  # newest first, with the decision in force
    predecessor_links: list[WardLineage]
    successor_links: list[WardLineage]
    predecessor_certifications: list[Decision]
    readable: set[int]


def ward_page(*, user, pk: int) -> WardPage:
    """One ward in the user's scope (404 outside it) with its page, in a constant number of queries."""
    visible = wards_visible_to(user=user)
    ward = get_object_or_404(visible, pk=pk)
    predecessors = list(ward.predecessor_links.select_related("predecessor"))
    successors = list(ward.successor_links.select_related("successor").order_by("successor__name"))
    linked = {link.predecessor_id for link in predecessors if link.predecessor_id} | {
        link.successor_id for link in successors
    }
    readable = set(visible.filter(pk__in=linked).values_list("pk", flat=True)) if linked else set()
    assessments = list(assessments_visible_to(user=user).filter(ward=ward).order_by("-year"))
    decisions = {d.assessment_id: d for d in Decision.objects.in_force().filter(assessment__in=assessments)}
    certifications = (
        list(
            Decision.objects.in_force()
            .filter(
                outcome=Decision.Outcome.CERTIFIED,
                assessment__ward_id__in=[link.predecessor_id for link in predecessors if link.predecessor_id],
            )
            .select_related("assessment__ward")
            .order_by("assessment__ward__name", "assessment__year")
        )
        if predecessors
        else []
    )
    years = [(a, decisions.get(a.pk)) for a in assessments]
    return WardPage(ward, years, predecessors, successors, certifications, readable)


def issued_documents(assessment: Assessment) -> list:
    """What was issued for the assessment, newest first: its signed dossiers and the decisions naming it, each with
    its render job (`doc.job`: signing, done, failed) — one query, none for an assessment never approved (in its
    first round and not approved, nothing was issued for it)."""
    from wards.models import IssuedDocument

    if assessment.status != Assessment.Status.APPROVED and assessment.round == 1:
        return []
    return list(
        IssuedDocument.objects.filter(Q(assessment=assessment) | Q(decisions__assessment=assessment))
        .select_related("job", "superseded_by")
        .distinct()
        .order_by("-created_at", "kind")
    )
