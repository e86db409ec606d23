"""Reads that span relations. Each owns its joins; scope is enforced here, so views cannot forget it."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from criteria import scoring
from criteria.models import CriteriaSet, Criterion, CriterionGroup, Indicator
from wards.models import Assessment, IndicatorValue, Membership, Province, Ward

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


def wards_visible_to(*, user) -> QuerySet[Ward]:
    """The wards a user may read. Refuses (returns none) for users without a role."""
    wards = Ward.objects.select_related("province", "district")
    membership = membership_of(user)
    if _sees_everything(user, membership):
        return wards
    if membership is None:
        return wards.none()
    if membership.role in Membership.WARD_ROLES:
        return wards.filter(pk=membership.ward_id)
    return wards.filter(province_id=membership.province_id)


def provinces_visible_to(*, user) -> QuerySet[Province]:
    """The provinces whose wards the user may read at least in part."""
    return Province.objects.filter(pk__in=wards_visible_to(user=user).values("province_id")).order_by("name")


def assessments_visible_to(*, user) -> QuerySet[Assessment]:
    """The assessments a user may read: those of the wards in their scope."""
    return Assessment.objects.filter(ward__in=wards_visible_to(user=user)).select_related(
        "ward__province", "ward__district", "criteria_set"
    )


def criteria_set_with_catalogue(criteria_set_id: int) -> CriteriaSet:
    """A criteria set with its groups, criteria and indicators loaded in four queries."""
    return CriteriaSet.objects.prefetch_related(
        Prefetch(
            "groups",
            queryset=CriterionGroup.objects.order_by("order").prefetch_related(
                Prefetch(
                    "criteria",
                    queryset=Criterion.objects.order_by("number").prefetch_related(
                        Prefetch("indicators", queryset=Indicator.objects.order_by("order"))
                    ),
                )
            ),
        )
    ).get(pk=criteria_set_id)


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
    return {a.pk: scoring.score_assessment(specs[a.criteria_set_id], figures[a.pk]) for a in assessments}


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
    """Computed from the stored figures by the scoring engine; ignores statuses and verdicts."""
    assessments = list(Assessment.objects.filter(ward__province=province, year=year))
    scores = assessment_scores(assessments=assessments)
    codes = list(next(iter(scores.values())).criteria) if scores else []
    distribution = Counter(score.passed for score in scores.values())
    passes = Counter(
        code
        for score in scores.values()
        for code, criterion in score.criteria.items()
        if criterion.judgement.result is scoring.Result.PASS
    )
    return ProvinceSummary(
        province=province,
        year=year,
        wards=len(assessments),
        criteria_codes=codes,
        distribution=dict(sorted(distribution.items())),
        passes={code: passes.get(code, 0) for code in codes},
    )
