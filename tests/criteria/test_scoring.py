"""The scoring engine against DOMAIN.md, "How an indicator is judged (computed result)".

Pure tests: no database, no Django models; only criteria.scoring is imported.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from criteria.scoring import (
    RESULT_LABELS,
    AssessmentScore,
    CriterionRule,
    CriterionScore,
    CriterionSpec,
    Figures,
    IndicatorRule,
    Judgement,
    Kind,
    Result,
    format_number,
    judge_criterion,
    judge_indicator,
    score_assessment,
    score_criterion,
)

PASS, FAIL, MISSING, NA, INCOMPLETE = Result.PASS, Result.FAIL, Result.MISSING, Result.NA, Result.INCOMPLETE
INDICATOR_RESULTS = {PASS, FAIL, MISSING, NA}

# Rules as DOMAIN.md's catalogue writes them.
YES_NO = IndicatorRule("1.1", Kind.YES_NO)
COUNT_MAX_0 = IndicatorRule("6.4", Kind.COUNT_MAX, Decimal(0))
COUNT_MAX_0_BKK = IndicatorRule("10.1", Kind.COUNT_MAX, Decimal(0), allows_exclusion=True)
COUNT_MAX_2 = IndicatorRule("x.1", Kind.COUNT_MAX, Decimal(2))
COUNT_MIN_4 = IndicatorRule("6.1", Kind.COUNT_MIN, Decimal(4))
SHARE_MIN_90 = IndicatorRule("19.3", Kind.SHARE_MIN, Decimal(90))
SHARE_MIN_100 = IndicatorRule("5.1", Kind.SHARE_MIN, Decimal(100))
SHARE_BELOW_1_5 = IndicatorRule("17.2", Kind.SHARE_BELOW, Decimal("1.5"))
FALL_MIN_6 = IndicatorRule("13.2", Kind.FALL_MIN, Decimal("6"))
FALL_MIN_50 = IndicatorRule("14.2", Kind.FALL_MIN, Decimal(50))
RISE_MIN_20 = IndicatorRule("16.3", Kind.RISE_MIN, Decimal(20))
RISE_MIN_20_NA = IndicatorRule("16.3", Kind.RISE_MIN, Decimal(20), allows_na=True)

# TC14: passes when 14.1 = 0, or when 14.2 and 14.3 both pass.
TC14 = CriterionSpec(
    "TC14",
    CriterionRule.FIRST_OR_REST,
    (
        IndicatorRule("14.1", Kind.COUNT_MAX, Decimal(0)),
        IndicatorRule("14.2", Kind.FALL_MIN, Decimal(50)),
        IndicatorRule("14.3", Kind.COUNT_MAX, Decimal(0)),
    ),
)


def result_of(rule: IndicatorRule, **figures) -> Result:
    return judge_indicator(rule, Figures(**figures)).result


# ---------------------------------------------------------------------------
# 1. Every indicator kind: PASS, FAIL, MISSING and N/A
# ---------------------------------------------------------------------------

INDICATOR_CASES = [
    # yes_no: passes when yes
    pytest.param(YES_NO, Figures(yes=True), PASS, id="yes_no-yes-passes"),
    pytest.param(YES_NO, Figures(yes=False), FAIL, id="yes_no-no-fails"),
    pytest.param(YES_NO, Figures(), MISSING, id="yes_no-not-entered-is-missing"),
    pytest.param(
        IndicatorRule("1.1", Kind.YES_NO, allows_na=True),
        Figures(na=True),
        NA,
        id="yes_no-declared-na-allowed-is-na",
    ),
    # count_max: passes when count - excluded <= N
    pytest.param(COUNT_MAX_0, Figures(count=0), PASS, id="count_max_0-zero-passes"),
    pytest.param(COUNT_MAX_0, Figures(count=1), FAIL, id="count_max_0-one-fails"),
    pytest.param(COUNT_MAX_2, Figures(count=2), PASS, id="count_max_2-at-limit-passes"),
    pytest.param(COUNT_MAX_2, Figures(count=3), FAIL, id="count_max_2-over-limit-fails"),
    pytest.param(COUNT_MAX_0, Figures(), MISSING, id="count_max-not-entered-is-missing"),
    pytest.param(COUNT_MAX_0, Figures(excluded=0), MISSING, id="count_max-only-excluded-is-missing"),
    pytest.param(
        IndicatorRule("6.4", Kind.COUNT_MAX, Decimal(0), allows_na=True),
        Figures(na=True),
        NA,
        id="count_max-declared-na-allowed-is-na",
    ),
    # count_max with force majeure (bkk)
    pytest.param(COUNT_MAX_0_BKK, Figures(count=2, excluded=2), PASS, id="bkk-all-excluded-passes"),
    pytest.param(COUNT_MAX_0_BKK, Figures(count=3, excluded=2), FAIL, id="bkk-one-left-fails"),
    pytest.param(COUNT_MAX_0_BKK, Figures(count=0), PASS, id="bkk-zero-no-excluded-passes"),
    pytest.param(COUNT_MAX_0_BKK, Figures(count=1), FAIL, id="bkk-excluded-not-entered-counts-as-zero"),
    pytest.param(COUNT_MAX_0, Figures(count=2, excluded=2), FAIL, id="no-bkk-exclusions-ignored-fails"),
    pytest.param(COUNT_MAX_0_BKK, Figures(excluded=1), MISSING, id="bkk-count-not-entered-is-missing"),
    # count_min: passes when count >= N
    pytest.param(COUNT_MIN_4, Figures(count=4), PASS, id="count_min_4-four-passes"),
    pytest.param(COUNT_MIN_4, Figures(count=7), PASS, id="count_min_4-seven-passes"),
    pytest.param(COUNT_MIN_4, Figures(count=3), FAIL, id="count_min_4-three-fails"),
    pytest.param(COUNT_MIN_4, Figures(count=0), FAIL, id="count_min_4-zero-fails"),
    pytest.param(COUNT_MIN_4, Figures(), MISSING, id="count_min-not-entered-is-missing"),
    pytest.param(
        IndicatorRule("6.1", Kind.COUNT_MIN, Decimal(4), allows_na=True),
        Figures(na=True),
        NA,
        id="count_min-declared-na-allowed-is-na",
    ),
    # share_min: numerator / denominator >= p; denominator 0 -> N/A
    pytest.param(SHARE_MIN_90, Figures(numerator=27, denominator=30), PASS, id="share_min_90-27of30-passes"),
    pytest.param(SHARE_MIN_90, Figures(numerator=30, denominator=30), PASS, id="share_min_90-all-passes"),
    pytest.param(SHARE_MIN_90, Figures(numerator=26, denominator=30), FAIL, id="share_min_90-26of30-fails"),
    pytest.param(SHARE_MIN_100, Figures(numerator=99, denominator=100), FAIL, id="share_min_100-99of100-fails"),
    pytest.param(SHARE_MIN_100, Figures(numerator=5, denominator=5), PASS, id="share_min_100-5of5-passes"),
    pytest.param(SHARE_MIN_90, Figures(numerator=0, denominator=0), NA, id="share_min-denominator-0-is-na"),
    pytest.param(SHARE_MIN_90, Figures(), MISSING, id="share_min-not-entered-is-missing"),
    pytest.param(SHARE_MIN_90, Figures(numerator=27), MISSING, id="share_min-no-denominator-is-missing"),
    pytest.param(SHARE_MIN_90, Figures(denominator=30), MISSING, id="share_min-no-numerator-is-missing"),
    # share_below: numerator / denominator < p strictly; denominator 0 -> N/A
    pytest.param(SHARE_BELOW_1_5, Figures(numerator=2, denominator=200), PASS, id="share_below-2of200-passes"),
    pytest.param(SHARE_BELOW_1_5, Figures(numerator=0, denominator=200), PASS, id="share_below-none-passes"),
    pytest.param(SHARE_BELOW_1_5, Figures(numerator=3, denominator=200), FAIL, id="share_below-3of200-fails"),
    pytest.param(SHARE_BELOW_1_5, Figures(numerator=4, denominator=200), FAIL, id="share_below-4of200-fails"),
    pytest.param(SHARE_BELOW_1_5, Figures(numerator=0, denominator=0), NA, id="share_below-denominator-0-is-na"),
    pytest.param(SHARE_BELOW_1_5, Figures(), MISSING, id="share_below-not-entered-is-missing"),
    pytest.param(SHARE_BELOW_1_5, Figures(numerator=1), MISSING, id="share_below-no-denominator-is-missing"),
    pytest.param(SHARE_BELOW_1_5, Figures(denominator=200), MISSING, id="share_below-no-numerator-is-missing"),
    # fall_min: (last - this) / last >= p; last = 0 -> PASS iff this = 0
    pytest.param(FALL_MIN_6, Figures(count=47, last_year=50), PASS, id="fall_min_6-50to47-passes"),
    pytest.param(FALL_MIN_6, Figures(count=0, last_year=50), PASS, id="fall_min_6-50to0-passes"),
    pytest.param(FALL_MIN_6, Figures(count=48, last_year=50), FAIL, id="fall_min_6-50to48-fails"),
    pytest.param(FALL_MIN_6, Figures(count=50, last_year=50), FAIL, id="fall_min_6-unchanged-fails"),
    pytest.param(FALL_MIN_6, Figures(count=60, last_year=50), FAIL, id="fall_min_6-rise-fails"),
    pytest.param(FALL_MIN_6, Figures(count=0, last_year=0), PASS, id="fall_min-0to0-passes"),
    pytest.param(FALL_MIN_6, Figures(count=1, last_year=0), FAIL, id="fall_min-0to1-fails"),
    pytest.param(FALL_MIN_6, Figures(last_year=50), MISSING, id="fall_min-no-this-year-is-missing"),
    pytest.param(FALL_MIN_6, Figures(count=47), MISSING, id="fall_min-no-last-year-is-missing"),
    pytest.param(FALL_MIN_6, Figures(), MISSING, id="fall_min-nothing-is-missing"),
    pytest.param(
        IndicatorRule("13.2", Kind.FALL_MIN, Decimal(6), allows_na=True),
        Figures(na=True),
        NA,
        id="fall_min-declared-na-allowed-is-na",
    ),
    # rise_min: (this - last) / last >= p; last = 0 -> PASS iff this > 0
    pytest.param(RISE_MIN_20, Figures(count=12, last_year=10), PASS, id="rise_min_20-10to12-passes"),
    pytest.param(RISE_MIN_20, Figures(count=30, last_year=10), PASS, id="rise_min_20-10to30-passes"),
    pytest.param(RISE_MIN_20, Figures(count=11, last_year=10), FAIL, id="rise_min_20-10to11-fails"),
    pytest.param(RISE_MIN_20, Figures(count=5, last_year=10), FAIL, id="rise_min_20-fall-fails"),
    pytest.param(RISE_MIN_20, Figures(count=1, last_year=0), PASS, id="rise_min-0to1-passes"),
    pytest.param(RISE_MIN_20, Figures(count=0, last_year=0), FAIL, id="rise_min-0to0-fails"),
    pytest.param(RISE_MIN_20, Figures(last_year=10), MISSING, id="rise_min-no-this-year-is-missing"),
    pytest.param(RISE_MIN_20, Figures(count=12), MISSING, id="rise_min-no-last-year-is-missing"),
    pytest.param(RISE_MIN_20_NA, Figures(na=True), NA, id="rise_min-declared-na-allowed-is-na"),
    pytest.param(RISE_MIN_20, Figures(na=True), MISSING, id="rise_min-declared-na-not-allowed-is-missing"),
]


@pytest.mark.parametrize(("rule", "figures", "expected"), INDICATOR_CASES)
def test_indicator_result_follows_the_domain_table(rule, figures, expected):
    judgement = judge_indicator(rule, figures)
    assert judgement.result is expected
    assert judgement.reason.strip()
    assert judgement.label == RESULT_LABELS[expected]


# ---------------------------------------------------------------------------
# 2. The boundaries DOMAIN.md names
# ---------------------------------------------------------------------------


def test_fall_of_exactly_six_percent_passes():
    assert result_of(FALL_MIN_6, count=47, last_year=50) is PASS


def test_fall_just_short_of_six_percent_fails():
    assert result_of(FALL_MIN_6, count=48, last_year=50) is FAIL


def test_share_of_exactly_ninety_percent_passes_share_min_90():
    assert result_of(SHARE_MIN_90, numerator=27, denominator=30) is PASS


def test_share_of_exactly_one_and_a_half_percent_fails_share_below():
    assert result_of(SHARE_BELOW_1_5, numerator=3, denominator=200) is FAIL


def test_share_just_under_one_and_a_half_percent_passes_share_below():
    assert result_of(SHARE_BELOW_1_5, numerator=2, denominator=200) is PASS


@pytest.mark.parametrize(
    ("this_year", "expected"),
    [pytest.param(0, PASS, id="still-zero-passes"), pytest.param(1, FAIL, id="any-case-fails")],
)
def test_fall_min_from_zero_last_year_passes_only_when_still_zero(this_year, expected):
    assert result_of(FALL_MIN_6, count=this_year, last_year=0) is expected
    assert result_of(FALL_MIN_50, count=this_year, last_year=0) is expected


@pytest.mark.parametrize(
    ("this_year", "expected"),
    [pytest.param(0, FAIL, id="still-zero-fails"), pytest.param(1, PASS, id="any-case-passes")],
)
def test_rise_min_from_zero_last_year_passes_only_when_above_zero(this_year, expected):
    assert result_of(RISE_MIN_20, count=this_year, last_year=0) is expected


@pytest.mark.parametrize("kind", [Kind.SHARE_MIN, Kind.SHARE_BELOW], ids=str)
@pytest.mark.parametrize("numerator", [0, 3], ids=lambda n: f"numerator-{n}")
def test_zero_denominator_is_not_applicable_for_share_kinds(kind, numerator):
    rule = IndicatorRule("s", kind, Decimal(50))
    judgement = judge_indicator(rule, Figures(numerator=numerator, denominator=0))
    assert judgement.result is NA
    assert judgement.reason == "Không phát sinh (mẫu số bằng 0)"


@pytest.mark.parametrize("rule", [FALL_MIN_6, RISE_MIN_20], ids=["fall_min", "rise_min"])
def test_missing_this_year_figure_is_missing_not_a_fail(rule):
    judgement = judge_indicator(rule, Figures(last_year=50))
    assert judgement.result is MISSING
    assert judgement.reason == "Chưa nhập số liệu năm nay"


@pytest.mark.parametrize("rule", [FALL_MIN_6, RISE_MIN_20], ids=["fall_min", "rise_min"])
def test_missing_last_year_figure_is_missing_not_a_fail(rule):
    judgement = judge_indicator(rule, Figures(count=0))
    assert judgement.result is MISSING
    assert judgement.reason == "Chưa có số liệu năm trước"


ALL_KIND_RULES = [
    pytest.param(Kind.YES_NO, None, id="yes_no"),
    pytest.param(Kind.COUNT_MAX, Decimal(0), id="count_max"),
    pytest.param(Kind.COUNT_MIN, Decimal(4), id="count_min"),
    pytest.param(Kind.SHARE_MIN, Decimal(90), id="share_min"),
    pytest.param(Kind.SHARE_BELOW, Decimal("1.5"), id="share_below"),
    pytest.param(Kind.FALL_MIN, Decimal(6), id="fall_min"),
    pytest.param(Kind.RISE_MIN, Decimal(20), id="rise_min"),
]

# Figures entered for every kind, to show a declared N/A wins over them.
FIGURES_ENTERED = Figures(yes=True, count=0, numerator=1, denominator=1, last_year=0)


@pytest.mark.parametrize(("kind", "threshold"), ALL_KIND_RULES)
def test_declared_na_is_na_when_the_rule_allows_it(kind, threshold):
    rule = IndicatorRule("i", kind, threshold, allows_na=True)
    judgement = judge_indicator(rule, Figures(na=True))
    assert judgement.result is NA
    assert judgement.reason == "Không có đối tượng (đã nêu lý do)"


@pytest.mark.parametrize(("kind", "threshold"), ALL_KIND_RULES)
def test_declared_na_is_missing_when_the_rule_does_not_allow_it(kind, threshold):
    rule = IndicatorRule("i", kind, threshold, allows_na=False)
    judgement = judge_indicator(rule, Figures(na=True))
    assert judgement.result is MISSING
    assert judgement.reason == "Chỉ tiêu này không được khai báo không áp dụng"


@pytest.mark.parametrize(("kind", "threshold"), ALL_KIND_RULES)
@pytest.mark.parametrize(("allows_na", "expected"), [(True, NA), (False, MISSING)], ids=["allowed", "refused"])
def test_declared_na_wins_over_figures_entered_alongside_it(kind, threshold, allows_na, expected):
    rule = IndicatorRule("i", kind, threshold, allows_na=allows_na)
    assert judge_indicator(rule, replace(FIGURES_ENTERED, na=True)).result is expected


@pytest.mark.parametrize(("kind", "threshold"), ALL_KIND_RULES)
def test_nothing_entered_is_missing_never_a_pass_or_fail(kind, threshold):
    rule = IndicatorRule("i", kind, threshold, allows_na=True, allows_exclusion=True)
    assert judge_indicator(rule, Figures()).result is MISSING


def test_exclusions_are_ignored_when_the_rule_does_not_allow_them():
    figures = Figures(count=2, excluded=2)
    assert judge_indicator(COUNT_MAX_0, figures).result is FAIL
    assert judge_indicator(COUNT_MAX_0_BKK, figures).result is PASS
    assert judge_indicator(COUNT_MAX_0, figures).reason == "2 (yêu cầu ≤ 0)"


def test_exclusions_bring_the_net_count_under_a_nonzero_limit():
    rule = IndicatorRule("b", Kind.COUNT_MAX, Decimal(1), allows_exclusion=True)
    assert result_of(rule, count=3, excluded=2) is PASS
    assert result_of(rule, count=4, excluded=2) is FAIL


@pytest.mark.parametrize(
    ("rule", "figures", "expected"),
    [
        pytest.param(
            IndicatorRule("a", Kind.SHARE_BELOW, Decimal("1.5")),
            Figures(numerator=3, denominator=200),
            FAIL,
            id="share_below-Decimal-1.5-exact",
        ),
        pytest.param(
            IndicatorRule("b", Kind.SHARE_BELOW, Decimal("1.50")),
            Figures(numerator=3, denominator=200),
            FAIL,
            id="share_below-Decimal-1.50-same-as-1.5",
        ),
        pytest.param(
            IndicatorRule("c", Kind.FALL_MIN, Decimal("6")),
            Figures(count=47, last_year=50),
            PASS,
            id="fall_min-Decimal-6-exact",
        ),
        pytest.param(
            IndicatorRule("d", Kind.FALL_MIN, Decimal("6.00")),
            Figures(count=47, last_year=50),
            PASS,
            id="fall_min-Decimal-6.00-same-as-6",
        ),
        pytest.param(
            IndicatorRule("e", Kind.SHARE_MIN, Decimal("33.33")),
            Figures(numerator=1, denominator=3),
            PASS,
            id="share_min-Decimal-33.33-one-third-passes",
        ),
        pytest.param(
            IndicatorRule("f", Kind.SHARE_MIN, Decimal("33.34")),
            Figures(numerator=1, denominator=3),
            FAIL,
            id="share_min-Decimal-33.34-one-third-fails",
        ),
        pytest.param(
            IndicatorRule("g", Kind.RISE_MIN, Decimal("12.5")),
            Figures(count=9, last_year=8),
            PASS,
            id="rise_min-Decimal-12.5-one-eighth-exact",
        ),
    ],
)
def test_decimal_thresholds_are_compared_exactly(rule, figures, expected):
    assert judge_indicator(rule, figures).result is expected


@pytest.mark.parametrize("kind", [Kind.COUNT_MAX, Kind.COUNT_MIN, Kind.SHARE_MIN, Kind.FALL_MIN])
def test_a_rule_without_a_threshold_is_a_configuration_error(kind):
    figures = Figures(count=1, numerator=1, denominator=2, last_year=2)
    with pytest.raises(ValueError, match="needs a threshold"):
        judge_indicator(IndicatorRule("z", kind), figures)


# ---------------------------------------------------------------------------
# 3. Combining indicators into a criterion
# ---------------------------------------------------------------------------


def j(result: Result) -> Judgement:
    return Judgement(result, "lý do")


def results(*codes_and_results: tuple[str, Result]) -> dict[str, Judgement]:
    return {code: j(result) for code, result in codes_and_results}


@pytest.mark.parametrize(
    ("indicator_results", "expected"),
    [
        pytest.param((PASS, PASS, PASS), PASS, id="all-pass"),
        pytest.param((PASS, NA, PASS), PASS, id="pass-and-na"),
        pytest.param((NA, NA), PASS, id="all-na"),
        pytest.param((PASS,), PASS, id="single-pass"),
        pytest.param((FAIL,), FAIL, id="single-fail"),
        pytest.param((PASS, FAIL, PASS), FAIL, id="one-fail"),
        pytest.param((FAIL, MISSING, PASS), FAIL, id="fail-beats-missing"),
        pytest.param((MISSING, FAIL), FAIL, id="fail-after-missing"),
        pytest.param((PASS, MISSING, PASS), INCOMPLETE, id="one-missing"),
        pytest.param((MISSING, NA), INCOMPLETE, id="missing-and-na"),
        pytest.param((MISSING, MISSING), INCOMPLETE, id="all-missing"),
    ],
)
def test_all_rule_combines_indicator_results(indicator_results, expected):
    judgements = {f"1.{i}": j(r) for i, r in enumerate(indicator_results, start=1)}
    assert judge_criterion(CriterionRule.ALL, judgements).result is expected


def test_all_rule_names_the_failing_indicators_in_order():
    judgement = judge_criterion(CriterionRule.ALL, results(("6.1", FAIL), ("6.2", PASS), ("6.4", FAIL)))
    assert judgement.reason == "Không đạt: chỉ tiêu 6.1, 6.4"


def test_all_rule_names_the_missing_indicators():
    judgement = judge_criterion(CriterionRule.ALL, results(("9.1", MISSING), ("9.2", PASS), ("9.3", MISSING)))
    assert judgement.reason == "Thiếu số liệu: chỉ tiêu 9.1, 9.3"


def test_all_rule_pass_reason_counts_the_indicators():
    judgement = judge_criterion(CriterionRule.ALL, results(("4.1", PASS), ("4.2", NA)))
    assert judgement.reason == "Đạt 2/2 chỉ tiêu"


TC14_CASES = [
    # 14.1 passes: PASS whatever the others say
    pytest.param((PASS, PASS, PASS), PASS, id="first-pass-rest-pass"),
    pytest.param((PASS, FAIL, FAIL), PASS, id="first-pass-rest-fail"),
    pytest.param((PASS, MISSING, MISSING), PASS, id="first-pass-rest-missing"),
    pytest.param((PASS, FAIL, MISSING), PASS, id="first-pass-rest-mixed"),
    # 14.1 fails: the rest decide
    pytest.param((FAIL, PASS, PASS), PASS, id="first-fail-rest-pass"),
    pytest.param((FAIL, NA, PASS), PASS, id="first-fail-rest-pass-or-na"),
    pytest.param((FAIL, FAIL, PASS), FAIL, id="first-fail-14.2-fails"),
    pytest.param((FAIL, PASS, FAIL), FAIL, id="first-fail-14.3-fails"),
    pytest.param((FAIL, FAIL, FAIL), FAIL, id="first-fail-rest-fail"),
    pytest.param((FAIL, FAIL, MISSING), FAIL, id="first-fail-one-rest-fails-other-missing"),
    pytest.param((FAIL, MISSING, MISSING), INCOMPLETE, id="first-fail-rest-missing"),
    pytest.param((FAIL, PASS, MISSING), INCOMPLETE, id="first-fail-one-rest-missing"),
    # 14.1 missing: PASS if the rest pass, else undecided
    pytest.param((MISSING, PASS, PASS), PASS, id="first-missing-rest-pass"),
    pytest.param((MISSING, FAIL, FAIL), INCOMPLETE, id="first-missing-rest-fail"),
    pytest.param((MISSING, PASS, FAIL), INCOMPLETE, id="first-missing-one-rest-fails"),
    pytest.param((MISSING, MISSING, MISSING), INCOMPLETE, id="all-missing"),
]


@pytest.mark.parametrize(("indicator_results", "expected"), TC14_CASES)
def test_tc14_passes_when_first_passes_or_all_the_rest_pass(indicator_results, expected):
    judgements = dict(zip(("14.1", "14.2", "14.3"), map(j, indicator_results), strict=True))
    assert judge_criterion(CriterionRule.FIRST_OR_REST, judgements).result is expected


TC14_FIGURE_CASES = [
    pytest.param({"14.1": Figures(count=0)}, PASS, id="no-hotspots-passes-with-nothing-else-entered"),
    pytest.param(
        {"14.1": Figures(count=0), "14.2": Figures(count=9, last_year=10), "14.3": Figures(count=3)},
        PASS,
        id="no-hotspots-passes-whatever-the-others",
    ),
    pytest.param(
        {"14.1": Figures(count=2), "14.2": Figures(count=2, last_year=4), "14.3": Figures(count=0)},
        PASS,
        id="hotspots-halved-and-none-new-passes",
    ),
    pytest.param(
        {"14.1": Figures(count=3), "14.2": Figures(count=3, last_year=4), "14.3": Figures(count=0)},
        FAIL,
        id="hotspots-not-halved-fails",
    ),
    pytest.param(
        {"14.1": Figures(count=2), "14.2": Figures(count=2, last_year=4), "14.3": Figures(count=1)},
        FAIL,
        id="hotspots-halved-but-a-new-one-fails",
    ),
    pytest.param(
        {"14.2": Figures(count=2, last_year=4), "14.3": Figures(count=0)},
        PASS,
        id="14.1-missing-rest-pass-passes",
    ),
    pytest.param(
        {"14.2": Figures(count=4, last_year=4), "14.3": Figures(count=1)},
        INCOMPLETE,
        id="14.1-missing-rest-fail-incomplete",
    ),
    pytest.param({"14.1": Figures(count=2)}, INCOMPLETE, id="14.1-fails-rest-missing-incomplete"),
    pytest.param(
        {"14.1": Figures(count=2), "14.2": Figures(count=2)},
        INCOMPLETE,
        id="14.1-fails-last-year-missing-incomplete",
    ),
]


@pytest.mark.parametrize(("figures", "expected"), TC14_FIGURE_CASES)
def test_tc14_scored_from_figures(figures, expected):
    score = score_criterion(TC14, figures)
    assert score.code == "TC14"
    assert list(score.indicators) == ["14.1", "14.2", "14.3"]
    assert score.judgement.result is expected
    assert score.judgement.reason.strip()


def test_tc14_reasons_name_what_decided():
    first = judge_criterion(CriterionRule.FIRST_OR_REST, results(("14.1", PASS), ("14.2", FAIL), ("14.3", FAIL)))
    assert first.reason == "Đạt: chỉ tiêu 14.1 đạt"
    rest = judge_criterion(CriterionRule.FIRST_OR_REST, results(("14.1", FAIL), ("14.2", PASS), ("14.3", PASS)))
    assert rest.reason == "Đạt: các chỉ tiêu 14.2, 14.3 đều đạt"
    failed = judge_criterion(CriterionRule.FIRST_OR_REST, results(("14.1", FAIL), ("14.2", PASS), ("14.3", FAIL)))
    assert failed.reason == "Không đạt: chỉ tiêu 14.1 và chỉ tiêu 14.3"


def test_first_or_rest_with_a_single_indicator_behaves_like_all():
    assert judge_criterion(CriterionRule.FIRST_OR_REST, results(("x", FAIL))).result is FAIL
    assert judge_criterion(CriterionRule.FIRST_OR_REST, results(("x", MISSING))).result is INCOMPLETE
    assert judge_criterion(CriterionRule.FIRST_OR_REST, results(("x", PASS))).result is PASS


def test_score_criterion_treats_an_indicator_without_figures_as_missing():
    spec = CriterionSpec(
        "TC4", CriterionRule.ALL, (IndicatorRule("4.1", Kind.YES_NO), IndicatorRule("4.2", Kind.YES_NO))
    )
    score = score_criterion(spec, {"4.1": Figures(yes=True)})
    assert score.indicators["4.1"].result is PASS
    assert score.indicators["4.2"].result is MISSING
    assert score.judgement.result is INCOMPLETE
    assert not score.complete


def test_tc14_with_no_hotspot_needs_neither_14_2_nor_14_3():
    score = score_criterion(TC14, {"14.1": Figures(count=0)})
    assert score.judgement.result is PASS
    assert score.missing == ()
    assert score.complete


def test_tc14_with_hotspots_needs_14_2_and_14_3():
    score = score_criterion(TC14, {"14.1": Figures(count=2)})
    assert score.missing == ("14.2", "14.3")
    assert not score.complete


def test_tc14_always_needs_its_first_indicator():
    score = score_criterion(TC14, {"14.2": Figures(count=2, last_year=4), "14.3": Figures(count=0)})
    assert score.judgement.result is PASS
    assert score.missing == ("14.1",)


def test_a_declared_na_counts_as_complete():
    spec = CriterionSpec("TC16", CriterionRule.ALL, (RISE_MIN_20_NA,))
    score = score_criterion(spec, {"16.3": Figures(na=True)})
    assert score.judgement.result is PASS
    assert score.complete


# ---------------------------------------------------------------------------
# 4. score_assessment
# ---------------------------------------------------------------------------

SPECS = [
    CriterionSpec("TC4", CriterionRule.ALL, (IndicatorRule("4.1", Kind.YES_NO), IndicatorRule("4.2", Kind.YES_NO))),
    CriterionSpec("TC13", CriterionRule.ALL, (IndicatorRule("13.1", Kind.COUNT_MAX, Decimal(0)), FALL_MIN_6)),
    TC14,
    CriterionSpec("TC17", CriterionRule.ALL, (IndicatorRule("17.1", Kind.SHARE_MIN, Decimal(100)), SHARE_BELOW_1_5)),
]


def test_score_assessment_counts_passed_and_complete_criteria():
    figures = {
        "4.1": Figures(yes=True),
        "4.2": Figures(yes=True),  # TC4 PASS, complete
        "13.1": Figures(count=0),
        "13.2": Figures(count=48, last_year=50),  # TC13 FAIL, complete
        "14.1": Figures(count=0),  # TC14 PASS, complete: with no hotspot, 14.2 and 14.3 are not asked for
        "17.1": Figures(numerator=10, denominator=10),  # TC17 INCOMPLETE (17.2 missing)
    }
    score = score_assessment(SPECS, figures)
    assert isinstance(score, AssessmentScore)
    assert list(score.criteria) == ["TC4", "TC13", "TC14", "TC17"]
    assert {code: c.judgement.result for code, c in score.criteria.items()} == {
        "TC4": PASS,
        "TC13": FAIL,
        "TC14": PASS,
        "TC17": INCOMPLETE,
    }
    assert score.passed == 2
    assert score.complete == 3
    assert all(isinstance(c, CriterionScore) for c in score.criteria.values())


def test_score_assessment_with_everything_entered_and_passing():
    figures = {
        "4.1": Figures(yes=True),
        "4.2": Figures(yes=True),
        "13.1": Figures(count=0),
        "13.2": Figures(count=47, last_year=50),
        "14.1": Figures(count=1),
        "14.2": Figures(count=1, last_year=2),
        "14.3": Figures(count=0),
        "17.1": Figures(numerator=0, denominator=0),  # N/A
        "17.2": Figures(numerator=2, denominator=200),
    }
    score = score_assessment(SPECS, figures)
    assert score.passed == 4
    assert score.complete == 4


def test_score_assessment_with_no_figures_passes_nothing_and_completes_nothing():
    score = score_assessment(SPECS, {})
    assert score.passed == 0
    assert score.complete == 0
    assert all(c.judgement.result is INCOMPLETE for c in score.criteria.values())


def test_empty_assessment_counts_zero():
    score = score_assessment([], {})
    assert score.criteria == {}
    assert (score.passed, score.complete) == (0, 0)


# ---------------------------------------------------------------------------
# 5. Vietnamese reasons and number formatting
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(Decimal("1.5"), "1,5", id="decimal-comma"),
        pytest.param(12345, "12.345", id="thousands-dot"),
        pytest.param(1234567, "1.234.567", id="millions"),
        pytest.param(0, "0", id="zero"),
        pytest.param(100, "100", id="hundred-not-scientific"),
        pytest.param(Decimal("90.00"), "90", id="trailing-zeros-dropped"),
        pytest.param(Decimal("6"), "6", id="integer-decimal"),
        pytest.param(Decimal("1234.5"), "1.234,5", id="thousands-and-decimals"),
        pytest.param(Fraction(1, 3), "0,33", id="fraction-two-decimals"),
        pytest.param(Fraction(2, 3), "0,66", id="fraction-floored-not-rounded"),
        pytest.param(Fraction(89999, 1000), "89,99", id="floored-below-threshold"),
    ],
)
def test_format_number_is_vietnamese(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize(
    ("rule", "figures", "reason"),
    [
        pytest.param(YES_NO, Figures(yes=True), "Có", id="yes"),
        pytest.param(YES_NO, Figures(yes=False), "Không", id="no"),
        pytest.param(COUNT_MAX_0, Figures(count=1), "1 (yêu cầu ≤ 0)", id="count_max"),
        pytest.param(
            COUNT_MAX_0_BKK,
            Figures(count=3, excluded=2),
            "3 − 2 bất khả kháng = 1 (yêu cầu ≤ 0)",
            id="count_max-bkk",
        ),
        pytest.param(COUNT_MIN_4, Figures(count=3), "3 (yêu cầu ≥ 4)", id="count_min"),
        pytest.param(
            SHARE_MIN_90,
            Figures(numerator=27, denominator=30),
            "27/30 = 90% (yêu cầu ≥ 90%)",
            id="share_min",
        ),
        pytest.param(
            SHARE_BELOW_1_5,
            Figures(numerator=3, denominator=200),
            "3/200 = 1,5% (yêu cầu dưới 1,5%)",
            id="share_below",
        ),
        pytest.param(
            SHARE_MIN_90,
            Figures(numerator=12000, denominator=12345),
            "12.000/12.345 = 97,2% (yêu cầu ≥ 90%)",
            id="share_min-thousands",
        ),
        pytest.param(
            FALL_MIN_6,
            Figures(count=47, last_year=50),
            "50 → 47: giảm 6% (yêu cầu giảm ≥ 6%)",
            id="fall_min",
        ),
        pytest.param(
            RISE_MIN_20,
            Figures(count=12, last_year=10),
            "10 → 12: tăng 20% (yêu cầu tăng ≥ 20%)",
            id="rise_min",
        ),
        pytest.param(
            FALL_MIN_6,
            Figures(count=2, last_year=0),
            "Năm trước 0, năm nay 2 (yêu cầu bằng 0)",
            id="fall_min-from-zero",
        ),
        pytest.param(
            RISE_MIN_20,
            Figures(count=0, last_year=0),
            "Năm trước 0, năm nay 0 (yêu cầu lớn hơn 0)",
            id="rise_min-from-zero",
        ),
        pytest.param(YES_NO, Figures(), "Chưa nhập số liệu", id="missing"),
    ],
)
def test_reason_text_is_formatted_in_vietnamese(rule, figures, reason):
    assert judge_indicator(rule, figures).reason == reason


def test_displayed_share_just_below_threshold_is_not_rounded_up_to_it():
    judgement = judge_indicator(SHARE_MIN_90, Figures(numerator=89999, denominator=100000))
    assert judgement.result is FAIL
    assert judgement.reason == "89.999/100.000 = 89,99% (yêu cầu ≥ 90%)"


def test_displayed_fall_just_below_threshold_is_not_rounded_up_to_it():
    rule = IndicatorRule("f", Kind.FALL_MIN, Decimal(6))
    judgement = judge_indicator(rule, Figures(count=94001, last_year=100000))
    assert judgement.result is FAIL
    assert "giảm 5,99%" in judgement.reason


@pytest.mark.parametrize(("rule", "figures", "expected"), INDICATOR_CASES)
def test_every_reason_and_label_is_non_empty_vietnamese(rule, figures, expected):
    judgement = judge_indicator(rule, figures)
    assert judgement.reason.strip()
    assert judgement.label in {"Đạt", "Không đạt", "Thiếu số liệu", "Không áp dụng"}
    assert not re.search(r"\d\.\d{1,2}%", judgement.reason), "percentages use a decimal comma"


def test_result_labels_are_vietnamese():
    assert RESULT_LABELS == {
        PASS: "Đạt",
        FAIL: "Không đạt",
        MISSING: "Thiếu số liệu",
        NA: "Không áp dụng",
        INCOMPLETE: "Chưa đủ số liệu",
    }


# ---------------------------------------------------------------------------
# 6. Properties
# ---------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10_000)
percent_thresholds = st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n).scaleb(-2))  # 0..100%
count_thresholds = st.integers(min_value=0, max_value=50).map(Decimal)


@st.composite
def count_and_excluded(draw):
    count = draw(counts)
    return count, draw(st.integers(min_value=0, max_value=count))


@st.composite
def share(draw):
    denominator = draw(counts)
    return draw(st.integers(min_value=0, max_value=denominator)), denominator


def never_pass_to_fail(before: Result, after: Result) -> bool:
    return not (before is PASS and after is FAIL)


@given(yes=st.booleans())
def test_yes_no_answering_yes_never_turns_pass_into_fail(yes):
    before = result_of(YES_NO, yes=yes)
    assert never_pass_to_fail(before, result_of(YES_NO, yes=True))


@given(
    limit=count_thresholds,
    allows_exclusion=st.booleans(),
    figures=count_and_excluded(),
    fewer=counts,
    more_excluded=counts,
)
def test_count_max_lower_count_or_more_exclusions_never_turns_pass_into_fail(
    limit, allows_exclusion, figures, fewer, more_excluded
):
    rule = IndicatorRule("m", Kind.COUNT_MAX, limit, allows_exclusion=allows_exclusion)
    count, excluded = figures
    before = result_of(rule, count=count, excluded=excluded)
    lower_count = max(excluded, count - fewer)
    assert never_pass_to_fail(before, result_of(rule, count=lower_count, excluded=excluded))
    raised_excluded = min(count, excluded + more_excluded)
    assert never_pass_to_fail(before, result_of(rule, count=count, excluded=raised_excluded))


@given(limit=count_thresholds, count=counts, more=counts)
def test_count_min_higher_count_never_turns_pass_into_fail(limit, count, more):
    rule = IndicatorRule("n", Kind.COUNT_MIN, limit)
    assert never_pass_to_fail(result_of(rule, count=count), result_of(rule, count=count + more))


@given(limit=percent_thresholds, figures=share(), more=counts)
def test_share_min_higher_numerator_never_turns_pass_into_fail(limit, figures, more):
    rule = IndicatorRule("s", Kind.SHARE_MIN, limit)
    numerator, denominator = figures
    before = result_of(rule, numerator=numerator, denominator=denominator)
    after = result_of(rule, numerator=min(denominator, numerator + more), denominator=denominator)
    assert never_pass_to_fail(before, after)


@given(limit=percent_thresholds, figures=share(), fewer=counts)
def test_share_below_lower_numerator_never_turns_pass_into_fail(limit, figures, fewer):
    rule = IndicatorRule("b", Kind.SHARE_BELOW, limit)
    numerator, denominator = figures
    before = result_of(rule, numerator=numerator, denominator=denominator)
    after = result_of(rule, numerator=max(0, numerator - fewer), denominator=denominator)
    assert never_pass_to_fail(before, after)


@given(limit=percent_thresholds, this=counts, last=counts, fewer=counts, more=counts)
def test_fall_min_lower_this_year_or_higher_last_year_never_turns_pass_into_fail(limit, this, last, fewer, more):
    rule = IndicatorRule("f", Kind.FALL_MIN, limit)
    before = result_of(rule, count=this, last_year=last)
    assert never_pass_to_fail(before, result_of(rule, count=max(0, this - fewer), last_year=last))
    assert never_pass_to_fail(before, result_of(rule, count=this, last_year=last + more))


@given(limit=percent_thresholds, this=counts, last=counts, more=counts)
def test_rise_min_higher_this_year_never_turns_pass_into_fail(limit, this, last, more):
    rule = IndicatorRule("r", Kind.RISE_MIN, limit)
    before = result_of(rule, count=this, last_year=last)
    assert never_pass_to_fail(before, result_of(rule, count=this + more, last_year=last))


optional_counts = st.none() | counts


@st.composite
def any_valid_figures(draw):
    """Any entry a ward could make: non-negative, numerator <= denominator, excluded <= count."""
    count = draw(optional_counts)
    excluded = draw(st.none() | st.integers(min_value=0, max_value=count if count is not None else 0))
    denominator = draw(optional_counts)
    numerator = draw(st.none() | st.integers(min_value=0, max_value=denominator or 0))
    return Figures(
        yes=draw(st.none() | st.booleans()),
        count=count,
        excluded=excluded,
        numerator=numerator,
        denominator=denominator,
        last_year=draw(optional_counts),
        na=draw(st.booleans()),
    )


@st.composite
def any_rule(draw):
    kind = draw(st.sampled_from(list(Kind)))
    if kind == Kind.YES_NO:
        threshold = None
    elif kind in (Kind.COUNT_MAX, Kind.COUNT_MIN):
        threshold = draw(count_thresholds)
    else:
        threshold = draw(percent_thresholds)
    return IndicatorRule("p", kind, threshold, allows_exclusion=draw(st.booleans()), allows_na=draw(st.booleans()))


@given(rule=any_rule(), figures=any_valid_figures())
def test_result_is_always_an_indicator_result_with_a_reason_and_never_raises(rule, figures):
    judgement = judge_indicator(rule, figures)
    assert judgement.result in INDICATOR_RESULTS
    assert judgement.reason.strip()


@given(rule=any_rule(), figures=any_valid_figures())
def test_declared_na_is_na_exactly_when_allowed(rule, figures):
    result = judge_indicator(rule, figures).result
    if figures.na:
        assert result is (NA if rule.allows_na else MISSING)


@given(threshold=st.integers(min_value=0, max_value=100), figures=share())
def test_share_min_passes_iff_numerator_times_100_reaches_threshold_times_denominator(threshold, figures):
    numerator, denominator = figures
    rule = IndicatorRule("s", Kind.SHARE_MIN, Decimal(threshold))
    result = result_of(rule, numerator=numerator, denominator=denominator)
    if denominator == 0:
        assert result is NA
    else:
        assert result is (PASS if numerator * 100 >= threshold * denominator else FAIL)


@given(threshold=st.integers(min_value=0, max_value=100), figures=share())
def test_share_below_passes_iff_numerator_times_100_stays_under_threshold_times_denominator(threshold, figures):
    numerator, denominator = figures
    rule = IndicatorRule("b", Kind.SHARE_BELOW, Decimal(threshold))
    result = result_of(rule, numerator=numerator, denominator=denominator)
    if denominator == 0:
        assert result is NA
    else:
        assert result is (PASS if numerator * 100 < threshold * denominator else FAIL)


@given(threshold=st.integers(min_value=0, max_value=100), this=counts, last=st.integers(1, 10_000))
def test_fall_min_passes_iff_the_integer_fall_reaches_the_threshold(threshold, this, last):
    rule = IndicatorRule("f", Kind.FALL_MIN, Decimal(threshold))
    expected = PASS if (last - this) * 100 >= threshold * last else FAIL
    assert result_of(rule, count=this, last_year=last) is expected


PERCENT_SHOWN = re.compile(r"= (\d[\d.]*(?:,\d+)?)% \(yêu cầu (≥|dưới) (\d[\d.]*(?:,\d+)?)%\)")


def parse_vn(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


@given(limit=percent_thresholds, figures=share(), kind=st.sampled_from([Kind.SHARE_MIN, Kind.SHARE_BELOW]))
def test_displayed_percentage_never_contradicts_the_result(limit, figures, kind):
    numerator, denominator = figures
    judgement = judge_indicator(IndicatorRule("s", kind, limit), Figures(numerator=numerator, denominator=denominator))
    if judgement.result is NA:
        return
    match = PERCENT_SHOWN.search(judgement.reason)
    assert match, judgement.reason
    shown, threshold_shown = parse_vn(match.group(1)), parse_vn(match.group(3))
    assert threshold_shown == limit
    shown_passes = shown >= threshold_shown if kind == Kind.SHARE_MIN else shown < threshold_shown
    assert shown_passes == (judgement.result is PASS), judgement.reason
