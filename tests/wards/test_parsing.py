"""Typed text → figures: every validation case, with the Vietnamese message the person sees."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import serializers
from hypothesis import given
from hypothesis import strategies as st

from criteria.models import Indicator
from wards import parsing

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicators(criteria_set):
    return {i.code: i for i in Indicator.objects.filter(criteria_set=criteria_set).select_related("criterion")}


def clean(indicators, code, **raw):
    return parsing.clean_indicator(indicators[code], raw)


@pytest.mark.parametrize(
    "code, raw, part, message",
    [
        ("10.3", {"count": "-1"}, "count", "Không được là số âm."),
        ("5.1", {"numerator": "31", "denominator": "30"}, "numerator", "không được lớn hơn tổng số"),
        ("10.1", {"count": "2", "excluded": "3", "exclusion_reason": "bão"}, "excluded", "không được lớn hơn tổng số"),
        ("10.1", {"count": "2", "excluded": "1"}, "exclusion_reason", "Cần nêu lý do loại trừ bất khả kháng"),
        ("13.2", {"count": "mười", "last_year": "12"}, "count", "không phải là số nguyên"),
        ("5.1", {"numerator": "2,5", "denominator": "30"}, "numerator", "không phải là số nguyên"),
        ("10.3", {"count": "10001"}, "count", "quá lớn (tối đa 10.000)"),
        ("9.1", {"numerator": "5", "denominator": "1000001"}, "denominator", "quá lớn (tối đa 1.000.000)"),
        ("16.3", {"na": "on"}, "na_reason", "Cần nêu lý do không áp dụng"),
        ("1.1", {"yes": "maybe"}, "yes", "Chỉ chọn «Có» hoặc «Không»"),
    ],
)
def test_each_mistake_is_named_at_its_field(indicators, code, raw, part, message):
    result = clean(indicators, code, **raw)
    assert message in result.errors[part]


def test_good_figures_pass_through(indicators):
    assert clean(indicators, "5.1", numerator="27", denominator="30").data == {"numerator": 27, "denominator": 30}
    result = clean(indicators, "10.1", count="1", excluded="1", exclusion_reason="Mưa bão")
    assert not result.errors and result.data["excluded"] == 1
    assert clean(indicators, "1.1", yes="co").data == {"yes": True}
    assert clean(indicators, "1.1", yes="Không").data == {"yes": False}


def test_thousands_separators_are_understood(indicators):
    assert clean(indicators, "9.1", numerator="12.345", denominator="12.345").data["numerator"] == 12345


def test_spreadsheet_numbers_are_read_as_the_page_reads_them(indicators):
    """A cell holding a whole number is that number; one stored as a decimal (3.0, 1E3, 2.5) is refused as the
    page refuses "3.0" or "1e3"."""
    assert clean(indicators, "10.3", count=3).data["count"] == 3
    for cell in (3.0, 1e3, 2.5):
        assert "không phải là số nguyên" in clean(indicators, "10.3", count=cell).errors["count"]
        assert "không phải là số nguyên" in clean(indicators, "10.3", count=str(cell)).errors["count"]


def test_last_year_typed_by_hand_is_marked(indicators):
    typed = clean(indicators, "13.2", count="47", last_year="50")
    assert typed.data["last_year"] == 50 and typed.data["last_year_manual"] is True


def test_last_year_from_last_years_assessment_wins_over_typing(indicators):
    result = parsing.clean_indicator(indicators["13.2"], {"count": "47", "last_year": "999"}, last_year_locked=50)
    assert result.data["last_year"] == 50 and result.data["last_year_manual"] is False


def test_empty_inputs_mean_not_entered(indicators):
    result = clean(indicators, "5.1", numerator="", denominator="  ")
    assert result.data == {"numerator": None, "denominator": None} and not result.errors


def test_stored_values_show_back_as_typed(indicators):
    from wards.models import IndicatorValue

    value = IndicatorValue(count=3, excluded=1, exclusion_reason="Bão")
    assert parsing.initial_for(indicators["10.1"], value) == {"count": "3", "excluded": "1", "exclusion_reason": "Bão"}
    assert parsing.initial_for(indicators["1.1"], None) == {"yes": ""}


@pytest.mark.parametrize(
    "base, mine, theirs, value, outcome",
    [
        ("1", "1", "1", "1", "same"),
        ("1", "1", "2", "2", "theirs"),
        ("1", "2", "1", "2", "mine"),
        ("1", "2", "2", "2", "mine"),
        ("1", "2", "3", "2", "conflict"),
    ],
)
def test_the_three_way_rule(base, mine, theirs, value, outcome):
    from wards.merge import three_way

    result = three_way(base, mine, theirs)
    assert (result.value, result.outcome) == (value, outcome)


def _stored_text():
    """Text as clean_indicator stores it: NFC, stripped, at most TEXT_LIMIT characters (the longest included)."""
    typed = st.text(max_size=50).map(lambda t: parsing.nfc(t).strip())
    longest = st.sampled_from(["ư", "Đ", "a"]).map(lambda c: c * parsing.TEXT_LIMIT)
    return st.one_of(typed, longest).filter(lambda t: parsing.nfc(t.strip()) == t and len(t) <= parsing.TEXT_LIMIT)


def _stored_part(indicator, name):
    if name == "yes":
        return st.sampled_from([None, True, False])
    if name == "na":
        return st.booleans()
    if name in parsing.INTEGER_PARTS:
        limit = parsing.limit_for(indicator)
        return st.one_of(st.none(), st.integers(0, limit), st.sampled_from([0, 1, limit - 1, limit]))
    return _stored_text()


# The shipped indicators as the fixture defines them (unsaved: parsing.py reads their fields only), by the parts
# they have and their limit: indicators alike in both are parsed alike, so one value per kind is drawn for all.
SHIPPED = [
    d.object
    for d in serializers.deserialize("json", (Path(settings.BASE_DIR) / "fixtures" / "criteria_5764.json").read_text())
    if isinstance(d.object, Indicator)
]
ALIKE: dict[tuple, list[Indicator]] = {}
for _indicator in SHIPPED:
    _shape = (tuple(p.name for p in parsing.parts_for(_indicator)), parsing.limit_for(_indicator))
    ALIKE.setdefault(_shape, []).append(_indicator)
STORED_VALUES = st.fixed_dictionaries(
    {
        shape: st.fixed_dictionaries({name: _stored_part(group[0], name) for name in shape[0]})
        for shape, group in ALIKE.items()
    }
)


def test_the_shipped_indicators_are_all_generated(indicators):
    assert {i.code for i in SHIPPED} == set(indicators)


@given(values=STORED_VALUES)
def test_every_stored_part_shows_and_parses_back_to_itself(values):
    """parsing.initial_for (what the page shows) then parsing.clean_indicator (what the page reads back) gives the
    stored value of every part of every indicator, for any value within the limits."""
    from wards.models import IndicatorValue

    for shape, group in ALIKE.items():
        stored = values[shape]
        for indicator in group:
            shown = parsing.initial_for(indicator, IndicatorValue(**stored))
            parsed = parsing.clean_indicator(indicator, shown).data
            assert {name: parsed[name] for name in stored} == stored, (indicator.code, shown)
