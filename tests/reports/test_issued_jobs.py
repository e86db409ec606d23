"""The worker's part of issuing (reports/services._issued_render): an approval's documents rendered, signed by the
province's certificate, stored with their SHA-256 and only then issued; the verification page follows them through
a reopening. Real WeasyPrint and pyHanko with the demo certificate."""

import hashlib

import pytest
from django.test.utils import override_settings
from django.utils import timezone

from demo.signing import ensure_demo_signing
from reports import tasks
from reports.models import RenderJob
from reports.signing import validate_pdf
from tests.wards.test_issuing import reviewed
from wards import services
from wards.models import AuditEvent, IssuedDocument

PASSWORD = "mat-khau-thu"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return ensure_demo_signing(tmp_path_factory.mktemp("signing"), password=PASSWORD)


@pytest.fixture
def signing(demo):
    with override_settings(
        SIGNING_PKCS11_MODULE="",
        SIGNING_PKCS12_PATH=str(demo.pkcs12),
        SIGNING_PKCS12_PASSWORD=PASSWORD,
        SIGNING_TRUST_ROOTS=[str(demo.ca)],
        PUBLIC_BASE_URL="https://antt.example.vn",
    ):
        yield


def approve(assessment, people, number="9/QĐ-CAT"):
    reviewed(assessment, people)
    return services.assessment_approve(
        assessment=assessment, user=people["approver"], number=number, decided_on=timezone.localdate()
    ).document


def test_the_worker_signs_stores_and_issues_the_decision(client, people, assessment, signing):
    document = approve(assessment, people)
    job = RenderJob.objects.get(document=document)
    assert client.get(f"/xac-minh/{document.token}/").status_code == 404  # not issued before it is signed
    assert tasks.render_job(job.pk) == "done"
    job.refresh_from_db()
    document.refresh_from_db()
    data = job.file.read()
    assert document.sha256 == hashlib.sha256(data).hexdigest() == job.content_hash
    assert document.issued and document.signed_at is not None and "DEMO" in document.certificate_name
    assert validate_pdf(data).ok
    signed = AuditEvent.objects.get(assessment=assessment, action=AuditEvent.Action.DOCUMENT_SIGNED)
    assert document.code in signed.target and document.sha256 in signed.new
    page = client.get(f"/xac-minh/{document.token}/").content.decode()
    assert "Văn bản còn hiệu lực" in page and document.sha256 in page and document.number in page

    services.assessment_reopen(assessment=assessment, user=people["approver"], reason="Khiếu nại số liệu")
    page = client.get(f"/xac-minh/{document.token}/").content.decode()
    assert "Văn bản đã bị thu hồi" in page and "Khiếu nại số liệu" in page


def test_the_approver_and_the_ward_download_what_was_signed(client, people, assessment, signing):
    document = approve(assessment, people)
    job = RenderJob.objects.get(document=document)
    tasks.render_job(job.pk)
    for who in ("approver", "officer", "head", "leader"):
        client.force_login(people[who])
        response = client.get(f"/pdf/{job.pk}/tai-ve/")
        assert response.status_code == 200, who
        assert (
            hashlib.sha256(b"".join(response.streaming_content)).hexdigest()
            == IssuedDocument.objects.get(pk=document.pk).sha256
        )
    for outsider in ("other_ward_officer", "foreign_reviewer", "foreign_leader"):
        client.force_login(people[outsider])
        assert client.get(f"/pdf/{job.pk}/tai-ve/").status_code == 404, outsider
        assert client.get(f"/pdf/{job.pk}/").status_code == 404, outsider


def test_the_review_page_lists_the_documents_and_where_they_stand(client, people, assessment, signing):
    document = approve(assessment, people)
    client.force_login(people["approver"])
    page = client.get(f"/ho-so/{assessment.pk}/tham-dinh/").content.decode()
    assert 'id="issued-documents"' in page and "Đang xuất và ký số" in page
    tasks.render_job(RenderJob.objects.get(document=document).pk)
    page = client.get(f"/ho-so/{assessment.pk}/tham-dinh/").content.decode()
    assert "Tải tệp đã ký" in page and f"/xac-minh/{document.token}/" in page
    client.force_login(people["officer"])
    assert f"/xac-minh/{document.token}/" in client.get(f"/ho-so/{assessment.pk}/").content.decode()


