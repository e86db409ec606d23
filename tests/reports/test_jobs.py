"""Render jobs: reuse by content, the status guard, failures and retries, a down broker, bulk, a real worker."""

import io
import zipfile

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.exceptions import PermissionDenied

from modelphuong.celery import app as celery_app
from reports import documents, services, tasks
from reports.models import RenderJob
from tests.factories import AssessmentFactory, WardFactory, fill_assessment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_once")]
Status = RenderJob.Status


def run(job):
    """What a worker does with the job's message."""
    result = tasks.render_job(job.pk)
    job.refresh_from_db()
    return result


def fan_out(bulk):
    """What a worker does with the bulk export's fan-out message: a job per dossier."""
    tasks.fan_out_bulk(bulk.pk)
    bulk.refresh_from_db()
    return bulk


def no_render(kind, data):
    raise AssertionError("rendered, where the file of an identical finished job was there to link to")


def test_a_request_creates_a_queued_job_that_a_worker_renders(approved, people):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    assert job.status == Status.QUEUED and job.content_hash == ""  # the worker builds and hashes the data
    assert run(job) == "done"
    assert job.status == Status.DONE and len(job.content_hash) == 64 and job.pages >= 5 and job.size > 10_000
    assert job.started_at <= job.finished_at and job.attempts == 1
    with job.file.open("rb") as f:
        assert f.read(5) == b"%PDF-"


def test_identical_data_reuses_the_file_and_changed_data_makes_a_new_one(approved, people, monkeypatch):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    assert services.dossier_request(assessment=approved, user=people["leader"]).pk == job.pk  # still queued: joined
    run(job)
    # Done: a new request is a new job (only the worker knows whether the data changed), and the worker links
    # it to the identical file instead of rendering.
    again = services.dossier_request(assessment=approved, user=people["leader"])
    assert again.pk != job.pk and again.status == Status.QUEUED
    monkeypatch.setattr(documents, "render_pdf", no_render)
    assert run(again) == "done"
    assert again.content_hash == job.content_hash and again.file.name == job.file.name
    assert (again.size, again.pages) == (job.size, job.pages)
    monkeypatch.undo()
    approved.values.filter(indicator__code="6.1").update(count=5)
    changed = services.dossier_request(assessment=approved, user=people["officer"])
    assert run(changed) == "done"
    assert changed.content_hash != job.content_hash and changed.file.name != job.file.name


def test_the_status_guard_makes_the_task_idempotent(approved, people):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    assert run(job) == "done"
    file_name = job.file.name
    assert run(job) == "skipped"  # a second delivery of the same message does nothing
    assert job.file.name == file_name and job.attempts == 1


def test_a_render_that_crashes_marks_the_job_failed_and_a_retry_succeeds(approved, people, monkeypatch):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    real = documents.render_pdf

    def broken(kind, data):
        raise ValueError("font table corrupt")

    monkeypatch.setattr(documents, "render_pdf", broken)
    assert run(job) == "failed"
    assert job.status == Status.FAILED and "font table corrupt" in job.error_detail and job.finished_at
    monkeypatch.setattr(documents, "render_pdf", real)
    services.job_retry(job=job, user=people["officer"])
    job.refresh_from_db()
    assert job.status == Status.QUEUED and job.error == ""
    assert run(job) == "done" and job.attempts == 2


def test_only_failed_jobs_can_be_retried(approved, people):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    with pytest.raises(PermissionDenied):
        services.job_retry(job=job, user=people["officer"])


def test_failed_job_page_offers_a_retry(client, approved, people, monkeypatch):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    monkeypatch.setattr(documents, "render_pdf", lambda kind, data: 1 / 0)
    run(job)
    client.force_login(people["officer"])
    page = client.get(f"/pdf/{job.pk}/").content.decode()
    assert "Xuất tệp bị lỗi" in page and 'id="retry"' in page
    assert client.post(f"/pdf/{job.pk}/chay-lai/").status_code == 302
    job.refresh_from_db()
    assert job.status == Status.QUEUED


