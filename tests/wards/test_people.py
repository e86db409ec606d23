"""A province's people: the list and who has not accepted, the Excel template and its import (row by row, all or
nothing, re-importable, audited), invitations and their one-time link, deactivation, and scope."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tests.factories import AssessmentFactory, UserFactory, user_with_role
from wards import people_sheet, tasks
from wards.models import AuditEvent, Invitation, Membership, PeopleEvent, Province, Ward
from wards.services import people
from wards.services.divisions import import_divisions

pytestmark = pytest.mark.django_db
Role = Membership.Role
User = get_user_model()
HEADER = [title for title, _ in people_sheet.COLUMNS]


@pytest.fixture
def can_tho(criteria_set):
    import_divisions(provinces={"92"})
    return Province.objects.current().get(code="92")


@pytest.fixture
def quang_ngai(criteria_set):
    import_divisions(provinces={"51"})
    return Province.objects.current().get(code="51")


@pytest.fixture
def province_admin(can_tho):
    user = user_with_role(Role.PROVINCE_ADMIN, province=can_tho, username="quantri.cantho")
    user.email = "quantri@cantho.example.vn"
    user.save()
    return user


def cai_khe():
    return Ward.objects.current().get(code="31120")


def sheet(*rows, header=HEADER, title=True) -> bytes:
    """A people sheet as a person might make it: a title line, the header, then the rows."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append(["Danh sách cán bộ"])
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, content, name="nguoi-dung.xlsx", code="92", **extra):
    return client.post(f"/quan-tri-tinh/{code}/nguoi-dung/nhap/", {"file": SimpleUploadedFile(name, content)}, **extra)


def sent_invitations(callbacks=None):
    """Send the queued invitations as the worker would, and return the e-mails."""
    tasks.send_pending_emails()
    return mail.outbox


def link_in(message) -> str:
    return re.search(r"http://testserver(/loi-moi/\S+/)", message.body).group(1)


# --- The list ------------------------------------------------------------------------------------------


def test_the_people_tab_lists_the_provinces_people_and_who_has_not_accepted_in_constant_queries(
    client, province_admin, can_tho, quang_ngai, django_assert_max_num_queries
):
    reviewer = user_with_role(Role.REVIEWER, province=can_tho, username="thamdinh")
    reviewer.email, reviewer.last_login = "thamdinh@cantho.example.vn", timezone.now()
    reviewer.save()
    invited = user_with_role(Role.WARD_OFFICER, ward=cai_khe(), username="canbo")
    invited.email = "canbo@cantho.example.vn"
    invited.set_unusable_password()
    invited.save()
    Invitation.objects.create(user=invited, invited_by=province_admin, site="http://testserver")
    gone = user_with_role(Role.WARD_HEAD, ward=cai_khe(), username="truong.cu")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    outsiders = [
        user_with_role(Role.REVIEWER, province=quang_ngai, username="thamdinh.qn"),
        user_with_role(Role.ADMIN, username="quantri.toanquoc"),
        user_with_role(Role.LEADERSHIP, username="lanhdao.toanquoc"),
        user_with_role(Role.WARD_OFFICER, ward=Ward.objects.current().get(code="21025"), username="canbo.qn"),
    ]
    client.force_login(province_admin)
    with django_assert_max_num_queries(10):
        page = client.get("/quan-tri-tinh/92/nguoi-dung/").content.decode()
    assert "4 người dùng" in page
    assert "Chưa nhận lời mời (1)" in page
    assert "Đã nhận (2)" in page and "Ngừng hoạt động (1)" in page  # the reviewer and the administrator
    assert "canbo@cantho.example.vn" in page and "Phường Cái Khế" in page and "mời lúc" in page
    for outsider in outsiders:
        assert f'id="person-{outsider.pk}"' not in page
    pending = client.get("/quan-tri-tinh/92/nguoi-dung/?trang-thai=cho-nhan").content.decode()
    assert f'id="person-{invited.pk}"' in pending and f'id="person-{reviewer.pk}"' not in pending
    assert f'id="person-{gone.pk}"' not in pending
    # More people, the same number of queries.
    for n in range(10):
        user_with_role(Role.WARD_OFFICER, ward=cai_khe(), username=f"them{n}")
    with django_assert_max_num_queries(10):
        assert "14 người dùng" in client.get("/quan-tri-tinh/92/nguoi-dung/").content.decode()


