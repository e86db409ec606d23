"""Every URL of an assessment answers 404 to users outside its ward or province, whatever they send."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver
from django.utils import timezone

from tests.conftest import page_data
from tests.factories import UserFactory
from wards import services, workflow
from wards.models import EvidenceFile
from wards.workflow import Action

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def evidence(settings, tmp_path, assessment, people):
    settings.MEDIA_ROOT = tmp_path
    from wards import services

    return services.evidence_add(
        assessment=assessment,
        criterion=assessment.criteria_set.criteria.get(number=5),
        user=people["officer"],
        upload=SimpleUploadedFile("a.pdf", PDF),
    )


def requests_for(assessment, evidence):
    """(url name, method, path, data) for every URL that takes an assessment."""
    base = f"/ho-so/{assessment.pk}"
    return [
        ("assessment", "get", f"{base}/", None),
        ("assessment", "post", f"{base}/", page_data(assessment, **{"ind-1-1-yes": "co"})),
        ("assessment_submit", "post", f"{base}/gui/", {}),
        ("evidence_upload", "post", f"{base}/tieu-chi/5/minh-chung/", {"file": SimpleUploadedFile("b.pdf", PDF)}),
        ("evidence_download", "get", f"{base}/minh-chung/{evidence.pk}/", None),
        ("evidence_delete", "post", f"{base}/minh-chung/{evidence.pk}/xoa/", {}),
        ("excel_download", "get", f"{base}/excel/", None),
        ("excel_upload", "post", f"{base}/excel/nhap/", {"file": SimpleUploadedFile("x.xlsx", b"PK")}),
        ("review", "get", f"{base}/tham-dinh/", None),
        ("review", "post", f"{base}/tham-dinh/", {"verdict-1": "pass", "comment-1": "Đúng"}),
        ("start_review", "post", f"{base}/tham-dinh/bat-dau/", {}),
        ("return_assessment", "post", f"{base}/tra-lai/", {"reason-1": "Thiếu biên bản"}),
        ("approve", "post", f"{base}/phe-duyet/", {"number": "1/QĐ-CAT", "decided_on": "01/12/2026"}),
        ("reopen", "post", f"{base}/mo-lai/", {"reason": "Sai số liệu"}),
        ("history", "get", f"{base}/lich-su/", None),
        ("extend", "post", f"{base}/gia-han/", {"until": f"{timezone.localdate():%d/%m/%Y}", "reason": "Mưa lũ"}),
        ("dossier_request", "post", f"{base}/pdf/", {}),
    ]


# Asking for the dossier PDF is reading, not writing: everyone who may read the assessment may ask.
READING_POSTS = {"dossier_request"}
REVIEW_ACTIONS = {
    "review": Action.VERDICT,
    "start_review": Action.START_REVIEW,
    "return_assessment": Action.RETURN,
    "approve": Action.APPROVE,
    "reopen": Action.REOPEN,
}


def test_every_assessment_url_is_covered_here(assessment, evidence):
    covered = {name for name, *_ in requests_for(assessment, evidence)}
    assessment_urls = {p.name for p in get_resolver().url_patterns if str(p.pattern).startswith("ho-so/")}
    assert assessment_urls == covered


@pytest.mark.parametrize("outsider", ["other_ward_officer", "foreign_reviewer", "foreign_leader", "no_role"])
def test_outsiders_get_404_everywhere(client, people, assessment, evidence, outsider):
    user = UserFactory() if outsider == "no_role" else people[outsider]
    client.force_login(user)
    for name, method, path, data in requests_for(assessment, evidence):
        response = getattr(client, method)(path, data) if data is not None else getattr(client, method)(path)
        assert response.status_code == 404, (outsider, name, method)
    assert EvidenceFile.objects.count() == 1
    assert not assessment.values.exists() and not assessment.verdicts.exists()


def test_anonymous_users_are_sent_to_login(client, assessment, evidence):
    for _, method, path, data in requests_for(assessment, evidence):
        response = getattr(client, method)(path, data) if data is not None else getattr(client, method)(path)
        assert response.status_code == 302 and response.url.startswith("/dang-nhap/")


@pytest.mark.parametrize("insider", ["reviewer", "approver", "leader", "national_leader"])
def test_province_people_may_read_but_not_write_a_ward_draft(client, people, assessment, evidence, insider):
    client.force_login(people[insider])
    for name, method, path, data in requests_for(assessment, evidence):
        response = getattr(client, method)(path, data) if data is not None else getattr(client, method)(path)
        action = REVIEW_ACTIONS.get(name)
        if method == "get":
            expected = 200
        elif name in READING_POSTS:
            expected = 302
        elif name == "extend":  # letting a ward submit late is the province's, not writing the ward's page
            expected = 302 if services.may_grant_extension(people[insider], assessment) else 403
        elif action is not None and workflow.may_act(people[insider], action, assessment):
            expected = 409  # their role may do it, a draft's status may not: they are told the status
        else:
            expected = 403
        assert response.status_code == expected, (insider, name)
        if expected == 409:
            assert "«Đang soạn»" in response.content.decode()
    assert EvidenceFile.objects.count() == 1
