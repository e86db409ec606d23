"""Evidence files: recognised by content, size-limited, stored privately, served only in scope."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from wards.models import AuditEvent, EvidenceFile

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def office(kind):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, assessment, name, content, number=5):
    return client.post(
        f"/ho-so/{assessment.pk}/tieu-chi/{number}/minh-chung/", {"file": SimpleUploadedFile(name, content)}
    )


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("bien-ban.pdf", PDF, "application/pdf"),
        ("anh.png", PNG, "image/png"),
        ("anh.jpg", JPEG, "image/jpeg"),
        ("quyet-dinh.docx", office("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("bang.xlsx", office("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("no-extension", PDF, "application/pdf"),  # recognised by content, not by name
    ],
)
def test_allowed_types_are_stored_with_their_facts(client, people, assessment, name, content, content_type):
    client.force_login(people["officer"])
    assert upload(client, assessment, name, content).status_code == 302
    f = EvidenceFile.objects.get()
    assert (f.original_name, f.content_type, f.size) == (name, content_type, len(content))
    assert f.sha256 == hashlib.sha256(content).hexdigest()
    assert f.uploaded_by == people["officer"] and f.criterion.number == 5
    # Stored outside static/ under a random name.
    path = Path(f.file.path)
    assert path.read_bytes() == content
    assert Path(settings.MEDIA_ROOT) in path.parents and name not in path.name
    assert AuditEvent.objects.filter(action=AuditEvent.Action.FILE_ADDED, new=name).exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("chuong-trinh.pdf", b"MZ\x90\x00" + b"\x00" * 60),  # a renamed .exe
        ("trang.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("bang.xlsx", b"PK\x03\x04not really a zip"),
        ("khac.docx", office("docx").replace(b"word/document.xml", b"other/thing.xmlx")),
    ],
)
def test_other_content_is_refused_whatever_its_name(client, people, assessment, name, content):
    client.force_login(people["officer"])
    response = upload(client, assessment, name, content)
    assert response.status_code == 422
    assert "không phải là PDF, JPEG, PNG, DOCX, XLSX" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_files_over_the_limit_are_refused(client, people, assessment, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    client.force_login(people["officer"])
    response = upload(client, assessment, "lon.pdf", PDF + b"0" * 2000)
    assert response.status_code == 422 and "vượt giới hạn" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_failed_upload_through_htmx_returns_the_list_with_the_message(client, people, assessment):
    client.force_login(people["officer"])
    response = client.post(
        f"/ho-so/{assessment.pk}/tieu-chi/5/minh-chung/",
        {"file": SimpleUploadedFile("x.pdf", b"MZ")},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="evidence-5"' in page and "không phải là PDF" in page and "<html" not in page


def test_several_files_per_criterion_and_download_in_scope(client, people, assessment):
    client.force_login(people["officer"])
    upload(client, assessment, "a.pdf", PDF)
    upload(client, assessment, "b.png", PNG)
    assert EvidenceFile.objects.filter(criterion__number=5).count() == 2
    pdf = EvidenceFile.objects.get(original_name="a.pdf")
    response = client.get(f"/ho-so/{assessment.pk}/minh-chung/{pdf.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith("inline")
    client.force_login(people["reviewer"])
    assert client.get(f"/ho-so/{assessment.pk}/minh-chung/{pdf.pk}/").status_code == 200


def test_deletion_is_recorded_and_removes_the_file(client, people, assessment, django_capture_on_commit_callbacks):
    client.force_login(people["officer"])
    upload(client, assessment, "a.pdf", PDF)
    f = EvidenceFile.objects.get()
    path = Path(f.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/ho-so/{assessment.pk}/minh-chung/{f.pk}/xoa/").status_code == 302
    assert not EvidenceFile.objects.exists() and not path.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.FILE_DELETED)
    assert event.actor == people["officer"] and event.old.startswith("a.pdf")


def test_files_cannot_be_added_or_deleted_once_submitted(client, people, assessment):
    client.force_login(people["officer"])
    upload(client, assessment, "a.pdf", PDF)
    f = EvidenceFile.objects.get()
    assessment.status = assessment.Status.SUBMITTED
    assessment.save()
    # The officer may add and delete files, only not now: the status is said (409), nothing changes.
    assert upload(client, assessment, "b.pdf", PDF).status_code == 409
    assert client.post(f"/ho-so/{assessment.pk}/minh-chung/{f.pk}/xoa/").status_code == 409
    assert EvidenceFile.objects.count() == 1


def test_size_message_formats_the_numbers_not_the_file_name(people, assessment, settings):
    from django.core.exceptions import ValidationError

    from wards.services import validate_evidence

    settings.EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
    upload = SimpleUploadedFile("big25.5.pdf", b"")
    upload.size = 25 * 1024 * 1024 + 1  # a byte over 25 MB: shown rounded up, never as exactly 25
    with pytest.raises(ValidationError) as refused:
        validate_evidence(upload)
    assert refused.value.messages == ["Tệp «big25.5.pdf» dung lượng 25,01 MB, vượt giới hạn 20 MB."]


def test_evidence_file_names_are_stored_nfc_normalised(client, people, assessment):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Biên bản kiểm tra.pdf")
    client.force_login(people["officer"])
    assert upload(client, assessment, decomposed, PDF).status_code == 302
    stored = EvidenceFile.objects.get().original_name
    assert stored == "Biên bản kiểm tra.pdf" and unicodedata.is_normalized("NFC", stored)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.FILE_ADDED, new="Biên bản kiểm tra.pdf").exists()


def bomb(kind):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
        z.writestr("word/media/padding.xml" if kind == "docx" else "xl/sharedStrings.xml", b"<t>a</t>" * 400_000)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_office_zip_bomb_evidence_is_refused(client, people, assessment, kind):
    client.force_login(people["officer"])
    response = upload(client, assessment, f"bao-cao.{kind}", bomb(kind))
    assert response.status_code == 422
    assert f"Tệp «bao-cao.{kind}» có phần" in response.content.decode()
    assert not EvidenceFile.objects.exists()
