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
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from modelphuong.language import in_site_language
from reports import documents, national, signing
from reports.models import BulkRender, RenderJob
from reports.selectors import bulks_visible_to, jobs_visible_to, report_provinces, require_in_scope
from wards import access
from wards.collation import sort_key
from wards.models import Assessment, IssuedDocument, Province, in_province
from wards.selectors import assessments_visible_to
from wards.services import issuing

logger = logging.getLogger(__name__)
Status = RenderJob.Status
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
    if kind == RenderJob.Kind.NATIONAL_REPORT:
        return national.national_report_data(year)
    return documents.province_report_data(province, year)


def _will_read_fresh_data(now) -> Q:
    """Jobs that will build their document's data from now on: queued ones, and ones whose worker is gone (they
    start over when claimed again). A job running now may have read the data before a change its reader just
    made, so a new request does not join it."""
    return Q(status=Status.QUEUED) | _stale_running(now)


def _request(kind, user, **target) -> RenderJob:
    """The job for this document: one already waiting for a worker, or a new one handed to the broker once the
    transaction commits. A constant few queries whatever the document's size: the data is built (and hashed)
    by the worker, which links to an identical finished file instead of rendering it again."""
    job = (
        RenderJob.objects.filter(_will_read_fresh_data(timezone.now()), kind=kind, **target)
        .order_by("-created_at")
        .first()
    )
    if job is None:
        job = RenderJob.objects.create(kind=kind, requested_by=user, **target)
        transaction.on_commit(lambda: send_jobs([job.pk]))
    return job


@transaction.atomic
def dossier_request(*, assessment: Assessment, user) -> RenderJob:
    """Ask for an assessment's dossier; unchanged data gives the file already made (the worker finds it).
    Refuses a user who may not read the assessment."""
    require_in_scope(assessments_visible_to(user=user), assessment)
    return _request(RenderJob.Kind.DOSSIER, user, assessment=assessment)


@transaction.atomic
def report_request(*, province: Province, year: int, user) -> RenderJob:
    """Ask for a province's yearly report; unchanged data gives the file already made (the worker finds it).
    Refuses a user who may not read the province's reports."""
    require_in_scope(report_provinces(user), province)
    return _request(RenderJob.Kind.PROVINCE_REPORT, user, province=province, year=year)


@transaction.atomic
def national_report_request(*, year: int, user) -> RenderJob:
    """Ask for the national report of a year; unchanged data gives the file already made (the worker finds it).
    Refuses a user who may not read the national view."""
    access.require(user, access.Action.READ_NATIONAL)
    return _request(RenderJob.Kind.NATIONAL_REPORT, user, year=year)


ISSUED_KINDS = {
    IssuedDocument.Kind.DECISION: RenderJob.Kind.DECISION,
    IssuedDocument.Kind.DOSSIER: RenderJob.Kind.SIGNED_DOSSIER,
}


def issued_documents_queue(sender, *, documents, **kwargs) -> list[RenderJob]:
    """A job per document just issued (the approval's transaction, wards.signals.documents_issued), handed to the
    broker once it commits: the worker renders the document, signs it by the province's certificate and stores the
    signed file. The job belongs to the approver who issued it."""
    jobs = RenderJob.objects.bulk_create(
        RenderJob(
            kind=ISSUED_KINDS[d.kind],
            document=d,
            assessment_id=d.assessment_id,
            province_id=d.province_id,
            year=d.year,
            requested_by_id=d.issued_by_id,
        )
        for d in documents
    )
    ids = [job.pk for job in jobs]
    transaction.on_commit(lambda: send_jobs(ids))
    return jobs


def _assessments_of(province, year):
    return Assessment.objects.filter(in_province(province, "ward__"), year=year)


@transaction.atomic
def bulk_request(*, province: Province, year: int, user) -> BulkRender:
    """Every dossier of a province-year: the export, counted, and one task that makes a job per dossier
    (bulk_fan_out). Refuses a user who may not read the province's reports."""
    require_in_scope(report_provinces(user), province)
    bulk = BulkRender.objects.create(
        province=province, year=year, requested_by=user, total=_assessments_of(province, year).count()
    )
    transaction.on_commit(lambda: send_fan_outs([bulk.pk]))
    return bulk