def test_the_template_lists_the_roles_and_todays_ward_codes_and_holds_the_people_there_now(client, province_admin):
    client.force_login(province_admin)
    response = client.get("/quan-tri-tinh/92/nguoi-dung/mau/")
    assert response.status_code == 200 and response["Content-Type"] == people_sheet.CONTENT_TYPE
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [people_sheet.PEOPLE_SHEET, people_sheet.LISTS_SHEET]
    ws = wb[people_sheet.PEOPLE_SHEET]
    assert [c.value for c in ws[people_sheet.HEADER_ROW]] == HEADER
    assert [c.value for c in ws[people_sheet.HEADER_ROW + 1]] == [
        "Nguyễn Văn An",
        "quantri@cantho.example.vn",
        "Quản trị tỉnh",
        None,
        "92",
    ]
    lists = wb[people_sheet.LISTS_SHEET]
    roles = [r[0] for r in lists.iter_rows(min_row=2, max_col=1, values_only=True) if r[0]]
    assert roles == [
        "Cán bộ Công an phường",
        "Trưởng Công an phường",
        "Cán bộ thẩm định",
        "Lãnh đạo phê duyệt",
        "Lãnh đạo",
        "Quản trị tỉnh",
    ]  # not "Quản trị": a province's administrator cannot give it
    wards = {r[3]: r[4] for r in lists.iter_rows(min_row=2, values_only=True) if r[3]}
    assert len(wards) == 31 and wards["31120"] == "Cái Khế"  # today's Cái Khế, not the old An Hòa
    assert "31123" not in wards  # Thới Bình ended with the reform
    assert any(dv.sqref and "C5" in str(dv.sqref) for dv in ws.data_validations.dataValidation)


def test_someone_on_a_ward_that_has_ended_is_listed_but_left_out_of_the_template(client, province_admin):
    """Old An Hòa's code, 31120, is the new Cái Khế's: written into the sheet and imported back, it would move
    the person without anyone choosing it."""
    an_hoa = Ward.objects.get(code="31120", valid_to__isnull=False)
    legacy = user_with_role(Role.WARD_OFFICER, ward=an_hoa, username="canbo.anhoa")
    legacy.email = "anhoa@cantho.example.vn"
    legacy.save()
    client.force_login(province_admin)
    page = client.get("/quan-tri-tinh/92/nguoi-dung/").content.decode()
    assert f'id="person-{legacy.pk}"' in page and "phường đã kết thúc" in page
    wb = load_workbook(io.BytesIO(client.get("/quan-tri-tinh/92/nguoi-dung/mau/").content))
    rows = wb[people_sheet.PEOPLE_SHEET].iter_rows(min_row=people_sheet.HEADER_ROW + 1, values_only=True)
    assert [r[1] for r in rows if r[1]] == ["quantri@cantho.example.vn"]


# --- The import ----------------------------------------------------------------------------------------


def test_a_50_row_sheet_imports_in_one_step_and_invites_everyone(
    client, province_admin, django_capture_on_commit_callbacks
):
    wards = list(Ward.objects.current().filter(province__code="92").order_by("code"))
    rows = [
        (f"Trần Thị Cán Bộ {n}", f"canbo{n}@cantho.example.vn", "Cán bộ Công an phường", wards[n % len(wards)].code, "")
        for n in range(45)
    ] + [(f"Lê Văn Thẩm Định {n}", f"thamdinh{n}@cantho.example.vn", "Cán bộ thẩm định", "", "92") for n in range(5)]
    client.force_login(province_admin)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, sheet(*rows), follow=True)
    page = response.content.decode()
    assert "Đã nhập danh sách người dùng: 50 người mới (đã gửi lời mời), 0 người được cập nhật" in page
    assert len(callbacks) == 1  # one message to the worker for the whole sheet, after commit
    created = User.objects.filter(email__endswith="@cantho.example.vn").exclude(pk=province_admin.pk)
    assert created.count() == 50
    assert not any(u.has_usable_password() for u in created)  # nobody is given a password
    officer = created.get(email="canbo0@cantho.example.vn")
    assert (officer.username, officer.last_name, officer.first_name) == (
        "canbo0@cantho.example.vn",
        "Trần Thị Cán Bộ",
        "0",
    )
    assert officer.membership.role == Role.WARD_OFFICER and officer.membership.ward == wards[0]
    assert created.get(email="thamdinh0@cantho.example.vn").membership.province.code == "92"
    [event] = PeopleEvent.objects.all()
    assert (event.kind, event.actor, event.file_name, event.created, event.updated) == (
        PeopleEvent.Kind.IMPORT,
        province_admin,
        "nguoi-dung.xlsx",
        50,
        0,
    )
    assert "Tạo mới: Trần Thị Cán Bộ 0 <canbo0@cantho.example.vn> — Cán bộ Công an phường, Phường" in event.detail
    assert "Chưa nhận lời mời (50)" in page  # the administrator has logged in
    outbox = sent_invitations()
    assert len(outbox) == 50 and {m.to[0] for m in outbox} == set(created.values_list("email", flat=True))
    assert "Tên đăng nhập của bạn: canbo0@cantho.example.vn" in next(
        m.body for m in outbox if m.to == ["canbo0@cantho.example.vn"]
    )
    assert Invitation.objects.filter(emailed_at__isnull=True).count() == 0
    assert tasks.send_pending_emails() == 0  # each invitation goes once


