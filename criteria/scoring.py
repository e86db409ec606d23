"""The scoring engine: the computed result (kết quả tính toán) of each indicator and criterion.

Pure functions over plain values: no database, no Django. The reviewer's verdict is the official result;
this engine only says what the figures show. Arithmetic is exact (integers, Decimal thresholds and
Fractions), so 50 → 47 is exactly a 6% fall and 3 of 200 is exactly 1.5%.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop


class Kind(StrEnum):
    """How an indicator (chỉ tiêu) is judged; the values are stored in the database."""

    YES_NO = "yes_no"
    COUNT_MAX = "count_max"
    COUNT_MIN = "count_min"
    SHARE_MIN = "share_min"
    SHARE_BELOW = "share_below"
    FALL_MIN = "fall_min"
    RISE_MIN = "rise_min"


#: Kinds whose threshold is a percentage.
PERCENT_KINDS = frozenset({Kind.SHARE_MIN, Kind.SHARE_BELOW, Kind.FALL_MIN, Kind.RISE_MIN})
#: Kinds entered as a numerator and a denominator.
SHARE_KINDS = frozenset({Kind.SHARE_MIN, Kind.SHARE_BELOW})
#: Kinds entered as this year's and last year's counts.
TREND_KINDS = frozenset({Kind.FALL_MIN, Kind.RISE_MIN})


class CriterionRule(StrEnum):
    """How a criterion (tiêu chí) combines its indicators."""

    ALL = "all"  # every indicator passes or is N/A
    FIRST_OR_REST = "first_or_rest"  # TC14: the first indicator passes, or all the others do


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    MISSING = "missing"  # an indicator has no figure yet
    NA = "na"  # the situation did not arise
    INCOMPLETE = "incomplete"  # a criterion that cannot be decided yet


RESULT_LABELS = {
    Result.PASS: gettext_lazy("Đạt"),
    Result.FAIL: gettext_lazy("Không đạt"),
    Result.MISSING: gettext_lazy("Thiếu số liệu"),
    Result.NA: gettext_lazy("Không áp dụng"),
    Result.INCOMPLETE: gettext_lazy("Chưa đủ số liệu"),
}


@dataclass(frozen=True)
class IndicatorRule:
    code: str
    kind: Kind
    threshold: Decimal | None = None
    allows_exclusion: bool = False  # force majeure (bất khả kháng) may be excluded from the count
    allows_na: bool = False  # may be declared "không có đối tượng"


@dataclass(frozen=True)
class Figures:
    """What the ward entered for one indicator. None means not entered."""

    yes: bool | None = None
    count: int | None = None  # this year's count (count and trend kinds)
    excluded: int | None = None  # force-majeure cases within count
    numerator: int | None = None
    denominator: int | None = None
    last_year: int | None = None  # last year's count (trend kinds)
    na: bool = False  # declared not applicable, with a reason


class Judgement:
    """A computed result with its short Vietnamese reason. The reason may be given as a function that writes it:
    it is then written only when a page reads it (province-wide counts never do), once."""

    __slots__ = ("_reason", "result")

    def __init__(self, result: Result, reason: str | Callable[[], str]):
        self.result = result
        self._reason = reason

    @property
    def reason(self) -> str:
        if callable(self._reason):
            self._reason = self._reason()
        return self._reason

    @property
    def label(self) -> str:
        return RESULT_LABELS[self.result]

    def __eq__(self, other):
        if not isinstance(other, Judgement):
            return NotImplemented
        return (self.result, self.reason) == (other.result, other.reason)

    def __hash__(self):
        return hash((self.result, self.reason))

    def __repr__(self):
        return f"Judgement({self.result!r}, {self.reason!r})"


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    rule: CriterionRule
    indicators: tuple[IndicatorRule, ...]


@dataclass(frozen=True)
class CriterionScore:
    code: str
    judgement: Judgement
    indicators: dict[str, Judgement]
    rule: CriterionRule = CriterionRule.ALL

    @property
    def missing(self) -> tuple[str, ...]:
        """The indicators still without a figure that the criterion asks for. Under FIRST_OR_REST, once the
        first indicator passes (TC14: no hotspot left) the others are not asked for."""
        codes = list(self.indicators)
        asked = codes
        first_decides = self.rule == CriterionRule.FIRST_OR_REST and len(codes) > 1
        if first_decides and self.indicators[codes[0]].result in (Result.PASS, Result.NA):
            asked = codes[:1]
        return tuple(code for code in asked if self.indicators[code].result is Result.MISSING)

    @property
    def complete(self) -> bool:
        """Every indicator the criterion asks for has a figure (or a declared N/A)."""
        return not self.missing


@dataclass(frozen=True)
class AssessmentScore:
    criteria: dict[str, CriterionScore] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(1 for c in self.criteria.values() if c.judgement.result is Result.PASS)

    @property
    def complete(self) -> int:
        return sum(1 for c in self.criteria.values() if c.complete)

    @property
    def total(self) -> int:
        return len(self.criteria)


def format_number(value: int | float | Fraction | Decimal, *, decimals: int | None = None) -> str:
    """Vietnamese number: dot for thousands, comma for decimals. By default at most two decimals, floored
    (for figures judged against thresholds); with `decimals`, exactly that many, rounded half up (for
    shares and averages shown as 33,3)."""
    with localcontext() as ctx:
        # Enough digits for any whole part: the default 28 would fail to quantize 10^30.
        ctx.prec = 60
        if isinstance(value, Fraction):
            dec = Decimal(value.numerator) / Decimal(value.denominator)
        else:
            dec = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if decimals is None:
            # Flooring keeps the displayed figure on the same side of a two-decimal threshold as the exact one.
            dec = dec.quantize(Decimal("0.01"), rounding=ROUND_FLOOR).normalize()
        else:
            dec = dec.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{dec:,f}"
    whole, _, decimals = text.partition(".")
    whole = whole.replace(",", ".")
    return f"{whole},{decimals}" if decimals else whole


def _pct(value: Fraction) -> str:
    return f"{format_number(value * 100)}%"


def _threshold(rule: IndicatorRule) -> Fraction:
    if rule.threshold is None:
        raise ValueError(f"Indicator {rule.code} of kind {rule.kind} needs a threshold")
    return _exact_threshold(rule.threshold, rule.kind in PERCENT_KINDS)


@lru_cache(maxsize=1024)
def _exact_threshold(threshold: Decimal, percent: bool) -> Fraction:
    """A threshold as an exact fraction (a percentage as a share of 1). Made once per distinct threshold: a
    Decimal's Fraction is slow to build, and a page judges 59 indicators against a few dozen thresholds."""
    exact = Fraction(threshold)
    return exact / 100 if percent else exact


