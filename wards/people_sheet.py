"""The people workbook (danh sách người dùng): the template a province's administrator downloads, and reading
a filled one back. Its texts are a form the province fills and the import reads: they stay Vietnamese.

The first sheet holds one person a row under a header row (found by its titles, so columns may be moved);
the second lists the roles that may be given and the province's wards on today's map, with their codes.
What the rows mean is checked by wards.services.people.
"""

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from wards.excel import put

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PEOPLE_SHEET = "Người dùng"
LISTS_SHEET = "Danh mục"
HEADER_ROW = 4

NAME, EMAIL, ROLE, WARD, PROVINCE = "Họ và tên", "E-mail", "Vai trò", "Mã phường", "Mã tỉnh"
COLUMNS = [(NAME, 32), (EMAIL, 34), (ROLE, 28), (WARD, 12), (PROVINCE, 10)]
# What a role needs, on the lists sheet, by its scope (wards.services.people.SCOPE_OF_ROLE).
NEEDS = {
    "ward": "Mã phường (phường của tỉnh)",
    "province": "Mã tỉnh ({code})",
    "national": "Để trống Mã phường và Mã tỉnh (toàn quốc)",
}
HEADER_FILL = PatternFill("solid", fgColor="E9ECEF")
# How far down the first sheet the header row is looked for (a sheet of one's own may have a title above it).
HEADER_SEARCH_ROWS = 20
# A code typed into a cell Excel took for a number loses its leading zeros: they are put back.
WARD_CODE_DIGITS, PROVINCE_CODE_DIGITS = 5, 2


@dataclass(frozen=True)
class Row:
    """One filled row of the sheet, as text (stripped; "" for an empty cell), with its row number in Excel."""

    number: int
    name: str
    email: str
    role: str
    ward_code: str
    province_code: str


@dataclass(frozen=True)
class Person:
    """A row of the template, prefilled from who is there now."""

    name: str
    email: str
    role: str
    ward_code: str = ""
    province_code: str = ""


class NotPeopleSheet(Exception):
    """A workbook without the people sheet's header row."""


def build_template(*, province, roles: list[tuple[str, str]], wards: list[tuple[str, str]], people: list[Person]):
    """The .xlsx to fill: the people sheet (prefilled with `people`), and the lists of roles (label, what it
    needs) and of the province's wards (code, name)."""
    wb = Workbook()
    ws = wb.active
    ws.title = PEOPLE_SHEET
    put(ws["A1"], f"DANH SÁCH NGƯỜI DÙNG — {province.name.upper()} (MÃ {province.code})")
    ws["A1"].font = Font(bold=True, size=13)
    put(
        ws["A2"],
        "Mỗi người một dòng. Vai trò: chọn trong danh sách (trang «Danh mục»). Vai trò của phường cần Mã phường; "
        f"vai trò của tỉnh cần Mã tỉnh ({province.code}). Người đã có (cùng e-mail) được cập nhật, không tạo thêm; "
        "người mới nhận thư mời tự đặt mật khẩu.",
    )
    ws["A2"].font = Font(italic=True)
    for col, (title, width) in enumerate(COLUMNS, start=1):
        cell = put(ws.cell(row=HEADER_ROW, column=col), title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    for offset, person in enumerate(people, start=1):
        values = (person.name, person.email, person.role, person.ward_code, person.province_code)
        for col, value in enumerate(values, start=1):
            put(ws.cell(row=HEADER_ROW + offset, column=col), value or None)
    last = HEADER_ROW + max(len(people), 0) + 500
    # Codes are text: typed into a number cell, 00004 would become 4.
    for row in range(HEADER_ROW + 1, last + 1):
        for col in (4, 5):
            ws.cell(row=row, column=col).number_format = "@"

    lists = wb.create_sheet(LISTS_SHEET)
    for col, (title, width) in enumerate(
        [("Vai trò", 30), ("Cần điền", 40), ("", 4), ("Mã phường", 12), ("Tên phường", 30)], start=1
    ):
        cell = put(lists.cell(row=1, column=col), title or None)
        cell.font = Font(bold=True)
        lists.column_dimensions[get_column_letter(col)].width = width
    for row, (label, needs) in enumerate(roles, start=2):
        put(lists.cell(row=row, column=1), label)
        put(lists.cell(row=row, column=2), needs)
    for row, (code, name) in enumerate(wards, start=2):
        put(lists.cell(row=row, column=4), code)
        put(lists.cell(row=row, column=5), name)

    choose = DataValidation(
        type="list",
        formula1=f"='{LISTS_SHEET}'!$A$2:$A${len(roles) + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Vai trò không hợp lệ",
        error="Chọn một vai trò trong danh sách (trang «Danh mục»).",
    )
    ws.add_data_validation(choose)
    choose.add(f"C{HEADER_ROW + 1}:C{last}")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _code(value, digits: int) -> str:
    text = _text(value)
    return text.zfill(digits) if isinstance(value, int | float) and text.isdigit() else text


def read_rows(wb) -> list[Row]:
    """The filled rows of the people sheet (the first sheet, or the one named so), empty rows left out.
    Raises NotPeopleSheet when no row of its top has the columns' titles."""
    ws = wb[PEOPLE_SHEET] if PEOPLE_SHEET in wb.sheetnames else wb.worksheets[0]
    wanted = {title.casefold(): title for title, _ in COLUMNS}
    header, columns = None, {}
    for row in ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS):
        found = {}
        for cell in row:
            title = wanted.get(_text(cell.value).casefold())
            if title and title not in found:
                found[title] = cell.column - 1
        if {NAME, EMAIL, ROLE} <= found.keys():
            header, columns = row[0].row, found
            break
    if header is None:
        raise NotPeopleSheet

    def cell(values, title):
        index = columns.get(title)
        return values[index] if index is not None and index < len(values) else None

    rows = []
    for number, values in enumerate(ws.iter_rows(min_row=header + 1, values_only=True), start=header + 1):
        row = Row(
            number=number,
            name=" ".join(_text(cell(values, NAME)).split()),
            email=_text(cell(values, EMAIL)),
            role=" ".join(_text(cell(values, ROLE)).split()),
            ward_code=_code(cell(values, WARD), WARD_CODE_DIGITS),
            province_code=_code(cell(values, PROVINCE), PROVINCE_CODE_DIGITS),
        )
        if any((row.name, row.email, row.role, row.ward_code, row.province_code)):
            rows.append(row)
    return rows
