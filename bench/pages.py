"""Benchmark: the main pages on the demo data. Prints queries and milliseconds; asserts nothing.

    .venv/bin/python bench/pages.py [--repeat 5]

Uses the configured database (the demo is loaded if missing). Query counts are also asserted, as budgets
that must not grow with the data, by the test suite; this script only reports what a page costs today.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modelphuong.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from demo.seed import NEW_CAI_KHE, OLD_CAI_KHE, new_ward, old_ward  # noqa: E402
from wards.models import Assessment  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("seed_demo", quiet_logins=True, verbosity=0)
    cai_khe = new_ward(NEW_CAI_KHE[0])  # the demo ward: the new Phường Cái Khế (31120, from 1/7/2025)
    approved = Assessment.objects.get(ward=cai_khe, year=2025)
    draft = Assessment.objects.get(ward=cai_khe, year=2026)
    pages = [
        ("ward home", "canbo.caikhe", "/"),
        ("assessment page, draft", "canbo.caikhe", f"/ho-so/{draft.pk}/"),
        ("assessment page, approved", "canbo.caikhe", f"/ho-so/{approved.pk}/"),
        ("province home (31 wards)", "thamdinh.cantho", "/"),
        ("review queue (31 wards)", "thamdinh.cantho", "/tham-dinh/?year=2025"),
        ("review page", "thamdinh.cantho", f"/ho-so/{approved.pk}/tham-dinh/"),
        ("history", "thamdinh.cantho", f"/ho-so/{approved.pk}/lich-su/"),
        ("ward page (new Cái Khế)", "thamdinh.cantho", f"/phuong/{cai_khe.pk}/"),
        ("ward page (old Cái Khế)", "thamdinh.cantho", f"/phuong/{old_ward(OLD_CAI_KHE[0]).pk}/"),
        ("leadership page", "lanhdao.cantho", "/lanh-dao/?year=2025"),
    ]
    users = get_user_model().objects
    print(f"{'page':32} {'queries':>7} {'median ms':>10}")
    for label, username, url in pages:
        client = Client()
        client.force_login(users.get(username=username))
        client.get(url)  # warm caches
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
        print(f"{label:32} {len(queries.captured_queries):7d} {1000 * statistics.median(times):10.0f}")


if __name__ == "__main__":
    main()
