"""Celery tasks for rendering: thin, idempotent, acked late, retried only on transient errors."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

from reports import services

logger = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(bind=True, acks_late=True, max_retries=5, soft_time_limit=240, time_limit=300)
def render_job(self, job_id: int) -> str:
    """Render one job. A job that is not queued (done, running elsewhere, failed) is left alone."""
    job = services.job_claim(job_id)
    if job is None:
        return "skipped"
    try:
        services.job_render(job)
    except TRANSIENT as exc:
        if self.request.retries >= self.max_retries:
            services.job_fail(job_id, f"Lỗi tạm thời lặp lại {self.max_retries + 1} lần: {type(exc).__name__}: {exc}")
            return "failed"
        services.job_requeue(job_id)
        raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc
    except SoftTimeLimitExceeded:
        services.job_fail(job_id, "Quá thời gian xuất tệp (giới hạn 4 phút).")
        return "failed"
    except Exception as exc:  # a render that crashes: record it for the page, do not retry blindly
        logger.exception("Render job %s failed", job_id)
        services.job_fail(job_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    return "done"


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_render_jobs() -> int:
    """Periodic: send the render requests the broker could not take when they were made."""
    return services.sweep()