def test_when_the_broker_is_down_the_request_is_kept_and_sent_later(
    client, approved, people, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(people["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ho-so/{approved.pk}/pdf/")
    assert response.status_code == 302  # no 500 for the user
    job = RenderJob.objects.get(document=None)
    assert job.status == Status.QUEUED and job.sent_at is None
    assert "sẽ tự gửi lại" in client.get(response.url).content.decode()
    assert services.sweep() == 0  # still down: still kept
    broker_down()  # the broker is back
    issued = RenderJob.objects.exclude(document=None).count()  # the approval's documents, also never sent
    assert services.sweep() == 1 + issued
    job.refresh_from_db()
    assert job.sent_at is not None
    assert run(job) == "done"


def test_bulk_renders_every_dossier_of_the_province_year_and_zips_them(
    client, approved, people, criteria_set, monkeypatch
):
    others = [
        AssessmentFactory(ward=WardFactory(district=approved.ward.district), criteria_set=criteria_set)
        for _ in range(2)
    ]
    for a in others:
        fill_assessment(a)
    bulk = services.bulk_request(province=approved.ward.province, year=2026, user=people["leader"])
    assert bulk.total == 3 and not bulk.jobs.exists()  # the request only counts; the fan-out task makes the jobs
    client.force_login(people["leader"])

    def progress():
        return " ".join(client.get(f"/hang-loat/{bulk.pk}/").content.decode().split())

    assert "Đã xong <strong>0</strong> trên <strong>3</strong> hồ sơ" in progress()
    jobs = list(fan_out(bulk).jobs.all())
    assert len(jobs) == 3
    assert "Đã xong <strong>0</strong> trên <strong>3</strong> hồ sơ" in progress()
    for job in jobs:
        run(job)
    page = " ".join(client.get(f"/hang-loat/{bulk.pk}/").content.decode().split())
    assert "Đã xong <strong>3</strong> trên <strong>3</strong> hồ sơ" in page
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/hang-loat/{bulk.pk}/zip/").content))
    assert len(archive.namelist()) == 3 and all(n.endswith(".pdf") for n in archive.namelist())
    # A second bulk request for unchanged data reuses every file: its jobs link to them without rendering.
    again = fan_out(services.bulk_request(province=approved.ward.province, year=2026, user=people["leader"]))
    monkeypatch.setattr(documents, "render_pdf", no_render)
    for job in again.jobs.all():
        assert run(job) == "done"
    assert set(again.jobs.values_list("file", flat=True)) == {j.file.name for j in jobs}


def test_bulk_lists_failures(client, approved, people, monkeypatch):
    bulk = fan_out(services.bulk_request(province=approved.ward.province, year=2026, user=people["leader"]))
    monkeypatch.setattr(documents, "render_pdf", lambda kind, data: 1 / 0)
    for job in bulk.jobs.all():
        run(job)
    client.force_login(people["leader"])
    page = client.get(f"/hang-loat/{bulk.pk}/").content.decode()
    assert "1 lỗi" in page and "Phường Cái Khế" in page


def test_a_failed_render_tells_users_in_vietnamese_and_only_administrators_see_the_exception(
    client, approved, people, monkeypatch, caplog
):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    bulk = fan_out(services.bulk_request(province=approved.ward.province, year=2026, user=people["leader"]))
    assert list(bulk.jobs.all()) == [job]  # the dossier already waiting for a worker is joined, not asked twice

    def broken(kind, data):
        raise ZeroDivisionError("division by zero in the chart code")

    monkeypatch.setattr(documents, "render_pdf", broken)
    run(job)
    assert "division by zero in the chart code" in caplog.text  # the log keeps the detail
    for user, page in [
        ("officer", f"/pdf/{job.pk}/"),
        ("leader", f"/pdf/{job.pk}/"),
        ("leader", f"/hang-loat/{bulk.pk}/"),
    ]:
        client.force_login(people[user])
        text = client.get(page).content.decode()
        assert "lỗi của hệ thống" in text and "quản trị viên" in text, (user, page)
        assert "ZeroDivisionError" not in text and "division by zero" not in text, (user, page)
    client.force_login(people["admin"])
    for page in (f"/pdf/{job.pk}/", f"/hang-loat/{bulk.pk}/"):
        assert "ZeroDivisionError: division by zero in the chart code" in client.get(page).content.decode(), page


def test_the_task_has_time_limits_and_acks_late():
    task = celery_app.tasks["reports.tasks.render_job"]
    assert task.acks_late and task.soft_time_limit and task.time_limit > task.soft_time_limit


@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_renders_a_dossier_through_the_broker(criteria_set, people, assessment):
    """Through Redis when REDIS_URL is set (as in CI); through the embedded filesystem broker otherwise."""
    fill_assessment(assessment)
    celery_app.control.purge() if celery_app.conf.broker_url.startswith("redis") else None
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        job = services.dossier_request(assessment=assessment, user=people["officer"])
        assert job.sent_at is None
        # on_commit ran at the end of the request's atomic block (no test transaction here)
        job.refresh_from_db()
        assert job.sent_at is not None
        import time

        deadline = time.monotonic() + 60
        while job.status not in (Status.DONE, Status.FAILED) and time.monotonic() < deadline:
            time.sleep(0.3)
            job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    assert job.pages >= 5


@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_fans_a_bulk_export_out_and_renders_every_dossier(criteria_set, people, assessment):
    """The fan-out task and the render tasks it sends, all through the broker and the render queue."""
    import time

    others = [AssessmentFactory(ward=WardFactory(district=assessment.ward.district), criteria_set=criteria_set)]
    for a in (assessment, *others):
        fill_assessment(a)
    celery_app.control.purge() if celery_app.conf.broker_url.startswith("redis") else None
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        bulk = services.bulk_request(province=assessment.ward.province, year=2026, user=people["leader"])
        bulk.refresh_from_db()
        assert bulk.sent_at is not None and bulk.total == 2
        deadline = time.monotonic() + 90
        while not services.bulk_progress(bulk).finished and time.monotonic() < deadline:
            time.sleep(0.3)
            bulk.refresh_from_db()
    progress = services.bulk_progress(bulk)
    assert progress.finished and progress.done == 2 and not progress.failed


def test_a_job_whose_worker_died_is_requeued_by_the_sweep(approved, people):
    import datetime

    from django.utils import timezone

    job = services.dossier_request(assessment=approved, user=people["officer"])
    lost = timezone.now() - datetime.timedelta(minutes=30)
    RenderJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, started_at=lost, sent_at=lost)
    assert services.dossier_request(assessment=approved, user=people["officer"]).pk == job.pk
    # the approval's issued documents, whose jobs a test's rolled-back transaction never sent, go with it
    issued = RenderJob.objects.exclude(document=None).filter(sent_at=None).count()
    assert services.sweep() == 1 + issued
    job.refresh_from_db()
    assert job.status == Status.QUEUED and job.sent_at is not None
    assert run(job) == "done"


def test_a_redelivered_message_for_a_lost_running_job_is_claimed_again(approved, people):
    import datetime

    from django.utils import timezone

    job = services.dossier_request(assessment=approved, user=people["officer"])
    RenderJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, started_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    assert run(job) == "done"
    fresh = services.dossier_request(assessment=approved, user=people["officer"])
    RenderJob.objects.filter(pk=fresh.pk).update(status=Status.RUNNING, started_at=timezone.now())
    assert run(fresh) == "skipped"  # a live run under another message: never twice


def test_transient_errors_retry_and_then_fail_the_job(approved, people, monkeypatch):
    from django.db import OperationalError

    job = services.dossier_request(assessment=approved, user=people["officer"])

    def flaky(kind, data):
        raise OperationalError("database is locked")

    monkeypatch.setattr(documents, "render_pdf", flaky)
    result = tasks.render_job.apply(args=[job.pk], retries=tasks.render_job.max_retries)
    assert result.result == "failed"
    job.refresh_from_db()
    assert job.status == Status.FAILED and "database is locked" in job.error_detail


def test_a_done_job_whose_file_is_gone_is_rendered_again(client, approved, people, monkeypatch):
    job = services.dossier_request(assessment=approved, user=people["officer"])
    run(job)
    bulk = fan_out(services.bulk_request(province=approved.ward.province, year=2026, user=people["leader"]))
    [linked] = bulk.jobs.all()
    assert run(linked) == "done" and linked.file.name == job.file.name
    job.file.storage.delete(job.file.name)
    client.force_login(people["leader"])
    response = client.get(f"/hang-loat/{bulk.pk}/zip/")
    assert response.status_code == 200  # no 500: the missing file is left out, and named
    assert (
        "tệp không còn trên máy chủ"
        in zipfile.ZipFile(io.BytesIO(response.content)).read(services.MISSING_LIST).decode()
    )
    assert client.get(f"/pdf/{job.pk}/tai-ve/").status_code == 404
    again = services.dossier_request(assessment=approved, user=people["officer"])
    assert again.pk != job.pk and again.status == Status.QUEUED
    rendered = []
    real = documents.render_pdf
    monkeypatch.setattr(documents, "render_pdf", lambda kind, data: rendered.append(kind) or real(kind, data))
    assert run(again) == "done" and rendered == ["dossier"]  # the identical job's file is gone: rendered anew
    assert again.file.storage.exists(again.file.name)


def test_the_bulk_zip_is_offered_only_once_every_dossier_is_finished_and_a_partial_one_says_what_is_missing(
    client, approved, people, criteria_set, monkeypatch
):
    others = [
        AssessmentFactory(ward=WardFactory(district=approved.ward.district, name=name), criteria_set=criteria_set)
        for name in ("An Hòa", "Bình Thủy")
    ]
    for a in others:
        fill_assessment(a)
    bulk = fan_out(services.bulk_request(province=approved.ward.province, year=2026, user=people["leader"]))
    jobs = {j.assessment.ward.name: j for j in bulk.jobs.select_related("assessment__ward")}
    client.force_login(people["leader"])
    run(jobs["Cái Khế"])
    page = client.get(f"/hang-loat/{bulk.pk}/").content.decode()
    assert 'id="zip"' not in page and 'id="zip-later"' in page  # 1 of 3 done: no ZIP yet
    response = client.get(f"/hang-loat/{bulk.pk}/zip/", follow=True)
    assert response.redirect_chain and response.get("Content-Type", "").startswith("text/html")
    assert "2 hồ sơ chưa xuất xong" in response.content.decode()

    run(jobs["An Hòa"])
    monkeypatch.setattr(documents, "render_pdf", lambda kind, data: 1 / 0)
    run(jobs["Bình Thủy"])
    page = " ".join(client.get(f"/hang-loat/{bulk.pk}/").content.decode().split())
    assert 'id="zip"' in page and "thiếu 1 hồ sơ" in page
    response = client.get(f"/hang-loat/{bulk.pk}/zip/")
    assert response["Content-Disposition"] == 'attachment; filename="ho-so-92-2026-thieu-1.zip"'.replace(
        "92", approved.ward.province.code
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(n for n in archive.namelist() if n.endswith(".pdf")) == sorted(
        jobs[w].filename for w in ("Cái Khế", "An Hòa")
    )
    missing = archive.read(services.MISSING_LIST).decode()
    assert "thiếu 1 trên 3 hồ sơ" in missing and "Phường Bình Thủy" in missing and "lỗi của hệ thống" in missing
