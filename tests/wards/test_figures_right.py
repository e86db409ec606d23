"""Every figure right: results derived from the figures shown, one parser for the page and Excel, TC14."""

import io
import re

import pytest
from django.core.management import call_command

from tests.conftest import page_data
from tests.factories import AssessmentFactory, fill_assessment, user_with_role
from tests.wards.test_excel import col, download, row_of, upload
from wards import excel, parsing, services
from wards.models import IndicatorValue, Membership

pytestmark = pytest.mark.django_db


def text(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def set_value(assessment, code, **figures):
    IndicatorValue.objects.update_or_create(
        assessment=assessment, indicator=assessment.criteria_set.indicators.get(code=code), defaults=figures
    )


# --- 1. A result is derived from the figures it shows, including last year's -------------------------------


@pytest.fixture
def two_years(criteria_set, ward):
    """Ward B: 2027 has 16.1 = 20; 2028 has 16.1 = 17, last year 20 taken from 2027 (a 15% fall: passes)."""
    y2027 = AssessmentFactory(ward=ward, year=2027, criteria_set=criteria_set)
    y2028 = AssessmentFactory(ward=ward, year=2028, criteria_set=criteria_set)
    fill_assessment(y2027)
    fill_assessment(y2028)
    set_value(y2027, "16.1", count=20, last_year=25, last_year_manual=True)
    set_value(y2028, "16.1", count=17, last_year=20, last_year_manual=False)
    return y2027, y2028


def test_correcting_last_years_figure_changes_this_years_result(client, people, two_years):
    y2027, y2028 = two_years
    client.force_login(people["officer"])
    assert "20 → 17: giảm 15% (yêu cầu giảm ≥ 15%)" in text(client.get(f"/ho-so/{y2028.pk}/"))
    # 2027's figure is corrected to 10; 2028 is not touched.
    IndicatorValue.objects.filter(assessment=y2027, indicator__code="16.1").update(count=10)
    page = text(client.get(f"/ho-so/{y2028.pk}/"))
    assert "Lấy từ hồ sơ năm 2027" in page
    assert "10 → 17: tăng 70% (yêu cầu giảm ≥ 15%)" in page
    assert "20 → 17" not in page
    client.force_login(people["reviewer"])
    review = text(client.get(f"/ho-so/{y2028.pk}/tham-dinh/"))
    assert "10 → 17: tăng 70%" in review and "20 → 17" not in review


def test_the_summary_counts_a_criterion_from_last_years_corrected_figure(two_years, capsys):
    y2027, y2028 = two_years
    y2028.status = y2028.Status.SUBMITTED
    y2028.save(update_fields=["status"])
    # Corrected on 2027's page (the summary counts stored results, which the page's save keeps right).
    officer = user_with_role(Membership.Role.WARD_OFFICER, ward=y2027.ward)
    y2027.refresh_from_db()
    services.assessment_save(
        assessment=y2027,
        user=officer,
        figures={y2027.criteria_set.indicators.get(code="16.1").pk: {"count": 10}},
        narratives={},
        base_revision=y2027.revision,
    )
    call_command("assessment_summary", "--province", y2028.ward.province.code, "--year", "2028", "--json")
    import json

    summary = json.loads(capsys.readouterr().out)
    assert summary["wards"] == 1 and summary["passes"]["TC16"] == 0


# --- 2. "Không có đối tượng" together with figures ----------------------------------------------------------


def test_na_with_figures_is_refused_at_the_field_on_the_page(client, people, assessment):
    client.force_login(people["officer"])
    data = page_data(
        assessment,
        **{"ind-16-3-na": "on", "ind-16-3-na_reason": "Không có đối tượng truy nã", "ind-16-3-count": "5"},
        **{"ind-16-3-last_year": "5"},
    )
    response = client.post(f"/ho-so/{assessment.pk}/", data)
    assert response.status_code == 422
    assert "Đã đánh dấu «Không có đối tượng» thì không nhập số liệu" in text(response)
    assert not IndicatorValue.objects.filter(assessment=assessment, indicator__code="16.3").exists()


def test_na_with_figures_is_refused_in_the_excel_import(client, people, assessment):
    client.force_login(people["officer"])
    wb = download(client, assessment)
    ws = wb[excel.DATA_SHEET]
    r = row_of(ws, "16.3")
    ws.cell(r, col("na")).value = "x"
    ws.cell(r, col("na_reason")).value = "Không có đối tượng truy nã"
    ws.cell(r, col("count")).value = 5
    ws.cell(r, col("last_year")).value = 5
    response = upload(client, assessment, wb)
    assert "chỉ tiêu 16.3" in text(response) and "thì không nhập số liệu" in text(response)
    assert not IndicatorValue.objects.filter(assessment=assessment, indicator__code="16.3").exists()


def test_na_alone_with_a_reason_is_accepted(client, people, assessment):
    client.force_login(people["officer"])
    data = page_data(assessment, **{"ind-16-3-na": "on", "ind-16-3-na_reason": "Không có đối tượng truy nã"})
    assert client.post(f"/ho-so/{assessment.pk}/", data).status_code == 302
    assert IndicatorValue.objects.get(assessment=assessment, indicator__code="16.3").na is True


# --- 3. TC14 when 14.1 = 0 -----------------------------------------------------------------------------------


def test_with_no_hotspot_tc14_is_complete_and_the_head_can_submit(client, people, assessment):
    fill_assessment(assessment, skip=("14.1", "14.2", "14.3"))
    set_value(assessment, "14.1", count=0)
    client.force_login(people["head"])
    page = text(client.get(f"/ho-so/{assessment.pk}/"))
    assert "Đủ số liệu 22/22" in page
    response = client.post(f"/ho-so/{assessment.pk}/gui/")
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "submitted"


def test_no_hotspot_with_hotspots_this_year_is_a_contradiction_at_the_field(client, people, assessment):
    client.force_login(people["officer"])
    data = page_data(
        assessment,
        **{"ind-14-1-count": "0", "ind-14-2-count": "3", "ind-14-2-last_year": "4", "ind-14-3-count": "1"},
    )
    response = client.post(f"/ho-so/{assessment.pk}/", data)
    assert response.status_code == 422
    html = response.content.decode()
    for name in ("ind-14-2-count", "ind-14-3-count"):
        assert re.search(rf'<input[^>]*name="{name}"[^>]*is-invalid|<input[^>]*is-invalid[^>]*name="{name}"', html)
    assert html.count("Mâu thuẫn với chỉ tiêu 14.1") >= 2
    assert not IndicatorValue.objects.filter(assessment=assessment, indicator__code__startswith="14.").exists()


def test_the_same_contradiction_is_refused_in_the_excel_import(client, people, assessment):
    client.force_login(people["officer"])
    wb = download(client, assessment)
    ws = wb[excel.DATA_SHEET]
    ws.cell(row_of(ws, "14.1"), col("count")).value = 0
    ws.cell(row_of(ws, "14.2"), col("count")).value = 3
    ws.cell(row_of(ws, "14.2"), col("last_year")).value = 4
    ws.cell(row_of(ws, "14.3"), col("count")).value = 1
    page = text(upload(client, assessment, wb))
    assert page.count("Mâu thuẫn với chỉ tiêu 14.1") == 2
    assert not IndicatorValue.objects.filter(assessment=assessment, indicator__code__startswith="14.").exists()


# --- 4 and 5. Huge numbers, Unicode digits, 1e3: one parser, one set of answers ----------------------------


@pytest.mark.parametrize(
    "typed, message",
    [
        ("1" + "0" * 30, "quá lớn (tối đa 10.000)"),
        ("9" * 27, "quá lớn (tối đa 10.000)"),
        ("٢٧", "không phải là số nguyên"),
        ("２７", "không phải là số nguyên"),
        ("1e3", "không phải là số nguyên"),
    ],
)
def test_the_page_answers_each_odd_number_at_the_field(client, people, assessment, typed, message):
    client.force_login(people["officer"])
    response = client.post(f"/ho-so/{assessment.pk}/", page_data(assessment, **{"ind-10-3-count": typed}))
    assert response.status_code == 422
    assert message in text(response)
    assert not IndicatorValue.objects.filter(assessment=assessment, indicator__code="10.3").exists()


@pytest.mark.parametrize(
    "cell, message",
    [
        (10**30, "quá lớn (tối đa 10.000)"),
        ("٢٧", "không phải là số nguyên"),
        ("２７", "không phải là số nguyên"),
        (b"1E3", "không phải là số nguyên"),  # a number cell written as 1E3 in the file
        ("1e3", "không phải là số nguyên"),
    ],
)
def test_the_excel_import_answers_each_odd_number_as_the_page_does(client, people, assessment, cell, message):
    client.force_login(people["officer"])
    wb = download(client, assessment)
    ws = wb[excel.DATA_SHEET]
    ws.cell(row_of(ws, "10.3"), col("count")).value = 777_777 if isinstance(cell, bytes) else cell
    buffer = io.BytesIO()
    wb.save(buffer)
    content = buffer.getvalue()
    if isinstance(cell, bytes):
        content = _rewrite_sheet(content, b"<v>777777</v>", b"<v>" + cell + b"</v>")
    response = upload(client, assessment, content)
    page = text(response)
    assert "chỉ tiêu 10.3" in page and message in page
    assert not IndicatorValue.objects.filter(assessment=assessment, indicator__code="10.3").exists()


def _rewrite_sheet(content: bytes, old: bytes, new: bytes) -> bytes:
    import zipfile

    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            out.writestr(item, data.replace(old, new) if item.filename.startswith("xl/worksheets/") else data)
    return target.getvalue()


def test_format_number_handles_any_size():
    from criteria.scoring import format_number

    assert format_number(10**30) == "1" + ".000" * 10


# --- 16. Labels keep their acronyms --------------------------------------------------------------------------


def test_labels_keep_acronyms_as_written(criteria_set):
    indicator = criteria_set.indicators.get(code="5.1")
    labels = [p.label for p in parsing.parts_for(indicator)]
    assert "Tổng số CBCS" in labels
    assert all("cbcs" not in label for label in labels)


def test_the_excel_import_judges_the_contradiction_with_figures_stored_on_the_web(client, people, assessment):
    """14.2 and 14.3 typed on the web, then a file that holds only 14.1 = 0: refused, nothing stored."""
    set_value(assessment, "14.2", count=3, last_year=4, last_year_manual=True)
    set_value(assessment, "14.3", count=1)
    client.force_login(people["officer"])
    wb = download(client, assessment)
    ws = wb[excel.DATA_SHEET]
    ws.cell(row_of(ws, "14.1"), col("count")).value = 0
    for code in ("14.3", "14.2"):
        ws.delete_rows(row_of(ws, code))
    page = text(upload(client, assessment, wb))
    assert page.count("Mâu thuẫn với chỉ tiêu 14.1") == 2 and "không có trong tệp" in page
    assert not IndicatorValue.objects.filter(assessment=assessment, indicator__code="14.1").exists()
