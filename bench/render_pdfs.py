"""Benchmark: PDF rendering. Prints figures; asserts nothing. Not part of the test suite.

    .venv/bin/python bench/render_pdfs.py [--year 2025] [--repeat 3]

Uses the configured database (the demo is loaded if missing) and broker. It renders one complete
dossier in-process (the demo ward, Cái Khế: the new one from 2025, the old one before), the Cần Thơ province
report (of the year's map: the merged city from 2025, the old city before), then all the year's dossiers of
that province (31 from 2025, 42 before) through a real Celery worker with two processes, and prints seconds per page, per dossier, and dossiers per minute.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modelphuong.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from demo.seed import NEW_CAI_KHE, OLD_CAI_KHE, new_ward, old_ward  # noqa: E402
from reports import documents, services  # noqa: E402
from reports.models import RenderJob  # noqa: E402
from wards.map import map_date, on_new_map  # noqa: E402
from wards.models import Assessment, Province  # noqa: E402


def timed(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()

    call_command("seed_demo", quiet_logins=True, verbosity=0)
    can_tho = Province.objects.filter(code="92").on(map_date(args.year)).get()
    cai_khe = new_ward(NEW_CAI_KHE[0]) if on_new_map(args.year) else old_ward(OLD_CAI_KHE[0])
    assessment = Assessment.objects.get(ward=cai_khe, year=args.year)

    seconds, (pdf, pages) = timed(
        lambda: documents.render_pdf("dossier", documents.dossier_data(assessment)), args.repeat
    )
    print(f"dossier (Cái Khế {args.year}): {pages} pages, {len(pdf) / 1024:.0f} KB")
    print(f"  {seconds:.2f} s per dossier, {seconds / pages:.3f} s per page (median of {args.repeat})")

    seconds, (pdf, pages) = timed(
        lambda: documents.render_pdf("province_report", documents.province_report_data(can_tho, args.year)), args.repeat
    )
    print(f"province report (Cần Thơ {args.year}): {pages} pages, {seconds:.2f} s, {seconds / pages:.3f} s per page")

    # All dossiers of the year through a real worker with two processes. Earlier files for this
    # province-year are forgotten first, so nothing is reused.
    RenderJob.objects.filter(
        kind=RenderJob.Kind.DOSSIER, assessment__ward__province=can_tho, assessment__year=args.year
    ).delete()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "modelphuong", "worker", "--concurrency", "2", "--loglevel", "WARNING",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-Q", "celery,render"],
        cwd=ROOT,
    )  # fmt: skip
    try:
        time.sleep(3)  # let the worker connect before the clock starts
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(username="lanhdao.cantho")
        start = time.perf_counter()
        bulk = services.bulk_request(province=can_tho, year=args.year, user=user)  # sends the fan-out task
        total = bulk.total
        while time.perf_counter() - start < args.timeout:
            bulk.refresh_from_db()
            finished = bulk.jobs.filter(status__in=[RenderJob.Status.DONE, RenderJob.Status.FAILED]).count()
            if bulk.fanned_out_at and finished == bulk.total:
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - start
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    done = bulk.jobs.filter(status=RenderJob.Status.DONE)
    failed = bulk.jobs.filter(status=RenderJob.Status.FAILED).count()
    page_total = sum(done.values_list("pages", flat=True))
    print(f"{done.count()} of {total} dossiers through 2 worker processes in {elapsed:.1f} s ({failed} failed)")
    if done.count():
        print(f"  {60 * done.count() / elapsed:.1f} dossiers per minute, {elapsed / done.count():.2f} s per dossier")
        print(f"  {page_total} pages, {elapsed / page_total:.3f} s per page (wall clock, 2 processes)")


if __name__ == "__main__":
    main()
