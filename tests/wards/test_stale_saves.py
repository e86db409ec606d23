"""A save overtaken by someone else's (between reading what is stored and saving) is reconciled with it and
tried again, in one place for the page and the Excel import (services.retry_when_stale); what the other person
saved meanwhile is never undone, and a save overtaken time after time is refused with a message."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from criteria.models import Indicator
from tests.conftest import page_data
from wards import excel, services
from wards.models import Assessment, IndicatorValue
from wards.services.entry import SAVE_TRIES

pytestmark = pytest.mark.django_db


def test_an_overtaken_attempt_runs_again_on_the_assessment_as_stored_now(assessment):
    seen = []

    def attempt(current):
        seen.append(current.revision)
        if len(seen) == 1:
            Assessment.objects.filter(pk=current.pk).update(revision=current.revision + 1)  # another save
            raise services.StaleRevision
        return "saved"

    assert services.retry_when_stale(assessment, attempt) == "saved"
    assert seen == [0, 1]


def test_a_save_overtaken_every_time_is_refused_with_a_message(assessment):
    calls = []

    def attempt(current):
        calls.append(current)
        raise services.StaleRevision

    with pytest.raises(services.StaleRevision) as refused:
        services.retry_when_stale(assessment, attempt)
    assert len(calls) == SAVE_TRIES and "lưu liên tục" in refused.value.args[0]


@pytest.fixture
def overtaken(monkeypatch, people):
    """Have the next `times` saves overtaken: just before each, the head saves 13.1 on the web (7, 8, …)."""
    real = services.assessment_save

    def install(times=1):
        left = [times]

        def racing(**kwargs):
            if left[0]:
                left[0] -= 1
                other = Assessment.objects.get(pk=kwargs["assessment"].pk)
                indicator = Indicator.objects.get(criteria_set=other.criteria_set, code="13.1")
                count = 7 + times - left[0] - 1
                real(assessment=other, user=people["head"], figures={indicator.pk: {"count": count}},
                     narratives={}, base_revision=other.revision)  # fmt: skip
            return real(**kwargs)

        monkeypatch.setattr(services, "assessment_save", racing)

    return install


def count_of(assessment, code):
    value = IndicatorValue.objects.filter(assessment=assessment, indicator__code=code).first()
    return value and (value.count, value.numerator, value.denominator)


def test_the_page_s_save_overtaken_keeps_the_other_person_s_change(client, people, assessment, overtaken):
    client.force_login(people["officer"])
    opened = page_data(assessment, **{"ind-5-1-numerator": "27", "ind-5-1-denominator": "30"})
    overtaken(times=1)
    response = client.post(f"/ho-so/{assessment.pk}/", opened, follow=True)
    assert response.status_code == 200
    assert count_of(assessment, "13.1") == (7, None, None)  # the head's, not undone by the page's empty field
    assert count_of(assessment, "5.1") == (None, 27, 30)
    assert "Đã cập nhật 1 ô theo thay đổi mới" in response.content.decode()


def _template(client, assessment):
    workbook = load_workbook(io.BytesIO(client.get(f"/ho-so/{assessment.pk}/excel/").content))
    sheet = workbook[excel.DATA_SHEET]
    row = next(r[0].row for r in sheet.iter_rows(min_row=excel.FIRST_ROW) if r[0].value == "5.1")
    sheet.cell(row, excel.COLUMN_OF["numerator"]).value = 27
    sheet.cell(row, excel.COLUMN_OF["denominator"]).value = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("so-lieu.xlsx", buffer.getvalue())


def test_the_excel_import_overtaken_keeps_the_other_person_s_change(client, people, assessment, overtaken):
    """The file leaves 13.1 as the template showed it: the web's newer value stays (the import used to save
    again what it had read before the other save, undoing it)."""
    client.force_login(people["officer"])
    upload = _template(client, assessment)
    overtaken(times=1)
    response = client.post(f"/ho-so/{assessment.pk}/excel/nhap/", {"file": upload})
    assert response.status_code == 302
    assert count_of(assessment, "13.1") == (7, None, None)
    assert count_of(assessment, "5.1") == (None, 27, 30)


def test_saves_overtaken_every_time_answer_409_and_keep_what_was_typed(client, people, assessment, overtaken):
    client.force_login(people["officer"])
    upload = _template(client, assessment)
    overtaken(times=SAVE_TRIES)
    response = client.post(f"/ho-so/{assessment.pk}/excel/nhap/", {"file": upload})
    assert response.status_code == 409 and "lưu liên tục" in response.content.decode()
    assert count_of(assessment, "5.1") is None

    assessment.refresh_from_db()
    typed = page_data(assessment, **{"narrative-3": "Tuần tra 8 đợt"})
    overtaken(times=SAVE_TRIES)
    response = client.post(f"/ho-so/{assessment.pk}/", typed)
    page = response.content.decode()
    assert response.status_code == 409 and "lưu liên tục" in page and "Tuần tra 8 đợt" in page
    assert not assessment.narratives.exists()
