"""After the deadline a draft cannot be submitted, unless the province grants that ward a time-limited extension
(with a reason, audited, visible to both sides); a returned assessment needs none."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import AssessmentFactory, WardFactory, fill_assessment, user_with_role
from wards import services
from wards.models import Assessment, AuditEvent, Membership, Notification
from wards.services.calendar import SubmissionClosed

pytestmark = pytest.mark.django_db
Role = Membership.Role
TODAY = timezone.localdate()


@pytest.fixture
def late(criteria_set, ward):
    """A complete draft whose deadline was yesterday."""
    assessment = AssessmentFactory(
        ward=ward, year=TODAY.year, criteria_set=criteria_set, deadline=TODAY - datetime.timedelta(days=1)
    )
    fill_assessment(assessment)
    return assessment


@pytest.fixture
def people(ward):
    return {
        "head": user_with_role(Role.WARD_HEAD, ward=ward),
        "officer": user_with_role(Role.WARD_OFFICER, ward=ward),
        "reviewer": user_with_role(Role.REVIEWER, province=ward.province),
        "approver": user_with_role(Role.APPROVER, province=ward.province),
        "province_admin": user_with_role(Role.PROVINCE_ADMIN, province=ward.province),
        "leadership": user_with_role(Role.LEADERSHIP, province=ward.province),
    }


def test_after_the_deadline_a_draft_cannot_be_submitted(late, people):
    with pytest.raises(SubmissionClosed, match="Đã quá hạn nộp"):
        services.assessment_submit(assessment=late, user=people["head"])
    late.refresh_from_db()
    assert late.status == Assessment.Status.DRAFT


def test_an_extension_reopens_submission_until_its_day_audited_and_notified(late, people):
    until = TODAY + datetime.timedelta(days=10)
    services.extension_grant(assessment=late, until=until, reason="Mưa lũ kéo dài", user=people["reviewer"])
    event = AuditEvent.objects.get(assessment=late, action=AuditEvent.Action.EXTENSION)
    assert event.new == f"{until:%d/%m/%Y} (lý do: Mưa lũ kéo dài)"
    note = Notification.objects.get(user=people["head"], kind=Notification.Kind.EXTENDED)
    assert f"đến {until:%d/%m/%Y}" in note.subject and "Mưa lũ kéo dài" in note.body
    services.assessment_submit(assessment=late, user=people["head"])
    late.refresh_from_db()
    assert late.status == Assessment.Status.SUBMITTED


def test_a_returned_assessment_is_resubmitted_after_the_deadline_without_an_extension(late, people):
    Assessment.objects.filter(pk=late.pk).update(status=Assessment.Status.RETURNED)
    late.refresh_from_db()
    services.assessment_submit(assessment=late, user=people["head"])
    late.refresh_from_db()
    assert late.status == Assessment.Status.SUBMITTED


@pytest.mark.parametrize("role", ["reviewer", "approver", "province_admin"])
def test_the_provinces_people_grant_extensions(late, people, role):
    services.extension_grant(
        assessment=late, until=TODAY + datetime.timedelta(days=3), reason="Lý do", user=people[role]
    )
    assert late.extensions.count() == 1


@pytest.mark.parametrize("role", ["head", "officer", "leadership"])
def test_others_do_not(late, people, role):
    with pytest.raises(PermissionDenied):
        services.extension_grant(assessment=late, until=TODAY, reason="Lý do", user=people[role])
    assert not late.extensions.exists()


def test_another_provinces_reviewer_does_not(late, criteria_set):
    outsider = user_with_role(Role.REVIEWER, province=WardFactory().province)
    with pytest.raises(PermissionDenied):
        services.extension_grant(assessment=late, until=TODAY, reason="Lý do", user=outsider)


@pytest.mark.parametrize(
    "days, reason, field, message",
    [
        (-1, "Lý do", "until", "Ngày gia hạn phải từ hôm nay trở đi."),
        (91, "Lý do", "until", "Gia hạn tối đa 90 ngày kể từ hôm nay."),
        (5, "  ", "reason", "Cần nêu lý do gia hạn."),
    ],
)
def test_an_extension_is_time_limited_and_has_a_reason(late, people, days, reason, field, message):
    with pytest.raises(ValidationError) as error:
        services.extension_grant(
            assessment=late, until=TODAY + datetime.timedelta(days=days), reason=reason, user=people["reviewer"]
        )
    assert error.value.message_dict[field] == [message]


def test_both_sides_see_the_extension_and_the_ward_sees_it_closed_before(client, late, people):
    client.force_login(people["head"])
    page = client.get(f"/ho-so/{late.pk}/").content.decode()
    assert 'id="submission-closed"' in page and "Đã quá hạn nộp" in page
    refused = client.post(f"/ho-so/{late.pk}/gui/")
    assert refused.status_code == 409
    assert "chỉ gửi được khi Công an tỉnh/thành phố cho gia hạn" in refused.content.decode()
    client.force_login(people["reviewer"])
    review = client.get(f"/ho-so/{late.pk}/tham-dinh/").content.decode()
    assert 'id="extend"' in review
    until = TODAY + datetime.timedelta(days=7)
    done = client.post(f"/ho-so/{late.pk}/gia-han/", {"until": f"{until:%d/%m/%Y}", "reason": "Mưa lũ"}, follow=True)
    assert f"Đã gia hạn nộp hồ sơ đến {until:%d/%m/%Y}" in done.content.decode()
    assert f"Gia hạn đến {until:%d/%m/%Y}" in done.content.decode()
    client.force_login(people["head"])
    page = client.get(f"/ho-so/{late.pk}/").content.decode()
    assert f"Gia hạn đến {until:%d/%m/%Y}" in page and "Mưa lũ" in page
    assert 'id="submission-closed"' not in page


def test_a_refused_extension_keeps_what_was_typed_at_the_field(client, late, people):
    client.force_login(people["reviewer"])
    refused = client.post(f"/ho-so/{late.pk}/gia-han/", {"until": "31/02/2026", "reason": "Mưa lũ kéo dài"})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Ngày theo dạng dd/mm/yyyy." in page and "Mưa lũ kéo dài" in page


def test_the_extension_page_answers_404_outside_and_403_without_the_role(client, late, people, criteria_set):
    outsider = user_with_role(Role.REVIEWER, province=WardFactory().province)
    client.force_login(outsider)
    assert client.post(f"/ho-so/{late.pk}/gia-han/", {}).status_code == 404
    client.force_login(people["leadership"])
    assert client.post(f"/ho-so/{late.pk}/gia-han/", {}).status_code == 403


def test_the_wards_home_counts_the_days_to_the_extension(client, late, people):
    until = TODAY + datetime.timedelta(days=10)
    services.extension_grant(assessment=late, until=until, reason="Mưa lũ", user=people["reviewer"])
    client.force_login(people["head"])
    page = client.get("/").content.decode()
    assert f"gia hạn đến {until:%d/%m/%Y}" in page and "còn 10 ngày" in page