def test_a_sheet_with_bad_rows_changes_nothing_and_names_each_row_and_column(client, province_admin, quang_ngai):
    before = User.objects.count()
    rows = [
        ("Nguyễn Văn Đúng", "dung@cantho.example.vn", "Cán bộ Công an phường", "31120", ""),  # 3: fine
        ("Phạm Văn Lạ", "la@cantho.example.vn", "Cán bộ Công an phường", "99999", ""),  # 4
        ("Võ Văn Cũ", "cu@cantho.example.vn", "Trưởng Công an phường", "31123", ""),  # 5: ended with the reform
        ("Đỗ Thị Ngoài", "ngoai@cantho.example.vn", "Cán bộ Công an phường", "21025", ""),  # 6: Quảng Ngãi's
        ("Hồ Văn Thiếu", "thieu@cantho.example.vn", "Trưởng Công an phường", "", ""),  # 7: needs a ward
        ("Nguyễn Văn Trùng", "DUNG@cantho.example.vn", "Cán bộ thẩm định", "", "92"),  # 8: row 3's e-mail
        ("Lý Thị Sai", "sai-at-cantho.example.vn", "Cán bộ thẩm định", "", "92"),  # 9
        ("Mai Văn Vai", "vai@cantho.example.vn", "Giám đốc", "", "92"),  # 10
        ("Trịnh Văn Quyền", "quyen@cantho.example.vn", "Quản trị", "", ""),  # 11: a national administrator
        ("Tạ Văn Tỉnh", "tinh@cantho.example.vn", "Lãnh đạo phê duyệt", "", "51"),  # 12: another province
        ("", "ten@cantho.example.vn", "Lãnh đạo", "", "92"),  # 13: no name
    ]
    client.force_login(province_admin)
    response = upload(client, sheet(*rows))
    assert response.status_code == 422
    page = response.content.decode()
    assert "Tệp «nguoi-dung.xlsx» có 10 lỗi; chưa thay đổi gì." in page
    expected = [
        "Dòng 4, cột «Mã phường»: không có phường nào mã 99999 trên bản đồ hiện nay.",
        "Dòng 5, cột «Mã phường»: mã 31123 là của Phường Thới Bình, không còn trên bản đồ hiện nay (đến 30/06/2025).",
        "Dòng 6, cột «Mã phường»: mã 21025 là của Phường Cẩm Thành thuộc Quảng Ngãi, không thuộc Cần Thơ.",
        "Dòng 7, cột «Mã phường»: vai trò «Trưởng Công an phường» cần mã phường.",
        "Dòng 8, cột «E-mail»: e-mail «DUNG@cantho.example.vn» trùng với dòng 3.",
        "Dòng 9, cột «E-mail»: «sai-at-cantho.example.vn» không phải địa chỉ e-mail hợp lệ.",
        "Dòng 10, cột «Vai trò»: không có vai trò «Giám đốc».",
        "Dòng 11, cột «Vai trò»: bạn không được cấp vai trò «Quản trị».",
        "Dòng 12, cột «Mã tỉnh»: mã tỉnh 51 không phải của Cần Thơ (92)",
        "Dòng 13, cột «Họ và tên»: chưa điền họ và tên.",
    ]
    for message in expected:
        assert message in page, message
    assert User.objects.count() == before and not PeopleEvent.objects.exists() and not Invitation.objects.exists()

    # Fixed, the same sheet goes in whole.
    fixed = [rows[0], ("Phạm Văn Lạ", "la@cantho.example.vn", "Cán bộ Công an phường", "31135", "")]
    done = upload(client, sheet(*fixed), follow=True)
    assert "2 người mới" in done.content.decode()
    assert User.objects.get(email="la@cantho.example.vn").membership.ward.name == "Ninh Kiều"