def bulk_fan_out(bulk_id: int) -> int:
    """The fan-out task's work: a job per dossier of the export (joining one already waiting for a worker), and a
    render task for each new one. Runs once per export: a second delivery finds it done. Returns how many
    render tasks were handed to the broker."""
    with transaction.atomic():
        bulk = BulkRender.objects.select_for_update().filter(pk=bulk_id, fanned_out_at__isnull=True).first()
        if bulk is None:
            return 0
        now = timezone.now()
        assessments = _assessments_of(bulk.province_id, bulk.year)
        ids = list(assessments.values_list("pk", flat=True))
        waiting = RenderJob.objects.filter(
            _will_read_fresh_data(now), kind=RenderJob.Kind.DOSSIER, assessment__in=assessments
        ).order_by("created_at")
        joined = {job.assessment_id: job.pk for job in waiting.only("pk", "assessment_id")}  # the newest wins
        new = RenderJob.objects.bulk_create(
            RenderJob(kind=RenderJob.Kind.DOSSIER, assessment_id=pk, requested_by_id=bulk.requested_by_id)
            for pk in ids
            if pk not in joined
        )
        new_ids = [job.pk for job in new]
        link = RenderJob.batch.through
        link.objects.bulk_create(link(renderjob_id=pk, bulkrender_id=bulk.pk) for pk in [*joined.values(), *new_ids])
        BulkRender.objects.filter(pk=bulk.pk).update(total=len(ids), fanned_out_at=now)
    return send_jobs(new_ids, as_group=True) if new_ids else 0


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


def send_fan_outs(bulk_ids: list[int]) -> int:
    """Hand bulk exports' fan-out tasks to the broker; as send_jobs, an unreachable broker leaves them to the
    sweep. Returns how many were sent."""
    from reports.tasks import fan_out_bulk

    sent = []
    try:
        for pk in bulk_ids:
            fan_out_bulk.delay(pk)
            sent.append(pk)
    except Exception:  # any broker failure: keep the request, the sweep retries
        logger.warning(
            "Broker unreachable; %d bulk exports left for the sweep", len(bulk_ids) - len(sent), exc_info=True
        )
    if sent:
        BulkRender.objects.filter(pk__in=sent).update(sent_at=timezone.now())
    return len(sent)


def sweep(*, now=None) -> int:
    """Send queued jobs (and bulk exports' fan-out tasks) the broker never got or lost, and requeue jobs whose
    worker died mid-render. Returns how many tasks were sent."""
    now = now or timezone.now()
    RenderJob.objects.filter(_stale_running(now)).update(status=Status.QUEUED, sent_at=None, started_at=None)
    waiting = RenderJob.objects.filter(
        Q(status=Status.QUEUED) & (Q(sent_at__isnull=True) | Q(sent_at__lt=now - RESEND_AFTER))
    )
    ids = list(waiting.values_list("pk", flat=True)[:500])
    sent = send_jobs(ids) if ids else 0
    # Exports whose fan-out task the broker never took, or took long ago without a worker running it to the end.
    bulks = BulkRender.objects.filter(
        Q(fanned_out_at__isnull=True) & (Q(sent_at__isnull=True) | Q(sent_at__lt=now - RESEND_AFTER))
    )
    bulk_ids = list(bulks.values_list("pk", flat=True)[:100])
    return sent + (send_fan_outs(bulk_ids) if bulk_ids else 0)


def job_retry(*, job: RenderJob, user) -> RenderJob:
    """Queue a failed job again, or send again one that has waited long without starting.
    Refuses jobs that are done, running or only just sent, and users who may not read the job's document."""
    require_in_scope(jobs_visible_to(user), job)
    if (
        job.document_id
        and not access.can(user, access.Action.ISSUE_DECISIONS)
        and not access.can(user, access.Action.SEE_ERROR_DETAILS)
    ):
        # Running it again signs by the province's certificate in the approver's name: theirs (or an administrator's).
        raise PermissionDenied(_("Chỉ lãnh đạo phê duyệt hoặc quản trị chạy lại được việc ký số."))
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
    return RenderJob.objects.select_related(
        "assessment__ward", "province", "document__province", "document__assessment__ward"
    ).get(pk=job_id)


class DocumentWithdrawn(Exception):
    """The document to sign was revoked or replaced before it was signed: it is never issued."""

    def __init__(self, document):
        super().__init__(
            _("Văn bản %(number)s đã bị thu hồi hoặc thay thế trước khi được ký số; văn bản này không được phát hành.")
            % {"number": document.number}
        )


