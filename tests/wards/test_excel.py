"""The Excel round trip: a prefilled template, a good upload, an upload with errors, foreign files."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from criteria.models import CriteriaSet
from tests.factories import AssessmentFactory, WardFactory
from wards import excel, uploads
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


def office_archive(member: str, data: bytes, kind="xl/workbook.xml") -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(kind, "<workbook/>")
        z.writestr(member, data)
    return buffer.getvalue()


@pytest.fixture
def opened_workbooks(monkeypatch):
    """Every workbook openpyxl was asked to open during the test (wards.uploads.open_workbook opens them)."""
    opened = []
    real = uploads.load_workbook

    def spy(*args, **kwargs):
        opened.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(uploads, "load_workbook", spy)
    return opened


def test_xlsx_zip_bomb_is_refused_before_opening(client, people, assessment, opened_workbooks):
    # Shared strings that unpack a thousandfold: what took a worker 55 s and 4.9 GB at 4.5 GiB.
    bomb = office_archive("xl/sharedStrings.xml", b"<si><t>a</t></si>" * (3 * 1024 * 1024 // 17))
    client.force_login(people["officer"])
    response = upload(client, assessment, bomb)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Tệp «so-lieu.xlsx» có phần «xl/sharedStrings.xml» nén" in page and "tối đa 100 lần" in page
    assert opened_workbooks == []


def test_xlsx_larger_than_the_unpacked_limit_is_refused_before_opening(
    client, people, assessment, settings, opened_workbooks
):
    import os

    settings.ZIP_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    incompressible = office_archive("xl/media/image1.png", os.urandom(3 * 1024 * 1024))
    client.force_login(people["officer"])
    response = upload(client, assessment, incompressible)
    assert response.status_code == 422
    assert "Tệp «so-lieu.xlsx» khi giải nén lớn hơn 2 MB" in response.content.decode()
    assert opened_workbooks == []


def test_the_real_template_passes_the_zip_guard(client, people, assessment, opened_workbooks):
    client.force_login(people["officer"])
    response = upload(client, assessment, download(client, assessment))
    assert response.status_code == 302 and len(opened_workbooks) == 1


FORMULAS = ['=HYPERLINK("http://example.invalid/x","Bấm")', "=cmd|' /C calc'!A0"]


def test_a_reason_that_looks_like_a_formula_is_written_as_text_and_round_trips(client, people, assessment):
    import zipfile

    indicators = assessment.criteria_set.indicators
    IndicatorValue.objects.create(
        assessment=assessment, indicator=indicators.get(code="10.1"), count=1, excluded=1, exclusion_reason=FORMULAS[0]
    )
    IndicatorValue.objects.create(
        assessment=assessment, indicator=indicators.get(code="16.3"), na=True, na_reason=FORMULAS[1]
    )
    client.force_login(people["officer"])
    content = client.get(f"/ho-so/{assessment.pk}/excel/").content
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert not any(b"<f>" in z.read(name) or b"<f " in z.read(name) for name in z.namelist())
    wb = load_workbook(io.BytesIO(content))
    ws = wb[excel.DATA_SHEET]
    for code, part, text in [("10.1", "exclusion_reason", FORMULAS[0]), ("16.3", "na_reason", FORMULAS[1])]:
        cell = ws.cell(row_of(ws, code), col(part))
        assert (cell.value, cell.data_type) == (text, "s")
    # The unchanged template imports, changing nothing, and the texts stay exactly as typed.
    response = upload(client, assessment, content)
    assert response.status_code == 302
    values = {v.indicator.code: v for v in assessment.values.select_related("indicator")}
    assert (values["10.1"].exclusion_reason, values["16.3"].na_reason) == tuple(FORMULAS)


def test_names_that_look_like_formulas_are_written_as_text(client, people, assessment):
    assessment.ward.name = "=1+1"
    assessment.ward.save()
    client.force_login(people["officer"])
    wb = download(client, assessment)
    meta = {row[0].value: row[1] for row in wb[excel.META_SHEET].iter_rows()}
    assert (meta["ward_name"].value, meta["ward_name"].data_type) == ("=1+1", "s")
    assert wb[excel.DATA_SHEET]["A2"].data_type == "s"
