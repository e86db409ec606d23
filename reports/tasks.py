"""Celery tasks for rendering: thin, idempotent, acked late, retried only on transient errors."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError, connections

from reports import documents, services, signing

logger = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
# What the job page says; the exception itself goes to the log and to administrators.
CRASHED = "Không xuất được tệp vì một lỗi của hệ thống. Lỗi đã được ghi lại cho quản trị viên; hãy bấm “Chạy lại”."
UNAVAILABLE = (
    "Không xuất được tệp: một dịch vụ của hệ thống tạm thời không trả lời (đã thử {tries} lần). "
    "Hãy bấm “Chạy lại” sau ít phút."
)
NO_FONTS = (
    "Không xuất được tệp: máy chủ thiếu phông chữ của mẫu in, tệp sẽ sai phông. Lỗi đã được ghi lại cho "
    "quản trị viên; hãy bấm “Chạy lại” khi phông chữ đã được cài lại."
)
SIGNING_FAILED = "Không ký số được văn bản: {reason} Hãy báo quản trị viên, rồi bấm “Chạy lại”."
TOO_LONG = "Quá thời gian xuất tệp (giới hạn 4 phút)."


def _detail(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _drop_connections() -> None:
    """After a database error the connection may be dead: close it, and the next query opens a new one.
    A connection inside a transaction is left alone: closing it would lose the caller's work."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()


@shared_task(bind=True, acks_late=True, max_retries=5, soft_time_limit=240, time_limit=300)
def render_job(self, job_id: int) -> str:
    """Render one job. A job that is not queued (done, failed, running under another message) is left alone;
    the message that claimed a job takes it back when the broker delivers it again (its worker died)."""
    job = services.job_claim(job_id, token=self.request.id or "")
    if job is None:
        return "skipped"
    if job.attempts > 1 and (self.request.delivery_info or {}).get("redelivered"):
        logger.warning("Render job %s: message redelivered, taking the job over from a lost worker", job_id)
    try:
        services.job_render(job)
    except TRANSIENT as exc:
        _drop_connections()
        if self.request.retries >= self.max_retries:
            services.job_fail(job_id, UNAVAILABLE.format(tries=self.max_retries + 1), detail=_detail(exc))
            return "failed"
        try:
            services.job_requeue(job_id)
        except TRANSIENT:  # the database is still away: the retry, with this task's id, takes the job over
            logger.warning("Render job %s: could not requeue before the retry", job_id, exc_info=True)
        raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc
    except SoftTimeLimitExceeded:
        services.job_fail(job_id, TOO_LONG)
        return "failed"
    except services.DocumentWithdrawn as exc:
        logger.info("Render job %s: %s", job_id, exc)
        services.job_fail(job_id, str(exc))
        return "failed"
    except signing.SigningError as exc:  # not configured, wrong password or PIN, token unplugged: say which
        logger.error("Render job %s: signing failed: %s", job_id, exc)
        services.job_fail(job_id, SIGNING_FAILED.format(reason=exc), detail=_detail(exc))
        return "failed"
    except documents.FontsMissing as exc:
        logger.error("Render job %s: %s", job_id, exc)
        services.job_fail(job_id, NO_FONTS, detail=_detail(exc))
        return "failed"
    except Exception as exc:  # a render that crashes: record it for the page, do not retry blindly
        logger.exception("Render job %s failed", job_id)
        services.job_fail(job_id, CRASHED, detail=_detail(exc))
        return "failed"
    return "done"


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def fan_out_bulk(bulk_id: int) -> int:
    """A bulk export's jobs, one per dossier, each sent as its own render task. Runs once per export; when it
    fails (the database away, the worker lost) the sweep sends it again."""
    return services.bulk_fan_out(bulk_id)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_render_jobs() -> int:
    """Periodic: send the render requests the broker could not take when they were made."""
    return services.sweep()
