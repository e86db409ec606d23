"""Stored scores: each assessment's computed result (per criterion and in total) kept in the database, written in
the same transaction as the figures it depends on, so that province-wide pages count it in SQL.

What a result depends on: the assessment's own figures, and last year's counts of its trend indicators — the
ward's own assessment of the year before or, in a merged ward's first year, its predecessors'. So a change to a
year's figures rescored that assessment and the next year's of the same ward and of the wards it became.
The criteria sets are frozen once used (criteria.admin), so thresholds never move under a stored result."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from criteria.models import Criterion
from wards.models import Assessment, CriterionResult, WardLineage
from wards.selectors import assessment_scores

# Assessments scored per batch: the scoring engine's inputs of a batch are loaded in a constant number of queries.
BATCH = 500


def dependents(assessments: Iterable[Assessment]) -> list[Assessment]:
    """The assessments whose result reads these ones' figures as "last year": the next year's assessment of the
    same ward and of every ward it was (wholly or partly) merged into."""
    keys = {(a.ward_id, a.year) for a in assessments}
    if not keys:
        return []
    successors: dict[int, set[int]] = {}
    for predecessor_id, successor_id in WardLineage.objects.filter(
        predecessor_id__in={ward_id for ward_id, _year in keys}
    ).values_list("predecessor_id", "successor_id"):
        successors.setdefault(predecessor_id, set()).add(successor_id)
    wanted = Q()
    for ward_id, year in keys:
        wanted |= Q(ward_id__in={ward_id, *successors.get(ward_id, ())}, year=year + 1)
    return list(Assessment.objects.filter(wanted))


def _criteria_ids(criteria_set_ids: set[int]) -> dict[tuple[int, str], int]:
    return {
        (set_id, Criterion.code_for(number)): pk
        for pk, set_id, number in Criterion.objects.filter(criteria_set_id__in=criteria_set_ids).values_list(
            "pk", "criteria_set_id", "number"
        )
    }


def _store(rows: list[Assessment]) -> None:
    scores = assessment_scores(assessments=rows)
    criteria = _criteria_ids({a.criteria_set_id for a in rows})
    results = []
    for a in rows:
        score = scores[a.pk]
        a.criteria_passed, a.criteria_complete = score.passed, score.complete
        results.extend(
            CriterionResult(
                assessment_id=a.pk,
                criterion_id=criteria[(a.criteria_set_id, code)],
                result=criterion.judgement.result.value,
                complete=criterion.complete,
            )
            for code, criterion in score.criteria.items()
        )
    Assessment.objects.bulk_update(rows, ["criteria_passed", "criteria_complete"])
    CriterionResult.objects.bulk_create(
        results,
        update_conflicts=True,
        unique_fields=["assessment", "criterion"],
        update_fields=["result", "complete"],
    )


@transaction.atomic
def rescore(assessments: Iterable[Assessment]) -> int:
    """Compute and store the result of these assessments; returns how many. Rescoring what is already right
    changes nothing."""
    rows = list(assessments)
    for start in range(0, len(rows), BATCH):
        _store(rows[start : start + BATCH])
    return len(rows)


def rescore_changed(assessments: Iterable[Assessment]) -> int:
    """After figures of these assessments changed: store their results and those of the assessments that read
    them as last year's (dependents). Call inside the transaction that wrote the figures."""
    rows = list(assessments)
    return rescore([*rows, *dependents(rows)])


def on_assessment_deleted(sender, instance: Assessment, **kwargs) -> None:
    """post_delete: the next year's assessments no longer read this one as last year."""
    rescore(dependents([instance]))


@dataclass(frozen=True)
class Difference:
    assessment: Assessment
    stored: str
    computed: str

    def __str__(self):
        return _("%(assessment)s (#%(pk)s): đã lưu %(stored)s, tính lại %(computed)s") % {
            "assessment": self.assessment,
            "pk": self.assessment.pk,
            "stored": self.stored,
            "computed": self.computed,
        }


def _describe(passed: int, complete: int, results: dict[str, tuple[str, bool]]) -> str:
    criteria = ", ".join(f"{code}={result}{'' if full else '?'}" for code, (result, full) in sorted(results.items()))
    return _("đạt %(passed)s, đủ %(complete)s [%(criteria)s]") % {
        "passed": passed,
        "complete": complete,
        "criteria": criteria,
    }


def differences(assessments: Iterable[Assessment]) -> list[Difference]:
    """Each assessment whose stored result (read again from the database) differs from a fresh computation
    (nothing is written). A criterion without a stored row counts as "incomplete", as a new assessment's are."""
    found = []
    rows = list(assessments)
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        scores = assessment_scores(assessments=batch)
        totals = dict(
            (pk, (passed, complete))
            for pk, passed, complete in Assessment.objects.filter(pk__in=[a.pk for a in batch]).values_list(
                "pk", "criteria_passed", "criteria_complete"
            )
        )
        stored: dict[int, dict[str, tuple[str, bool]]] = {a.pk: {} for a in batch}
        for assessment_id, number, result, complete in CriterionResult.objects.filter(
            assessment__in=[a.pk for a in batch]
        ).values_list("assessment_id", "criterion__number", "result", "complete"):
            stored[assessment_id][Criterion.code_for(number)] = (result, complete)
        for a in batch:
            score = scores[a.pk]
            computed = {code: (c.judgement.result.value, c.complete) for code, c in score.criteria.items()}
            kept = {code: stored[a.pk].get(code, (CriterionResult.Result.INCOMPLETE.value, False)) for code in computed}
            passed, complete = totals[a.pk]  # as stored now, whatever the instance was given
            if (passed, complete, kept) != (score.passed, score.complete, computed):
                found.append(
                    Difference(
                        a,
                        _describe(passed, complete, kept),
                        _describe(score.passed, score.complete, computed),
                    )
                )
    return found