def _verdict(ok: bool, reason: str | Callable[[], str]) -> Judgement:
    return Judgement(Result.PASS if ok else Result.FAIL, reason)


def judge_indicator(rule: IndicatorRule, figures: Figures) -> Judgement:
    """The computed result of one indicator, with a short Vietnamese reason. Never raises on missing data."""
    if figures.na:
        if rule.allows_na:
            return Judgement(Result.NA, _("Không có đối tượng (đã nêu lý do)"))
        return Judgement(Result.MISSING, _("Chỉ tiêu này không được khai báo không áp dụng"))

    kind = rule.kind
    if kind == Kind.YES_NO:
        if figures.yes is None:
            return Judgement(Result.MISSING, _("Chưa nhập số liệu"))
        return _verdict(figures.yes, _("Có") if figures.yes else _("Không"))

    if kind in (Kind.COUNT_MAX, Kind.COUNT_MIN):
        if figures.count is None:
            return Judgement(Result.MISSING, _("Chưa nhập số liệu"))
        limit = _threshold(rule)
        if kind == Kind.COUNT_MIN:
            return _verdict(
                figures.count >= limit,
                lambda: (
                    _("%(count)s (yêu cầu ≥ %(limit)s)")
                    % {"count": format_number(figures.count), "limit": format_number(limit)}
                ),
            )
        excluded = (figures.excluded or 0) if rule.allows_exclusion else 0
        net = figures.count - excluded

        def count_reason() -> str:
            shown = format_number(figures.count)
            if excluded:
                shown = _("%(shown)s − %(excluded)s bất khả kháng = %(net)s") % {
                    "shown": shown,
                    "excluded": format_number(excluded),
                    "net": format_number(net),
                }
            return _("%(shown)s (yêu cầu ≤ %(limit)s)") % {"shown": shown, "limit": format_number(limit)}

        return _verdict(net <= limit, count_reason)

    if kind in SHARE_KINDS:
        if figures.numerator is None or figures.denominator is None:
            return Judgement(Result.MISSING, _("Chưa nhập số liệu"))
        if figures.denominator == 0:
            return Judgement(Result.NA, _("Không phát sinh (mẫu số bằng 0)"))
        share = Fraction(figures.numerator, figures.denominator)
        limit = _threshold(rule)

        def share_reason(text: str) -> Callable[[], str]:
            def reason() -> str:
                shown = f"{format_number(figures.numerator)}/{format_number(figures.denominator)} = {_pct(share)}"
                return _(text) % {"shown": shown, "limit": _pct(limit)}

            return reason

        if kind == Kind.SHARE_MIN:
            return _verdict(share >= limit, share_reason(gettext_noop("%(shown)s (yêu cầu ≥ %(limit)s)")))
        return _verdict(share < limit, share_reason(gettext_noop("%(shown)s (yêu cầu dưới %(limit)s)")))

    if kind in TREND_KINDS:
        if figures.count is None:
            return Judgement(Result.MISSING, _("Chưa nhập số liệu năm nay"))
        if figures.last_year is None:
            return Judgement(Result.MISSING, _("Chưa có số liệu năm trước"))
        this, last = figures.count, figures.last_year
        limit = _threshold(rule)
        if last == 0:
            if kind == Kind.FALL_MIN:
                return _verdict(
                    this == 0,
                    lambda: _("Năm trước 0, năm nay %(this)s (yêu cầu bằng 0)") % {"this": format_number(this)},
                )
            return _verdict(
                this > 0,
                lambda: _("Năm trước 0, năm nay %(this)s (yêu cầu lớn hơn 0)") % {"this": format_number(this)},
            )
        change = Fraction(last - this if kind == Kind.FALL_MIN else this - last, last)

        def trend_reason() -> str:
            wanted = _("giảm") if kind == Kind.FALL_MIN else _("tăng")
            if change >= 0:
                moved = f"{wanted} {_pct(change)}"
            else:  # it went the wrong way: say so plainly rather than "giảm -5%"
                moved = f"{_('tăng') if kind == Kind.FALL_MIN else _('giảm')} {_pct(-change)}"
            return _("%(last)s → %(this)s: %(moved)s (yêu cầu %(wanted)s ≥ %(limit)s)") % {
                "last": format_number(last),
                "this": format_number(this),
                "moved": moved,
                "wanted": wanted,
                "limit": _pct(limit),
            }

        return _verdict(change >= limit, trend_reason)

    raise ValueError(f"Unknown indicator kind {kind!r}")