def test_signing_that_is_not_configured_fails_the_job_with_why_and_nothing_is_issued(people, assessment, settings):
    settings.SIGNING_PKCS11_MODULE = ""
    settings.SIGNING_PKCS12_PATH = ""
    document = approve(assessment, people)
    job = RenderJob.objects.get(document=document)
    assert tasks.render_job(job.pk) == "failed"
    job.refresh_from_db()
    document.refresh_from_db()
    assert job.status == RenderJob.Status.FAILED and "Chưa cấu hình chữ ký số" in job.error
    assert "Chạy lại" in job.error and not document.issued


def test_a_document_reopened_before_the_worker_came_is_never_signed(people, assessment, signing):
    document = approve(assessment, people)
    dossier = IssuedDocument.objects.get(kind=IssuedDocument.Kind.DOSSIER, assessment=assessment)
    services.assessment_reopen(assessment=assessment, user=people["approver"], reason="Sai số liệu")
    for d in (document, dossier):
        job = RenderJob.objects.get(document=d)
        assert tasks.render_job(job.pk) == "failed"
        job.refresh_from_db()
        d.refresh_from_db()
        assert "đã bị thu hồi hoặc thay thế trước khi được ký số" in job.error and not d.issued


def test_a_second_delivery_does_not_sign_again(people, assessment, signing):
    document = approve(assessment, people)
    job = RenderJob.objects.get(document=document)
    assert tasks.render_job(job.pk) == "done"
    document.refresh_from_db()
    first = document.sha256
    RenderJob.objects.filter(pk=job.pk).update(status=RenderJob.Status.QUEUED)  # a worker taken over late
    assert tasks.render_job(job.pk) == "done"
    document.refresh_from_db()
    job.refresh_from_db()
    assert document.sha256 == first == job.content_hash
    assert AuditEvent.objects.filter(assessment=assessment, action=AuditEvent.Action.DOCUMENT_SIGNED).count() == 1


def test_only_approvers_run_a_failed_signing_again(client, people, assessment, settings):
    settings.SIGNING_PKCS11_MODULE = ""
    settings.SIGNING_PKCS12_PATH = ""
    document = approve(assessment, people)
    job = RenderJob.objects.get(document=document)
    tasks.render_job(job.pk)
    for who in ("officer", "head", "reviewer", "leader"):
        client.force_login(people[who])
        assert client.post(f"/pdf/{job.pk}/chay-lai/").status_code == 403, who
    client.force_login(people["approver"])
    assert client.post(f"/pdf/{job.pk}/chay-lai/").status_code == 302
    job.refresh_from_db()
    assert job.status == RenderJob.Status.QUEUED


def test_a_ward_decided_again_is_linked_from_the_decision_revoked_for_it(client, people, ward, criteria_set, signing):
    from tests.factories import AssessmentFactory, WardFactory, user_with_role
    from wards.models import Membership
    from wards.services.issuing import decision_issue

    other = WardFactory(district=ward.district, name="An Hòa")
    a = reviewed(AssessmentFactory(ward=ward, criteria_set=criteria_set), people)
    head = user_with_role(Membership.Role.WARD_HEAD, ward=other)
    b = reviewed(AssessmentFactory(ward=other, criteria_set=criteria_set), {**people, "head": head})
    first = decision_issue(
        assessments=[a, b], user=people["approver"], number="70/QĐ-CAT", decided_on=timezone.localdate()
    )
    services.assessment_reopen(assessment=b, user=people["approver"], reason="Rà soát TC13")
    b.refresh_from_db()
    second = decision_issue(
        assessments=[b], user=people["approver"], number="71/QĐ-CAT", decided_on=timezone.localdate()
    )
    for d in (first, second):
        tasks.render_job(RenderJob.objects.get(document=d).pk)
    page = client.get(f"/xac-minh/{first.token}/").content.decode()
    assert "Văn bản còn hiệu lực" in page and "Rà soát TC13" in page
    assert f"/xac-minh/{second.token}/" in page and "71/QĐ-CAT" in page
