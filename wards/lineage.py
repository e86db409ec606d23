"""Last year across a merger (năm trước qua sáp nhập): where a ward's figures of the year before come from.

The rule, in one place (the selectors load the rows, this module decides; no database access here). For an
assessment of ward W in year Y:

- W has an assessment in Y−1: last year is W's own ("năm trước của chính phường").
- Otherwise W's predecessor links are looked at. If there is at least one, every link is whole, names a
  matched unit of kind phường, and every such predecessor has an assessment in Y−1 with the figure, the
  figure is their sum ("cộng từ N phường tiền thân"); with one predecessor it is carried ("tiếp nối phường
  tiền thân"). Shares are summed the same way, numerators and denominators apart, and only then.
- Otherwise there is no computed figure: a trend indicator's last year is typed by hand ("nhập tay"), and the
  predecessors' figures are shown beside it as a hint, with why they could not be summed.

The sum is computed each time, never stored, so a correction of a predecessor's figure shows at once.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from criteria import scoring
from wards import parsing

# Kinds whose figure is one count, summed across predecessors (this year's count for trends too).
COUNT_KINDS = frozenset({scoring.Kind.COUNT_MIN, scoring.Kind.COUNT_MAX, *scoring.TREND_KINDS})


class Source(StrEnum):
    SAME_WARD = "same_ward"  # năm trước của chính phường
    SUM = "sum"  # cộng từ N phường tiền thân
    CARRIED = "carried"  # tiếp nối phường tiền thân (one whole predecessor)
    MANUAL = "manual"  # nhập tay: no computed figure


class Problem(StrEnum):
    """Why the predecessors' figures could not be summed (or carried)."""

    PART = "part"  # the predecessor was split: this ward got only part of it ("một phần")
    NOT_A_WARD = "not_a_ward"  # a commune or township: never assessed
    UNMATCHED = "unmatched"  # the reference data names an old unit no code matched
    NOT_ASSESSED = "not_assessed"  # a phường without an assessment that year
    NO_FIGURE = "no_figure"  # its assessment lacks this figure
    OWN_NO_FIGURE = "own_no_figure"  # the ward's own assessment of last year lacks this figure
    NO_HISTORY = "no_history"  # no assessment of last year and no predecessor


@dataclass(frozen=True)
class Obstacle:
    problem: Problem
    name: str = ""  # the unit it is about ("Bùi Hữu Nghĩa", "Xã Mỹ Khánh")

    def message(self, year: int) -> str:
        params = {"name": self.name, "year": year}
        return {
            Problem.PART: _("%(name)s chỉ nhập một phần"),
            Problem.NOT_A_WARD: _("%(name)s không phải phường, không được đánh giá"),
            Problem.UNMATCHED: _("không xác định được đơn vị cũ «%(name)s»"),
            Problem.NOT_ASSESSED: _("%(name)s không có hồ sơ năm %(year)s"),
            Problem.NO_FIGURE: _("hồ sơ năm %(year)s của %(name)s không có số liệu này"),
            Problem.OWN_NO_FIGURE: _("hồ sơ năm %(year)s của phường không có số liệu này"),
            Problem.NO_HISTORY: _("không có hồ sơ năm %(year)s"),
        }[self.problem] % params


@dataclass(frozen=True)
class Predecessor:
    """One predecessor link as the rule sees it, with that unit's figures of the year before."""

    label: str  # WardLineage.label: "An Hòa", "một phần Bùi Hữu Nghĩa", "Xã Mỹ Khánh"
    name: str  # the unit alone, for the reasons: "Bùi Hữu Nghĩa", "Xã Mỹ Khánh"
    whole: bool
    matched: bool
    is_ward: bool
    assessed: bool  # has an assessment in the year before
    values: Mapping[str, Any]  # indicator code → IndicatorValue of that assessment


@dataclass(frozen=True)
class PredecessorFigure:
    label: str
    text: str | None  # "3", "9/10", "Có"; None when it has no figure

    def __str__(self):
        if self.text is None:
            return _("%(label)s (không có số liệu)") % {"label": self.label}
        return f"{self.label} {self.text}"