def test_the_reused_code_means_todays_ward(client, province_admin):
    """31120 was An Hòa's code until the reform and is the new Cái Khế's now."""
    client.force_login(province_admin)
    upload(client, sheet(("Lê Văn Mới", "moi@cantho.example.vn", "Cán bộ Công an phường", 31120, "")))
    ward = User.objects.get(email="moi@cantho.example.vn").membership.ward
    assert ward.name == "Cái Khế" and ward.valid_to is None


def test_codes_that_excel_took_for_numbers_get_their_leading_zeros_back():
    wb = load_workbook(io.BytesIO(sheet(("A B", "a@b.vn", "Cán bộ Công an phường", 4, 1))))
    [row] = people_sheet.read_rows(wb)
    assert (row.ward_code, row.province_code, row.number) == ("00004", "01", 3)


def test_re_importing_updates_the_same_people_matched_by_email_whatever_its_case(client, province_admin):
    client.force_login(province_admin)
    upload(client, sheet(("Nguyễn Văn An", "An.Nguyen@cantho.example.vn", "Cán bộ Công an phường", "31120", "")))
    [person] = User.objects.filter(email="an.nguyen@cantho.example.vn")
    again = upload(
        client,
        sheet(
            ("Nguyễn Văn Ân", "AN.NGUYEN@CANTHO.EXAMPLE.VN", "trưởng công an phường", "31135", ""),
            ("Nguyễn Văn An", "QUANTRI@cantho.example.vn", "Quản trị tỉnh", "", "92"),
        ),
        follow=True,
    )
    assert "0 người mới (đã gửi lời mời), 1 người được cập nhật, 1 người giữ nguyên" in again.content.decode()
    person.refresh_from_db()
    assert User.objects.filter(email__iexact="an.nguyen@cantho.example.vn").count() == 1
    assert (person.first_name, person.membership.role, person.membership.ward.code) == ("Ân", Role.WARD_HEAD, "31135")
    event = PeopleEvent.objects.order_by("pk").last()
    assert event.updated == 1 and event.created == 0
    assert "họ tên Nguyễn Văn An → Nguyễn Văn Ân" in event.detail
    assert "vai trò Cán bộ Công an phường, Phường Cái Khế → Trưởng Công an phường, Phường Ninh Kiều" in event.detail
    assert Invitation.objects.filter(user=person).count() == 1  # updating does not invite again
    # The page shows who imported what.
    page = client.get("/quan-tri-tinh/92/nguoi-dung/").content.decode()
    assert "Nhập từ Excel" in page and "1 người mới, 0 người được cập nhật" in page


