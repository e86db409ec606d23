"""What the app stores or sends is written in the site's language (Vietnamese), whatever language the person
acting reads the pages in: audit entries, notifications and their e-mails, round snapshots, the password-reset
e-mail and the documents (modelphuong/language.py)."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from criteria.models import Criterion
from reports import documents
from reports import services as report_services
from reports.models import RenderJob
from tests.conftest import page_data
from tests.factories import fill_assessment
from wards import services, tasks
from wards.models import Assessment, AuditEvent, Notification, RoundSnapshot

pytestmark = pytest.mark.django_db

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}

VIETNAMESE = {"Accept-Language": "vi"}


def drive(client, assessment, people, headers):
    """The life of an assessment through the pages, everyone reading in one language: the ward saves figures
    and submits, the reviewer returns it with a reason, the ward corrects and submits again, the reviewer
    concludes, the approver approves and then reopens."""
    criteria = {c.number: c for c in Criterion.objects.filter(criteria_set=assessment.criteria_set)}
    empty_base = json.dumps({str(c.pk): ["", ""] for c in criteria.values()})

    def post(who, name, data):
        client.force_login(people[who])
        response = client.post(reverse(name, args=[assessment.pk]), data, headers=headers)
        assert response.status_code == 302, (name, response.status_code)
        assessment.refresh_from_db()

    fill_assessment(assessment)
    post("officer", "assessment", page_data(assessment, **{"ind-13-1-count": "2", "ind-1-1-yes": "khong"}))
    post("head", "assessment_submit", {})
    verdicts = {f"verdict-{n}": "" for n in criteria}
    post("reviewer", "return_assessment", {**verdicts, "verdict-3": "fail", "comment-3": "Thiếu biên bản",
                                           "reason-3": "Bổ sung biên bản họp", "base": empty_base})  # fmt: skip
    post("officer", "assessment", page_data(assessment, **{"narrative-3": "Đã bổ sung biên bản"}))
    post("head", "assessment_submit", {})
    verdicts = {**{f"verdict-{n}": "pass" for n in criteria}, **{f"comment-{n}": "Đã xem" for n in criteria}}
    post("reviewer", "review", {**verdicts, "verdict-1": "fail", "comment-1": "Chưa đạt", "base": empty_base})
    post("approver", "approve", {"number": "125/QĐ-CAT-PV05", "decided_on": timezone.localdate().strftime("%d/%m/%Y")})
    post("approver", "reopen", {"reason": "Kiểm tra lại tiêu chí 1"})


def stored(assessment) -> dict:
    """What the assessment's life stored as text, its ward's name written as <ward>."""
    name = assessment.ward.name

    def plain(text):  # and an issued document's short code (random) as <code>
        return re.sub(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b", "<code>", text.replace(name, "<ward>"))

    return {
        "audit": [
            (e.action, plain(e.target), plain(e.old), plain(e.new))
            for e in AuditEvent.objects.filter(assessment=assessment).order_by("pk")
        ],
        "notifications": sorted(
            {(n.kind, plain(n.subject), plain(n.body)) for n in Notification.objects.filter(assessment=assessment)}
        ),
        "snapshots": [
            json.dumps(s.data, ensure_ascii=False, sort_keys=True)
            for s in RoundSnapshot.objects.filter(assessment=assessment).order_by("round")
        ],
    }


@pytest.fixture
def second_ward(other_ward, people):
    """The other ward of the province, with its own officer and head (the province's people are shared)."""
    from tests.factories import user_with_role
    from wards.models import Membership

    own = {
        **people,
        "officer": user_with_role(Membership.Role.WARD_OFFICER, ward=other_ward, username="officer2"),
        "head": user_with_role(Membership.Role.WARD_HEAD, ward=other_ward, username="head2"),
    }
    return other_ward, own


def test_what_an_english_reader_does_is_stored_as_a_vietnamese_reader_s(
    client, people, assessment, second_ward, criteria_set, mailoutbox
):
    """The same life driven by people reading English and by people reading Vietnamese stores the same texts,
    every audit entry, notification (and so its e-mail) and round snapshot: Vietnamese ones."""
    ward, own = second_ward
    for person in {**people, **own}.values():
        person.email = f"{person.username}@example.vn"
        person.save()
    drive(client, assessment, people, ENGLISH)
    assert "Log out" in client.get(reverse("review", args=[assessment.pk]), headers=ENGLISH).content.decode()
    in_vietnamese = Assessment.objects.create(
        ward=ward, year=assessment.year, deadline=assessment.deadline, criteria_set=criteria_set
    )
    drive(client, in_vietnamese, own, VIETNAMESE)

    english, vietnamese = stored(assessment), stored(in_vietnamese)
    assert english == vietnamese
    statuses = [(old, new) for action, _target, old, new in english["audit"] if action == AuditEvent.Action.STATUS]
    assert statuses == [
        ("Đang soạn", "Đã gửi"),
        ("Đã gửi", "Đang thẩm định"),
        ("Đang thẩm định", "Trả lại để bổ sung"),
        ("Trả lại để bổ sung", "Đã gửi"),
        ("Đã gửi", "Đang thẩm định"),
        ("Đang thẩm định", "Đã phê duyệt"),
        ("Đã phê duyệt", "Đang thẩm định (vòng 3). Lý do: Kiểm tra lại tiêu chí 1"),
    ]
    audit = {(action, target): (old, new) for action, target, old, new in english["audit"]}
    assert audit[(AuditEvent.Action.DECISION, "Quyết định")] == ("", "125/QĐ-CAT-PV05: Chưa đạt chuẩn (21/22 tiêu chí)")
    assert audit[(AuditEvent.Action.VERDICT, "Kết luận TC1")] == ("", "Không đạt — Chưa đạt")
    assert audit[(AuditEvent.Action.VALUE, "Chỉ tiêu 1.1 — Kết quả")] == ("Có", "Không")
    subjects = {kind: subject for kind, subject, _body in english["notifications"]}
    assert subjects == {
        "submitted": f"Phường <ward> đã gửi hồ sơ năm {assessment.year}",
        "returned": f"Hồ sơ năm {assessment.year} bị trả lại để bổ sung",
        "approved": f"Hồ sơ năm {assessment.year}: Chưa đạt chuẩn (21/22 tiêu chí)",
        "reopened": f"Hồ sơ năm {assessment.year} được mở lại để thẩm định",
    }
    assert "Bổ sung biên bản họp" in next(body for kind, _s, body in english["notifications"] if kind == "returned")
    with translation.override("en"):
        tasks.send_pending_emails()  # what the worker does: it sends each notification as stored
    assert {mail.subject for mail in mailoutbox} >= {
        s.replace("<ward>", assessment.ward.name) for s in subjects.values()
    }


def test_deadline_reminders_are_written_in_vietnamese_whatever_language_is_active(people, assessment):
    with translation.override("en"):
        assert services.deadline_reminders(today=assessment.deadline - datetime.timedelta(days=7)) == 2
    subjects = set(Notification.objects.filter(kind=Notification.Kind.REMINDER).values_list("subject", flat=True))
    assert subjects == {f"Còn 7 ngày đến hạn nộp hồ sơ năm {assessment.year}"}


def test_the_password_reset_e_mail_is_vietnamese_for_an_english_reader(client, people, mailoutbox):
    officer = people["officer"]
    officer.email = "canbo@caikhe.example.vn"
    officer.save()
    page = client.post("/mat-khau/quen/", {"email": officer.email}, headers=ENGLISH, follow=True).content.decode()
    assert "Log in" in page or "email" in page.lower()
    [mail] = mailoutbox
    assert "Đặt lại mật khẩu" in mail.subject and "Tên đăng nhập của bạn" in mail.body
    assert "Your username" not in mail.body


def test_documents_are_made_in_vietnamese_for_an_english_reader(
    client, people, assessment, settings, tmp_path, monkeypatch
):
    """The dossier asked for by someone reading English has the data (and content hash) of a Vietnamese one."""
    settings.MEDIA_ROOT = tmp_path
    fill_assessment(assessment)
    client.force_login(people["officer"])
    response = client.post(reverse("dossier_request", args=[assessment.pk]), headers=ENGLISH)
    assert response.status_code == 302
    job = RenderJob.objects.get(assessment=assessment, kind=RenderJob.Kind.DOSSIER)
    assessment.refresh_from_db()  # as the worker reads it
    with translation.override("vi"):
        vietnamese = documents.dossier_data(assessment)
        # The data holds lazy texts: its hash, as its PDF, is of the site's language.
        expected = documents.content_hash(RenderJob.Kind.DOSSIER, vietnamese)
    monkeypatch.setattr(documents, "render_pdf", lambda kind, data: (b"%PDF-1.7 test", 1))
    with translation.override("en"):  # a worker left in English by an earlier task: the worker builds the data
        report_services.job_render(report_services.job_claim(job.pk))
    job.refresh_from_db()
    assert job.content_hash == expected
    with translation.override("en"):
        assert report_services._data_for(RenderJob.Kind.DOSSIER, assessment=assessment) == vietnamese
