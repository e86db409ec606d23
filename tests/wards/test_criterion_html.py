"""The parts written in Python (wards/views/criterion_html.py) escape every text as the templates did, the codes
and names an administrator or a ward typed included."""

import pytest

from criteria.models import Indicator
from tests.factories import EvidenceFileFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<img src=x onerror="alert(1)">'


def test_texts_codes_and_file_names_are_escaped_on_both_pages(client, people, assessment, criteria_set):
    indicator = Indicator.objects.get(criteria_set=criteria_set, code="1.1")
    indicator.code = '1"x><b>'
    indicator.text = HOSTILE
    indicator.save()
    EvidenceFileFactory(
        assessment=assessment,
        criterion=indicator.criterion,
        original_name=HOSTILE + ".pdf",
        uploaded_by=people["officer"],
    )

    client.force_login(people["officer"])
    page = client.get(f"/ho-so/{assessment.pk}/").content.decode()
    client.force_login(people["reviewer"])
    review = client.get(f"/ho-so/{assessment.pk}/tham-dinh/").content.decode()

    for html in (page, review):
        assert HOSTILE not in html and "<b>" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert 'id="ind-1&quot;x&gt;&lt;b&gt;"' in page
    assert 'for="id_ind-1&quot;x&gt;&lt;b&gt;-yes"' in page
    assert "«&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.pdf»" in page  # the delete button's confirmation


def test_the_review_cards_escape_the_criterion_the_narrative_the_comment_and_the_reviewer(
    client, people, assessment, criteria_set
):
    from criteria.models import Criterion
    from wards.models import Narrative, Verdict

    criterion = Criterion.objects.get(criteria_set=criteria_set, number=1)
    criterion.title = HOSTILE
    criterion.save()
    Narrative.objects.create(assessment=assessment, criterion=criterion, text=f"{HOSTILE}\ndòng hai")
    reviewer = people["reviewer"]
    reviewer.last_name = HOSTILE
    reviewer.save()
    Verdict.objects.create(
        assessment=assessment, criterion=criterion, outcome=Verdict.Outcome.PASS, comment=HOSTILE, reviewer=reviewer
    )
    client.force_login(reviewer)
    html = client.get(f"/ho-so/{assessment.pk}/tham-dinh/").content.decode()
    card = html[html.index('id="criterion-1"') : html.index('id="criterion-2"')]
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert HOSTILE not in html
    assert f"TC1. {escaped}</strong>" in card  # the title
    assert f"{escaped}<br>dòng hai" in card  # the narrative, its line break kept
    assert f">\n{escaped}</textarea>" in card  # the comment, in its field
    assert f"{escaped} " in card and "checked" in card  # who concluded (family name first), the verdict chosen


def test_the_province_tables_rows_escape_the_ward_and_district_names(client, people, assessment):
    ward = assessment.ward
    ward.name = HOSTILE
    ward.save()
    ward.district.name = HOSTILE
    ward.district.save()
    client.force_login(people["reviewer"])
    html = client.get(f"/?year={assessment.year}").content.decode()
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert HOSTILE not in html
    assert f'<a href="/ho-so/{assessment.pk}/">{escaped}</a>' in html
    assert f'aria-label="Trang phường {escaped}"' in html
    assert f'<td class="d-none d-md-table-cell">{escaped}</td>' in html


def test_the_leadership_pages_rows_escape_the_ward_name_and_post_with_a_token(client, people, assessment):
    ward = assessment.ward
    ward.name = HOSTILE
    ward.save()
    client.force_login(people["leader"])
    html = client.get(f"/lanh-dao/?year={assessment.year}").content.decode()
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert HOSTILE not in html
    assert f'<a href="/ho-so/{assessment.pk}/">{escaped}</a>' in html
    row = html[html.index(f'action="/ho-so/{assessment.pk}/pdf/"') :]
    assert row.index('name="csrfmiddlewaretoken" value="') < row.index("Xuất PDF")


