"""Evidence and rendered PDFs in an S3-compatible object store, through Django's storage API only.

The suite starts the store itself: moto's standalone server on 127.0.0.1 and a free port, one per module, with
a bucket of its own for each test. Nothing is written under MEDIA_ROOT while it is on."""

import io
import os
import socket
import subprocess
import sys
import uuid
import zipfile

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from modelphuong.object_storage import s3_storage
from reports import documents, services, tasks
from reports.models import RenderJob
from tests.reports.conftest import approve
from wards.models import EvidenceFile

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KEYS = {"access_key": "test", "secret_key": "test", "region": "us-east-1"}


@pytest.fixture
def approved(people, assessment):
    return approve(assessment, people)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


class Bucket:
    def __init__(self, endpoint: str):
        self.name = f"modelphuong-{uuid.uuid4().hex[:12]}"
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=KEYS["access_key"],
            aws_secret_access_key=KEYS["secret_key"],
            region_name=KEYS["region"],
        )
        self.client.create_bucket(Bucket=self.name)

    def keys(self, prefix: str = "") -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(o["Key"] for o in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def s3(settings, s3_endpoint, tmp_path):
    """The app's storage is the object store; MEDIA_ROOT points at a folder that must stay empty."""
    bucket = Bucket(s3_endpoint)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(bucket=bucket.name, endpoint_url=s3_endpoint, prefix="media", **KEYS),
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    assert type(default_storage._setup() or default_storage._wrapped).__name__ == "S3Storage"
    yield bucket
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*")), "a file went to disk"


def test_the_store_is_switched_on_by_the_environment(tmp_path):
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path / "var"),
        "S3_BUCKET": "modelphuong-files",
        "S3_ENDPOINT_URL": "http://minio.internal:9000",
        "S3_REGION": "ap-southeast-1",
        "S3_ACCESS_KEY_ID": "key",
        "S3_SECRET_ACCESS_KEY": "secret",
        "S3_ADDRESSING_STYLE": "path",
    }
    code = (
        "from modelphuong import settings as s; o = s.STORAGES['default']['OPTIONS'];"
        "print(s.STORAGES['default']['BACKEND'], o['bucket_name'], o['endpoint_url'], o['region_name'],"
        " o['access_key'], o['secret_key'], o['addressing_style'], o['file_overwrite'], o['default_acl'])"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    assert out.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "modelphuong-files",
        "http://minio.internal:9000",
        "ap-southeast-1",
        "key",
        "secret",
        "path",
        "False",
        "None",
    ]
    env.pop("S3_BUCKET")
    out = subprocess.run(
        [sys.executable, "-c", "from modelphuong import settings as s; print(s.STORAGES['default']['BACKEND'])"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == "django.core.files.storage.FileSystemStorage"


def test_evidence_is_uploaded_to_the_store_and_streamed_back_only_in_scope(client, people, assessment, s3):
    client.force_login(people["officer"])
    response = client.post(
        f"/ho-so/{assessment.pk}/tieu-chi/5/minh-chung/", {"file": SimpleUploadedFile("biên bản.pdf", PDF)}
    )
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    [key] = s3.keys("media/evidence/")
    assert key == f"media/{evidence.file.name}" and s3.read(key) == PDF

    response = client.get(f"/ho-so/{assessment.pk}/minh-chung/{evidence.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;") and "bi%C3%AAn%20b%E1%BA%A3n.pdf" in disposition
    for outsider in ("other_ward_officer", "foreign_reviewer"):
        client.force_login(people[outsider])
        assert client.get(f"/ho-so/{assessment.pk}/minh-chung/{evidence.pk}/").status_code == 404, outsider

    client.force_login(people["officer"])
    s3.client.delete_object(Bucket=s3.name, Key=key)  # the store lost it: a 404, not a 500
    assert client.get(f"/ho-so/{assessment.pk}/minh-chung/{evidence.pk}/").status_code == 404


def test_deleting_evidence_removes_the_object(client, people, assessment, s3, django_capture_on_commit_callbacks):
    client.force_login(people["officer"])
    client.post(f"/ho-so/{assessment.pk}/tieu-chi/5/minh-chung/", {"file": SimpleUploadedFile("a.pdf", PDF)})
    evidence = EvidenceFile.objects.get()
    assert s3.keys("media/evidence/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ho-so/{assessment.pk}/minh-chung/{evidence.pk}/xoa/")
    assert response.status_code in (200, 302)
    assert s3.keys("media/evidence/") == []


def test_a_dossier_is_rendered_by_the_worker_into_the_store_and_downloaded_from_it(
    client, people, approved, s3, monkeypatch
):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    assert tasks.render_job(job.pk) == "done"  # what the worker runs for the job's message
    job.refresh_from_db()
    [key] = s3.keys("media/reports/")
    assert key == f"media/{job.file.name}" and key.endswith(f"{job.content_hash}.pdf")

    client.force_login(people["officer"])
    response = client.get(f"/pdf/{job.pk}/tai-ve/")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body.startswith(b"%PDF-") and body == s3.read(key)
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'attachment; filename="{job.filename}"'
    client.force_login(people["foreign_reviewer"])
    assert client.get(f"/pdf/{job.pk}/tai-ve/").status_code == 404

    # The same data again: linked to the object in the store, nothing rendered; the bulk ZIP reads it from there.
    def no_render(kind, data):
        raise AssertionError("rendered again")

    monkeypatch.setattr(documents, "render_pdf", no_render)
    bulk = services.bulk_request(province=approved.ward.province, year=approved.year, user=people["leader"])
    tasks.fan_out_bulk(bulk.pk)
    [again] = bulk.jobs.all()
    assert tasks.render_job(again.pk) == "done"
    again.refresh_from_db()
    assert again.file.name == job.file.name and s3.keys("media/reports/") == [key]
    client.force_login(people["leader"])
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/hang-loat/{bulk.pk}/zip/").content))
    assert archive.read(again.filename) == body

    # The object lost: the download says so, and the next request renders it into the store again.
    monkeypatch.undo()
    s3.client.delete_object(Bucket=s3.name, Key=key)
    client.force_login(people["officer"])
    assert client.get(f"/pdf/{job.pk}/tai-ve/").status_code == 404
    fresh = services.dossier_request(assessment=approved, user=people["officer"])
    assert tasks.render_job(fresh.pk) == "done"
    fresh.refresh_from_db()
    assert fresh.status == RenderJob.Status.DONE and s3.keys("media/reports/") == [key]
