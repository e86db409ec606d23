import unicodedata
from decimal import Decimal

import pytest
from django.core.management import call_command

from criteria import scoring
from criteria.models import CriteriaSet, Criterion, CriterionGroup, Indicator

pytestmark = pytest.mark.django_db


def test_default_set_has_seven_groups_and_twenty_two_criteria(criteria_set):
    assert list(criteria_set.groups.values_list("code", flat=True)) == ["I", "II", "III", "IV", "V", "VI", "VII"]
    assert list(Criterion.objects.filter(criteria_set=criteria_set).values_list("number", flat=True)) == list(
        range(1, 23)
    )
    assert criteria_set.legal_basis == "5764/QĐ-BCA-V05"


def test_every_indicator_of_domain_is_there_with_its_kind_and_threshold(criteria_set):
    indicators = {i.code: i for i in Indicator.objects.filter(criteria_set=criteria_set)}
    assert len(indicators) == 59
    expected = {
        "1.1": ("yes_no", None),
        "5.1": ("share_min", Decimal("100")),
        "6.1": ("count_min", Decimal("4")),
        "10.1": ("count_max", Decimal("0")),
        "13.2": ("fall_min", Decimal("6")),
        "14.2": ("fall_min", Decimal("50")),
        "16.1": ("fall_min", Decimal("15")),
        "16.3": ("rise_min", Decimal("20")),
        "17.2": ("share_below", Decimal("1.5")),
        "19.3": ("share_min", Decimal("90")),
        "20.1": ("count_min", Decimal("2")),
        "21.3": ("share_min", Decimal("80")),
        "22.3": ("share_min", Decimal("10")),
    }
    for code, (kind, threshold) in expected.items():
        assert (indicators[code].kind, indicators[code].threshold) == (kind, threshold), code
    per_criterion = [
        Indicator.objects.filter(criterion__number=n, criteria_set=criteria_set).count() for n in range(1, 23)
    ]
    assert per_criterion == [3, 1, 1, 2, 1, 4, 2, 2, 3, 3, 2, 1, 2, 3, 1, 3, 3, 3, 3, 4, 7, 5]


def test_force_majeure_and_not_applicable_are_allowed_where_domain_says(criteria_set):
    indicators = Indicator.objects.filter(criteria_set=criteria_set)
    assert set(indicators.filter(allows_exclusion=True).values_list("code", flat=True)) == {"10.1", "10.2", "18.3"}
    assert set(indicators.filter(allows_na=True).values_list("code", flat=True)) == {"16.3"}


def test_tc14_uses_the_either_or_rule(criteria_set):
    rules = dict(Criterion.objects.filter(criteria_set=criteria_set).values_list("number", "rule"))
    assert rules.pop(14) == scoring.CriterionRule.FIRST_OR_REST
    assert set(rules.values()) == {scoring.CriterionRule.ALL}


def test_loading_the_fixture_twice_changes_nothing(criteria_set):
    def snapshot():
        return [
            list(model.objects.order_by("pk").values()) for model in (CriteriaSet, CriterionGroup, Criterion, Indicator)
        ]

    before = snapshot()
    call_command("loaddata", "criteria_5764", verbosity=0)
    assert snapshot() == before


def test_catalogue_text_is_vietnamese_and_nfc(criteria_set):
    texts = [criteria_set.title]
    texts += list(CriterionGroup.objects.values_list("title", flat=True))
    texts += list(Criterion.objects.values_list("title", flat=True))
    texts += list(Indicator.objects.values_list("text", flat=True))
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    assert "Xây dựng Đảng, hệ thống chính trị phường" in texts


def test_specs_feed_the_scoring_engine(criteria_set, django_assert_max_num_queries):
    from wards.selectors import criteria_set_with_catalogue

    with django_assert_max_num_queries(4):
        specs = criteria_set_with_catalogue(criteria_set.pk).specs()
    assert [s.code for s in specs] == [f"TC{n}" for n in range(1, 23)]
    score = scoring.score_assessment(specs, {})
    assert score.passed == 0 and score.complete == 0
