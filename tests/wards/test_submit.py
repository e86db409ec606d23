"""Submitting: only the ward head, only when complete; read-only afterwards; returned means editable again."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from criteria.models import Criterion
from tests.conftest import page_data
from tests.factories import fill_assessment
from wards import services
from wards.models import Assessment, AuditEvent

pytestmark = pytest.mark.django_db


def submit(client, assessment, **data):
    return client.post(f"/ho-so/{assessment.pk}/gui/", data)


def test_a_ward_officer_cannot_submit(client, people, assessment):
    fill_assessment(assessment)
    client.force_login(people["officer"])
    assert submit(client, assessment).status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT


def test_submitting_an_incomplete_assessment_lists_what_is_missing(client, people, assessment):
    fill_assessment(assessment, skip={"13.2", "21.4"})
    client.force_login(people["head"])
    response = submit(client, assessment)
    assert response.status_code == 422
    page = response.content.decode()
    assert 'href="#ind-13-2"' in page and 'href="#ind-21-4"' in page
    assert "Còn 2 chỉ tiêu chưa có số liệu" in page
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT


def test_not_applicable_with_its_reason_counts_as_complete(client, people, assessment):
    fill_assessment(assessment, skip={"16.3"})
    client.force_login(people["head"])
    data = page_data(assessment, **{"ind-16-3-na": "on", "ind-16-3-na_reason": "Không có đối tượng truy nã"})
    assert submit(client, assessment, **data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED


def test_the_head_submits_and_the_page_becomes_read_only(client, people, assessment):
    fill_assessment(assessment)
    client.force_login(people["head"])
    response = submit(client, assessment)
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.submitted_by == people["head"] and assessment.submitted_at is not None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.STATUS, new="Đã gửi").exists()
    page = client.get(f"/ho-so/{assessment.pk}/").content.decode()
    assert 'id="read-only"' in page and 'id="save"' not in page and "disabled" in page
    # The ward's people may edit and submit, only not now: they are told the status (409), nothing changes.
    for user in ("head", "officer"):
        client.force_login(people[user])
        assert client.post(f"/ho-so/{assessment.pk}/", page_data(assessment)).status_code == 409
    client.force_login(people["head"])
    assert submit(client, assessment).status_code == 409
    assessment.refresh_from_db()
    assert assessment.status == "submitted" and assessment.round == 1


def test_submit_saves_what_was_typed_first(client, people, assessment):
    fill_assessment(assessment, skip={"1.1"})
    client.force_login(people["head"])
    assert submit(client, assessment, **page_data(assessment, **{"ind-1-1-yes": "co"})).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.values.get(indicator__code="1.1").yes is True


def test_a_returned_assessment_is_editable_again_and_can_be_resubmitted(client, people, assessment):
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=people["head"])
    tc13 = Criterion.objects.get(criteria_set=assessment.criteria_set, number=13)
    services.assessment_return(
        assessment=assessment, user=people["reviewer"], reasons={tc13.pk: "Số vụ phạm tội chưa khớp báo cáo."}
    )
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.RETURNED and assessment.editable_by_ward
    client.force_login(people["officer"])
    home = client.get("/").content.decode()
    assert "Số vụ phạm tội chưa khớp báo cáo." in home
    page = client.get(f"/ho-so/{assessment.pk}/").content.decode()
    assert "Lý do trả lại:" in page and "Số vụ phạm tội chưa khớp báo cáo." in page
    assert client.post(f"/ho-so/{assessment.pk}/", page_data(assessment, **{"ind-13-1-count": "0"})).status_code == 302
    client.force_login(people["head"])
    assert submit(client, assessment).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED and assessment.round == 2


def test_return_needs_a_reason_and_a_reviewer(people, assessment):
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=people["head"])
    with pytest.raises(ValidationError):
        services.assessment_return(assessment=assessment, user=people["reviewer"], reasons={})
    with pytest.raises(PermissionDenied):
        services.assessment_return(assessment=assessment, user=people["head"], reasons={1: "x"})
    with pytest.raises(PermissionDenied):
        services.assessment_return(assessment=assessment, user=people["foreign_reviewer"], reasons={1: "x"})


def test_a_second_click_on_submit_says_the_status_not_a_missing_permission(client, people, assessment):
    from tests.factories import fill_assessment

    fill_assessment(assessment)
    client.force_login(people["head"])
    assert client.post(f"/ho-so/{assessment.pk}/gui/").status_code == 302
    response = client.post(f"/ho-so/{assessment.pk}/gui/")
    assert response.status_code == 409
    page = response.content.decode()
    assert "Hồ sơ đang ở trạng thái «Đã gửi», không gửi được." in page
    assert "Vai trò của bạn" not in page


def test_an_officer_saving_after_the_head_submitted_is_told_and_sees_what_was_typed(client, people, assessment):
    from tests.conftest import page_data
    from tests.factories import fill_assessment

    fill_assessment(assessment)
    client.force_login(people["officer"])
    data = page_data(assessment, **{"narrative-3": "Chi bộ đạt trong sạch vững mạnh tiêu biểu"})
    services.assessment_submit(assessment=assessment, user=people["head"])
    response = client.post(f"/ho-so/{assessment.pk}/", data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "«Đã gửi», không sửa được" in page and "chưa được lưu" in page
    assert "Chi bộ đạt trong sạch vững mạnh tiêu biểu" in page
    assert not assessment.narratives.exists()


def test_an_upload_after_the_head_submitted_is_told_in_the_file_list(client, people, assessment):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import fill_assessment

    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=people["head"])
    client.force_login(people["officer"])
    response = client.post(
        f"/ho-so/{assessment.pk}/tieu-chi/5/minh-chung/",
        {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="evidence-5"' in page and "«Đã gửi», không sửa được" in page and "Tệp chưa được lưu" in page
    assert not assessment.evidence.exists()


def test_saving_no_change_still_takes_a_submitted_assessment_into_review(people, assessment):
    from tests.factories import fill_assessment

    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=people["head"])
    services.verdicts_save(assessment=assessment, user=people["reviewer"], verdicts={}, base={})
    assessment.refresh_from_db()
    assert assessment.status == assessment.Status.IN_REVIEW
