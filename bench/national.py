"""Benchmark: the whole country on PostgreSQL behind gunicorn. Prints figures; asserts nothing. Not a test.

    .venv/bin/python bench/national.py [--rebuild] [--requests 30] [--load-seconds 10] [--pdf]

1. Builds the national map in a database of its own (`modelphuong_bench` on the local PostgreSQL server, created
   and migrated here; DATABASE_URL is set by this script, whatever the shell says): `import_divisions()` (34
   provinces, 687 new phường, the old units that fed them), the default criteria set, and six years of full data
   for every phường — 2021–2024 for the old wards, 2025–2026 for the new ones: every indicator's figures,
   narratives, one evidence row per criterion (all pointing at one small stored file), verdicts, decisions, the
   audit trail of each status change, and for 2026 a mix of drafts, submissions, reviews, returns and approvals.
   Users: a reviewer and an approver in every province, every role in the largest province and in Cần Thơ (92,
   the demo province), and a national leader. Then every stored score (`rescore`). Built once; `--rebuild` drops
   the database and starts again. Every run first analyses it (ANALYZE: the planner's statistics, which
   autovacuum would keep on a production server). Gunicorn keeps its database connections for 60 s, as the
   README's production section says (CONN_MAX_AGE=60); CONN_MAX_AGE from the shell overrides it (0: a connection
   per request, the settings' default) and is named in the results.
2. Serves the app with gunicorn (2 workers, as in the README's production section) on 127.0.0.1 and a free port,
   DEBUG off, and times every main page over real HTTP: p50 and p99 of --requests requests, the HTML's size, and
   the ratio to the floor — the password change form (a logged-in page that reads nothing of the app's data,
   through the same middleware, base template and session) — for Cần Thơ and for the largest province, and the
   national view if the app has one. Query counts come from one request of each page through Django's test client
   in this process (CaptureQueriesContext), against the same database.
3. A load run: 16 concurrent clients for --load-seconds (at most 30) on the assessment page and on the queue of
   the largest province: requests per second and errors.
4. With --pdf: the largest province's report rendered in this process, then the same province's report with every
   new phường of the country moved into it (687, inside a transaction that is rolled back), one of its dossiers as
   its worker makes it against bare WeasyPrint on the same HTML, and a bulk export of its dossiers through a real
   Celery worker with 1 and then 2 processes (dossiers per minute, each run bounded by --pdf-seconds).

Prints a table and writes the same figures, as markdown, to bench/results/national.md.
"""

import argparse
import contextlib
import datetime
import hashlib
import http.client
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "modelphuong_bench"
VAR_DIR = ROOT / "var" / "bench-national"
RESULTS = ROOT / "bench" / "results" / "national.md"
BUILD_FILE = VAR_DIR / "build.json"  # how long the database's build took, for the runs that reuse it
DEMO_PROVINCE = "92"  # Cần Thơ: 31 phường on the new map
CURRENT_YEAR = 2026
OLD_YEARS = range(2021, 2025)
NEW_YEARS = (2025, 2026)
PRODUCTION_CONN_MAX_AGE = "60"  # the README's production section
MARKER = "bench.lanhdao.toanquoc"  # created last, in the build's transaction: its presence means "built"
NATIONAL_URL = "/lanh-dao/toan-quoc/"  # the national view, where the app has one


def environment(server: str, db_name: str) -> dict[str, str]:
    """What this process and gunicorn run with: production settings (DEBUG off) on plain HTTP at 127.0.0.1."""
    return {
        "DJANGO_SETTINGS_MODULE": "modelphuong.settings",
        "DATABASE_URL": f"{server}/{db_name}",
        "DEBUG": "false",
        "SECRET_KEY": "bench-national-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # Plain HTTP on the loopback: no redirect to HTTPS, no HSTS.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "VAR_DIR": str(VAR_DIR),
        # The embedded broker (files under VAR_DIR) and cache, named outright: an empty CELERY_BROKER_URL would
        # be Celery's own default (AMQP on localhost), and nothing here is shared with another broker or Redis.
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "filesystem://",
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", PRODUCTION_CONN_MAX_AGE),
    }


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="drop the benchmark database and build it again")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (at least 30)")
    parser.add_argument("--load-seconds", type=float, default=10.0, help="length of each load run (at most 30)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--pdf", action="store_true", help="also time the province report and a bulk export")
    parser.add_argument("--pdf-seconds", type=float, default=90.0, help="bound of each bulk export run")
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server (the database is created on it)")
    parser.add_argument("--db", default=DB_NAME)
    args = parser.parse_args()
    args.requests = max(30, args.requests)
    args.load_seconds = min(30.0, args.load_seconds)
    return args


def prepare_database(server: str, db_name: str, rebuild: bool) -> None:
    """Create the benchmark database if it is missing (drop it first with --rebuild)."""
    import psycopg2

    parts = urlsplit(server)
    connection = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        if rebuild:
            cursor.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{db_name}"')
    connection.close()


# Building ------------------------------------------------------------------------------------------------------

BATCH = 5000
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# 2026, by a ward's index modulo 20: 8 drafts, 3 submitted, 3 in review, 2 returned, 4 approved.
STATUS_MIX = ["draft"] * 8 + ["submitted"] * 3 + ["in_review"] * 3 + ["returned"] * 2 + ["approved"] * 4