def _issued_render(job: RenderJob) -> RenderJob:
    """An issued document's job: rendered, signed by the province's certificate (reports.signing), stored under
    the signed file's SHA-256, and only then issued (the document's sha256 set, its signing in the audit trail).
    A signing that cannot be done as configured fails the job with the reason (SigningError)."""
    from reports import issued

    document = job.document
    document.refresh_from_db()
    if document.revoked_at or document.superseded_by_id:
        # Reopened (or approved again) before the worker came to it: what it would show is no longer what was
        # approved, and a revoked document is never issued.
        raise DocumentWithdrawn(document)
    signed = issued.render_signed(document)
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.sha256:  # another delivery of the job signed it first (a worker taken over late): its file stands
            logger.warning("Issued document %s already signed; this run's signature is dropped", document.pk)
            return RenderJob.objects.get(pk=job.pk)
        if locked.revoked_at or locked.superseded_by_id:  # reopened while it was being signed
            raise DocumentWithdrawn(locked)
        job.content_hash = signed.sha256
        job.file.save(f"{signed.sha256}.pdf", ContentFile(signed.data), save=False)
        job.size, job.pages = len(signed.data), signing.page_count(signed.data)
        job.status, job.finished_at, job.error, job.error_detail = Status.DONE, timezone.now(), "", ""
        job.save(
            update_fields=["content_hash", "file", "size", "pages", "status", "finished_at", "error", "error_detail"]
        )
        locked.sha256, locked.signed_at = signed.sha256, signed.signed_at or timezone.now()
        locked.certificate_name = signed.certificate_name
        locked.save(update_fields=["sha256", "signed_at", "certificate_name"])
        issuing.document_signed(locked)
        job.document = locked
    return job


@in_site_language
def job_render(job: RenderJob) -> RenderJob:
    """A claimed job's document from the current data, stored under its content hash: the file of an identical
    finished job when it is still in storage, a new render otherwise (also when that file went missing). An issued
    document is rendered and signed (_issued_render)."""
    if job.document_id:
        return _issued_render(job)
    data = _data_for(job.kind, assessment=job.assessment, province=job.province, year=job.year)
    job.content_hash = documents.content_hash(job.kind, data)
    twin = (
        RenderJob.objects.filter(
            kind=job.kind,
            content_hash=job.content_hash,
            status=Status.DONE,
            assessment=job.assessment_id,
            province=job.province_id,
            year=job.year,
        )
        .exclude(pk=job.pk)
        .exclude(file="")
        .order_by("-finished_at")
        .first()
    )
    if twin is not None and _file_present(twin):
        job.file, job.size, job.pages = twin.file.name, twin.size, twin.pages
    else:
        pdf, pages = documents.render_pdf(job.kind, data)
        job.file.save(f"{job.content_hash}.pdf", ContentFile(pdf), save=False)
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
    total: int  # dossiers in the export, known from the request on
    fanned_out: bool  # whether the fan-out task has made their jobs
    done: int = 0
    pending: int = 0  # queued or running; before the fan-out, every dossier
    unsent: int = 0  # queued, and the broker has not taken them (or the fan-out task) yet
    failed: list[RenderJob] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.fanned_out and not self.pending


def bulk_progress(bulk: BulkRender) -> BulkProgress:
    """Where a bulk request's dossiers stand: counted in SQL, the failed ones listed by ward name."""
    if bulk.fanned_out_at is None:
        return BulkProgress(
            bulk.total, fanned_out=False, pending=bulk.total, unsent=bulk.total if bulk.sent_at is None else 0
        )
    counts = bulk.jobs.aggregate(
        done=Count("pk", filter=Q(status=Status.DONE)),
        pending=Count("pk", filter=Q(status__in=(Status.QUEUED, Status.RUNNING))),
        unsent=Count("pk", filter=Q(status=Status.QUEUED, sent_at__isnull=True)),
    )
    failed = (
        bulk.jobs.filter(status=Status.FAILED).select_related("assessment__ward").order_by("assessment__ward__name")
    )
    return BulkProgress(bulk.total, fanned_out=True, failed=list(failed), **counts)


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
        raise BulkUnfinished(progress.pending)
    missing = [f"Phường {job.assessment.ward.name}: {job.error or 'bị lỗi'}" for job in progress.failed]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for job in bulk.jobs.filter(status=Status.DONE).select_related("assessment__ward").order_by("pk"):
            try:
                with job.file.open("rb") as f:
                    archive.writestr(job.filename, f.read())
            except (FileNotFoundError, ValueError):
                # asking for the dossier again renders it anew
                missing.append(f"Phường {job.assessment.ward.name}: tệp không còn trên máy chủ, hãy xuất lại")
        if missing:
            lines = [
                f"Tệp ZIP này thiếu {len(missing)} trên {progress.total} hồ sơ của {bulk.province.name}, "
                f"năm {bulk.year}:",
                *(f"- {line}" for line in sorted(missing, key=sort_key)),
            ]
            archive.writestr(MISSING_LIST, "\r\n".join(lines) + "\r\n")
    return BulkArchive(buffer.getvalue(), sorted(missing, key=sort_key))
