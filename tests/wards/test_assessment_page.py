"""The ward's assessment page: showing, saving, validating, and two people saving at once."""

import re

import pytest

from criteria.models import Indicator
from tests.conftest import page_data
from tests.factories import AssessmentFactory, EvidenceFileFactory, fill_assessment
from wards.models import AuditEvent, IndicatorValue, Narrative

pytestmark = pytest.mark.django_db


def text(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def url(assessment):
    return f"/ho-so/{assessment.pk}/"


def value(assessment, code):
    return IndicatorValue.objects.filter(assessment=assessment, indicator__code=code).first()


def test_officer_sees_all_groups_criteria_and_indicators(client, people, url):
    client.force_login(people["officer"])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="card mb-3 criterion-card"') == 22
    assert page.count("indicator-row") == 59
    assert "Nhóm VII. Cải cách thủ tục hành chính" in page
    assert 'name="ind-5-1-numerator"' in page and 'name="ind-10-1-exclusion_reason"' in page
    assert 'name="ind-16-3-na"' in page
    assert 'id="save"' in page


def test_saving_stores_figures_narratives_and_the_computed_result(client, people, assessment, url):
    client.force_login(people["officer"])
    data = page_data(
        assessment,
        **{"ind-5-1-numerator": "27", "ind-5-1-denominator": "30", "narrative-5": "Đã phân loại 30 CBCS."},
    )
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert text(response).count("Đã lưu") == 1
    v = value(assessment, "5.1")
    assert (v.numerator, v.denominator, v.updated_by) == (27, 30, people["officer"])
    assert Narrative.objects.get(assessment=assessment, criterion__number=5).text == "Đã phân loại 30 CBCS."
    assert "27/30 = 90%" in text(response)
    assessment.refresh_from_db()
    assert assessment.revision == 1


def test_saving_records_old_and_new_in_the_audit_trail(client, people, assessment, url):
    client.force_login(people["officer"])
    client.post(url, page_data(assessment, **{"ind-13-2-count": "50", "ind-13-2-last_year": "52"}))
    assessment.refresh_from_db()
    client.post(url, page_data(assessment, **{"ind-13-2-count": "47"}))
    event = AuditEvent.objects.filter(assessment=assessment, target__startswith="Chỉ tiêu 13.2 — Năm nay").last()
    assert (event.old, event.new, event.actor) == ("50", "47", people["officer"])


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"ind-10-3-count": "-3"}, "ind-10-3-count", "Không được là số âm."),
        ({"ind-5-1-numerator": "31", "ind-5-1-denominator": "30"}, "ind-5-1-numerator", "không được lớn hơn"),
        (
            {"ind-10-1-count": "1", "ind-10-1-excluded": "2", "ind-10-1-exclusion_reason": "Bão"},
            "ind-10-1-excluded",
            "không được lớn hơn",
        ),
        ({"ind-13-2-count": "abc"}, "ind-13-2-count", "không phải là số nguyên"),
        ({"ind-6-1-count": "99999"}, "ind-6-1-count", "quá lớn"),
        ({"ind-16-3-na": "on"}, "ind-16-3-na_reason", "Cần nêu lý do không áp dụng"),
        ({"ind-10-2-count": "2", "ind-10-2-excluded": "1"}, "ind-10-2-exclusion_reason", "Cần nêu lý do"),
    ],
)
def test_a_mistake_comes_back_at_its_field_with_everything_typed(
    client, people, assessment, url, changes, field, message
):
    client.force_login(people["officer"])
    typed = {**changes, "ind-9-1-numerator": "4.321", "narrative-9": "Nội dung đã gõ"}
    response = client.post(url, page_data(assessment, **typed))
    assert response.status_code == 422
    page = response.content.decode()
    # The message sits right after the field it is about, before the next input.
    start = page.index(f'name="{field}"')
    end = page.find('name="ind-', start + 1)
    assert message in page[start:end]
    tag = page[page.rindex("<", 0, start) : page.index(">", start)]
    assert "is-invalid" in tag
    # Nothing was saved, and everything typed is still there.
    assert not IndicatorValue.objects.filter(assessment=assessment).exists()
    assert 'value="4.321"' in page and "Nội dung đã gõ" in page
    for name, typed_value in changes.items():
        if typed_value != "on":
            assert f'value="{typed_value}"' in page, name


def test_a_save_based_on_an_old_page_merges_fields_only_the_other_person_changed(client, people, assessment, url):
    opened_by_officer = page_data(assessment)
    client.force_login(people["head"])
    client.post(url, page_data(assessment, **{"ind-1-1-yes": "co"}))
    client.force_login(people["officer"])
    response = client.post(url, {**opened_by_officer, "ind-1-2-yes": "khong"}, follow=True)
    assert response.status_code == 200
    assert value(assessment, "1.1").yes is True  # the head's work survives
    assert value(assessment, "1.2").yes is False  # and the officer's is saved
    assert "Đã cập nhật 1 ô theo thay đổi mới" in text(response)


