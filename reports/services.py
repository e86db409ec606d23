"""Requests for rendered documents: create or reuse a job, hand it to Celery, render it, retry it."""

import io
import logging
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

from celery import group
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from modelphuong.language import in_site_language
from reports import documents
from reports.models import BulkRender, RenderJob
from reports.selectors import bulks_visible_to, jobs_visible_to, report_provinces, require_in_scope
from wards.collation import sort_key
from wards.models import Assessment, Province, in_province
from wards.selectors import assessments_visible_to

logger = logging.getLogger(__name__)
Status = RenderJob.Status
IN_FORCE = (Status.QUEUED, Status.RUNNING, Status.DONE)
RESEND_AFTER = timedelta(minutes=10)
# A queued job the broker took this long ago and no worker started: the page says so and offers to send it
# again (a busy queue looks the same as a lost message; a second message is harmless, the status guard
# runs the job once).
WAITING_AFTER = timedelta(minutes=2)
# A job still "running" after the task's hard time limit lost its worker: it may be claimed again.
STALE_AFTER = timedelta(minutes=6)


def _stale_running(now):
    return Q(status=Status.RUNNING, started_at__lt=now - STALE_AFTER)


def _waiting(now):
    return Q(status=Status.QUEUED, sent_at__lt=now - WAITING_AFTER)


def job_waiting(job: RenderJob, *, now=None) -> bool:
    """Whether a queued job was handed to the broker a while ago and has not started."""
    now = now or timezone.now()
    return job.status == Status.QUEUED and job.sent_at is not None and job.sent_at < now - WAITING_AFTER


def _file_present(job: RenderJob) -> bool:
    return bool(job.file) and job.file.storage.exists(job.file.name)


@in_site_language
def _data_for(kind: str, *, assessment=None, province=None, year=None) -> dict:
    """A document's data, in the site's language whoever asks: the PDF is Vietnamese, and the same content
    gives the same hash (and file) for every reader."""
    if kind == RenderJob.Kind.DOSSIER:
        return documents.dossier_data(assessment)
    return documents.province_report_data(province, year)


def _job_for(kind, user, *, assessment=None, province=None, year=None) -> tuple[RenderJob, bool]:
    """The job for this content: an existing one with the same hash (queued, running or done) or a new one."""
    data = _data_for(kind, assessment=assessment, province=province, year=year)
    digest = documents.content_hash(kind, data)
    existing = (
        RenderJob.objects.filter(
            kind=kind, content_hash=digest, status__in=IN_FORCE, assessment=assessment, province=province, year=year
        )
        .order_by("-created_at")
        .first()
    )
    if existing and existing.status == Status.DONE and not _file_present(existing):
        # The file went missing (storage restored from an old backup, say): forget it and render again.
        job_fail(existing.pk, "Tệp không còn trên máy chủ.")
        existing = None
    if existing:
        return existing, False
    job = RenderJob.objects.create(
        kind=kind,
        assessment=assessment,
        province=province,
        year=year,
        content_hash=digest,
        requested_by=user,
    )
    return job, True


def _request(kind, user, **target) -> RenderJob:
    job, created = _job_for(kind, user, **target)
    if created:
        transaction.on_commit(lambda: send_jobs([job.pk]))
    return job


@transaction.atomic
def dossier_request(*, assessment: Assessment, user) -> RenderJob:
    """Ask for an assessment's dossier; unchanged data gives back the job (and file) already made.
    Refuses a user who may not read the assessment."""
    require_in_scope(assessments_visible_to(user=user), assessment)
    return _request(RenderJob.Kind.DOSSIER, user, assessment=assessment)


@transaction.atomic
def report_request(*, province: Province, year: int, user) -> RenderJob:
    """Ask for a province's yearly report; unchanged data gives back the job (and file) already made.
    Refuses a user who may not read the province's reports."""
    require_in_scope(report_provinces(user), province)
    return _request(RenderJob.Kind.PROVINCE_REPORT, user, province=province, year=year)