@dataclass(frozen=True)
class LastYearSource:
    """Where one indicator's figure of the year before comes from, and the figure itself."""

    source: Source
    year: int  # the year the figure is of (Y−1)
    trend: bool  # a trend indicator: its last year is part of this year's result
    text: str  # the figure as shown: "9", "27/30", "Có"; "—" when there is none
    count: int | None = None  # the computed count (count and trend kinds)
    figures: tuple[PredecessorFigure, ...] = ()  # each predecessor's figure, in lineage order
    obstacles: tuple[Obstacle, ...] = ()

    @property
    def computed(self) -> bool:
        return self.source is not Source.MANUAL

    @property
    def typed_by_hand(self) -> bool:
        return self.trend and self.source is Source.MANUAL

    @property
    def from_predecessors(self) -> bool:
        return bool(self.figures)

    @property
    def label(self) -> str:
        """The kind of source in a few words (the reviewer's and the dossier's column)."""
        if self.source is Source.SAME_WARD:
            return _("năm trước của chính phường")
        if self.source is Source.SUM:
            n = len(self.figures)
            return ngettext("cộng từ %(n)s phường tiền thân", "cộng từ %(n)s phường tiền thân", n) % {"n": n}
        if self.source is Source.CARRIED:
            return _("tiếp nối phường tiền thân")
        return _("nhập tay") if self.trend else _("không cộng được")

    @property
    def names(self) -> str:
        return ", ".join(f.label for f in self.figures)

    @property
    def reasons(self) -> str:
        return "; ".join(o.message(self.year) for o in self.obstacles)

    @property
    def hint(self) -> str:
        """ "Tiền thân: An Hòa 3, Cái Khế 2, một phần Bùi Hữu Nghĩa 4 — không cộng được vì Bùi Hữu Nghĩa chỉ
        nhập một phần": the predecessors' figures beside a figure that has to be typed."""
        if not self.figures:
            return ""
        text = _("Tiền thân: %(figures)s") % {"figures": ", ".join(map(str, self.figures))}
        if self.obstacles:
            text += " — " + _("không cộng được vì %(reasons)s") % {"reasons": self.reasons}
        return text

    @property
    def explanation(self) -> str:
        """The sentence shown with the figure: on the ward's page, the reviewer's page and the dossier."""
        year = {"year": self.year}
        if self.source is Source.SAME_WARD:
            return _("Lấy từ hồ sơ năm %(year)s") % year
        if self.source is Source.SUM:
            n = len(self.figures)
            return ngettext(
                "Cộng từ %(n)s phường tiền thân: %(sum)s (%(names)s)",
                "Cộng từ %(n)s phường tiền thân: %(sum)s (%(names)s)",
                n,
            ) % {"n": n, "sum": " + ".join(f.text for f in self.figures), "names": self.names}
        if self.source is Source.CARRIED:
            return _("Tiếp nối phường tiền thân %(name)s (hồ sơ năm %(year)s)") % {**year, "name": self.names}
        if self.figures:
            return (_("Nhập tay — %(hint)s") if self.trend else "%(hint)s") % {"hint": self.hint}
        if self.obstacles and self.obstacles[0].problem is Problem.OWN_NO_FIGURE:
            return _("Nhập tay (hồ sơ năm %(year)s chưa có số liệu này)") % year
        return _("Nhập tay (không có hồ sơ năm trước)") if self.trend else ""

    def shown(self, typed: int | None) -> tuple[str, str]:
        """The figure and the sentence saying where it came from, as the reviewer's page and the dossier show
        them (typed: what the ward typed as last year, shown where nothing is computed). No sentence for an
        indicator that is not a trend and is the ward's own: there is nothing to explain."""
        text = (parsing.format_integer(typed) if typed is not None else "—") if self.typed_by_hand else self.text
        return text, self.explanation if self.trend or self.figures else ""