def _combine_all(judgements: Mapping[str, Judgement]) -> Judgement:
    failed = [code for code, j in judgements.items() if j.result is Result.FAIL]
    if failed:
        return Judgement(Result.FAIL, lambda: _("Không đạt: chỉ tiêu %(codes)s") % {"codes": ", ".join(failed)})
    missing = [code for code, j in judgements.items() if j.result is Result.MISSING]
    if missing:
        return Judgement(
            Result.INCOMPLETE, lambda: _("Thiếu số liệu: chỉ tiêu %(codes)s") % {"codes": ", ".join(missing)}
        )
    count = len(judgements)
    return Judgement(Result.PASS, lambda: _("Đạt %(judgements)s/%(judgements)s chỉ tiêu") % {"judgements": count})


def judge_criterion(rule: CriterionRule, judgements: Mapping[str, Judgement]) -> Judgement:
    """The computed result of a criterion from its indicators' results (in their order).

    PASS when every indicator is PASS or N/A, FAIL when any FAILs, otherwise INCOMPLETE; under
    FIRST_OR_REST the criterion also passes when its first indicator does, whatever the others say.
    """
    if rule == CriterionRule.ALL or len(judgements) < 2:
        return _combine_all(judgements)
    first_code, *rest_codes = judgements
    first = judgements[first_code]
    if first.result in (Result.PASS, Result.NA):
        return Judgement(Result.PASS, _("Đạt: chỉ tiêu %(first_code)s đạt") % {"first_code": first_code})
    rest = _combine_all({code: judgements[code] for code in rest_codes})
    if rest.result is Result.PASS:
        return Judgement(Result.PASS, _("Đạt: các chỉ tiêu %(codes)s đều đạt") % {"codes": ", ".join(rest_codes)})
    if first.result is Result.MISSING:
        return Judgement(Result.INCOMPLETE, _("Thiếu số liệu: chỉ tiêu %(first_code)s") % {"first_code": first_code})
    if rest.result is Result.FAIL:
        failed = ", ".join(code for code in rest_codes if judgements[code].result is Result.FAIL)
        return Judgement(
            Result.FAIL,
            _("Không đạt: chỉ tiêu %(first)s và chỉ tiêu %(codes)s") % {"first": first_code, "codes": failed},
        )
    return rest


def score_criterion(spec: CriterionSpec, figures: Mapping[str, Figures]) -> CriterionScore:
    judgements = {rule.code: judge_indicator(rule, figures.get(rule.code, Figures())) for rule in spec.indicators}
    return CriterionScore(spec.code, judge_criterion(spec.rule, judgements), judgements, spec.rule)


def score_assessment(specs: Sequence[CriterionSpec], figures: Mapping[str, Figures]) -> AssessmentScore:
    """Every criterion's and indicator's computed result; figures are keyed by indicator code."""
    return AssessmentScore({spec.code: score_criterion(spec, figures) for spec in specs})