def _copy_text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value.name if hasattr(value, "name") else value)  # a FieldFile is its name
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_into(model, objects) -> None:
    """Write model instances with PostgreSQL's COPY: the large tables (figures, narratives, evidence, verdicts)
    are most of the build, and COPY writes them several times faster than bulk_create. Automatic timestamps get
    the present time, as bulk_create would give them."""
    import io

    from django.db import connection
    from django.utils import timezone

    if not objects:
        return
    now = timezone.now().isoformat()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    automatic = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    buffer = io.StringIO()
    for obj in objects:
        buffer.write(
            "\t".join(now if f.attname in automatic else _copy_text(getattr(obj, f.attname)) for f in fields) + "\n"
        )
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN", buffer
        )


class Builder:
    def __init__(self):
        from criteria.models import CriteriaSet, Indicator
        from wards.map import OLD_MAP_LAST_DAY, REFORM_DATE
        from wards.models import Province, ProvinceLineage, Ward

        self.criteria_set = CriteriaSet.objects.get(code="5764-2021")
        indicators = list(Indicator.objects.filter(criteria_set=self.criteria_set).select_related("criterion"))
        indicators.sort(key=lambda ind: (ind.criterion.number, ind.order))
        self.indicators = indicators
        self.criteria = sorted({ind.criterion for ind in indicators}, key=lambda c: c.number)
        self.new_provinces = {
            p.code: p for p in Province.objects.filter(valid_to__isnull=True).order_by("code")
        }  # the 34 of today's map (the unchanged ones are open rows, the merged ones start on 1/7/2025)
        successor_of = dict(ProvinceLineage.objects.values_list("predecessor_id", "successor_id"))
        by_pk = {p.pk: p for p in self.new_provinces.values()}
        self.new_province_of = {}  # any province's pk → today's province
        for p in Province.objects.all():
            self.new_province_of[p.pk] = by_pk.get(successor_of.get(p.pk, p.pk), by_pk.get(p.pk))
        self.old_wards = list(
            Ward.objects.filter(kind=Ward.Kind.WARD, valid_to=OLD_MAP_LAST_DAY)
            .select_related("province")
            .order_by("province__code", "code")
        )
        self.new_wards = list(
            Ward.objects.filter(kind=Ward.Kind.WARD, valid_from=REFORM_DATE)
            .select_related("province")
            .prefetch_related("predecessor_links__predecessor")
            .order_by("province__code", "code")
        )
        self.largest = max(
            self.new_provinces.values(), key=lambda p: sum(w.province_id == p.pk for w in self.new_wards)
        )
        self.counts: dict[str, int] = {}

    def users(self):
        from django.contrib.auth import get_user_model

        from wards.models import Membership

        User, Role = get_user_model(), Membership.Role
        self.staff = {}
        memberships = []
        for code, province in self.new_provinces.items():
            reviewer = User(username=f"bench.thamdinh.{code}", first_name="Thẩm định", last_name=province.name)
            approver = User(username=f"bench.pheduyet.{code}", first_name="Phê duyệt", last_name=province.name)
            ward_side = User(username=f"bench.canbo.{code}", first_name="Cán bộ phường", last_name=province.name)
            for user in (reviewer, approver, ward_side):
                user.set_unusable_password()
            User.objects.bulk_create([reviewer, approver, ward_side])
            memberships += [
                Membership(user=reviewer, role=Role.REVIEWER, province=province),
                Membership(user=approver, role=Role.APPROVER, province=province),
            ]
            self.staff[province.pk] = (reviewer, approver, ward_side)
        # Every role in the two measured provinces: the ward roles on the ward with the most predecessors.
        self.measured = {}
        for code in sorted({DEMO_PROVINCE, self.largest.code}):
            province = self.new_provinces[code]
            wards = [w for w in self.new_wards if w.province_id == province.pk]
            ward = max(wards, key=lambda w: (len(w.predecessor_links.all()), w.code))
            people = {}
            for role, name, scope in (
                (Role.LEADERSHIP, "lanhdao", {"province": province}),
                (Role.PROVINCE_ADMIN, "quantri", {"province": province}),
                (Role.WARD_OFFICER, "phuong", {"ward": ward}),
                (Role.WARD_HEAD, "truong", {"ward": ward}),
            ):
                user = User(username=f"bench.{name}.{code}", first_name=role.label, last_name=province.name)
                user.set_unusable_password()
                user.save()
                memberships.append(Membership(user=user, role=role, **scope))
                people[role] = user
            self.measured[code] = (ward, people)
        self.measured_wards = {ward.pk for ward, _people in self.measured.values()}
        Membership.objects.bulk_create(memberships)

    def national_leader(self):
        from django.contrib.auth import get_user_model

        from wards.models import Membership

        user = get_user_model()(username=MARKER, first_name="Lãnh đạo", last_name="Bộ Công an")
        user.set_unusable_password()
        user.save()
        Membership.objects.create(user=user, role=Membership.Role.LEADERSHIP, province=None)

    # Figures -----------------------------------------------------------------------------------------------

    def plan(self):
        """Each assessment's failing criteria and figures, from the demo's figure maker (demo.seed), so that the
        scoring engine gives the intended result; new wards start from their predecessors' counts."""
        from demo.seed import TREND_CODES, LastYear, _FigureMaker, _improving, _weaknesses
        from wards.models import Ward

        self.rows = []  # (ward, year, status, failing, figures, last_year_mode)
        makers, last_failing = {}, {}
        for i, ward in enumerate(self.old_wards):
            maker = _FigureMaker(i, self.indicators)
            weak = _weaknesses(i)
            certified_from = 2023 if i % 11 == 0 else 2024 if i % 7 == 0 else None
            for year in OLD_YEARS:
                failing = [] if certified_from and year >= certified_from else _improving(weak, year - OLD_YEARS[0])
                mode = LastYear.TYPED if year == OLD_YEARS[0] else LastYear.CHAINED
                self.rows.append((ward, year, "approved", failing, maker.year(year, set(failing)), mode))
                last_failing[ward.pk] = failing
            makers[ward.pk] = maker
        for j, ward in enumerate(self.new_wards):
            index = 5000 + j
            maker = _FigureMaker(index, self.indicators)
            links = list(ward.predecessor_links.all())
            assessed = [link for link in links if link.predecessor_id in makers]
            if links and len(assessed) == len(links) and all(link.whole for link in links):
                maker.previous = {
                    c: sum(makers[link.predecessor_id].previous[c] for link in links) for c in TREND_CODES
                }
                mode = LastYear.COMPUTED
            else:
                if assessed:
                    maker.previous = {
                        c: sum(makers[link.predecessor_id].previous[c] for link in assessed) for c in TREND_CODES
                    }
                mode = LastYear.TYPED
            failing = min((last_failing[link.predecessor_id] for link in assessed), key=len)[1:] if assessed else []
            if not assessed:
                failing = _weaknesses(index)
            self.rows.append((ward, 2025, "approved", failing, maker.year(2025, set(failing)), mode))
            failing = [] if j % 6 == 0 else _improving(failing, 1) if failing else []
            # The measured ward's own 2026 assessment is a draft: its people edit it.
            status = "draft" if ward.pk in self.measured_wards else STATUS_MIX[j % len(STATUS_MIX)]
            self.rows.append((ward, 2026, status, failing, maker.year(2026, set(failing)), LastYear.CHAINED))
        assert all(ward.kind == Ward.Kind.WARD for ward, *_ in self.rows)

    # Rows ----------------------------------------------------------------------------------------------------

    def assessments(self):
        from django.utils import timezone

        from wards.map import yearly_deadline
        from wards.models import Assessment

        tz = timezone.get_current_timezone()
        objects = []
        for ward, year, status, _failing, _figures, _mode in self.rows:
            reviewer, _approver, ward_side = self.staff[self.new_province_of[ward.province_id].pk]
            sent = status != "draft"
            objects.append(
                Assessment(
                    ward=ward,
                    year=year,
                    criteria_set=self.criteria_set,
                    status=status,
                    deadline=yearly_deadline(year),
                    reviewer=reviewer if status in ("in_review", "returned", "approved") else None,
                    submitted_at=datetime.datetime(year, 11, 10, 9, 0, tzinfo=tz) if sent else None,
                    submitted_by=ward_side if sent else None,
                )
            )
        self.assessments_made = Assessment.objects.bulk_create(objects, batch_size=BATCH)
        self.counts["assessments"] = len(objects)

    def contents(self):
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from demo.seed import LastYear
        from wards.models import (
            AuditEvent,
            Decision,
            EvidenceFile,
            IndicatorValue,
            Narrative,
            ReturnReason,
            Verdict,
        )

        evidence = default_storage.save("evidence/bench/bien-ban.pdf", ContentFile(TINY_PDF))
        digest = hashlib.sha256(TINY_PDF).hexdigest()
        tallies = dict.fromkeys(["figures", "narratives", "evidence", "verdicts", "decisions", "return reasons"], 0)
        tallies["audit events"] = 0
        chunk = 400  # assessments whose rows are made and written together
        pairs = list(zip(self.assessments_made, self.rows, strict=True))
        for start in range(0, len(pairs), chunk):
            values, narratives, files, verdicts, decisions, reasons, events = [], [], [], [], [], [], []
            for assessment, (ward, year, status, failing, figures, mode) in pairs[start : start + chunk]:
                reviewer, approver, ward_side = self.staff[self.new_province_of[ward.province_id].pk]
                failing = set(failing)
                partial = status == "draft" and assessment.pk % 3 == 0  # a third of the drafts half filled in
                for n, ind in enumerate(self.indicators):
                    if partial and n >= len(self.indicators) // 2:
                        break
                    figure = dict(figures[ind.code])
                    if "last_year" in figure and mode == LastYear.COMPUTED:
                        del figure["last_year"]  # computed from the predecessors, never stored
                    manual = "last_year" in figure and mode == LastYear.TYPED
                    values.append(
                        IndicatorValue(
                            assessment=assessment,
                            indicator=ind,
                            last_year_manual=manual,
                            updated_by=ward_side,
                            **figure,
                        )
                    )
                for c in self.criteria:
                    ok = c.number not in failing
                    narratives.append(
                        Narrative(
                            assessment=assessment,
                            criterion=c,
                            updated_by=ward_side,
                            text=(
                                f"Năm {year}, Công an phường {ward.name} đã triển khai các nội dung của tiêu chí "
                                f"{c.number} ({c.title}): xây dựng kế hoạch, phân công cán bộ phụ trách, kiểm tra "
                                "định kỳ và báo cáo kết quả. "
                                + ("Kết quả đạt yêu cầu." if ok else "Còn hạn chế, chưa đạt yêu cầu.")
                            ),
                        )
                    )
                    files.append(
                        EvidenceFile(
                            assessment=assessment,
                            criterion=c,
                            file=evidence,
                            original_name=f"Biên bản tiêu chí {c.number} năm {year}.pdf",
                            content_type="application/pdf",
                            size=len(TINY_PDF),
                            sha256=digest,
                            uploaded_by=ward_side,
                        )
                    )
                if status in ("in_review", "returned", "approved"):
                    judged = self.criteria if status != "in_review" else self.criteria[: len(self.criteria) // 2]
                    verdicts += [
                        Verdict(
                            assessment=assessment,
                            criterion=c,
                            outcome=Verdict.Outcome.FAIL if c.number in failing else Verdict.Outcome.PASS,
                            comment="Chưa đạt theo số liệu báo cáo." if c.number in failing else "",
                            reviewer=reviewer,
                        )
                        for c in judged
                    ]
                if status == "returned":
                    reasons += [
                        ReturnReason(
                            assessment=assessment,
                            round=1,
                            criterion=c,
                            text="Đề nghị bổ sung minh chứng và giải trình số liệu của tiêu chí này.",
                            reviewer=reviewer,
                        )
                        for c in self.criteria
                        if c.number in failing or c.number == self.criteria[0].number
                    ]
                if status == "approved":
                    passed = len(self.criteria) - len(failing)
                    decisions.append(
                        Decision(
                            assessment=assessment,
                            outcome=Decision.Outcome.NOT_CERTIFIED if failing else Decision.Outcome.CERTIFIED,
                            criteria_passed=passed,
                            criteria_total=len(self.criteria),
                            number=f"{assessment.pk}/QĐ-CA{ward.province.code}-{year}",
                            decided_on=datetime.date(year, 11, 25 if year == CURRENT_YEAR else 20),
                            approver=approver,
                        )
                    )
                steps = {
                    "draft": [],
                    "submitted": [("Đang soạn", "Đã gửi", ward_side)],
                    "in_review": [("Đang soạn", "Đã gửi", ward_side), ("Đã gửi", "Đang thẩm định", reviewer)],
                    "returned": [
                        ("Đang soạn", "Đã gửi", ward_side),
                        ("Đã gửi", "Đang thẩm định", reviewer),
                        ("Đang thẩm định", "Trả lại để bổ sung", reviewer),
                    ],
                    "approved": [
                        ("Đang soạn", "Đã gửi", ward_side),
                        ("Đã gửi", "Đang thẩm định", reviewer),
                        ("Đang thẩm định", "Đã phê duyệt", approver),
                    ],
                }[status]
                events += [
                    AuditEvent(
                        assessment=assessment,
                        actor=actor,
                        round=1,
                        action=AuditEvent.Action.STATUS,
                        target="Trạng thái hồ sơ",
                        old=old,
                        new=new,
                    )
                    for old, new, actor in steps
                ]
            for model, objects, name in (
                (IndicatorValue, values, "figures"),
                (Narrative, narratives, "narratives"),
                (EvidenceFile, files, "evidence"),
                (Verdict, verdicts, "verdicts"),
            ):
                copy_into(model, objects)
                tallies[name] += len(objects)
            for model, objects, name in (
                (Decision, decisions, "decisions"),
                (ReturnReason, reasons, "return reasons"),
                (AuditEvent, events, "audit events"),
            ):
                model.objects.bulk_create(objects, batch_size=BATCH)
                tallies[name] += len(objects)
        self.counts.update(tallies)

    def snapshots(self):
        """What the ward sent, for the measured provinces' 2026 assessments past the draft (the review page
        compares with it)."""
        from wards.models import Assessment
        from wards.services.rounds import snapshot_round

        measured = [self.new_provinces[code].pk for code in self.measured]
        sent = Assessment.objects.filter(ward__province_id__in=measured, year=CURRENT_YEAR).exclude(status="draft")
        for assessment in sent.select_related("ward", "submitted_by"):
            snapshot_round(assessment, assessment.submitted_by, assessment.submitted_at)


def build(args) -> dict:
    from django.core.management import call_command
    from django.db import transaction

    from wards.models import Assessment
    from wards.services import scores
    from wards.services.divisions import import_divisions

    timings = {}
    start = time.perf_counter()
    with transaction.atomic():
        step = time.perf_counter()
        import_divisions()
        call_command("loaddata", "criteria_5764", verbosity=0)
        timings["map and criteria"] = time.perf_counter() - step
        builder = Builder()
        builder.users()
        step = time.perf_counter()
        builder.plan()
        builder.assessments()
        builder.contents()
        timings["assessments and their rows"] = time.perf_counter() - step
        step = time.perf_counter()
        scores.rescore(Assessment.objects.order_by("year", "pk"))
        timings["rescore"] = time.perf_counter() - step
        builder.snapshots()
        builder.national_leader()
    timings["total"] = time.perf_counter() - start
    print(f"built in {timings['total']:.0f} s: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    return timings


def analyze() -> None:
    """Give the planner its statistics. A table filled by COPY has none until it is analysed, and a server may
    run without autovacuum (this machine's does): the plans are then not those of a production database (a
    sequential scan of all 181,588 stored criterion results to count one province's 113 phường)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def is_built() -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=MARKER).exists()


def data_counts() -> dict[str, int]:
    from wards.map import OLD_MAP_LAST_DAY, REFORM_DATE
    from wards.models import (
        Assessment,
        AuditEvent,
        CriterionResult,
        Decision,
        EvidenceFile,
        IndicatorValue,
        Narrative,
        Province,
        Verdict,
        Ward,
    )

    return {
        "provinces today": Province.objects.filter(valid_to__isnull=True).count(),
        "new phường": Ward.objects.filter(kind="phuong", valid_from=REFORM_DATE).count(),
        "old units": Ward.objects.filter(valid_to=OLD_MAP_LAST_DAY).count(),
        "assessments": Assessment.objects.count(),
        "figures": IndicatorValue.objects.count(),
        "narratives": Narrative.objects.count(),
        "evidence rows": EvidenceFile.objects.count(),
        "verdicts": Verdict.objects.count(),
        "decisions": Decision.objects.count(),
        "stored criterion results": CriterionResult.objects.count(),
        "audit events": AuditEvent.objects.count(),
    }


# Pages ---------------------------------------------------------------------------------------------------------


class Page:
    def __init__(self, label, user, url, method="GET", expect=200):
        self.label, self.user, self.url, self.method, self.expect = label, user, url, method, expect
        self.times: list[float] = []
        self.size = 0
        self.queries: int | None = None
        self.status = None
        self.errors = 0
        self.floor_times: list[float] = []  # the floor, timed between this page's requests

    @property
    def floor_p50(self):
        return 1000 * statistics.median(self.floor_times) if self.floor_times else None

    @property
    def ratio(self):
        return self.p50 / self.floor_p50 if self.times and self.floor_times else None

    @property
    def p50(self):
        return 1000 * statistics.median(self.times) if self.times else None

    @property
    def p99(self):
        if not self.times:
            return None
        ordered = sorted(self.times)
        return 1000 * ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def province_pages(code: str) -> tuple[str, list[Page]]:
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from wards.map import REFORM_DATE
    from wards.models import Assessment, Membership, Province

    User = get_user_model()
    province = Province.objects.filter(code=code, valid_to__isnull=True).get()
    reviewer = User.objects.get(username=f"bench.thamdinh.{code}")
    leader = User.objects.get(username=f"bench.lanhdao.{code}")
    officer = User.objects.get(username=f"bench.phuong.{code}")
    ward = Membership.objects.get(user=officer).ward
    draft = Assessment.objects.get(ward=ward, year=CURRENT_YEAR)
    in_review = (
        Assessment.objects.filter(ward__province=province, ward__valid_from=REFORM_DATE, year=CURRENT_YEAR)
        .filter(status="in_review")
        .order_by("pk")
        .first()
    )
    wards = province.wards.filter(kind="phuong", valid_from=REFORM_DATE).count()
    title = f"{province.name} ({code}, {wards} phường)"
    return title, [
        Page("floor: password change form", reviewer, reverse("password_change")),
        Page("home (reviewer)", reviewer, reverse("home") + f"?year={CURRENT_YEAR}"),
        Page("review queue", reviewer, reverse("queue") + f"?year={CURRENT_YEAR}"),
        Page("leadership", leader, reverse("leadership") + f"?year={CURRENT_YEAR}"),
        Page("assessment page (ward, draft)", officer, reverse("assessment", args=[draft.pk])),
        Page("review page (in review)", reviewer, reverse("review", args=[in_review.pk])),
        Page("ward page", reviewer, reverse("ward", args=[ward.pk])),
        Page("history", reviewer, reverse("history", args=[in_review.pk])),
        Page("dossier request (POST)", reviewer, reverse("dossier_request", args=[in_review.pk]), "POST", 302),
        Page(
            "report request (POST)",
            leader,
            reverse("report_request", args=[code, CURRENT_YEAR]),
            "POST",
            302,
        ),
        Page("bulk export request (POST)", leader, reverse("bulk_request", args=[code, CURRENT_YEAR]), "POST", 302),
    ]


def national_pages() -> list[Page]:
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    leader = get_user_model().objects.get(username=MARKER)
    return [
        Page("floor: password change form", leader, "/mat-khau/doi/"),
        Page("national view", leader, NATIONAL_URL + f"?year={CURRENT_YEAR}"),
        Page(
            "national report request (POST)",
            leader,
            reverse("national_report_request", args=[CURRENT_YEAR]),
            "POST",
            302,
        ),
    ]


class Sessions:
    """A signed-in session per user (in the database, where gunicorn's workers read it) and a CSRF token."""

    def __init__(self):
        self.cookies = {}
        self.clients = {}
        self.csrf = secrets.token_hex(16)  # 32 characters: a CSRF secret the middleware accepts as cookie and header

    def client(self, user):
        from django.test import Client

        if user.pk not in self.clients:
            client = Client()
            client.force_login(user)
            self.clients[user.pk] = client
        return self.clients[user.pk]

    def header(self, user) -> str:
        from django.conf import settings

        if user.pk not in self.cookies:
            session = self.client(user).cookies[settings.SESSION_COOKIE_NAME].value
            self.cookies[user.pk] = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={self.csrf}"
        return self.cookies[user.pk]


class Http:
    """Plain HTTP/1.1 to gunicorn on the loopback (a connection per client, reopened when the server closes it)."""

    def __init__(self, port: int, sessions: Sessions):
        self.port, self.sessions = port, sessions
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, page: Page) -> tuple[int, int, float]:
        headers = {"Cookie": self.sessions.header(page.user), "Accept-Language": "vi"}
        body = None
        if page.method == "POST":
            headers.update({"X-CSRFToken": self.sessions.csrf, "Content-Type": "application/x-www-form-urlencoded"})
            body = b""
        start = time.perf_counter()
        try:
            self.connection.request(page.method, page.url, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return 0, 0, time.perf_counter() - start
        elapsed = time.perf_counter() - start
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, len(content), elapsed


def count_queries(page: Page, sessions: Sessions) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = sessions.client(page.user)
    call = client.post if page.method == "POST" else client.get
    call(page.url)  # warm this process's caches as gunicorn's are
    with CaptureQueriesContext(connection) as captured:
        call(page.url)
    return len(captured.captured_queries)


def measure(pages: list[Page], http_: Http, sessions: Sessions, requests: int) -> None:
    """Each page's requests alternate with the floor's (pages[0]), so that a page and its floor see the same load
    on a shared machine; the floor's own row has all of them."""
    floor = pages[0]
    for page in pages:
        for _ in range(4):  # warm both workers
            status, size, _elapsed = http_.request(page)
        page.status = status
        if status != page.expect:
            print(f"  {page.label}: HTTP {status} (expected {page.expect}); not timed")
            continue
        page.size = size
        for _ in range(requests):
            status, _size, elapsed = http_.request(page)
            if status == page.expect:
                page.times.append(elapsed)
            else:
                page.errors += 1
            if page is not floor:
                status, _size, elapsed = http_.request(floor)
                if status == floor.expect:
                    page.floor_times.append(elapsed)
                    floor.times.append(elapsed)
        if page is floor:
            page.floor_times = page.times  # the same list: the floor's row is its own ratio, 1.0
        page.queries = count_queries(page, sessions)
        print(
            f"  {page.label:34} p50 {page.p50:6.0f} ms  p99 {page.p99:6.0f} ms  floor {page.floor_p50:5.0f} ms"
            f"  ×{page.ratio:5.1f}  {page.queries:3d} queries  {page.size / 1024:4.0f} KB"
        )


def load_run(page: Page, port: int, sessions: Sessions, clients: int, seconds: float) -> dict:
    sessions.header(page.user)  # made here, not in the threads
    results = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client_loop():
        http_ = Http(port, sessions)
        ok, errors, times = 0, 0, []
        barrier.wait()
        while time.perf_counter() < deadline[0]:
            status, _size, elapsed = http_.request(page)
            if status == page.expect:
                ok += 1
                times.append(elapsed)
            else:
                errors += 1
        with lock:
            results.append((ok, errors, times))

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    start = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    times = sorted(t for r in results for t in r[2])
    return {
        "page": page.label,
        "seconds": elapsed,
        "ok": ok,
        "errors": errors,
        "rps": ok / elapsed,
        "p50": 1000 * statistics.median(times) if times else None,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict[str, str]):
    port = free_port()
    log = open(VAR_DIR / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "modelphuong.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/dang-nhap/")
                if connection.getresponse().status == 200:
                    break
            if process.poll() is not None:
                raise SystemExit(f"gunicorn stopped; see {VAR_DIR / 'gunicorn.log'}")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


# PDFs ----------------------------------------------------------------------------------------------------------


def pdf_figures(code: str, seconds: float, env: dict[str, str]) -> dict:
    """The province report rendered in this process, then the province's dossiers of the year through a real
    worker with 1 and with 2 processes, each run bounded (earlier files are forgotten first, so nothing is
    reused, and what a run left queued is purged before the next)."""
    from django.contrib.auth import get_user_model

    from modelphuong.celery import app
    from reports import documents, services
    from reports.models import BulkRender, RenderJob
    from wards.models import Province

    province = Province.objects.filter(code=code, valid_to__isnull=True).get()
    start = time.perf_counter()
    data = documents.province_report_data(province, CURRENT_YEAR)
    built = time.perf_counter() - start
    _pdf, pages = documents.render_pdf("province_report", data)
    figures = {"report": (time.perf_counter() - start, built, pages), "report_all": report_of_every_ward(province)}
    user = get_user_model().objects.get(username=f"bench.lanhdao.{code}")
    figures["dossier"] = dossier_against_bare(province, user)
    for processes in (1, 2):
        RenderJob.objects.all().delete()  # the pages' requests queued a dossier and a report too
        BulkRender.objects.all().delete()
        app.control.purge()
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "modelphuong", "worker", "--concurrency", str(processes),
             "--loglevel", "WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle",
             "-Q", "celery,render"],
            cwd=ROOT, env={**os.environ, **env},
        )  # fmt: skip
        try:
            time.sleep(4)  # let the worker start before the clock does
            start = time.perf_counter()
            bulk = services.bulk_request(province=province, year=CURRENT_YEAR, user=user)
            done = 0
            while time.perf_counter() - start < seconds:
                done = bulk.jobs.filter(status=RenderJob.Status.DONE).count()
                if done == bulk.total:
                    break
                time.sleep(0.5)
            elapsed = time.perf_counter() - start
            done = bulk.jobs.filter(status=RenderJob.Status.DONE).count()
            failed = bulk.jobs.filter(status=RenderJob.Status.FAILED).count()
            # How long each dossier took in its process, and how many processes were busy on average: on a
            # shared machine, 2 processes that are both busy but no faster mean that the cores were taken.
            took = [
                (finished - started).total_seconds()
                for started, finished in bulk.jobs.filter(status=RenderJob.Status.DONE).values_list(
                    "started_at", "finished_at"
                )
            ]
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        per_dossier = statistics.median(took) if took else None
        figures[processes] = (done, bulk.total, failed, elapsed, 60 * done / elapsed, per_dossier, sum(took) / elapsed)
        print(
            f"  bulk, {processes} worker process{'es' if processes > 1 else ''}: {done} of {bulk.total} in {elapsed:.0f} s ({failed} failed)"
        )
    app.control.purge()
    return figures


class _Undo(Exception):
    pass


def report_of_every_ward(province, repeat: int = 3) -> tuple[int, float, float, int]:
    """The province report of a province of every new phường of the country (687: the issue's "700 wards"): the
    wards moved into this province inside a transaction that is rolled back, so nothing stays changed. Returns
    the wards, the medians of building the data and of the whole report (seconds), and its pages."""
    from django.db import transaction

    from reports import documents
    from wards.map import REFORM_DATE
    from wards.models import Ward

    built, total, pages, wards = [], [], 0, 0
    with contextlib.suppress(_Undo), transaction.atomic():
        wards = Ward.objects.filter(valid_from=REFORM_DATE, kind="phuong").update(province=province)
        for _ in range(repeat):
            start = time.perf_counter()
            data = documents.province_report_data(province, CURRENT_YEAR)
            built.append(time.perf_counter() - start)
            _pdf, pages = documents.render_pdf("province_report", data)
            total.append(time.perf_counter() - start)
        raise _Undo
    return wards, statistics.median(built), statistics.median(total), pages


def dossier_against_bare(province, user, repeat: int = 6) -> tuple[float, float, int]:
    """One dossier of the province as its worker makes it (services.job_render: the data read, hashed, rendered and
    stored; earlier jobs and files forgotten, so nothing is reused) against bare WeasyPrint writing the same HTML
    (the dossier's template rendered once, then HTML(string).write_pdf() with WeasyPrint's own URL fetcher), the
    two interleaved and taking turns to go first; medians in seconds, and the pages (the same on both sides)."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from reports import documents, services
    from reports.models import RenderJob
    from wards.models import Assessment

    assessment = (
        Assessment.objects.filter(ward__province=province, year=CURRENT_YEAR, status="in_review").order_by("pk").first()
    )
    if assessment is None:
        raise SystemExit(f"{province.name} has no assessment in review in {CURRENT_YEAR}: rebuild the benchmark")
    html = render_to_string(
        documents.TEMPLATES["dossier"],
        {"d": documents.dossier_data(assessment), "font_dir": documents.FONT_DIR.as_uri()},
    )

    def forget():
        for job in RenderJob.objects.filter(kind=RenderJob.Kind.DOSSIER, assessment=assessment):
            if job.file:
                job.file.delete(save=False)
            job.delete()

    def as_worker() -> int:
        forget()
        job = RenderJob.objects.create(kind=RenderJob.Kind.DOSSIER, assessment=assessment, requested_by=user)
        start = time.perf_counter()
        job = services.job_render(job)
        job_times.append(time.perf_counter() - start)
        return job.pages

    def bare() -> int:
        start = time.perf_counter()
        document = HTML(string=html, base_url=documents.PRINT_DIR.as_uri() + "/").render()
        document.write_pdf()
        bare_times.append(time.perf_counter() - start)
        return len(document.pages)

    job_times, bare_times = [], []
    for turn in range(repeat):
        first, second = (as_worker, bare) if turn % 2 == 0 else (bare, as_worker)
        pages = {first(), second()}
        if len(pages) != 1:
            raise SystemExit(f"the dossier and bare WeasyPrint gave different page counts: {sorted(pages)}")
    forget()
    return statistics.median(job_times), statistics.median(bare_times), pages.pop()


# Output --------------------------------------------------------------------------------------------------------


def now_utc() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def fmt(value, spec=".0f", dash="—"):
    return dash if value is None else format(value, spec)


def page_table(title: str, pages: list[Page]) -> list[str]:
    lines = [
        f"### {title}",
        "",
        "| page | p50 ms | p99 ms | floor p50 ms | × floor | queries | HTML KB | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in pages:
        if not page.times:
            lines.append(f"| {page.label} | HTTP {page.status} | | | | | | |")
            continue
        lines.append(
            f"| {page.label} | {page.p50:.0f} | {page.p99:.0f} | {fmt(page.floor_p50)} | {fmt(page.ratio, '.1f')} "
            f"| {fmt(page.queries, 'd')} | {page.size / 1024:.0f} | {page.errors} |"
        )
    return [*lines, ""]


def comparison_table(small: tuple[str, list[Page]], large: tuple[str, list[Page]]) -> list[str]:
    """Each page at the largest province against the demo province: p50s and the ratio of their floor ratios
    (the machine's load divided out)."""
    lines = [
        f"### {large[0]} against {small[0]}",
        "",
        "| page | p50 ms (demo) | p50 ms (largest) | largest / demo | × floor, largest / demo |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for a, b in zip(small[1][1:], large[1][1:], strict=True):
        if a.times and b.times:
            lines.append(f"| {a.label} | {a.p50:.0f} | {b.p50:.0f} | {b.p50 / a.p50:.2f} | {b.ratio / a.ratio:.2f} |")
    return [*lines, ""]


def report(context: dict) -> str:
    age = os.environ["CONN_MAX_AGE"]  # environment() set it
    connections = f"CONN_MAX_AGE={age}: " + ("a connection per request" if age == "0" else "persistent connections")
    lines = [
        "# National benchmark (bench/national.py)",
        "",
        f"Run {context['when']} on {context['machine']}; PostgreSQL (analysed before the run; {connections}), gunicorn with 2 workers, DEBUG off, "
        f"{context['requests']} timed requests per page after 4 warm-up requests, each followed by one of the floor "
        "(the password change form: a logged-in page that reads none of the app's data), so that a page's ratio to "
        "its floor is taken under the same load; p99 of 30 is the slowest but one. Queries: one request through "
        "Django's test client in the benchmark's process. Load average (1 min) before and after: "
        f"{context['load_before']:.1f}, {context['load_after']:.1f} — the machine is shared; read the ratios "
        "rather than the milliseconds.",
        "",
        "## Data",
        "",
        "| rows | count |",
        "| --- | ---: |",
        *[f"| {name} | {count:,} |" for name, count in context["counts"].items()],
        "",
    ]
    built = context.get("build")
    if built:
        steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in built["seconds"].items())
        lines += [f"Built {built['when']} (load average {built['load']:.1f}): {steps}.", ""]
    lines += ["## Pages", ""]
    for title, pages in context["pages"]:
        lines += page_table(title, pages)
    lines += comparison_table(context["pages"][0], context["pages"][1])
    lines += [
        f"## Load: {context['clients']} concurrent clients, {context['province']}",
        "",
        "| page | seconds | requests/s | errors | p50 ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for run in context["load"]:
        lines.append(
            f"| {run['page']} | {run['seconds']:.1f} | {run['rps']:.1f} | {run['errors']} | {fmt(run['p50'])} |"
        )
    lines.append("")
    pdf = context.get("pdf")
    if pdf:
        total, built, pages = pdf["report"]
        lines += [
            f"## PDFs ({context['province']}, {CURRENT_YEAR})",
            "",
            f"Province report: {total:.1f} s in this process ({built:.1f} s of it building the data), {pages} pages.",
            "",
        ]
        wards, built_all, total_all, pages_all = pdf["report_all"]
        lines += [
            f"The same province with every new phường of the country ({wards}, moved into it inside a transaction "
            f"that is rolled back): its report {total_all:.1f} s ({built_all:.2f} s of it building the data), "
            f"{pages_all} pages (medians of 3).",
            "",
        ]
        job, bare, dossier_pages = pdf["dossier"]
        lines += [
            f"A dossier ({dossier_pages} pages) as its worker makes it (data, hash, render, storage): {job:.2f} s; bare "
            f"WeasyPrint on the same HTML: {bare:.2f} s; ratio {job / bare:.2f} (medians of 6, interleaved, each going first in turn).",
            "",
            "| bulk export | dossiers done | failed | seconds | dossiers per minute | s per dossier (median) "
            "| busy processes (mean) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for processes in (1, 2):
            done, total_jobs, failed, elapsed, rate, per_dossier, busy = pdf[processes]
            name = f"{processes} worker process{'es' if processes > 1 else ''}"
            lines.append(
                f"| {name} | {done} of {total_jobs} | {failed} | {elapsed:.0f} | {rate:.1f} "
                f"| {fmt(per_dossier, '.1f')} | {busy:.2f} |"
            )
        if pdf[1][4]:
            lines += ["", f"2 processes / 1 process: {pdf[2][4] / pdf[1][4]:.2f}×"]
        lines.append("")
    return "\n".join(lines)


def main():
    args = parse_args()
    env = environment(args.server, args.db)
    os.environ.update(env)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    prepare_database(args.server, args.db, args.rebuild)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    if not is_built():
        from wards.models import Ward

        if Ward.objects.exists():  # a build that did not finish (it is one transaction: a crash, not half data)
            raise SystemExit(f"{args.db} has data but no finished build: run again with --rebuild")
        timings = build(args)
        BUILD_FILE.write_text(json.dumps({"when": now_utc(), "load": os.getloadavg()[0], "seconds": timings}))
    built = json.loads(BUILD_FILE.read_text()) if BUILD_FILE.exists() else None
    analyze()
    counts = data_counts()
    print(", ".join(f"{name} {count:,}" for name, count in counts.items()))

    from wards.map import REFORM_DATE
    from wards.models import Province, Ward

    largest = max(
        Province.objects.filter(valid_to__isnull=True),
        key=lambda p: Ward.objects.filter(province=p, kind="phuong", valid_from=REFORM_DATE).count(),
    )
    load_before = os.getloadavg()[0]
    sessions = Sessions()
    sets = [province_pages(DEMO_PROVINCE), province_pages(largest.code)]
    national = national_pages()
    results = []
    load = []
    with gunicorn(env) as port:
        http_ = Http(port, sessions)
        for title, pages in sets:
            print(title)
            measure(pages, http_, sessions, args.requests)
            results.append((title, pages))
        print("national")
        measure(national, http_, sessions, args.requests)
        if national[1].times:
            results.append(("National (leader without a province)", national))
        else:
            print(f"  no national view at {NATIONAL_URL} (HTTP {national[1].status}): skipped")
        title, pages = sets[1]
        for label in ("assessment page (ward, draft)", "review queue"):
            page = next(p for p in pages if p.label == label)
            run = load_run(page, port, sessions, args.clients, args.load_seconds)
            load.append(run)
            print(
                f"load {label}: {run['rps']:.1f} req/s, {run['errors']} errors, {run['ok']} ok in {run['seconds']:.1f} s"
            )
    pdf = pdf_figures(largest.code, args.pdf_seconds, env) if args.pdf else None
    context = {
        "when": now_utc(),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "machine": f"{platform.node()} ({os.cpu_count()} CPUs)",
        "requests": args.requests,
        "counts": counts,
        "build": built,
        "pages": results,
        "clients": args.clients,
        "province": sets[1][0],
        "load": load,
        "pdf": pdf,
    }
    text = report(context)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    print()
    print(text)
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
