"""Notifications: in-app and by email through Celery after commit; reminders once per threshold."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from criteria.models import Criterion
from tests.factories import fill_assessment
from wards import services, tasks
from wards.models import Assessment, AuditEvent, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def emails(people):
    for name, user in people.items():
        user.email = f"{name}@congan.example.vn"
        user.save()
    return people


def test_submission_notifies_the_provinces_reviewers_after_commit(
    emails, assessment, django_capture_on_commit_callbacks, broker_down
):
    fill_assessment(assessment)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.assessment_submit(assessment=assessment, user=emails["head"])
    notes = Notification.objects.filter(kind=Notification.Kind.SUBMITTED)
    assert set(notes.values_list("user__username", flat=True)) == {"reviewer", "approver"}
    assert len(callbacks) == 1  # the email is queued only once the transaction commits
    # The broker is down: the request does not fail, the notifications wait for the sweep.
    callbacks[0]()
    assert notes.filter(emailed_at__isnull=True).count() == 2
    assert tasks.send_pending_emails() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["approver@congan.example.vn", "reviewer@congan.example.vn"]
    assert "Cái Khế" in mail.outbox[0].subject
    assert tasks.send_pending_emails() == 0  # each email goes once


def test_return_and_approval_notify_the_wards_users(emails, assessment):
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=emails["head"])
    tc13 = Criterion.objects.get(criteria_set=assessment.criteria_set, number=13)
    services.assessment_return(assessment=assessment, user=emails["reviewer"], reasons={tc13.pk: "Sai số liệu"})
    returned = Notification.objects.filter(kind=Notification.Kind.RETURNED)
    assert set(returned.values_list("user__username", flat=True)) == {"officer", "head"}
    assert "TC13: Sai số liệu" in returned.first().body
    services.assessment_submit(assessment=assessment, user=emails["head"])
    services.verdicts_save(
        assessment=assessment,
        user=emails["reviewer"],
        verdicts={c.pk: ("pass", "") for c in Criterion.objects.filter(criteria_set=assessment.criteria_set)},
        base={},
    )
    services.assessment_approve(
        assessment=assessment, user=emails["approver"], number="9/QĐ-CAT", decided_on=timezone.localdate()
    )
    approved = Notification.objects.filter(kind=Notification.Kind.APPROVED)
    assert set(approved.values_list("user__username", flat=True)) == {"officer", "head"}
    assert tasks.send_notification_emails(list(approved.values_list("pk", flat=True))) == 2
    assert all("Công nhận đạt chuẩn" in m.subject for m in mail.outbox)


def test_notifications_are_listed_on_the_home_page(client, emails, assessment):
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=emails["head"])
    client.force_login(emails["reviewer"])
    page = client.get("/").content.decode()
    assert 'id="notifications"' in page and "Phường Cái Khế đã gửi hồ sơ năm 2026" in page
    client.force_login(emails["officer"])
    assert "đã gửi hồ sơ năm 2026" not in client.get("/").content.decode()


def test_reminders_go_once_per_threshold(emails, assessment):
    deadline = assessment.deadline
    for days in (15, 14, 14, 10, 7, 7, 1, 1):
        services.deadline_reminders(today=deadline - datetime.timedelta(days=days))
    reminders = Notification.objects.filter(kind=Notification.Kind.REMINDER, assessment=assessment)
    assert sorted(reminders.filter(user=emails["officer"]).values_list("days_before", flat=True)) == [1, 7, 14]
    assert reminders.count() == 6  # officer and head, three thresholds each
    assert tasks.send_pending_emails() == 6 and tasks.send_pending_emails() == 0


def test_submitted_assessments_get_no_reminders(emails, assessment):
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=emails["head"])
    assert services.deadline_reminders(today=assessment.deadline - datetime.timedelta(days=7)) == 0


def test_the_reminder_task_runs_daily_in_beat():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["deadline-reminders"]["task"] == "wards.tasks.send_deadline_reminders"


def test_audit_trail_cannot_be_changed_through_the_admin(admin_client, people, assessment):
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=people["head"])
    event = AuditEvent.objects.get(action=AuditEvent.Action.STATUS)
    url = f"/quan-tri/wards/auditevent/{event.pk}/change/"
    assert admin_client.get(url).status_code == 200  # readable
    admin_client.post(url, {"old": "giả mạo", "new": "giả mạo"})
    assert admin_client.post(f"/quan-tri/wards/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert (event.old, event.new) == ("Đang soạn", "Đã gửi")
    assert admin_client.get("/quan-tri/wards/auditevent/add/").status_code == 403
    # The workflow's status cannot be edited around the audit trail either.
    page = admin_client.get(f"/quan-tri/wards/assessment/{assessment.pk}/change/").content.decode()
    assert 'name="status"' not in page
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SUBMITTED


def test_notification_texts_come_from_their_templates_unescaped(people, assessment):
    from tests.factories import fill_assessment
    from wards.services.notifications import message

    subject, body = message("reopened", a=assessment, ward=assessment.ward, reason='Sai "TC13" & TC14 <cũ>')
    assert subject == f"Hồ sơ năm {assessment.year} được mở lại để thẩm định"
    assert body.endswith('Lý do: Sai "TC13" & TC14 <cũ>')
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=people["head"])
    tc1 = assessment.criteria_set.criteria.get(number=1)
    tc3 = assessment.criteria_set.criteria.get(number=3)
    services.assessment_return(
        assessment=assessment, user=people["reviewer"], reasons={tc3.pk: "Thiếu biên bản", tc1.pk: "Bổ sung"}
    )
    note = people["officer"].notifications.get(kind="returned")
    assert note.body.endswith("Lý do:\n- TC1: Bổ sung\n- TC3: Thiếu biên bản")
