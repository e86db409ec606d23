"""The Excel round trip: a prefilled template, a good upload, an upload with errors, foreign files."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from criteria.models import CriteriaSet
from tests.factories import AssessmentFactory, WardFactory
from wards import excel
from wards.models import IndicatorValue

pytestmark = pytest.mark.django_db


def download(client, assessment):
    response = client.get(f"/ho-so/{assessment.pk}/excel/")
    assert response.status_code == 200
    assert response["Content-Type"] == excel.CONTENT_TYPE
    return load_workbook(io.BytesIO(response.content))


def row_of(ws, code):
    for row in ws.iter_rows(min_row=excel.FIRST_ROW):
        if row[0].value == code:
            return row[0].row
    raise AssertionError(code)


def col(part):
    return excel.COLUMN_OF[part]


def upload(client, assessment, wb_or_bytes, name="so-lieu.xlsx"):
    if hasattr(wb_or_bytes, "save"):
        buffer = io.BytesIO()
        wb_or_bytes.save(buffer)
        wb_or_bytes = buffer.getvalue()
    return client.post(f"/ho-so/{assessment.pk}/excel/nhap/", {"file": SimpleUploadedFile(name, wb_or_bytes)})


def test_template_has_a_row_per_indicator_prefilled_locked_and_validated(client, people, assessment):
    IndicatorValue.objects.create(
        assessment=assessment,
        indicator=assessment.criteria_set.indicators.get(code="5.1"),
        numerator=27,
        denominator=30,
    )
    client.force_login(people["officer"])
    wb = download(client, assessment)
    ws = wb[excel.DATA_SHEET]
    codes = [r[0].value for r in ws.iter_rows(min_row=excel.FIRST_ROW) if r[0].value]
    assert len(codes) == 59 and codes[0] == "1.1" and codes[-1] == "22.5"
    r = row_of(ws, "5.1")
    assert ws.cell(r, col("numerator")).value == 27 and ws.cell(r, col("denominator")).value == 30
    assert ws.protection.sheet is True
    assert ws.cell(r, 3).protection.locked is True  # label column
    assert ws.cell(r, col("numerator")).protection.locked is False  # input
    assert ws.cell(r, col("yes")).protection.locked is True  # not an input for this kind
    assert len(ws.data_validations.dataValidation) >= 3
    assert "Cái Khế" in ws["A2"].value


def test_a_filled_template_updates_the_draft(client, people, assessment):
    client.force_login(people["officer"])
    wb = download(client, assessment)
    ws = wb[excel.DATA_SHEET]
    ws.cell(row_of(ws, "1.1"), col("yes")).value = "Có"
    ws.cell(row_of(ws, "5.1"), col("numerator")).value = 27
    ws.cell(row_of(ws, "5.1"), col("denominator")).value = 30
    ws.cell(row_of(ws, "13.2"), col("count")).value = 47
    ws.cell(row_of(ws, "13.2"), col("last_year")).value = 50
    ws.cell(row_of(ws, "10.1"), col("count")).value = 1
    ws.cell(row_of(ws, "10.1"), col("excluded")).value = 1
    ws.cell(row_of(ws, "10.1"), col("exclusion_reason")).value = "Cháy do sét đánh"
    ws.cell(row_of(ws, "16.3"), col("na")).value = "x"
    ws.cell(row_of(ws, "16.3"), col("na_reason")).value = "Không có đối tượng truy nã"
    response = upload(client, assessment, wb)
    assert response.status_code == 302
    values = {v.indicator.code: v for v in assessment.values.select_related("indicator")}
    assert values["1.1"].yes is True
    assert (values["5.1"].numerator, values["5.1"].denominator) == (27, 30)
    assert (values["13.2"].count, values["13.2"].last_year, values["13.2"].last_year_manual) == (47, 50, True)
    assert values["10.1"].excluded == 1 and values["10.1"].exclusion_reason == "Cháy do sét đánh"
    assert values["16.3"].na and values["16.3"].na_reason
    # And the round trip: the next template shows what was imported.
    ws = download(client, assessment)[excel.DATA_SHEET]
    assert ws.cell(row_of(ws, "13.2"), col("count")).value == 47


def test_an_upload_with_errors_changes_nothing_and_names_sheet_row_and_code(client, people, assessment):
    client.force_login(people["officer"])
    wb = download(client, assessment)
    ws = wb[excel.DATA_SHEET]
    ws.cell(row_of(ws, "1.1"), col("yes")).value = "Có"  # good, but must not be applied
    ws.cell(row_of(ws, "5.1"), col("numerator")).value = 31
    ws.cell(row_of(ws, "5.1"), col("denominator")).value = 30
    bad_row = row_of(ws, "10.3")
    ws.cell(bad_row, col("count")).value = "nhiều"
    ws.cell(row_of(ws, "6.1"), col("count")).value = -2
    response = upload(client, assessment, wb)
    assert response.status_code == 422
    page = response.content.decode()
    assert f"Trang «Số liệu», dòng {bad_row}, chỉ tiêu 10.3" in page
    assert "chỉ tiêu 5.1" in page and "chỉ tiêu 6.1" in page and "Tệp có 3 lỗi" in page
    assert not IndicatorValue.objects.filter(assessment=assessment).exists()


@pytest.fixture
def other_templates(client, people, assessment, criteria_set):
    """Templates made for another ward, another year, and another criteria set."""
    other_ward = AssessmentFactory(ward=WardFactory(name="An Cư"), criteria_set=criteria_set)
    other_year = AssessmentFactory(ward=assessment.ward, year=2025, criteria_set=criteria_set)
    new_set = CriteriaSet.objects.create(code="moi-2027", title="Bộ mới", legal_basis="x", year_from=2027)
    other_set = AssessmentFactory(ward=assessment.ward, year=2026, criteria_set=new_set)
    from wards.selectors import assessment_page

    return {
        name: excel.build_template(assessment=a, page=assessment_page(assessment=a))
        for name, a in {"ward": other_ward, "year": other_year, "set": other_set}.items()
    }


@pytest.mark.parametrize(
    "which, message",
    [
        ("ward", "mẫu của phường An Cư, không phải của phường Cái Khế"),
        ("year", "mẫu của năm 2025, không phải năm 2026"),
        ("set", "bộ tiêu chí «moi-2027»"),
    ],
)
def test_a_template_of_another_ward_year_or_set_is_refused_by_name(
    client, people, assessment, other_templates, which, message
):
    client.force_login(people["officer"])
    response = upload(client, assessment, other_templates[which])
    assert response.status_code == 422 and message in response.content.decode()
    assert not IndicatorValue.objects.filter(assessment=assessment).exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"%PDF-1.4 not a spreadsheet", "không phải là tệp Excel (.xlsx)"),
        (b"", "Tệp rỗng"),
    ],
)
def test_other_file_types_are_refused(client, people, assessment, content, message):
    client.force_login(people["officer"])
    response = upload(client, assessment, content, name="so-lieu.xlsx")
    assert response.status_code == 422 and message in response.content.decode()


def test_a_plain_workbook_is_not_the_template(client, people, assessment):
    from openpyxl import Workbook

    client.force_login(people["officer"])
    response = upload(client, assessment, Workbook())
    assert response.status_code == 422 and "không phải mẫu Excel của hệ thống" in response.content.decode()


def test_a_tampered_identity_is_refused(client, people, assessment):
    client.force_login(people["officer"])
    wb = download(client, assessment)
    meta = wb[excel.META_SHEET]
    for row in meta.iter_rows():
        if row[0].value == "signature":
            row[1].value = "0" * 32
    response = upload(client, assessment, wb)
    assert response.status_code == 422 and "đã bị sửa" in response.content.decode()


def test_an_old_template_does_not_undo_newer_web_edits(client, people, assessment):
    from tests.conftest import page_data

    client.force_login(people["officer"])
    client.post(
        f"/ho-so/{assessment.pk}/", page_data(assessment, **{"ind-5-1-numerator": "8", "ind-5-1-denominator": "10"})
    )
    wb = download(client, assessment)  # the head's copy shows 8/10
    assessment.refresh_from_db()
    client.post(f"/ho-so/{assessment.pk}/", page_data(assessment, **{"ind-5-1-numerator": "10"}))  # web: 10/10
    ws = wb[excel.DATA_SHEET]
    ws.cell(row_of(ws, "1.1"), col("yes")).value = "Có"
    client.force_login(people["head"])
    assert upload(client, assessment, wb).status_code == 302
    values = {v.indicator.code: v for v in assessment.values.select_related("indicator")}
    assert (values["5.1"].numerator, values["5.1"].denominator) == (10, 10)
    assert values["1.1"].yes is True


def test_a_cell_changed_both_in_the_file_and_on_the_web_is_refused(client, people, assessment):
    from tests.conftest import page_data

    client.force_login(people["officer"])
    wb = download(client, assessment)
    client.post(f"/ho-so/{assessment.pk}/", page_data(assessment, **{"ind-6-1-count": "4"}))
    ws = wb[excel.DATA_SHEET]
    ws.cell(row_of(ws, "6.1"), col("count")).value = 3
    response = upload(client, assessment, wb)
    assert response.status_code == 422
    assert "đã được sửa trên web thành «4»" in response.content.decode()
    assert assessment.values.get(indicator__code="6.1").count == 4


def test_a_damaged_workbook_is_refused_not_a_crash(client, people, assessment):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types")
        z.writestr("xl/workbook.xml", "<not xml")
    client.force_login(people["officer"])
    response = upload(client, assessment, buffer.getvalue())
    assert response.status_code == 422 and "không phải là tệp Excel" in response.content.decode()