def _amount(indicator, value):
    """What is added up of one stored value: a count, a (numerator, denominator) pair, a yes/no answer (carried,
    never added up), or None when it holds no figure."""
    if value is None or value.na:
        return None
    if indicator.kind == scoring.Kind.YES_NO:
        return value.yes
    if indicator.kind in COUNT_KINDS:
        return value.count
    if indicator.kind in scoring.SHARE_KINDS:
        if value.numerator is None or value.denominator is None:
            return None
        return (value.numerator, value.denominator)
    return None


def _count(amount) -> int | None:
    return amount if type(amount) is int else None  # not a pair, not a yes/no answer (bool is an int)


def _shown(indicator, value) -> str | None:
    """A stored value as the hint shows it; None when there is no figure."""
    if value is None:
        return None
    if indicator.kind in scoring.TREND_KINDS:
        return None if value.count is None else parsing.format_integer(value.count)
    text = parsing.describe(indicator, value, with_reasons=False)
    return None if text == "—" else text


@dataclass(frozen=True)
class LastYear:
    """What a ward-year can say about the year before: the ward's own assessment, or its predecessors'."""

    year: int  # the year before
    own: Mapping[str, Any] | None  # indicator code → IndicatorValue; None: no assessment of the ward that year
    predecessors: tuple[Predecessor, ...] = ()

    def source(self, indicator) -> LastYearSource:
        """Where this indicator's figure of the year before comes from (see the module's rule)."""
        trend = indicator.kind in scoring.TREND_KINDS
        base = {"year": self.year, "trend": trend}
        if self.own is not None:
            value = self.own.get(indicator.code)
            if trend and (value is None or value.count is None):
                return LastYearSource(Source.MANUAL, text="—", obstacles=(Obstacle(Problem.OWN_NO_FIGURE),), **base)
            return LastYearSource(
                Source.SAME_WARD,
                text=_shown(indicator, value) or "—",
                count=_count(_amount(indicator, value)),
                **base,
            )
        if not self.predecessors:
            return LastYearSource(Source.MANUAL, text="—", obstacles=(Obstacle(Problem.NO_HISTORY),), **base)
        figures, obstacles, amounts = [], [], []
        for p in self.predecessors:
            value = p.values.get(indicator.code) if p.assessed else None
            figures.append(PredecessorFigure(p.label, _shown(indicator, value)))
            if not p.whole:
                obstacles.append(Obstacle(Problem.PART, p.name))
            if not p.matched:
                obstacles.append(Obstacle(Problem.UNMATCHED, p.name))
            elif not p.is_ward:
                obstacles.append(Obstacle(Problem.NOT_A_WARD, p.name))
            elif not p.assessed:
                obstacles.append(Obstacle(Problem.NOT_ASSESSED, p.name))
            elif (amount := _amount(indicator, value)) is None:
                obstacles.append(Obstacle(Problem.NO_FIGURE, p.name))
            else:
                amounts.append(amount)
        base |= {"figures": tuple(figures), "obstacles": tuple(obstacles)}
        if obstacles:
            return LastYearSource(Source.MANUAL, text="—", **base)
        if len(figures) == 1:
            return LastYearSource(Source.CARRIED, text=figures[0].text, count=_count(amounts[0]), **base)
        if indicator.kind in COUNT_KINDS:
            total = sum(amounts)
            return LastYearSource(Source.SUM, text=parsing.format_integer(total), count=total, **base)
        if indicator.kind in scoring.SHARE_KINDS:
            numerator, denominator = sum(a[0] for a in amounts), sum(a[1] for a in amounts)
            text = f"{parsing.format_integer(numerator)}/{parsing.format_integer(denominator)}"
            return LastYearSource(Source.SUM, text=text, **base)
        return LastYearSource(Source.MANUAL, text="—", **base)  # yes/no answers are never added up

    def all_values(self):
        """Every stored value this can draw on: the ward's own, then each predecessor's."""
        yield from (self.own or {}).values()
        for p in self.predecessors:
            yield from p.values.values()

    def counts(self, indicators) -> dict[str, int]:
        """Last year's computed count of each trend indicator among these that has one, by code."""
        result = {}
        for indicator in indicators:
            if indicator.kind not in scoring.TREND_KINDS:
                continue
            found = self.source(indicator)
            if found.computed and found.count is not None:
                result[indicator.code] = found.count
        return result
