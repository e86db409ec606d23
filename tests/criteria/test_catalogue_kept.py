"""A criteria set's catalogue is kept per process by its version (criteria/catalogue.py): never older than its rows."""

import pytest
from django.core.management import call_command
from django.utils import translation

from criteria import catalogue
from criteria.models import CriteriaSet, Criterion, CriterionGroup, Indicator
from wards.selectors import assessment_page, assessments_visible_to

pytestmark = pytest.mark.django_db


def _version(criteria_set):
    return CriteriaSet.objects.get(pk=criteria_set.pk).updated_at


def test_a_kept_catalogue_costs_no_query_and_another_version_loads_it_again(criteria_set, django_assert_num_queries):
    version = _version(criteria_set)
    with django_assert_num_queries(4):
        first = catalogue.catalogue(criteria_set.pk, version)
    with django_assert_num_queries(0):
        assert catalogue.catalogue(criteria_set.pk, version) is first
    with django_assert_num_queries(4):
        assert catalogue.catalogue(criteria_set.pk) is not first  # without a version: loaded, not kept


@pytest.mark.parametrize("model", [CriterionGroup, Criterion, Indicator])
def test_saving_or_deleting_a_row_moves_its_sets_version_on(criteria_set, model):
    before = _version(criteria_set)
    catalogue.catalogue(criteria_set.pk, before)
    row = model.objects.filter(criteria_set=criteria_set).order_by("pk").last()
    row.save()
    saved = _version(criteria_set)
    assert saved > before
    assert criteria_set.pk not in catalogue._kept
    if model is Indicator:
        row.delete()
        assert _version(criteria_set) > saved


def test_an_english_text_edited_in_use_shows_on_the_next_page(criteria_set, people, assessment):
    """The admin allows the English texts of a set in use: the next page reads them, not the kept catalogue."""
    officer = people["officer"]

    def english_text(code):
        loaded = assessments_visible_to(user=officer).get(pk=assessment.pk)  # as the page reads it
        page = assessment_page(assessment=loaded)
        with translation.override("en"):
            return next(i.display_title for i in page.indicators if i.code == code)

    indicator = Indicator.objects.get(criteria_set=criteria_set, code="1.1")
    assert english_text("1.1") == english_text("1.1") == indicator.text  # no English yet: the Vietnamese text
    assert criteria_set.pk in catalogue._kept
    indicator.text_en = "Edited in the admin"
    indicator.save()
    assert english_text("1.1") == "Edited in the admin"


def test_a_version_saved_while_loading_is_not_kept(criteria_set):
    """What was read must be the version asked for: a catalogue older than the version is never kept for it."""
    catalogue.catalogue(criteria_set.pk, "a version the database does not hold")
    assert criteria_set.pk not in catalogue._kept


def test_loading_a_fixture_again_keeps_the_version(criteria_set):
    before = _version(criteria_set)
    call_command("loaddata", "criteria_5764", verbosity=0)
    assert _version(criteria_set) == before