def test_the_leadership_pages_lists_escape_the_certified_and_their_predecessors(client, people, assessment):
    """The year's certified wards and the predecessors' certifications are written in Python too (reports.views)."""
    from tests.factories import AssessmentFactory, DecisionFactory, WardFactory
    from wards.models import Assessment, WardLineage

    ward = assessment.ward
    ward.name = HOSTILE
    ward.save()
    ward.district.name = HOSTILE
    ward.district.save()
    assessment.status = Assessment.Status.APPROVED
    assessment.save()
    DecisionFactory(assessment=assessment, number=HOSTILE)
    old = WardFactory(district=ward.district, name=HOSTILE + " cũ")
    previous = AssessmentFactory(
        ward=old, year=assessment.year - 1, criteria_set=assessment.criteria_set, status=Assessment.Status.APPROVED
    )
    DecisionFactory(assessment=previous)
    WardLineage.objects.create(successor=ward, predecessor=old, whole=True)
    client.force_login(people["leader"])
    html = client.get(f"/lanh-dao/?year={assessment.year}").content.decode()
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert HOSTILE not in html
    certified = html[html.index('<ul class="small" id="certified">') :]
    certified = certified[: certified.index("</ul>")]
    assert f"<li>\n{escaped} ({escaped}) — QĐ {escaped} ngày 01/12/2026\n</li>" in certified
    predecessors = html[html.index('<ul class="small" id="predecessor-certified">') :]
    predecessors = predecessors[: predecessors.index("</ul>")]
    assert f"<li>{escaped} — tiền thân đã đạt chuẩn: {escaped} cũ {assessment.year - 1}</li>" in predecessors

    client.cookies["django_language"] = "en"
    html = client.get(f"/lanh-dao/?year={assessment.year}").content.decode()
    assert HOSTILE not in html
    assert f"{escaped} ({escaped}) — decision {escaped} of 01/12/2026" in html
    assert f"{escaped} — predecessors certified: {escaped} cũ {assessment.year - 1}" in html


def test_the_queues_rows_escape_the_ward_and_the_reviewers_name(client, people, assessment):
    from wards.models import Assessment

    ward = assessment.ward
    ward.name = HOSTILE
    ward.save()
    reviewer = people["reviewer"]
    reviewer.last_name = HOSTILE
    reviewer.save()
    Assessment.objects.filter(pk=assessment.pk).update(reviewer=reviewer)
    client.force_login(reviewer)
    html = client.get(f"/tham-dinh/?year={assessment.year}").content.decode()
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert HOSTILE not in html
    assert f'<a href="/ho-so/{assessment.pk}/tham-dinh/">{escaped}</a>' in html
    assert f'<td class="d-none d-md-table-cell">{escaped} ' in html  # the reviewer, family name first


@pytest.mark.parametrize(
    "moment",
    [
        "2026-01-02T01:05:00+00:00",
        "2026-12-31T17:30:00+00:00",
        "2025-06-30T23:59:59+00:00",
        "2026-07-01T09:00:00+07:00",
    ],
)
def test_times_and_hashes_are_written_as_the_templates_filters_wrote_them(moment):
    import datetime

    from django.template.defaultfilters import date, truncatechars
    from django.utils.timezone import template_localtime

    from wards.views.criterion_html import _short_hash, _when

    value = datetime.datetime.fromisoformat(moment)
    assert _when(value) == date(template_localtime(value), "H:i d/m/Y")
    for text in ("0123456789abcdef" * 4, "abc", "0123456789abc", "0123456789abcd"):
        assert _short_hash(text) == truncatechars(text, 13)


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("grouped", [False, True])
def test_shown_writes_a_value_as_the_template_wrote_it(language, grouped, settings):
    """wards.widgets.shown is `{{ value }}`: numbers localised (small integers without a look at the format, which
    has nothing to group in them), texts escaped; checked with the thousands separator on too."""
    import decimal

    from django.template import engines
    from django.utils import translation

    from wards.widgets import shown

    settings.USE_THOUSAND_SEPARATOR = grouped
    template = engines["django"].from_string("{{ value }}")
    values = [0, 7, 999, 1000, -999, -1000, 123456, 2.5, decimal.Decimal("1234.5"), True, None, "<b>&</b>", HOSTILE]
    with translation.override(language):
        for value in values:
            assert shown(value) == template.render({"value": value}), value
