"""A Redis that refuses connections or hangs: requests still answer within about a second, and what they
queue (PDF jobs, workflow e-mails) stays in its row for the sweep.

Each test starts a redis-server of its own on a free port, points Celery at it, and stops or freezes only
that one. Every timed request runs in a thread that is abandoned after a few seconds, so a regression fails
the test instead of hanging the run. Runs on SQLite and PostgreSQL alike; CI has redis-server installed.
"""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
import redis
from django.db import connections
from django.test import Client

from modelphuong.celery import app as celery_app
from reports import services
from reports.models import RenderJob
from tests.factories import fill_assessment
from wards.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_SERVER = shutil.which("redis-server")
# "Within about a second": a hung Redis costs three socket timeouts (publish, reconnect, publish again).
PROMPT = 1.5
# A request still waiting after this long is abandoned, and the test fails rather than hangs.
ABANDON_AFTER = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reset_celery_connections():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


class OwnRedis:
    def __init__(self, port: int):
        self.port, self.url, self.process, self.frozen = port, f"redis://127.0.0.1:{port}/0", None, False

    def start(self):
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the test's redis-server did not start")
                time.sleep(0.05)

    def stop(self):
        if self.frozen:
            self.thaw()
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def freeze(self):
        """What a hung Redis looks like: connections are accepted by the kernel, and nothing answers."""
        self.process.send_signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)
        self.frozen = False

    def queued_messages(self, queue: str = "render") -> int:
        """Messages waiting in a queue; render tasks have their own (CELERY_TASK_ROUTES)."""
        return redis.Redis.from_url(self.url, socket_timeout=1).llen(queue)


@pytest.fixture
def own_redis():
    if REDIS_SERVER is None:
        if os.environ.get("REDIS_URL"):  # CI: the fault tests must run there
            pytest.fail("redis-server is needed for the broker fault tests")
        pytest.skip("redis-server is not installed")
    server = OwnRedis(_free_port())
    server.start()
    conf = celery_app.conf
    saved = (conf.broker_url, conf.broker_write_url, conf.result_backend)
    # Everything Celery talks to is this Redis, as in production where REDIS_URL is one server.
    conf.broker_url, conf.broker_write_url = server.url, None
    if conf.result_backend:
        conf.result_backend = server.url
    _reset_celery_connections()
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()
        conf.broker_url, conf.broker_write_url, conf.result_backend = saved
        _reset_celery_connections()


def timed(call):
    """Run a request the way a gunicorn worker does (its own thread and connections), with a deadline."""
    outcome = {}

    def target():
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, daemon=True)
    start = time.monotonic()
    thread.start()
    thread.join(ABANDON_AFTER)
    elapsed = time.monotonic() - start
    assert not thread.is_alive(), f"the request was still waiting on the broker after {ABANDON_AFTER} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"], elapsed


def leader_client(people) -> Client:
    client = Client()
    client.force_login(people["leader"])
    return client


@pytest.fixture
def two_years(criteria_set, ward):
    """Assessments in 2025 and 2026: a report is asked only for a year the province has data for."""
    from tests.factories import AssessmentFactory

    return [AssessmentFactory(ward=ward, year=year, criteria_set=criteria_set) for year in (2025, 2026)]


def ask_for_report(client, province, year):
    return timed(lambda: client.post(f"/bao-cao/{province.code}/{year}/"))


def test_a_report_asked_for_while_redis_is_down_answers_at_once_and_the_sweep_sends_it_later(
    own_redis, people, ward, two_years
):
    client = leader_client(people)
    response, _ = ask_for_report(client, ward.province, 2025)  # Redis up: sent, and a pooled connection kept
    assert response.status_code == 302 and RenderJob.objects.get(year=2025).sent_at is not None

    own_redis.stop()
    response, elapsed = ask_for_report(client, ward.province, 2026)
    assert response.status_code == 302 and elapsed < PROMPT, f"{elapsed:.1f} s"
    job = RenderJob.objects.get(year=2026)
    assert job.status == RenderJob.Status.QUEUED and job.sent_at is None
    page = " ".join(client.get(response.url).content.decode().split())
    assert "đã được lưu và sẽ tự gửi lại khi dịch vụ hoạt động trở lại" in page

    own_redis.start()
    before = own_redis.queued_messages()
    assert services.sweep() == 1
    job.refresh_from_db()
    assert job.sent_at is not None and own_redis.queued_messages() == before + 1


def test_a_report_asked_for_while_redis_hangs_answers_within_a_second_and_is_kept(own_redis, people, ward, two_years):
    client = leader_client(people)
    ask_for_report(client, ward.province, 2025)

    own_redis.freeze()
    response, elapsed = ask_for_report(client, ward.province, 2026)
    assert response.status_code == 302 and elapsed < PROMPT, f"{elapsed:.1f} s"
    job = RenderJob.objects.get(year=2026)
    assert job.status == RenderJob.Status.QUEUED and job.sent_at is None

    own_redis.thaw()
    assert services.sweep() == 1
    job.refresh_from_db()
    assert job.sent_at is not None


def test_a_submission_while_redis_hangs_answers_within_a_second_and_keeps_its_emails(own_redis, people, assessment):
    fill_assessment(assessment)
    client = Client()
    client.force_login(people["head"])
    own_redis.freeze()
    response, elapsed = timed(lambda: client.post(f"/ho-so/{assessment.pk}/gui/"))
    assert response.status_code == 302 and elapsed < PROMPT, f"{elapsed:.1f} s"
    assessment.refresh_from_db()
    assert assessment.status == assessment.Status.SUBMITTED
    kept = Notification.objects.filter(assessment=assessment, emailed_at__isnull=True)
    assert kept.exists()  # the periodic send_pending_emails sends them once Redis answers
