"""Opening a year for a province: one assessment per phường on the year's map, idempotent, audited, notified."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from criteria.models import CriteriaSet
from tests.factories import AssessmentFactory, UserFactory, user_with_role
from wards.models import Assessment, AuditEvent, Membership, Notification, Province, Ward
from wards.services.divisions import import_divisions
from wards.services.opening import YearNotOpenable, open_year, province_on_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def can_tho(criteria_set):
    import_divisions(provinces={"92"})
    return Province.objects.on(datetime.date(2027, 11, 15)).get(code="92")


@pytest.fixture
def admin_user(db):
    user = UserFactory(username="quantri_open", is_staff=True, is_superuser=True)
    return user


def test_opening_a_year_creates_one_assessment_per_ward_on_the_years_map(can_tho, admin_user, criteria_set):
    cai_khe = Ward.objects.on(datetime.date(2027, 1, 1)).get(code="31120")
    officer = user_with_role(Membership.Role.WARD_OFFICER, ward=cai_khe)
    opened = open_year(province=can_tho, year=2027, user=admin_user)
    assert len(opened.created) == 31 and opened.already == 0
    assessments = Assessment.objects.filter(year=2027)
    assert assessments.count() == 31
    assert {a.deadline for a in assessments} == {datetime.date(2027, 11, 15)}
    assert {a.criteria_set_id for a in assessments} == {criteria_set.pk}
    assert set(assessments.values_list("ward__province", flat=True)) == {can_tho.pk}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.OPENED).count() == 31
    note = Notification.objects.get(user=officer)
    assert note.kind == Notification.Kind.OPENED
    assert note.subject == "Đã mở đợt đánh giá năm 2027: hạn nộp 15/11/2027"
    assert "Đã mở đợt đánh giá năm 2027 của Cần Thơ: tạo 31 hồ sơ" in opened.summary


def test_a_second_run_creates_nothing_and_says_so_and_keeps_what_was_typed(can_tho, admin_user, criteria_set):
    cai_khe = Ward.objects.on(datetime.date(2027, 1, 1)).get(code="31120")
    typed = AssessmentFactory(ward=cai_khe, year=2027, revision=3, criteria_set=criteria_set)
    first = open_year(province=can_tho, year=2027, user=admin_user)
    assert (len(first.created), first.already) == (30, 1)
    again = open_year(province=can_tho, year=2027, user=admin_user)
    assert again.created == [] and again.already == 31
    assert "đã được mở trước đó: không tạo thêm hồ sơ nào" in again.summary
    typed.refresh_from_db()
    assert typed.revision == 3


def test_the_old_map_year_opens_on_the_old_wards(can_tho, admin_user):
    old = province_on_map("92", 2024)
    assert old.valid_to == datetime.date(2025, 6, 30)
    opened = open_year(province=old, year=2024, user=admin_user)
    # The reference data knows 39 old Cần Thơ phường: An Cư, An Nghiệp and An Phú had merged before 2025.
    assert len(opened.created) == Ward.objects.filter(province=old, kind=Ward.Kind.WARD).count() == 39
    with pytest.raises(YearNotOpenable, match="không tồn tại vào ngày 15/11/2026"):
        open_year(province=old, year=2026, user=admin_user)


def test_a_year_without_an_applicable_criteria_set_is_refused(can_tho, admin_user, criteria_set):
    CriteriaSet.objects.filter(pk=criteria_set.pk).update(year_to=2030)
    with pytest.raises(YearNotOpenable, match="Chưa có bộ tiêu chí nào áp dụng cho năm 2031"):
        open_year(province=can_tho, year=2031, user=admin_user)
    assert not Assessment.objects.exists()


def test_only_an_administrator_opens_a_year(can_tho):
    reviewer = user_with_role(Membership.Role.REVIEWER, province=can_tho)
    with pytest.raises(PermissionDenied):
        open_year(province=can_tho, year=2027, user=reviewer)
    assert not Assessment.objects.exists()


def test_the_command_opens_the_year_of_the_province_on_that_years_map(can_tho, admin_user):
    out = StringIO()
    call_command("open_year", "92", "2027", "--as", admin_user.username, stdout=out)
    assert "tạo 31 hồ sơ" in out.getvalue()
    call_command("open_year", "92", "2027", "--as", admin_user.username, stdout=out)
    assert "không tạo thêm hồ sơ nào" in out.getvalue()
    with pytest.raises(CommandError, match="Không có tỉnh/thành phố mã 93 vào ngày 15/11/2027"):
        call_command("open_year", "93", "2027", "--as", admin_user.username)


def test_the_admin_action_asks_for_the_year_then_opens_it(client, can_tho, admin_user):
    client.force_login(admin_user)
    url = "/quan-tri/wards/province/"
    asked = client.post(url, {"action": "open_year", "_selected_action": [can_tho.pk]})
    assert asked.status_code == 200 and "Năm đánh giá" in asked.content.decode()
    done = client.post(url, {"action": "open_year", "_selected_action": [can_tho.pk], "apply": "1", "year": "2027"})
    assert done.status_code == 302
    assert Assessment.objects.filter(year=2027).count() == 31
    refused = client.post(url, {"action": "open_year", "_selected_action": [can_tho.pk], "apply": "1", "year": "12345"})
    assert refused.status_code == 200
    assert "Năm đánh giá phải từ 2000 đến 2100." in refused.content.decode()


def test_a_provinces_administrator_opens_their_own_province_only(can_tho):
    from wards.selectors import provinces_administered_by

    quang_ngai = Province.objects.create(code="51", name="Quảng Ngãi")
    province_admin = user_with_role(Membership.Role.PROVINCE_ADMIN, province=can_tho)
    assert list(provinces_administered_by(province_admin)) == [can_tho]
    assert len(open_year(province=can_tho, year=2027, user=province_admin).created) == 31
    with pytest.raises(PermissionDenied, match="không thuộc phạm vi quản trị"):
        open_year(province=quang_ngai, year=2027, user=province_admin)
    reviewer = user_with_role(Membership.Role.REVIEWER, province=can_tho)
    assert not provinces_administered_by(reviewer).exists()


def test_opening_a_year_whose_deadline_has_passed_says_so(can_tho, admin_user):
    from django.utils import timezone

    last_year = timezone.localdate().year - 1  # its 15 November has passed (the new Cần Thơ exists since 2025)
    opened = open_year(province=can_tho, year=last_year, user=admin_user)
    assert "Lưu ý: hạn nộp đã qua" in opened.summary
    assert "Lưu ý" not in open_year(province=can_tho, year=last_year + 2, user=admin_user).summary
