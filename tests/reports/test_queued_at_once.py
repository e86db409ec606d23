"""Requests that start a PDF return at once: a constant few queries whatever the province's size, no document
data built in the request; the worker hashes the data, and a bulk export fans out in a task of its own."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from modelphuong.celery import app as celery_app
from reports import documents, services, tasks
from reports.models import BulkRender, RenderJob
from tests.factories import AssessmentFactory, DistrictFactory, ProvinceFactory, WardFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_once")]
Status = RenderJob.Status


def province_with(wards: int, criteria_set, *, first=None):
    """A province of `wards` wards with an assessment each; `first` (a ward) and its province to start from."""
    district = first.district if first else DistrictFactory(province=ProvinceFactory())
    others = [WardFactory(district=district) for _ in range(wards - (1 if first else 0))]
    assessments = [AssessmentFactory(ward=w, criteria_set=criteria_set) for w in ([first] if first else []) + others]
    return district.province, assessments


@pytest.fixture
def small_and_large(criteria_set, ward, people):
    """The people's province with 3 wards (their ward first), another with 30."""
    return province_with(3, criteria_set, first=ward), province_with(30, criteria_set)


@pytest.fixture
def no_data_in_the_request(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("a request built a document's data")

    monkeypatch.setattr(documents, "dossier_data", refused)
    monkeypatch.setattr(documents, "province_report_data", refused)


def queries_of(client, path, capture_on_commit):
    """The request's queries, the broker hand-off after its commit included."""
    with CaptureQueriesContext(connection) as queries, capture_on_commit(execute=True):
        response = client.post(path)
    assert response.status_code == 302, response
    return len(queries)


@pytest.mark.usefixtures("no_data_in_the_request")
def test_asking_for_a_pdf_costs_the_same_few_queries_for_3_wards_as_for_30(
    client, people, small_and_large, django_capture_on_commit_callbacks
):
    client.force_login(people["national_leader"])
    counts = {}
    for (province, assessments), size in zip(small_and_large, ("small", "large"), strict=True):
        counts[size] = {
            "dossier": queries_of(client, f"/ho-so/{assessments[-1].pk}/pdf/", django_capture_on_commit_callbacks),
            "report": queries_of(client, f"/bao-cao/{province.code}/2026/", django_capture_on_commit_callbacks),
            "bulk": queries_of(client, f"/bao-cao/{province.code}/2026/ho-so/", django_capture_on_commit_callbacks),
        }
    assert counts["small"] == counts["large"], counts
    assert max(counts["large"].values()) <= 15, counts
    # Queued and handed to the broker; no data read, no hash yet.
    assert RenderJob.objects.filter(status=Status.QUEUED, content_hash="", sent_at__isnull=False).count() == 4
    assert [b.total for b in BulkRender.objects.order_by("pk")] == [3, 30]
    assert not RenderJob.objects.filter(batch__isnull=False).exists()  # the fan-out task makes the bulk's jobs


@pytest.mark.usefixtures("no_data_in_the_request")
def test_the_services_make_the_same_queries_for_3_wards_as_for_30(people, small_and_large):
    counts = []
    for province, assessments in small_and_large:
        with CaptureQueriesContext(connection) as dossier:
            services.dossier_request(assessment=assessments[0], user=people["national_leader"])
        with CaptureQueriesContext(connection) as report:
            services.report_request(province=province, year=2026, user=people["national_leader"])
        with CaptureQueriesContext(connection) as bulk:
            services.bulk_request(province=province, year=2026, user=people["national_leader"])
        counts.append((len(dossier), len(report), len(bulk)))
    assert counts[0] == counts[1], counts


def test_the_fan_out_makes_a_job_per_dossier_in_the_same_queries_for_3_wards_as_for_30(people, small_and_large):
    counts = []
    for province, assessments in small_and_large:
        bulk = services.bulk_request(province=province, year=2026, user=people["national_leader"])
        with CaptureQueriesContext(connection) as fan_out:
            assert tasks.fan_out_bulk(bulk.pk) == len(assessments)  # a render task per new job, sent
        counts.append(len(fan_out))
        assert sorted(bulk.jobs.values_list("assessment_id", flat=True)) == sorted(a.pk for a in assessments)
        assert not bulk.jobs.filter(sent_at__isnull=True).exists()
        bulk.refresh_from_db()
        assert bulk.fanned_out_at is not None and bulk.total == len(assessments)
    assert counts[0] == counts[1], counts


def test_the_fan_out_runs_once_and_joins_dossiers_already_waiting_for_a_worker(people, small_and_large):
    (province, assessments), _ = small_and_large
    waiting = services.dossier_request(assessment=assessments[0], user=people["officer"])
    RenderJob.objects.filter(pk=waiting.pk).update(sent_at=timezone.now())
    bulk = services.bulk_request(province=province, year=2026, user=people["leader"])
    AssessmentFactory(ward=WardFactory(district=assessments[0].ward.district), criteria_set=assessments[0].criteria_set)
    assert tasks.fan_out_bulk(bulk.pk) == 3  # the waiting dossier is joined; the new assessment is counted
    assert bulk.jobs.count() == 4 and bulk.jobs.filter(pk=waiting.pk).exists()
    bulk.refresh_from_db()
    assert bulk.total == 4
    assert tasks.fan_out_bulk(bulk.pk) == 0  # a second delivery of the message does nothing
    assert bulk.jobs.count() == 4 and RenderJob.objects.count() == 4


def test_the_progress_page_shows_n_of_total_before_and_after_the_fan_out(client, people, small_and_large):
    (province, _assessments), _ = small_and_large
    bulk = services.bulk_request(province=province, year=2026, user=people["leader"])
    BulkRender.objects.filter(pk=bulk.pk).update(sent_at=timezone.now())  # the broker took the fan-out task
    client.force_login(people["leader"])

    def page(**headers):
        return " ".join(client.get(f"/hang-loat/{bulk.pk}/", headers=headers).content.decode().split())

    before = page()
    assert "Đã xong <strong>0</strong> trên <strong>3</strong> hồ sơ" in before and 'max="3"' in before
    assert 'id="bulk-preparing"' in before and "hx-trigger" in before  # it polls
    assert 'id="zip"' not in before and 'id="bulk-unsent"' not in before
    assert "hx-trigger" in page(HX_Request="true")
    tasks.fan_out_bulk(bulk.pk)
    for job in bulk.jobs.all()[:2]:
        tasks.render_job(job.pk)
    during = page()
    assert "Đã xong <strong>2</strong> trên <strong>3</strong> hồ sơ" in during and 'id="bulk-preparing"' not in during
    tasks.render_job(bulk.jobs.exclude(status=Status.DONE).get().pk)
    after = page()
    assert "Đã xong <strong>3</strong> trên <strong>3</strong> hồ sơ" in after and 'id="zip"' in after
    assert "hx-trigger" not in after


def test_a_fan_out_the_broker_refused_waits_for_the_sweep(
    client, people, small_and_large, broker_down, django_capture_on_commit_callbacks
):
    (province, _assessments), _ = small_and_large
    client.force_login(people["leader"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/bao-cao/{province.code}/2026/ho-so/")
    assert response.status_code == 302  # no 500 for the user
    bulk = BulkRender.objects.get()
    assert bulk.sent_at is None and bulk.fanned_out_at is None
    page = " ".join(client.get(response.url).content.decode().split())
    assert 'id="bulk-unsent"' in page and "chưa nhận 3 hồ sơ" in page
    with pytest.raises(services.BulkUnfinished):
        services.bulk_zip(bulk, user=people["leader"])
    assert services.sweep() == 0  # still down: still kept
    broker_down()  # the broker is back
    assert services.sweep() == 1
    bulk.refresh_from_db()
    assert bulk.sent_at is not None
    assert services.sweep() == 0  # sent and not yet run: not sent again at once
    # Taken, and lost (the worker died before it made the jobs): sent again once it has waited long.
    BulkRender.objects.filter(pk=bulk.pk).update(sent_at=timezone.now() - datetime.timedelta(minutes=30))
    assert services.sweep() == 1
    assert tasks.fan_out_bulk(bulk.pk) == 3
    assert services.sweep() == 0  # fanned out, and its jobs sent


def test_a_queued_job_whose_hash_is_not_known_yet_has_a_page_that_polls(client, people, small_and_large):
    (_province, assessments), _ = small_and_large
    job = services.dossier_request(assessment=assessments[0], user=people["officer"])
    assert job.content_hash == ""
    client.force_login(people["officer"])
    for headers in ({}, {"HX_Request": "true"}):
        response = client.get(f"/pdf/{job.pk}/", headers=headers)
        page = response.content.decode()
        assert response.status_code == 200 and "Đang chờ" in page and "hx-trigger" in page
    assert client.get(f"/pdf/{job.pk}/tai-ve/").status_code == 404


def test_render_tasks_have_a_queue_of_their_own():
    router = celery_app.amqp.router
    for name in ("reports.tasks.render_job", "reports.tasks.fan_out_bulk"):
        assert router.route({}, name)["queue"].name == "render", name
    for name in ("reports.tasks.sweep_render_jobs", "wards.tasks.send_pending_emails"):
        assert router.route({}, name)["queue"].name == celery_app.conf.task_default_queue == "celery", name
    # A worker started without -Q consumes both; `make run`'s names both.
    assert {q.name for q in celery_app.conf.task_queues} == {"celery", "render"}
    from django.conf import settings

    makefile = (settings.BASE_DIR / "Makefile").read_text()
    assert "celery -A modelphuong worker" in makefile and "--queues celery,render" in makefile
