"""The decision as an issued document (wards/services/issuing.py): one decision for one or several wards, a signed
dossier per ward, the render jobs that sign them, what a reopening revokes and a new approval supersedes, and the
page that issues one decision for several wards."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from criteria.models import Criterion
from reports.models import RenderJob
from tests.factories import AssessmentFactory, WardFactory, fill_assessment, user_with_role
from wards import parsing, services
from wards.models import Assessment, AuditEvent, Decision, IssuedDocument, Membership
from wards.models.issued import CODE_ALPHABET, normalize_code
from wards.services.issuing import decision_issue

Kind = IssuedDocument.Kind
TODAY = timezone.localdate


def reviewed(assessment, people, *, fail=()):
    """Submitted, every criterion concluded (those numbered in `fail` not met), in review."""
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=people["head"])
    criteria = Criterion.objects.filter(criteria_set=assessment.criteria_set)
    verdicts = {
        c.pk: ("fail" if c.number in fail else "pass", "Chưa đạt" if c.number in fail else "") for c in criteria
    }
    services.verdicts_save(assessment=assessment, user=people["reviewer"], verdicts=verdicts, base={})
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.IN_REVIEW
    return assessment


@pytest.fixture
def wards_in_review(people, ward, criteria_set):
    """Three wards of the province in review, all criteria met; each with its own head."""
    out = []
    for i in range(3):
        w = ward if i == 0 else WardFactory(district=ward.district)
        own = {**people, "head": people["head"] if i == 0 else user_with_role(Membership.Role.WARD_HEAD, ward=w)}
        out.append(reviewed(AssessmentFactory(ward=w, criteria_set=criteria_set), own))
    return out


def issue(assessments, people, number="15/QĐ-CAT-PV01", **kwargs):
    return decision_issue(assessments=assessments, user=people["approver"], number=number, decided_on=TODAY(), **kwargs)


def test_one_approval_issues_a_decision_and_a_signed_dossier_queued_for_signing(people, assessment):
    reviewed(assessment, people)
    decision = services.assessment_approve(
        assessment=assessment, user=people["approver"], number="7/QĐ-CAT", decided_on=TODAY()
    )
    document = decision.document
    assert document.kind == Kind.DECISION and document.outcome == "certified"
    assert (document.number, document.year, document.province_id) == (
        "7/QĐ-CAT",
        assessment.year,
        assessment.ward.province_id,
    )
    assert document.signer_name == parsing.person(people["approver"])  # the approver, by default
    assert document.signer_title == "GIÁM ĐỐC"
    dossier = IssuedDocument.objects.get(kind=Kind.DOSSIER, assessment=assessment)
    assert not document.issued and not dossier.issued  # issued once signed by the worker
    jobs = {j.kind: j for j in RenderJob.objects.filter(document__in=[document, dossier])}
    assert jobs[RenderJob.Kind.DECISION].document == document
    assert jobs[RenderJob.Kind.SIGNED_DOSSIER].document == dossier
    assert all(j.status == RenderJob.Status.QUEUED and j.requested_by == people["approver"] for j in jobs.values())
    issued = AuditEvent.objects.filter(assessment=assessment, action=AuditEvent.Action.DOCUMENT_ISSUED)
    assert sorted(e.target for e in issued) == sorted(
        [
            f"Quyết định số 7/QĐ-CAT (mã tra cứu {document.code})",
            f"Hồ sơ đề nghị công nhận đã phê duyệt số 7/QĐ-CAT (mã tra cứu {dossier.code})",
        ]
    )


def test_tokens_and_codes_are_unguessable_and_codes_forgive_sloppy_typing(people, assessment):
    reviewed(assessment, people)
    document = issue([assessment], people)
    assert len(document.token) >= 32
    assert len(document.code) == 11 and document.code[5] == "-"
    assert set(document.code.replace("-", "")) <= set(CODE_ALPHABET)
    sloppy = document.code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normalize_code(sloppy) == document.code
    assert normalize_code("ABC") == ""


def test_several_wards_in_one_decision(people, wards_in_review):
    document = issue(wards_in_review, people)
    decisions = list(document.decisions.all())
    assert len(decisions) == 3 and {d.assessment_id for d in decisions} == {a.pk for a in wards_in_review}
    assert all(d.number == "15/QĐ-CAT-PV01" and d.outcome == Decision.Outcome.CERTIFIED for d in decisions)
    assert IssuedDocument.objects.filter(kind=Kind.DOSSIER).count() == 3
    assert RenderJob.objects.filter(kind=RenderJob.Kind.DECISION).count() == 1
    assert RenderJob.objects.filter(kind=RenderJob.Kind.SIGNED_DOSSIER).count() == 3
    assert Assessment.objects.filter(status=Assessment.Status.APPROVED).count() == 3


def test_a_decision_holds_wards_of_one_outcome_only(people, wards_in_review, criteria_set):
    a, b, c = wards_in_review
    tc7 = Criterion.objects.get(criteria_set=criteria_set, number=7)
    base = {tc7.pk: ("pass", "")}
    services.verdicts_save(
        assessment=c, user=people["reviewer"], verdicts={tc7.pk: ("fail", "Trụ sở xuống cấp")}, base=base
    )
    with pytest.raises(ValidationError) as error:
        issue([a, b, c], people)
    assert "cùng kết quả" in error.value.message_dict["assessments"][0]
    assert c.ward.name in error.value.message_dict["assessments"][0]
    assert not Decision.objects.exists() and not IssuedDocument.objects.exists()
    refusal = issue([c], people, number="16/QĐ-CAT-PV01")
    assert refusal.outcome == "not_certified" and refusal.decisions.get().criteria_passed == 21


def test_one_number_one_decision(people, wards_in_review):
    a, b, _c = wards_in_review
    issue([a], people, number="20/QĐ-CAT")
    with pytest.raises(ValidationError) as error:
        issue([b], people, number="20/QĐ-CAT")
    assert "đã dùng cho quyết định" in error.value.message_dict["number"][0]


def test_a_ward_without_every_verdict_is_named(people, wards_in_review):
    a, b, _c = wards_in_review
    b.verdicts.filter(criterion__number=22).delete()
    with pytest.raises(ValidationError) as error:
        issue([a, b], people)
    assert f"{b.ward.name} (TC22)" in error.value.message_dict["assessments"][0]


def test_a_signer_title_outside_the_list_is_refused_at_its_field(people, wards_in_review):
    with pytest.raises(ValidationError) as error:
        issue(wards_in_review[:1], people, signer_title="CHỦ TỊCH")
    assert "signer_title" in error.value.message_dict


def test_reopening_one_ward_revokes_its_dossier_and_the_decision_for_that_ward_only(people, wards_in_review):
    document = issue(wards_in_review, people)
    a, b, c = wards_in_review
    services.assessment_reopen(assessment=a, user=people["approver"], reason="Khiếu nại về số liệu TC13")
    document.refresh_from_db()
    assert document.revoked_at is None and document.state == IssuedDocument.State.VALID
    assert document.decisions.get(assessment=a).revoked_at is not None
    assert document.decisions.filter(revoked_at=None).count() == 2
    dossier_a = IssuedDocument.objects.get(kind=Kind.DOSSIER, assessment=a)
    assert dossier_a.state == IssuedDocument.State.REVOKED and dossier_a.revoke_reason == "Khiếu nại về số liệu TC13"
    assert IssuedDocument.objects.get(kind=Kind.DOSSIER, assessment=b).state == IssuedDocument.State.VALID
    revoked = AuditEvent.objects.filter(assessment=a, action=AuditEvent.Action.DOCUMENT_REVOKED)
    assert {e.new for e in revoked} == {
        "Khiếu nại về số liệu TC13",
        f"Thu hồi đối với phường {a.ward.name}: Khiếu nại về số liệu TC13",
    }
    for other in (b, c):
        services.assessment_reopen(assessment=other, user=people["approver"], reason="Rà soát lại")
    document.refresh_from_db()
    assert document.state == IssuedDocument.State.REVOKED and document.revoke_reason == "Rà soát lại"


def test_approving_again_supersedes_what_the_reopening_revoked(people, assessment):
    reviewed(assessment, people)
    first = issue([assessment], people, number="30/QĐ-CAT")
    old_dossier = IssuedDocument.objects.get(kind=Kind.DOSSIER, assessment=assessment)
    services.assessment_reopen(assessment=assessment, user=people["approver"], reason="Sai số liệu")
    assessment.refresh_from_db()
    second = issue([assessment], people, number="31/QĐ-CAT")
    first.refresh_from_db()
    old_dossier.refresh_from_db()
    new_dossier = IssuedDocument.objects.get(
        kind=Kind.DOSSIER, assessment=assessment, superseded_by=None, revoked_at=None
    )
    assert first.superseded_by == second and old_dossier.superseded_by == new_dossier
    assert first.state == IssuedDocument.State.REVOKED  # revoked, and replaced: the page says both
    superseded = AuditEvent.objects.filter(assessment=assessment, action=AuditEvent.Action.DOCUMENT_SUPERSEDED)
    assert superseded.count() == 2


def test_a_decision_of_several_wards_is_superseded_only_when_every_ward_is_decided_again(people, wards_in_review):
    first = issue(wards_in_review[:2], people, number="40/QĐ-CAT")
    a, b = wards_in_review[:2]
    for x in (a, b):
        services.assessment_reopen(assessment=x, user=people["approver"], reason="Rà soát")
        x.refresh_from_db()
    issue([a], people, number="41/QĐ-CAT")
    first.refresh_from_db()
    assert first.superseded_by is None  # ward b is not decided again yet
    third = issue([b], people, number="42/QĐ-CAT")
    first.refresh_from_db()
    assert first.superseded_by is None and third.decisions.count() == 1  # no single decision names both again


# --- The page: one decision for several wards -----------------------------------------------------------------


def test_the_page_lists_the_wards_waiting_and_issues_one_decision(client, people, wards_in_review):
    client.force_login(people["approver"])
    url = reverse("decision_batch")
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    for a in wards_in_review:
        assert f'value="{a.pk}"' in page and a.ward.name in page
    data = {
        "assessments": [a.pk for a in wards_in_review[:2]],
        "number": "50/QĐ-CAT-PV01",
        "decided_on": TODAY().strftime("%d/%m/%Y"),
        "signer_name": "Trần Văn Bình",
        "signer_title": "deputy",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    document = IssuedDocument.objects.get(kind=Kind.DECISION)
    assert document.decisions.count() == 2 and document.signer_name == "Trần Văn Bình"
    assert document.signer_title == "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    page = client.get(url).content.decode()
    assert f'value="{wards_in_review[0].pk}"' not in page and f'value="{wards_in_review[2].pk}"' in page


def test_the_page_answers_errors_at_their_fields_and_keeps_what_was_typed(client, people, wards_in_review):
    client.force_login(people["approver"])
    response = client.post(
        reverse("decision_batch"),
        {"assessments": [], "number": "năm mươi", "decided_on": "32/13/2026", "signer_name": "Trần Văn Bình"},
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors["assessments"] == ["Cần chọn ít nhất một phường."]
    assert form.errors["decided_on"] == ["Ngày theo dạng dd/mm/yyyy."]
    assert 'value="Trần Văn Bình"' in response.content.decode() and 'value="năm mươi"' in response.content.decode()


def test_the_page_refuses_a_ward_outside_the_approvers_province(
    client, people, foreign_ward, criteria_set, wards_in_review
):
    foreign = AssessmentFactory(ward=foreign_ward, criteria_set=criteria_set)
    client.force_login(people["approver"])
    response = client.post(
        reverse("decision_batch"),
        {"assessments": [foreign.pk], "number": "60/QĐ-CAT", "decided_on": TODAY().strftime("%d/%m/%Y")},
    )
    assert response.status_code == 422
    assert "không còn chờ quyết định" in response.context["form"].errors["assessments"][0]
    assert not IssuedDocument.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "leader", "officer", "head", "admin"])
def test_only_approvers_issue_decisions(client, people, who):
    client.force_login(people[who])
    assert client.get(reverse("decision_batch")).status_code == 403
    assert client.post(reverse("decision_batch"), {}).status_code == 403


def test_the_page_s_queries_do_not_grow_with_the_wards(client, people, ward, criteria_set):
    client.force_login(people["approver"])
    reviewed(AssessmentFactory(ward=ward, criteria_set=criteria_set), people)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("decision_batch")).status_code == 200
    for _ in range(3):
        w = WardFactory(district=ward.district)
        reviewed(
            AssessmentFactory(ward=w, criteria_set=criteria_set),
            {**people, "head": user_with_role(Membership.Role.WARD_HEAD, ward=w)},
        )
    with CaptureQueriesContext(connection) as four:
        assert client.get(reverse("decision_batch")).status_code == 200
    assert len(four) == len(one)
