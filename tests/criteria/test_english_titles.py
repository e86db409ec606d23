"""Criteria texts are data: an administrator may enter an English version of each group, criterion and indicator
title; English pages show it, and fall back to the Vietnamese where none was entered. PDFs stay Vietnamese."""

import pytest
from django.urls import reverse
from django.utils import translation

from criteria.models import Criterion, CriterionGroup, Indicator
from reports import documents
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
VIETNAMESE = {"Accept-Language": "vi"}


@pytest.fixture
def translated(criteria_set):
    """Group I, criterion 1 and indicator 1.1 with an English title; the rest without."""
    group = CriterionGroup.objects.get(criteria_set=criteria_set, code="I")
    criterion = Criterion.objects.get(criteria_set=criteria_set, number=1)
    indicator = Indicator.objects.get(criteria_set=criteria_set, code="1.1")
    group.title_en = "Party building and the political system of the ward"
    criterion.title_en = "Party committee and government of the ward"
    indicator.text_en = "Party committee of the ward rated as excellently fulfilling its tasks"
    for obj in (group, criterion, indicator):
        obj.save()
    return group, criterion, indicator


@pytest.mark.parametrize(
    ("language", "entered", "shown"),
    [("vi", "Party committee", "Đảng bộ"), ("en", "Party committee", "Party committee"), ("en", "", "Đảng bộ")],
)
@pytest.mark.parametrize(
    ("model", "vietnamese", "english"),
    [(CriterionGroup, "title", "title_en"), (Criterion, "title", "title_en"), (Indicator, "text", "text_en")],
)
def test_the_title_is_english_only_for_an_english_reader_and_where_one_was_entered(
    model, vietnamese, english, language, entered, shown
):
    obj = model(**{vietnamese: "Đảng bộ", english: entered})
    with translation.override(language):
        assert obj.display_title == shown


def test_english_pages_show_the_english_titles_and_fall_back_to_vietnamese(client, people, assessment, translated):
    group, criterion, indicator = translated
    other = Criterion.objects.get(criteria_set=assessment.criteria_set, number=13)
    for who, name in (("officer", "assessment"), ("reviewer", "review")):
        client.force_login(people[who])
        page = client.get(reverse(name, args=[assessment.pk]), headers=ENGLISH).content.decode()
        assert criterion.title_en in page and indicator.text_en in page
        assert criterion.title not in page and other.title in page  # TC13 has no English title
        page = client.get(reverse(name, args=[assessment.pk]), headers=VIETNAMESE).content.decode()
        assert criterion.title in page and indicator.text.split('"')[0] in page
        assert criterion.title_en not in page and group.title_en not in page
    client.force_login(people["officer"])
    page = client.get(reverse("assessment", args=[assessment.pk]), headers=ENGLISH).content.decode()
    assert f"Group I. {group.title_en}" in page


def test_the_pdf_keeps_the_vietnamese_titles_for_an_english_reader(assessment, translated):
    _group, criterion, indicator = translated
    with translation.override("en"):
        data = documents.dossier_data(assessment)
    titles = [c["title"] for g in data["groups"] for c in g["criteria"]]
    texts = [i["text"] for g in data["groups"] for c in g["criteria"] for i in c["indicators"]]
    assert criterion.title in titles and criterion.title_en not in titles
    assert indicator.text in texts and indicator.text_en not in texts


def test_english_titles_stay_editable_once_the_set_is_in_use(admin_client, criteria_set):
    """A set in use is frozen (its results were computed, reviewed and decided on it): only the English texts,
    which change no result, may still be entered."""
    AssessmentFactory(criteria_set=criteria_set)
    criterion = Criterion.objects.get(criteria_set=criteria_set, number=13)
    url = reverse("admin:criteria_criterion_change", args=[criterion.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="title_en"' in page and 'name="title"' not in page and 'name="rule"' not in page
    indicators = list(criterion.indicators.order_by("order"))
    assert 'name="indicators-0-text_en"' in page and 'name="indicators-0-threshold"' not in page
    posted = {
        "title_en": "Crime",
        "title": "Đổi tên",
        "indicators-TOTAL_FORMS": str(len(indicators)),
        "indicators-INITIAL_FORMS": str(len(indicators)),
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
    }
    for n, indicator in enumerate(indicators):
        posted |= {f"indicators-{n}-id": str(indicator.pk), f"indicators-{n}-criterion": str(criterion.pk)}
        posted |= {f"indicators-{n}-text_en": f"Indicator {indicator.code}", f"indicators-{n}-threshold": "99"}
    response = admin_client.post(url, posted)
    assert response.status_code == 302, response.content.decode()[:3000]
    criterion.refresh_from_db()
    assert (criterion.title_en, criterion.title) == ("Crime", "Tội phạm")
    for indicator in indicators:
        before = indicator.threshold
        indicator.refresh_from_db()
        assert indicator.text_en == f"Indicator {indicator.code}" and indicator.threshold == before


def test_the_group_and_set_pages_offer_the_english_titles_too(admin_client, criteria_set):
    AssessmentFactory(criteria_set=criteria_set)
    page = admin_client.get(reverse("admin:criteria_criteriaset_change", args=[criteria_set.pk])).content.decode()
    assert 'name="groups-0-title_en"' in page and 'name="groups-0-title"' not in page
    group = criteria_set.groups.get(code="I")
    page = admin_client.get(reverse("admin:criteria_criteriongroup_change", args=[group.pk])).content.decode()
    assert 'name="title_en"' in page and 'name="criteria-0-title_en"' in page and 'name="criteria-0-title"' not in page