def test_a_save_based_on_an_old_page_never_overwrites_a_field_both_changed(client, people, assessment, url):
    opened_by_officer = page_data(assessment)
    client.force_login(people["head"])
    client.post(url, page_data(assessment, **{"ind-6-1-count": "4"}))
    client.force_login(people["officer"])
    response = client.post(url, {**opened_by_officer, "ind-6-1-count": "3", "ind-1-1-yes": "co"})
    assert response.status_code == 409
    assert value(assessment, "6.1").count == 4 and value(assessment, "1.1") is None
    page = text(response)
    assert "Chỉ tiêu 6.1 — Số tổ 3 4" in page  # field, mine, theirs
    # The page shows what the officer typed, and offers a choice; taking the newer value saves it.
    html = response.content.decode()
    assert 'name="ind-6-1-count"' in html and 'value="3"' in html
    assessment.refresh_from_db()
    resubmitted = {**page_data(assessment), "ind-6-1-count": "3", "ind-1-1-yes": "co", "keep-ind-6-1-count": "theirs"}
    assert client.post(url, resubmitted).status_code == 302
    assert value(assessment, "6.1").count == 4 and value(assessment, "1.1").yes is True
    # Keeping one's own value is the other choice.
    assessment.refresh_from_db()
    client.post(url, {**page_data(assessment), "ind-6-1-count": "2", "keep-ind-6-1-count": "mine"})
    assert value(assessment, "6.1").count == 2


def test_last_year_is_prefilled_from_last_years_assessment(client, people, assessment, url):
    last = AssessmentFactory(ward=assessment.ward, year=assessment.year - 1, criteria_set=assessment.criteria_set)
    fill_assessment(last)
    IndicatorValue.objects.filter(assessment=last, indicator__code="13.2").update(count=50)
    client.force_login(people["officer"])
    page = client.get(url).content.decode()
    assert re.search(
        r'name="ind-13-2-last_year"[^>]*value="50"[^>]*disabled|disabled[^>]*name="ind-13-2-last_year"', page
    ) or ('value="50"' in page and "Lấy từ hồ sơ năm 2025" in page)
    client.post(url, page_data(assessment, **{"ind-13-2-count": "47", "ind-13-2-last_year": "10"}))
    v = value(assessment, "13.2")
    assert (v.count, v.last_year, v.last_year_manual) == (47, 50, False)


def test_page_without_last_year_marks_it_typed_by_hand(client, people, assessment, url):
    client.force_login(people["officer"])
    assert "Nhập tay (không có hồ sơ năm trước)" in client.get(url).content.decode()


def test_reviewer_sees_the_page_read_only_and_cannot_save(client, people, assessment, url):
    client.force_login(people["reviewer"])
    response = client.get(url)
    assert response.status_code == 200 and 'id="save"' not in response.content.decode()
    assert client.post(url, page_data(assessment, **{"ind-1-1-yes": "co"})).status_code == 403


def test_page_query_count_does_not_grow_with_figures_and_files(
    client, people, assessment, url, django_assert_max_num_queries
):
    client.force_login(people["officer"])
    with django_assert_max_num_queries(20) as empty:
        assert client.get(url).status_code == 200
    fill_assessment(assessment)
    last = AssessmentFactory(ward=assessment.ward, year=assessment.year - 1, criteria_set=assessment.criteria_set)
    fill_assessment(last)
    for criterion in assessment.criteria_set.criteria.all():
        for _ in range(3):
            EvidenceFileFactory(assessment=assessment, criterion=criterion, uploaded_by=people["officer"])
    Narrative.objects.bulk_create(
        Narrative(assessment=assessment, criterion=c, text="…") for c in assessment.criteria_set.criteria.all()
    )
    with django_assert_max_num_queries(len(empty.captured_queries)):
        assert client.get(url).status_code == 200
    assert Indicator.objects.count() == 59


@pytest.mark.parametrize("base", ["null", "[1]", '"s"', "5", '{"ind-1-1-yes": 5}', "{"])
def test_a_tampered_page_is_handled_not_a_crash(client, people, assessment, url, base):
    client.force_login(people["officer"])
    client.post(url, page_data(assessment, **{"ind-1-2-yes": "co"}))  # the page is now stale
    data = {**page_data(assessment), "revision": "0", "base": base, "keep-ind-1-1-yes": "theirs"}
    assert client.post(url, data).status_code in (302, 409, 422)