def test_people_outside_the_province_are_not_taken_over(client, province_admin, quang_ngai):
    foreign = user_with_role(Role.REVIEWER, province=quang_ngai, username="thamdinh.qn")
    foreign.email = "thamdinh@quangngai.example.vn"
    foreign.save()
    national = UserFactory(username="root", email="root@example.vn", is_superuser=True, is_staff=True)
    client.force_login(province_admin)
    response = upload(
        client,
        sheet(
            ("Lê Văn Khác", "ThamDinh@quangngai.example.vn", "Cán bộ thẩm định", "", "92"),
            ("Gốc", national.email, "Lãnh đạo", "", "92"),
            ("Quản trị", province_admin.email, "Cán bộ thẩm định", "", "92"),
        ),
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert (
        "Dòng 3, cột «E-mail»: e-mail «ThamDinh@quangngai.example.vn» là của một người dùng ngoài Cần Thơ, "
        "không sửa được ở đây." in page
    )
    assert "Dòng 4, cột «E-mail»: e-mail «root@example.vn» là của một người dùng ngoài Cần Thơ" in page
    assert "Dòng 5, cột «Vai trò»: bạn không tự đổi vai trò hay phạm vi của mình được." in page
    foreign.membership.refresh_from_db()
    assert foreign.membership.province == quang_ngai


def test_the_national_administrator_may_give_the_national_administrators_role(client, can_tho):
    admin_user = UserFactory(username="quantri", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    roles = load_workbook(io.BytesIO(client.get("/quan-tri-tinh/92/nguoi-dung/mau/").content))
    assert "Quản trị" in [r[0] for r in roles[people_sheet.LISTS_SHEET].iter_rows(min_row=2, values_only=True)]
    response = upload(
        client,
        sheet(
            ("Hoàng Văn Quốc", "quoc@bocongan.example.vn", "Quản trị", "", "92"),
            ("Hoàng Văn Gia", "gia@bocongan.example.vn", "Quản trị", "", ""),
        ),
    )
    assert "Dòng 3, cột «Mã tỉnh»: vai trò «Quản trị» là của toàn quốc: để trống cột này." in response.content.decode()
    upload(client, sheet(("Hoàng Văn Gia", "gia@bocongan.example.vn", "Quản trị", "", "")))
    membership = User.objects.get(email="gia@bocongan.example.vn").membership
    assert membership.role == Role.ADMIN and membership.province is None


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a workbook", "Tệp «nguoi-dung.xlsx» không phải danh sách người dùng"),
        (sheet(("x",), header=["Tên", "Thư"]), "không tìm thấy dòng tiêu đề «Họ và tên, E-mail, Vai trò"),
        (sheet(), "Tệp «nguoi-dung.xlsx» chưa có người nào."),
    ],
    ids=["not-xlsx", "other-sheet", "empty"],
)
def test_a_file_that_is_not_a_filled_people_sheet_is_refused_at_the_field(client, province_admin, content, message):
    client.force_login(province_admin)
    response = upload(client, content)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode() or "is-invalid" in response.content.decode()


def test_a_zip_bomb_is_refused_before_it_is_opened(client, province_admin, settings):
    import os
    import zipfile

    settings.ZIP_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/media/image1.png", os.urandom(3 * 1024 * 1024))
    client.force_login(province_admin)
    response = upload(client, buffer.getvalue())
    assert response.status_code == 422
    assert "Tệp «nguoi-dung.xlsx» khi giải nén lớn hơn 2 MB" in response.content.decode()


# --- Invitations ---------------------------------------------------------------------------------------


def _invite_one(client, province_admin, email="moi@cantho.example.vn"):
    client.force_login(province_admin)
    upload(client, sheet(("Lê Thị Mới", email, "Cán bộ Công an phường", "31120", "")))
    client.logout()
    return User.objects.get(email=email)


