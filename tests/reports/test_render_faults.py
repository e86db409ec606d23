"""Renders that are interrupted (a killed worker, a dropped database connection), lost or left without
their fonts: none stays "running" or "done" when it is not."""

import datetime
import io

import pytest
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from reports import documents, services, tasks
from reports.models import RenderJob

pytestmark = pytest.mark.django_db
Status = RenderJob.Status


class WorkerKilled(BaseException):
    """The process vanishes mid-render (SIGKILL, the OOM killer): no handler of the task runs."""


def test_a_redelivered_message_takes_over_the_job_its_dead_worker_left_running(approved, people, monkeypatch):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    real = documents.render_pdf

    def killed(kind, data):
        raise WorkerKilled

    monkeypatch.setattr(documents, "render_pdf", killed)
    with pytest.raises(WorkerKilled):
        tasks.render_job.apply(args=[job.pk], task_id="delivery-1")
    job.refresh_from_db()
    assert job.status == Status.RUNNING  # what the dead worker leaves behind

    monkeypatch.setattr(documents, "render_pdf", real)
    # Another message for the job (the sweep's, say) finds it running and leaves it alone ...
    assert tasks.render_job.apply(args=[job.pk], task_id="delivery-2").result == "skipped"
    # ... but the broker's redelivery of the very message the dead worker held takes it over at once.
    assert tasks.render_job.apply(args=[job.pk], task_id="delivery-1").result == "done"
    job.refresh_from_db()
    assert job.status == Status.DONE and job.attempts == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.needs_database_server
def test_a_render_whose_database_connection_dropped_is_requeued_and_retried(approved, people, monkeypatch):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    real = documents.render_pdf
    calls = []

    def connection_dropped(kind, data):
        calls.append(kind)
        if len(calls) == 1:
            with connection.cursor() as cursor:  # the server ends this worker's session mid-render
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return real(kind, data)

    monkeypatch.setattr(documents, "render_pdf", connection_dropped)
    try:
        result = tasks.render_job.apply(args=[job.pk], task_id="delivery-1")
    finally:
        connection.close()
    assert result.result == "done", result.traceback
    job.refresh_from_db()
    assert job.status == Status.DONE and len(calls) == 2


def test_a_queued_job_that_has_not_started_for_a_while_says_so_and_can_be_sent_again(
    client, approved, people, django_capture_on_commit_callbacks
):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    sent = timezone.now() - datetime.timedelta(minutes=4)
    RenderJob.objects.filter(pk=job.pk).update(sent_at=sent)
    client.force_login(people["officer"])
    page = " ".join(client.get(f"/pdf/{job.pk}/").content.decode().split())
    assert 'id="job-waiting"' in page and "chưa bắt đầu" in page
    resend = timezone.localtime(sent + services.RESEND_AFTER).strftime("%H:%M")
    assert f"tự gửi lại lúc {resend}" in page and 'id="resend"' in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/pdf/{job.pk}/chay-lai/").status_code == 302
    job.refresh_from_db()
    assert job.status == Status.QUEUED and job.sent_at > sent


def test_a_job_sent_a_moment_ago_shows_no_waiting_hint(client, approved, people):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    RenderJob.objects.filter(pk=job.pk).update(sent_at=timezone.now())
    client.force_login(people["officer"])
    assert 'id="job-waiting"' not in client.get(f"/pdf/{job.pk}/").content.decode()


def _fonts_in(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


@pytest.mark.parametrize("damage", ["missing", "broken"])
def test_a_render_without_its_fonts_fails_visibly_and_a_retry_succeeds_once_they_are_back(
    client, approved, people, monkeypatch, tmp_path, damage
):
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    if damage == "broken":
        for font in documents.FONT_DIR.glob("*.ttf"):
            (fonts / font.name).write_bytes(b"not a font")
    monkeypatch.setattr(documents, "FONT_DIR", fonts)
    job = services.dossier_request(assessment=approved, user=people["officer"])
    tasks.render_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED and not job.file
    assert "phông chữ" in job.error and "Tinos" in job.error_detail
    client.force_login(people["officer"])
    page = client.get(f"/pdf/{job.pk}/").content.decode()
    assert "phông chữ" in page and 'id="retry"' in page

    monkeypatch.undo()
    services.job_retry(job=job, user=people["officer"])
    tasks.render_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.DONE
    with job.file.open("rb") as f:
        assert _fonts_in(f.read()) >= {"Tinos", "Tinos-Bold"}