@transaction.atomic
def bulk_request(*, province: Province, year: int, user) -> BulkRender:
    """Every dossier of a province-year, rendered as one Celery group; unchanged dossiers are reused.
    Refuses a user who may not read the province's reports."""
    require_in_scope(report_provinces(user), province)
    bulk = BulkRender.objects.create(province=province, year=year, requested_by=user)
    new = []
    assessments = Assessment.objects.filter(in_province(province, "ward__"), year=year).select_related(
        "ward__province", "ward__district", "criteria_set", "submitted_by", "reviewer"
    )
    for assessment in assessments:
        job, created = _job_for(RenderJob.Kind.DOSSIER, user, assessment=assessment)
        bulk.jobs.add(job)
        if created:
            new.append(job.pk)
    if new:
        transaction.on_commit(lambda: send_jobs(new, as_group=True))
    return bulk


def send_jobs(job_ids: list[int], *, as_group: bool = False) -> int:
    """Hand jobs to the broker. When it is unreachable nothing fails: the jobs stay unsent and the
    periodic sweep sends them later. Returns how many were sent."""
    from reports.tasks import render_job

    try:
        if as_group:
            group(render_job.s(pk) for pk in job_ids).apply_async()
        else:
            for pk in job_ids:
                render_job.delay(pk)
    except Exception:  # any broker failure: keep the request, the sweep retries
        logger.warning("Broker unreachable; %d render jobs left for the sweep", len(job_ids), exc_info=True)
        return 0
    RenderJob.objects.filter(pk__in=job_ids).update(sent_at=timezone.now())
    return len(job_ids)


def sweep(*, now=None) -> int:
    """Send queued jobs the broker never got or lost, and requeue jobs whose worker died mid-render."""
    now = now or timezone.now()
    RenderJob.objects.filter(_stale_running(now)).update(status=Status.QUEUED, sent_at=None, started_at=None)
    waiting = RenderJob.objects.filter(
        Q(status=Status.QUEUED) & (Q(sent_at__isnull=True) | Q(sent_at__lt=now - RESEND_AFTER))
    )
    ids = list(waiting.values_list("pk", flat=True)[:500])
    return send_jobs(ids) if ids else 0


def job_retry(*, job: RenderJob, user) -> RenderJob:
    """Queue a failed job again, or send again one that has waited long without starting.
    Refuses jobs that are done, running or only just sent, and users who may not read the job's document."""
    require_in_scope(jobs_visible_to(user), job)
    now = timezone.now()
    retryable = Q(status=Status.FAILED) | _stale_running(now) | _waiting(now)
    if not RenderJob.objects.filter(retryable, pk=job.pk).exists():
        raise PermissionDenied(_("Chỉ chạy lại được yêu cầu bị lỗi hoặc chờ quá lâu."))
    with transaction.atomic():
        updated = RenderJob.objects.filter(retryable, pk=job.pk).update(
            status=Status.QUEUED, error="", error_detail="", sent_at=None, started_at=None, finished_at=None
        )
        if updated:
            transaction.on_commit(lambda: send_jobs([job.pk]))
    job.refresh_from_db()
    return job