def test_the_invitation_link_sets_the_password_once(client, province_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = _invite_one(client, province_admin)
    [message] = sent_invitations()
    assert message.to == ["moi@cantho.example.vn"]
    assert "Lời mời" in message.subject
    assert "Quản trị tỉnh — Cần Thơ" not in message.body and "Cán bộ Công an phường — Phường Cái Khế" in message.body
    link = link_in(message)
    opened = client.get(link, follow=True)
    assert "Nhận lời mời: đặt mật khẩu" in opened.content.decode()
    assert "moi@cantho.example.vn" in opened.content.decode()
    form_url = opened.redirect_chain[-1][0]
    weak = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200
    assert "Mật khẩu này quá phổ biến" in weak.content.decode() or "quá phổ biến" in weak.content.decode()
    done = client.post(form_url, {"new_password1": "Cong-an-Cai-Khe-2026", "new_password2": "Cong-an-Cai-Khe-2026"})
    assert done.status_code == 302 and done.url == "/dang-nhap/"
    assert "Đã đặt mật khẩu" in client.get(done.url).content.decode()
    person.refresh_from_db()
    assert person.check_password("Cong-an-Cai-Khe-2026")
    # The same link a second time: used.
    again = client.get(link, follow=True).content.decode()
    assert "Liên kết không còn hiệu lực" in again and "đã được dùng" in again
    logged_in = client.post("/dang-nhap/", {"username": "moi@cantho.example.vn", "password": "Cong-an-Cai-Khe-2026"})
    assert logged_in.status_code == 302
    person.refresh_from_db()
    assert people.accepted(person)


def test_an_invitation_link_expires_with_the_password_reset_timeout(
    client, province_admin, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite_one(client, province_admin)
    [message] = sent_invitations()
    settings.PASSWORD_RESET_TIMEOUT = -1  # any link made before now is past it
    assert "Liên kết không còn hiệu lực" in client.get(link_in(message), follow=True).content.decode()


def test_resending_an_invitation_replaces_the_old_link(client, province_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = _invite_one(client, province_admin)
    [first] = sent_invitations()
    client.force_login(province_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/quan-tri-tinh/92/nguoi-dung/{person.pk}/moi-lai/", follow=True)
    assert "Đã gửi lại lời mời tới moi@cantho.example.vn." in response.content.decode()
    first, second = sent_invitations()
    client.logout()
    assert "Liên kết không còn hiệu lực" in client.get(link_in(first), follow=True).content.decode()
    assert "Nhận lời mời: đặt mật khẩu" in client.get(link_in(second), follow=True).content.decode()
    assert PeopleEvent.objects.filter(kind=PeopleEvent.Kind.INVITE, person=person, actor=province_admin).exists()


def test_an_invitation_is_not_sent_again_to_someone_who_accepted(client, province_admin, can_tho):
    reviewer = user_with_role(Role.REVIEWER, province=can_tho, username="thamdinh")
    reviewer.email, reviewer.last_login = "thamdinh@cantho.example.vn", timezone.now()
    reviewer.save()
    client.force_login(province_admin)
    response = client.post(f"/quan-tri-tinh/92/nguoi-dung/{reviewer.pk}/moi-lai/", follow=True)
    assert "đã nhận lời mời và đăng nhập" in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_import_neither_fails_nor_waits_when_the_broker_is_down(
    client, province_admin, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(province_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, sheet(("Lê Thị Mới", "moi@cantho.example.vn", "Cán bộ Công an phường", "31120", "")))
    assert response.status_code == 302
    assert Invitation.objects.filter(emailed_at__isnull=True).count() == 1  # waiting for the sweep
    broker_down()  # the broker is back
    assert tasks.send_pending_emails() == 1
    assert mail.outbox[0].to == ["moi@cantho.example.vn"]


def test_a_deactivated_person_cannot_use_their_invitation(client, province_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = _invite_one(client, province_admin)
    [message] = sent_invitations()
    User.objects.filter(pk=person.pk).update(is_active=False)
    assert "Liên kết không còn hiệu lực" in client.get(link_in(message), follow=True).content.decode()


# --- Deactivation --------------------------------------------------------------------------------------


def test_a_deactivated_user_cannot_log_in_and_keeps_their_history(client, province_admin, can_tho, criteria_set):
    officer = user_with_role(Role.WARD_OFFICER, ward=cai_khe(), username="canbo")
    assessment = AssessmentFactory(ward=cai_khe(), year=2026, criteria_set=criteria_set)
    AuditEvent.objects.create(
        assessment=assessment, actor=officer, round=1, action=AuditEvent.Action.VALUE, target="Chỉ tiêu 1.1"
    )
    client.force_login(province_admin)
    response = client.post(f"/quan-tri-tinh/92/nguoi-dung/{officer.pk}/ngung/", follow=True)
    assert "đã ngừng hoạt động: không đăng nhập được" in response.content.decode()
    officer.refresh_from_db()
    assert not officer.is_active
    assert AuditEvent.objects.get().actor == officer and Membership.objects.filter(user=officer).exists()
    client.logout()
    refused = client.post("/dang-nhap/", {"username": "canbo", "password": "mat-khau-thu"})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    client.force_login(province_admin)
    client.post(f"/quan-tri-tinh/92/nguoi-dung/{officer.pk}/kich-hoat/")
    officer.refresh_from_db()
    client.logout()
    assert officer.is_active
    assert client.post("/dang-nhap/", {"username": "canbo", "password": "mat-khau-thu"}).status_code == 302
    kinds = list(PeopleEvent.objects.filter(person=officer).order_by("pk").values_list("kind", "actor"))
    assert kinds == [(PeopleEvent.Kind.DEACTIVATE, province_admin.pk), (PeopleEvent.Kind.REACTIVATE, province_admin.pk)]


def test_a_deactivated_users_open_session_ends(client, province_admin, can_tho):
    officer = user_with_role(Role.WARD_OFFICER, ward=cai_khe(), username="canbo")
    client.force_login(officer)
    assert client.get("/").status_code == 200
    people.person_set_active(province=can_tho, person=officer, user=province_admin, active=False)
    assert client.get("/").status_code == 302


def test_an_administrator_cannot_deactivate_themselves(client, province_admin):
    client.force_login(province_admin)
    response = client.post(f"/quan-tri-tinh/92/nguoi-dung/{province_admin.pk}/ngung/", follow=True)
    assert "Bạn không tự ngừng hoạt động tài khoản của mình được." in response.content.decode()
    province_admin.refresh_from_db()
    assert province_admin.is_active


# --- Scope ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["moi-lai", "ngung", "kich-hoat"])
def test_another_provinces_person_is_404_even_by_id(client, province_admin, quang_ngai, action):
    foreign = user_with_role(Role.REVIEWER, province=quang_ngai, username="thamdinh.qn")
    foreign.email = "thamdinh@quangngai.example.vn"
    foreign.save()
    national = user_with_role(Role.ADMIN, username="quantri.toanquoc")
    client.force_login(province_admin)
    for target in (foreign, national):
        assert client.post(f"/quan-tri-tinh/92/nguoi-dung/{target.pk}/{action}/").status_code == 404
        assert client.post(f"/quan-tri-tinh/51/nguoi-dung/{target.pk}/{action}/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active and not Invitation.objects.exists() and not PeopleEvent.objects.exists()


def test_the_national_administrator_manages_any_provinces_people(client, quang_ngai):
    foreign = user_with_role(Role.REVIEWER, province=quang_ngai, username="thamdinh.qn")
    client.force_login(UserFactory(username="quantri", is_staff=True, is_superuser=True))
    assert f'id="person-{foreign.pk}"' in client.get("/quan-tri-tinh/51/nguoi-dung/").content.decode()
    assert client.post(f"/quan-tri-tinh/51/nguoi-dung/{foreign.pk}/ngung/").status_code == 302
    foreign.refresh_from_db()
    assert not foreign.is_active


def test_an_invitation_is_sent_by_the_task_with_a_link_to_this_site(province_admin, can_tho):
    person = UserFactory(username="moi", email="moi@cantho.example.vn")
    person.set_unusable_password()
    person.save()
    Membership.objects.create(user=person, role=Role.REVIEWER, province=can_tho)
    invitation = Invitation.objects.create(user=person, invited_by=province_admin, site="https://congan.example.vn/")
    assert tasks.send_invitation_emails([invitation.pk]) == 1
    assert "https://congan.example.vn/loi-moi/" in mail.outbox[0].body
    assert "Cán bộ thẩm định — Cần Thơ" in mail.outbox[0].body
    assert tasks.send_invitation_emails([invitation.pk]) == 0


@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_sends_the_invitations_through_the_broker(criteria_set):
    """Through Redis when REDIS_URL is set (as in CI); through the embedded filesystem broker otherwise."""
    import time

    from celery.contrib.testing.worker import start_worker

    from modelphuong.celery import app as celery_app

    import_divisions(provinces={"92"})
    can_tho = Province.objects.current().get(code="92")
    admin_user = user_with_role(Role.PROVINCE_ADMIN, province=can_tho, username="quantri.cantho")
    if celery_app.conf.broker_url.startswith("redis"):
        celery_app.control.purge()
    rows = [("Trần Thị Bích", "bich@cantho.example.vn", "Cán bộ Công an phường", "31120", "")]
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        people.people_import(
            province=can_tho,
            user=admin_user,
            upload=SimpleUploadedFile("nguoi-dung.xlsx", sheet(*rows)),
            site="http://testserver",
        )
        # on_commit ran at the end of the import's atomic block (no test transaction here)
        deadline = time.monotonic() + 30
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.2)
    assert [m.to for m in mail.outbox] == [["bich@cantho.example.vn"]]
    assert "/loi-moi/" in mail.outbox[0].body
    assert Invitation.objects.get().emailed_at is not None
