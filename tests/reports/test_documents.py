"""What the PDFs say, read back from the files themselves."""

import io
import unicodedata

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from criteria.models import Criterion
from demo.seed import new_province, old_province
from reports import documents
from tests.conftest import shared_data

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = unicodedata.normalize("NFC", " ".join(page.extract_text() for page in reader.pages))
    return " ".join(text.split())


def test_dossier_holds_ward_criteria_verdicts_decision_dates_and_page_numbers(approved):
    pdf, pages = documents.render_pdf("dossier", documents.dossier_data(approved))
    text = pdf_text(pdf)
    assert "CÔNG AN PHƯỜNG CÁI KHẾ" in text and "Phường" in text
    for title in Criterion.objects.filter(criteria_set=approved.criteria_set).values_list("title", flat=True):
        assert " ".join(title.split()) in text, title
    assert "Kết luận thẩm định: Không đạt — Trụ sở xuống cấp, chưa đúng mẫu" in text
    assert "Kết luận thẩm định: Đạt" in text
    assert "Chưa đạt chuẩn (21/22 tiêu chí)" in text and "Quyết định số 123/QĐ-CAT" in text
    assert documents.vn_date(timezone.localdate()) in text
    assert f"Trang 1/{pages}" in text
    for role in ("NGƯỜI LẬP", "TRƯỞNG CÔNG AN PHƯỜNG", "CÁN BỘ THẨM ĐỊNH", "LÃNH ĐẠO PHÊ DUYỆT"):
        assert role in text
    assert 5 <= pages <= 30
    assert len(PdfReader(io.BytesIO(pdf)).pages) == pages


def test_dossier_lists_evidence_with_its_sha256(approved, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wards import services

    approved.status = approved.Status.DRAFT
    approved.save()
    f = services.evidence_add(
        assessment=approved,
        criterion=approved.criteria_set.criteria.get(number=13),
        user=people["officer"],
        upload=SimpleUploadedFile("biên bản họp.pdf", b"%PDF-1.4 minh chung"),
    )
    text = pdf_text(documents.render_pdf("dossier", documents.dossier_data(approved))[0])
    assert "biên bản họp.pdf" in text and f.sha256 in text.replace(" ", "")


def test_typed_text_comes_back_out_of_the_pdf_as_typed(approved):
    decomposed = unicodedata.normalize("NFD", "Đã đối chiếu số liệu với Phòng Cảnh sát hình sự")
    from wards.models import Narrative
    from wards.parsing import nfc

    Narrative.objects.create(assessment=approved, criterion=Criterion.objects.get(number=13), text=nfc(decomposed))
    text = pdf_text(documents.render_pdf("dossier", documents.dossier_data(approved))[0])
    assert "Đã đối chiếu số liệu với Phòng Cảnh sát hình sự" in text


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, seeded once for the module's tests that read it (it takes seconds), rolled back after them."""
    with shared_data(django_db_blocker):
        with django_db_blocker.unblock():
            call_command("seed_demo", quiet_logins=True, allow_public_password=True)
        yield


def test_the_demos_2022_can_tho_report_shows_the_baseline_distribution(demo):
    data = documents.province_report_data(old_province("92"), 2022)
    pdf, pages = documents.render_pdf("province_report", data)
    text = pdf_text(pdf)
    assert "Số tiêu chí đạt 12 13 14 15 16 17 18 19 20 Số phường 3 3 3 9 7 5 4 5 3" in text
    # Pass rates, weakest first: TC8 (2 of 42 wards equipped) leads.
    assert text.index("TC8 Phương tiện, trang bị, kinh phí 2/42 4,8%") < text.index("TC22 Cải cách hành chính")
    assert "Tiến độ thực hiện lộ trình" in text and "2030" in text
    assert "Trang 1/" in text and 2 <= pages <= 10
    assert "<svg" not in text  # charts are drawn, not printed as markup


def test_charts_are_svg_shared_by_page_and_pdf(demo):
    # The merged city in 2025, against its re-based roadmap (7 phường by 2025, 10 by 2026).
    data = documents.province_report_data(new_province("92"), 2025)
    assert data["charts"]["distribution"].startswith("<svg") and "Số tiêu chí đạt" in data["charts"]["distribution"]
    assert data["roadmap_status"] == "on_track" and data["certified_total"] == 7
    behind = documents.province_report_data(new_province("92"), 2026)
    assert behind["roadmap_status"] == "behind"  # no certification yet in 2026 against 10


def test_same_data_same_hash_changed_data_new_hash(approved):
    first = documents.content_hash("dossier", documents.dossier_data(approved))
    assert documents.content_hash("dossier", documents.dossier_data(approved)) == first
    approved.values.filter(indicator__code="13.1").update(count=0, excluded=None)
    approved.values.filter(indicator__code="6.1").update(count=5)
    assert documents.content_hash("dossier", documents.dossier_data(approved)) != first