def job_claim(job_id: int, *, token: str = "") -> RenderJob | None:
    """The status guard: a job runs only if it moves to running here, once per delivery.
    Claims a queued job, one whose run outlived any time limit, and, given the token (Celery task id) of
    the delivery that claimed it, a job that delivery left running: the broker delivers a message again
    only once its last delivery is over. Refuses a job that is done, failed or running under another."""
    now = timezone.now()
    claimable = Q(status=Status.QUEUED) | _stale_running(now)
    if token:
        claimable |= Q(status=Status.RUNNING, run_token=token)
    claimed = RenderJob.objects.filter(claimable, pk=job_id).update(
        status=Status.RUNNING, started_at=now, run_token=token, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return None
    return RenderJob.objects.select_related("assessment__ward", "province").get(pk=job_id)


@in_site_language
def job_render(job: RenderJob) -> RenderJob:
    """Render a claimed job's document from the current data and store it under its content hash."""
    data = _data_for(job.kind, assessment=job.assessment, province=job.province, year=job.year)
    digest = documents.content_hash(job.kind, data)
    pdf, pages = documents.render_pdf(job.kind, data)
    job.content_hash = digest
    job.file.save(f"{digest}.pdf", ContentFile(pdf), save=False)
    job.size, job.pages = len(pdf), pages
    job.status, job.finished_at, job.error, job.error_detail = Status.DONE, timezone.now(), "", ""
    job.save(update_fields=["content_hash", "file", "size", "pages", "status", "finished_at", "error", "error_detail"])
    return job


def job_fail(job_id: int, error: str, *, detail: str = "") -> None:
    """Mark a job failed: `error` is what its page tells every reader, `detail` is for administrators."""
    RenderJob.objects.filter(pk=job_id).update(
        status=Status.FAILED, error=error[:4000], error_detail=detail[:4000], finished_at=timezone.now()
    )


def job_requeue(job_id: int) -> None:
    """Put a running job back in the queue before a retry (transient error)."""
    RenderJob.objects.filter(pk=job_id, status=Status.RUNNING).update(status=Status.QUEUED)


@dataclass
class BulkProgress:
    jobs: list[RenderJob]
    done: list[RenderJob] = field(default_factory=list)
    failed: list[RenderJob] = field(default_factory=list)
    pending: list[RenderJob] = field(default_factory=list)  # queued or running
    unsent: list[RenderJob] = field(default_factory=list)  # queued, and the broker has not taken them yet

    @property
    def finished(self) -> bool:
        return not self.pending


def bulk_progress(bulk: BulkRender) -> BulkProgress:
    """Where a bulk request's dossiers stand, by ward name."""
    progress = BulkProgress(list(bulk.jobs.select_related("assessment__ward").order_by("assessment__ward__name")))
    for job in progress.jobs:
        if job.status == Status.DONE:
            progress.done.append(job)
        elif job.status == Status.FAILED:
            progress.failed.append(job)
        else:
            progress.pending.append(job)
            if job.status == Status.QUEUED and job.sent_at is None:
                progress.unsent.append(job)
    return progress


class BulkUnfinished(Exception):
    """Some dossiers of the bulk request are still queued or running."""

    def __init__(self, pending: int):
        super().__init__(
            ngettext("%(pending)s hồ sơ chưa xuất xong", "%(pending)s hồ sơ chưa xuất xong", pending)
            % {"pending": pending}
        )
        self.pending = pending


@dataclass
class BulkArchive:
    content: bytes
    missing: list[str]  # one line per dossier left out, with why

    @property
    def partial(self) -> bool:
        return bool(self.missing)


MISSING_LIST = "DANH-SACH-HO-SO-THIEU.txt"


def bulk_zip(bulk: BulkRender, *, user) -> BulkArchive:
    """The dossiers of a finished bulk request in one ZIP; a dossier that failed (or whose file is gone) is
    named in a list inside the archive. Refuses (BulkUnfinished) while any is still queued or running, and
    users who may not read the province's reports."""
    require_in_scope(bulks_visible_to(user), bulk)
    progress = bulk_progress(bulk)
    if not progress.finished:
        raise BulkUnfinished(len(progress.pending))
    missing = [f"Phường {job.assessment.ward.name}: {job.error or 'bị lỗi'}" for job in progress.failed]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for job in progress.done:
            try:
                with job.file.open("rb") as f:
                    archive.writestr(job.filename, f.read())
            except (FileNotFoundError, ValueError):
                # asking for the dossier again renders it anew
                missing.append(f"Phường {job.assessment.ward.name}: tệp không còn trên máy chủ, hãy xuất lại")
        if missing:
            lines = [
                f"Tệp ZIP này thiếu {len(missing)} trên {len(progress.jobs)} hồ sơ của {bulk.province.name}, "
                f"năm {bulk.year}:",
                *(f"- {line}" for line in sorted(missing, key=sort_key)),
            ]
            archive.writestr(MISSING_LIST, "\r\n".join(lines) + "\r\n")
    return BulkArchive(buffer.getvalue(), sorted(missing, key=sort_key))
