"""A province's reporting calendar: the deadline a year opens with, and moving it for the drafts only."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import AssessmentFactory, ProvinceFactory, UserFactory, WardFactory, user_with_role
from wards.models import Assessment, AuditEvent, Membership, ReportingCalendar
from wards.services.calendar import calendar_save, deadline_for
from wards.services.opening import open_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(username="quantri_lich", is_staff=True, is_superuser=True)


@pytest.fixture
def province(db):
    return ProvinceFactory(code="92", name="Cần Thơ")


def test_without_a_calendar_the_deadline_is_15_november(province):
    assert deadline_for(province, 2027) == datetime.date(2027, 11, 15)


def test_a_year_opens_with_the_provinces_deadline(province, admin_user, criteria_set):
    WardFactory(district__province=province)
    calendar = ReportingCalendar(
        province=province, year=2027, deadline=datetime.date(2027, 11, 10), half_year_report=datetime.date(2027, 5, 15)
    )
    calendar_save(calendar=calendar, user=admin_user)
    opened = open_year(province=province, year=2027, user=admin_user)
    assert [a.deadline for a in opened.created] == [datetime.date(2027, 11, 10)]


def test_changing_the_deadline_moves_the_drafts_only_and_audits_each(province, admin_user, criteria_set):
    draft = AssessmentFactory(ward=WardFactory(district__province=province), year=2027, criteria_set=criteria_set)
    sent = AssessmentFactory(
        ward=WardFactory(district__province=province),
        year=2027,
        criteria_set=criteria_set,
        status=Assessment.Status.SUBMITTED,
    )
    other_year = AssessmentFactory(
        ward=draft.ward, year=2026, criteria_set=criteria_set, deadline=datetime.date(2026, 11, 15)
    )
    calendar = ReportingCalendar(
        province=province, year=2027, deadline=datetime.date(2027, 11, 30), half_year_report=datetime.date(2027, 5, 15)
    )
    assert calendar_save(calendar=calendar, user=admin_user) == 1
    draft.refresh_from_db(), sent.refresh_from_db(), other_year.refresh_from_db()
    assert draft.deadline == datetime.date(2027, 11, 30)
    assert sent.deadline == datetime.date(2027, 11, 15)
    assert other_year.deadline == datetime.date(2026, 11, 15)
    event = AuditEvent.objects.get(assessment=draft, action=AuditEvent.Action.DEADLINE)
    assert (event.target, event.old, event.new) == ("Hạn nộp hồ sơ năm 2027", "15/11/2027", "30/11/2027")
    assert calendar_save(calendar=calendar, user=admin_user) == 0


def test_only_an_administrator_sets_the_calendar(province):
    reviewer = user_with_role(Membership.Role.REVIEWER, province=province)
    calendar = ReportingCalendar(
        province=province, year=2027, deadline=datetime.date(2027, 11, 30), half_year_report=datetime.date(2027, 5, 15)
    )
    with pytest.raises(PermissionDenied):
        calendar_save(calendar=calendar, user=reviewer)
    assert not ReportingCalendar.objects.exists()


@pytest.mark.parametrize(
    "deadline, half_year, field, message",
    [
        ((2030, 11, 15), (2027, 5, 15), "deadline", "Ngày này phải thuộc năm 2027 hoặc đầu năm sau."),
        ((2027, 11, 15), (2027, 12, 1), "half_year_report", "Hạn báo cáo 6 tháng phải trước hạn nộp hồ sơ năm."),
    ],
)
def test_dates_out_of_the_year_are_refused_at_the_field(province, deadline, half_year, field, message):
    calendar = ReportingCalendar(
        province=province, year=2027, deadline=datetime.date(*deadline), half_year_report=datetime.date(*half_year)
    )
    with pytest.raises(ValidationError) as error:
        calendar.full_clean()
    assert error.value.message_dict[field] == [message]


def test_the_admin_saves_the_calendar_and_says_how_many_drafts_moved(client, province, admin_user, criteria_set):
    AssessmentFactory(ward=WardFactory(district__province=province), year=2027, criteria_set=criteria_set)
    client.force_login(admin_user)
    response = client.post(
        "/quan-tri/wards/reportingcalendar/add/",
        {"province": province.pk, "year": 2027, "deadline": "30/11/2027", "half_year_report": "15/05/2027"},
        follow=True,
    )
    assert "Đã chuyển hạn nộp của 1 hồ sơ đang soạn sang 30/11/2027." in response.content.decode()
    assert Assessment.objects.get(year=2027).deadline == datetime.date(2027, 11, 30)


def test_reminders_follow_a_moved_deadline_and_an_extension(province, admin_user, criteria_set):
    from wards.models import DeadlineExtension, Notification
    from wards.services.notifications import deadline_reminders

    ward = WardFactory(district__province=province)
    head = user_with_role(Membership.Role.WARD_HEAD, ward=ward)
    draft = AssessmentFactory(ward=ward, year=2027, criteria_set=criteria_set, deadline=datetime.date(2027, 11, 15))
    assert deadline_reminders(today=datetime.date(2027, 11, 8)) == 1
    calendar = ReportingCalendar(
        province=province, year=2027, deadline=datetime.date(2027, 12, 15), half_year_report=datetime.date(2027, 5, 15)
    )
    calendar_save(calendar=calendar, user=admin_user)
    assert deadline_reminders(today=datetime.date(2027, 12, 8)) == 1  # the moved deadline's 7 days
    assert deadline_reminders(today=datetime.date(2027, 12, 8)) == 0  # once
    DeadlineExtension.objects.create(
        assessment=draft, until=datetime.date(2028, 1, 10), reason="Mưa lũ", granted_by=admin_user
    )
    assert deadline_reminders(today=datetime.date(2027, 12, 14)) == 0  # the deadline no longer is the last day
    assert deadline_reminders(today=datetime.date(2028, 1, 9)) == 1
    reminder = Notification.objects.filter(user=head, kind=Notification.Kind.REMINDER).order_by("-pk").first()
    assert "Hạn nộp: 10/01/2028 (còn 1 ngày)" in reminder.body


def test_a_deadline_off_the_map_of_the_drafts_is_refused_at_the_field(admin_user, criteria_set):
    from wards.map import REFORM_DATE

    new_province = ProvinceFactory.build(code="92", name="Cần Thơ", valid_from=REFORM_DATE)
    new_province.save()
    ward = WardFactory(province=new_province, district=None, valid_from=REFORM_DATE)
    AssessmentFactory(ward=ward, year=2025, criteria_set=criteria_set, deadline=datetime.date(2025, 11, 15))
    calendar = ReportingCalendar(
        province=new_province,
        year=2025,
        deadline=datetime.date(2025, 6, 1),
        half_year_report=datetime.date(2025, 5, 15),
    )
    with pytest.raises(ValidationError) as error:
        calendar_save(calendar=calendar, user=admin_user)
    assert "Cần Thơ không tồn tại vào ngày 01/06/2025" in error.value.message_dict["deadline"][0]


def test_the_half_year_report_is_reminded_of_on_the_provinces_day(province, criteria_set, admin_user):
    from wards.models import Notification
    from wards.services.notifications import deadline_reminders

    ward = WardFactory(district__province=province)
    head = user_with_role(Membership.Role.WARD_HEAD, ward=ward)
    AssessmentFactory(ward=ward, year=2027, criteria_set=criteria_set, deadline=datetime.date(2027, 11, 15))
    other = WardFactory()  # a province without a calendar: 15/5
    other_head = user_with_role(Membership.Role.WARD_HEAD, ward=other)
    AssessmentFactory(ward=other, year=2027, criteria_set=criteria_set, deadline=datetime.date(2027, 11, 15))
    calendar_save(
        calendar=ReportingCalendar(
            province=province,
            year=2027,
            deadline=datetime.date(2027, 11, 15),
            half_year_report=datetime.date(2027, 6, 1),
        ),
        user=admin_user,
    )
    assert deadline_reminders(today=datetime.date(2027, 5, 8)) == 1  # the default 15/5, for the other province
    assert Notification.objects.get(kind=Notification.Kind.HALF_YEAR).user == other_head
    assert deadline_reminders(today=datetime.date(2027, 5, 25)) == 1  # this province's 1/6
    note = Notification.objects.get(kind=Notification.Kind.HALF_YEAR, user=head)
    assert note.subject == "Còn 7 ngày đến hạn báo cáo 6 tháng năm 2027"
    assert "trước ngày 01/06/2027" in note.body
    assert deadline_reminders(today=datetime.date(2027, 5, 25)) == 0
