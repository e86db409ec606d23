"""End to end, in a real browser: a province's administrator invites their people from an Excel sheet.

They download the template from the «Người dùng» tab, upload it filled with one bad row (the row's message is
shown, nobody is created), fix the row and upload again (everyone is created and invited); an invited person
follows the e-mail's link, sets their own password (a weak one is refused at the field) and logs in. The
administrator sees them as accepted; the link does not work a second time.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, enter_code, expect_accessible, wait_until_ready
from tests.factories import authenticator, user_with_role
from wards import people_sheet, tasks
from wards.models import Membership, Province
from wards.services import people
from wards.services.divisions import import_divisions

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-thu"  # tests.factories.UserFactory
SHOTS = Path("/tmp/shots-p-people")
User = get_user_model()


@pytest.fixture
def queued_invitations(monkeypatch):
    """The invitation ids the app queued, recorded instead of written into the broker for a worker."""
    queued: list[int] = []
    monkeypatch.setattr(people, "enqueue_invitations", queued.extend)
    return queued


def shot(page, name: str, debug_mode: bool) -> None:
    if not debug_mode:  # once is enough
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_province_administrator_imports_people_and_an_invited_person_sets_their_password(
    new_page, criteria_set, tmp_path, queued_invitations, debug_mode
):
    import_divisions(provinces={"92"})
    can_tho = Province.objects.current().get(code="92")
    admin_user = user_with_role(Membership.Role.PROVINCE_ADMIN, province=can_tho, username="quantri.cantho")
    device = authenticator(admin_user)  # a province's administrator signs in with a second factor

    page = new_page()
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill("quantri.cantho")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    enter_code(page, device)
    page.wait_for_url(re.compile(r"^(?!.*dang-nhap)"))
    page.get_by_role("link", name="Quản trị tỉnh").click()
    page.wait_for_url("**/quan-tri-tinh/92/")
    page.get_by_role("link", name="Người dùng").click()
    page.wait_for_url("**/quan-tri-tinh/92/nguoi-dung/")
    expect(page.locator("#people-title")).to_have_text("1 người dùng")
    expect_accessible(page, "the people page")

    with page.expect_download() as download:
        page.locator("#people-template").click()
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    assert template.name == "nguoi-dung-92.xlsx"
    wb = load_workbook(template)
    ws = wb[people_sheet.PEOPLE_SHEET]
    first = people_sheet.HEADER_ROW + 1  # the administrator has no e-mail: not in the sheet
    rows = [
        ("Trần Thị Bích", "bich@cantho.example.vn", "Cán bộ Công an phường", "31120", ""),
        ("Lê Văn Cường", "cuong@cantho.example.vn", "Trưởng Công an phường", "31999", ""),  # no such ward
        ("Phạm Minh Đức", "duc@cantho.example.vn", "Cán bộ thẩm định", "", "92"),
    ]
    for offset, row in enumerate(rows):
        for col, value in enumerate(row, start=1):
            ws.cell(row=first + offset, column=col, value=value or None)
    bad = tmp_path / "nguoi-dung-cantho.xlsx"
    wb.save(bad)

    page.locator("#id_file").set_input_files(bad)
    wait_until_ready(page)
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.get_by_role("button", name="Tải lên và nhập").click()
    assert answered.value.status == 422
    expect(page.locator("#import-errors")).to_contain_text(
        f"Dòng {first + 1}, cột «Mã phường»: không có phường nào mã 31999 trên bản đồ hiện nay."
    )
    expect(page.locator("#id_file")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-summary")).to_contain_text("có 1 lỗi; chưa thay đổi gì")
    expect(page.locator("nav.navbar")).to_be_visible()
    expect(page.locator("#people-import-form")).to_be_visible()
    assert not User.objects.filter(email__endswith="@cantho.example.vn").exists()
    shot(page, "1-import-refused", debug_mode)

    ws.cell(row=first + 1, column=4, value="31135")  # Ninh Kiều
    good = tmp_path / "nguoi-dung-cantho-sua.xlsx"
    wb.save(good)
    page.locator("#id_file").set_input_files(good)
    wait_until_ready(page)
    page.get_by_role("button", name="Tải lên và nhập").click()
    expect(page.locator(".alert-success")).to_contain_text("3 người mới (đã gửi lời mời)")
    expect(page.locator("#people-title")).to_have_text("4 người dùng")
    expect(page.locator("#filter-pending")).to_have_text("Chưa nhận lời mời (3)")
    assert User.objects.filter(email__endswith="@cantho.example.vn").count() == 3
    expect_accessible(page, "the people page after an import")
    shot(page, "2-imported", debug_mode)

    # The worker sends the invitations (here, in this process).
    assert len(queued_invitations) == 3
    tasks.send_invitation_emails(queued_invitations)
    [invitation] = [m for m in mail.outbox if m.to == ["bich@cantho.example.vn"]]
    link = re.search(r"https?://[^/\s]+(/loi-moi/\S+/)", invitation.body).group(1)

    person = new_page()
    person.goto(link)
    expect(person.locator("h1")).to_have_text("Nhận lời mời: đặt mật khẩu")
    expect(person.locator("main")).to_contain_text("bich@cantho.example.vn")
    expect_accessible(person, "the invitation page")
    person.locator("#id_new_password1").fill("12345678")
    person.locator("#id_new_password2").fill("12345678")
    wait_until_ready(person)
    person.get_by_role("button", name="Đặt mật khẩu").click()
    expect(person.locator("#id_new_password2")).to_have_attribute("aria-invalid", "true")
    expect(person.locator("main")).to_contain_text("quá phổ biến")
    shot(person, "3-weak-password", debug_mode)
    person.locator("#id_new_password1").fill("Cai-Khe-an-toan-2026")
    person.locator("#id_new_password2").fill("Cai-Khe-an-toan-2026")
    wait_until_ready(person)
    person.get_by_role("button", name="Đặt mật khẩu").click()
    person.wait_for_url("**/dang-nhap/")
    expect(person.locator(".alert-success")).to_contain_text("Đã đặt mật khẩu")
    person.locator("#id_username").fill("bich@cantho.example.vn")
    person.locator("#id_password").fill("Cai-Khe-an-toan-2026")
    wait_until_ready(person)
    person.get_by_role("button", name="Đăng nhập").click()
    person.wait_for_url(re.compile(r"^(?!.*dang-nhap)"))
    expect(person.locator("nav.navbar")).to_contain_text("Trần Thị Bích")
    shot(person, "4-logged-in", debug_mode)

    # Used once: the link says so.
    person.goto(link)
    expect(person.locator("h1")).to_have_text("Liên kết không còn hiệu lực")

    page.reload()
    expect(page.locator("#filter-pending")).to_have_text("Chưa nhận lời mời (2)")
    expect(page.locator(f"#person-{User.objects.get(email='bich@cantho.example.vn').pk}")).to_contain_text("Đã nhận")
    assert admin_user.pk
    shot(page, "5-accepted", debug_mode)
