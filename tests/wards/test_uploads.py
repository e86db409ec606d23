"""Request bodies with a file over the view's limit are refused from their length, before they are read."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from django.urls import resolve

from wards import uploads
from wards.models import EvidenceFile

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PDF_HEAD = b"%PDF-1.4\n"


class CountingStream(io.BytesIO):
    """wsgi.input that remembers how much of the body was read."""

    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def posted(path, size, name="lon.pdf"):
    """A multipart POST to `path` as a browser sends it: the CSRF token, then the file; and its body stream."""
    built = RequestFactory().post(
        path, {"csrfmiddlewaretoken": "t" * 64, "file": SimpleUploadedFile(name, PDF_HEAD + b"0" * size)}
    )
    body = built.read()
    stream = CountingStream(body)
    environ = {**built.environ, "wsgi.input": stream, "CONTENT_LENGTH": str(len(body))}
    request = WSGIRequest(environ)
    request.resolver_match = resolve(path)
    return request, stream


@pytest.mark.parametrize(
    "path, setting",
    [("/ho-so/1/tieu-chi/5/minh-chung/", "EVIDENCE_MAX_BYTES"), ("/ho-so/1/excel/nhap/", "EXCEL_MAX_BYTES")],
)
def test_an_upload_over_the_views_limit_is_refused_before_its_body_is_read(settings, path, setting):
    settings.EVIDENCE_MAX_BYTES = settings.EXCEL_MAX_BYTES = 20 * MB
    setattr(settings, setting, 1 * MB)
    request, stream = posted(path, 6 * MB)
    assert "file" not in request.FILES
    assert request.POST["csrfmiddlewaretoken"] == "t" * 64  # what came before the file is kept
    assert uploads.refusal(request, "file") == "Tệp «lon.pdf» dung lượng khoảng 6,01 MB, vượt giới hạn 1 MB."
    assert stream.bytes_read < 256 * 1024


def test_reading_stops_at_the_limit_when_the_length_is_within_the_envelope(settings):
    settings.EVIDENCE_MAX_BYTES = 1 * MB
    request, _ = posted("/ho-so/1/tieu-chi/5/minh-chung/", 1 * MB + 1000)
    assert "file" not in request.FILES
    assert uploads.refusal(request, "file") == "Tệp «lon.pdf» vượt giới hạn 1 MB."


def test_an_upload_within_the_limit_is_read_whole(settings):
    settings.EVIDENCE_MAX_BYTES = 1 * MB
    request, _ = posted("/ho-so/1/tieu-chi/5/minh-chung/", 1 * MB - 100)
    assert request.FILES["file"].size == 1 * MB - 100 + len(PDF_HEAD)
    assert uploads.refusal(request, "file") == ""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_refused_evidence_upload_shows_the_message_at_the_file_field(client, people, assessment, settings):
    settings.EVIDENCE_MAX_BYTES = 1 * MB
    client.force_login(people["officer"])
    response = client.post(
        f"/ho-so/{assessment.pk}/tieu-chi/5/minh-chung/",
        {"file": SimpleUploadedFile("lon.pdf", PDF_HEAD + b"0" * 3 * MB)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="evidence-5"' in page and "<html" not in page
    assert re.search(
        r'<div class="invalid-feedback d-block"[^>]*>\s*Tệp «lon.pdf» dung lượng khoảng 3,01 MB, vượt giới hạn 1 MB.\s*</div>',
        page,
    )
    assert not EvidenceFile.objects.exists()


def test_a_refused_excel_upload_shows_the_message_at_the_file_field(client, people, assessment, settings):
    settings.EXCEL_MAX_BYTES = 1 * MB
    client.force_login(people["officer"])
    response = client.post(
        f"/ho-so/{assessment.pk}/excel/nhap/", {"file": SimpleUploadedFile("so-lieu.xlsx", b"PK" + b"0" * 3 * MB)}
    )
    assert response.status_code == 422
    assert "Tệp «so-lieu.xlsx» dung lượng khoảng 3,01 MB, vượt giới hạn 1 MB." in response.content.decode()


def test_the_evidence_form_sends_its_csrf_token_before_the_file(client, people, assessment):
    # A refused body is not read past the file, so a token after it would be lost (and the form refused 403).
    client.force_login(people["officer"])
    page = client.get(f"/ho-so/{assessment.pk}/").content.decode()
    tokens = [m.start() for m in re.finditer(r'name="csrfmiddlewaretoken"\s+form="upload-5"', page)]
    assert len(tokens) == 1 and 'id="upload-5"' in page
    assert tokens[0] < page.index('id="file-5"')
    form = page[page.index('<form id="upload-5"') :]
    assert "csrfmiddlewaretoken" not in form[: form.index("</form>")]  # one token, not two
