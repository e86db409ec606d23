"""Stored scores: each assessment's computed result is kept in the database with the figures it comes from (in
the same save), next year's included when last year's figures change, and `manage.py rescore --check` proves
the stored results match a fresh computation."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AssessmentFactory, complete_figures, user_with_role
from wards import services
from wards.models import Assessment, CriterionResult, Membership
from wards.selectors import assessment_scores, province_summary
from wards.services import scores

pytestmark = pytest.mark.django_db


def save(assessment, user, **by_code):
    """The ward's page saving these figures (keyed by indicator code, "13_2" for 13.2)."""
    assessment.refresh_from_db()
    indicators = {i.code: i for i in assessment.criteria_set.indicators.all()}
    figures = {indicators[code.replace("_", ".")].pk: values for code, values in by_code.items()}
    services.assessment_save(
        assessment=assessment, user=user, figures=figures, narratives={}, base_revision=assessment.revision
    )
    assessment.refresh_from_db()


def save_complete(assessment, user):
    indicators = assessment.criteria_set.indicators.all()
    save(assessment, user, **{i.code.replace(".", "_"): complete_figures(i) for i in indicators})


def stored(assessment, code):
    return CriterionResult.objects.get(assessment=assessment, criterion__number=int(code[2:])).result


def test_a_save_stores_the_result_it_computes_with_the_figures(people, assessment):
    assert (assessment.criteria_passed, assessment.criteria_complete) == (0, 0)
    save_complete(assessment, people["officer"])
    assert (assessment.criteria_passed, assessment.criteria_complete) == (22, 22)
    assert CriterionResult.objects.filter(assessment=assessment, result="pass").count() == 22
    # 5.1 asks every household reached (100%): 29 of 30 fails TC5, and the stored result says so at once.
    save(assessment, people["officer"], **{"5_1": {"numerator": 29, "denominator": 30}})
    assert (assessment.criteria_passed, assessment.criteria_complete) == (21, 22)
    assert stored(assessment, "TC5") == "fail"
    # A figure removed: TC5 incomplete, no longer counted complete.
    save(assessment, people["officer"], **{"5_1": {"numerator": None, "denominator": None}})
    assert (assessment.criteria_passed, assessment.criteria_complete) == (21, 21)
    assert stored(assessment, "TC5") == "incomplete"
    assert scores.differences([assessment]) == []


def test_a_save_that_fails_stores_no_result_either(people, assessment, monkeypatch):
    """The result is written in the figures' transaction: when the save fails after it, neither is kept."""
    monkeypatch.setattr(
        "wards.services.entry.AuditEvent.objects.bulk_create", lambda *a, **k: (_ for _ in ()).throw(DatabaseError)
    )
    with pytest.raises(DatabaseError):
        save_complete(assessment, people["officer"])
    assessment.refresh_from_db()
    assert (assessment.criteria_passed, assessment.values.count(), assessment.results.count()) == (0, 0, 0)


def test_correcting_last_years_figure_rescored_next_years_assessment(people, criteria_set, ward):
    """13.2 asks a 6% fall from last year. 2028 has 10 cases; 2027 had 0, so 2028 fails (it had to stay at 0);
    the ward corrects 2027 to 20, and 2028 — not touched — now passes (a 50% fall), in the stored result too."""
    officer = people["officer"]
    y2027 = AssessmentFactory(ward=ward, year=2027, criteria_set=criteria_set)
    y2028 = AssessmentFactory(ward=ward, year=2028, criteria_set=criteria_set)
    save_complete(y2027, officer)
    save_complete(y2028, officer)
    save(y2028, officer, **{"13_2": {"count": 10}})
    assert stored(y2028, "TC13") == "fail"
    before = y2028.criteria_passed
    save(y2027, officer, **{"13_2": {"count": 20}})
    assert assessment_scores(assessments=[y2028])[y2028.pk].criteria["TC13"].judgement.result == "pass"
    assert stored(y2028, "TC13") == "pass"
    y2028.refresh_from_db()
    assert y2028.criteria_passed == before + 1
    assert scores.differences(Assessment.objects.all()) == []


def test_the_province_summary_counts_stored_results_in_two_queries(people, criteria_set, ward, other_ward):
    for place in (ward, other_ward):
        a = AssessmentFactory(ward=place, year=2026, criteria_set=criteria_set, status=Assessment.Status.SUBMITTED)
        scores.rescore_changed([a])
    submitted = Assessment.objects.filter(ward=ward).get()
    Assessment.objects.filter(pk=submitted.pk).update(status=Assessment.Status.DRAFT)
    user = user_with_role(Membership.Role.WARD_OFFICER, ward=ward)
    save_complete(submitted, user)
    Assessment.objects.filter(pk=submitted.pk).update(status=Assessment.Status.SUBMITTED)
    province = ward.province
    assert province.predecessors == []  # read once per Province (one query), then written into every query
    with CaptureQueriesContext(connection) as queries:
        summary = province_summary(province=province, year=2026)
    assert len(queries) == 2
    assert summary.wards == 2
    assert summary.distribution == {0: 1, 22: 1}
    assert summary.passes["TC1"] == 1 and len(summary.passes) == 22


def test_rescore_check_finds_a_stored_result_that_is_wrong_and_rescore_mends_it(people, assessment, capsys):
    save_complete(assessment, people["officer"])
    call_command("rescore", "--check")
    assert "khớp" in capsys.readouterr().out
    CriterionResult.objects.filter(assessment=assessment, criterion__number=7).update(result="fail")
    Assessment.objects.filter(pk=assessment.pk).update(criteria_passed=21)
    with pytest.raises(CommandError, match="1 trên 1 hồ sơ"):
        call_command("rescore", "--check")
    assert f"#{assessment.pk}" in capsys.readouterr().err
    # --check changed nothing.
    assert stored(assessment, "TC7") == "fail"
    call_command("rescore")
    call_command("rescore", "--check")
    assert stored(assessment, "TC7") == "pass"


def test_deleting_last_years_assessment_rescored_next_years(people, criteria_set, ward):
    """13.2 of 2028 (10 cases) read 2027's 20 as last year (a 50% fall, passes); once 2027 is gone, its last
    year is the figure typed on 2028's page (0: it had to stay at 0, fails), in the stored result too."""
    officer = people["officer"]
    y2027 = AssessmentFactory(ward=ward, year=2027, criteria_set=criteria_set)
    y2028 = AssessmentFactory(ward=ward, year=2028, criteria_set=criteria_set)
    save_complete(y2027, officer)
    save_complete(y2028, officer)
    save(y2027, officer, **{"13_2": {"count": 20}})
    save(y2028, officer, **{"13_2": {"count": 10, "last_year": 0, "last_year_manual": True}})
    assert stored(y2028, "TC13") == "pass"
    Assessment.objects.filter(pk=y2027.pk).delete()
    assert stored(y2028, "TC13") == "fail"
    assert scores.differences(Assessment.objects.all()) == []
