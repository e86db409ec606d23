"""The Excel round trip: a template per ward-year, prefilled with what is entered, and its import.

The template carries its identity (ward, year, criteria set) in a hidden sheet, signed with the
project's secret, so a file made for another ward, year or set is recognised and refused by name.
An import with any error changes nothing; every error names its sheet, row and indicator code.
"""

import hashlib
import hmac
import io
import json
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from criteria import scoring
from wards import parsing, services, uploads
from wards.merge import three_way
from wards.models import Assessment
from wards.selectors import AssessmentPage, assessment_page

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_SHEET = "Số liệu"
META_SHEET = "_mau"
TEMPLATE_KIND = "modelphuong-so-lieu-v1"
HEADER_ROW = 6
FIRST_ROW = HEADER_ROW + 1

# (column title, IndicatorValue part, width); the first three are labels, locked.
COLUMNS = [
    ("Mã chỉ tiêu", None, 10),
    ("Tiêu chí", None, 8),
    ("Nội dung chỉ tiêu", None, 60),
    ("Yêu cầu", None, 14),
    ("Có/Không", "yes", 10),
    ("Số lượng (năm nay)", "count", 12),
    ("Trong đó bất khả kháng", "excluded", 12),
    ("Lý do bất khả kháng", "exclusion_reason", 28),
    ("Số đạt (tử số)", "numerator", 12),
    ("Tổng số (mẫu số)", "denominator", 12),
    ("Năm trước", "last_year", 12),
    ("Không có đối tượng (x)", "na", 12),
    ("Lý do không áp dụng", "na_reason", 28),
]
COLUMN_OF = {part: index + 1 for index, (_, part, _) in enumerate(COLUMNS) if part}
INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
LOCKED_FILL = PatternFill("solid", fgColor="E9ECEF")


class ImportRefused(Exception):
    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


def _signature(ward_code: str, year: int, set_code: str) -> str:
    message = f"{TEMPLATE_KIND}|{ward_code}|{year}|{set_code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


# Excel takes a text starting with one of these as a formula once the cell is edited.
FORMULA_LEADS = ("=", "+", "-", "@")


def put(cell, value):
    """Write a value; a text is always written as text, never as a formula or an error code.

    openpyxl turns a string starting with "=" into a live formula (and "#N/A" into an error): a reason
    typed as =HYPERLINK(…) would come back as a link and, having no cached value, fail its own import.
    """
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_LEADS):
            cell.quotePrefix = True
    return cell


def _cell_value(indicator, part: str, shown: dict[str, str]):
    text = shown.get(part, "")
    if part == "yes":
        return {parsing.YES: "Có", parsing.NO: "Không"}.get(text)
    if part == "na":
        return "x" if text else None
    if part in parsing.INTEGER_PARTS:
        return int(text) if text else None
    return text or None


def build_template(*, assessment: Assessment, page: AssessmentPage) -> bytes:
    """The .xlsx for one ward-year: one row per indicator, labels locked, validation on the inputs."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ward = assessment.ward
    put(ws["A1"], "SỐ LIỆU ĐÁNH GIÁ CÔNG AN PHƯỜNG ĐIỂN HÌNH, KIỂU MẪU VỀ ANTT VÀ VĂN MINH ĐÔ THỊ")
    ws["A1"].font = Font(bold=True, size=13)
    put(ws["A2"], f"Phường {ward.name} (mã {ward.code}) — {ward.province.name} — năm {assessment.year}")
    put(ws["A3"], f"Bộ tiêu chí: {assessment.criteria_set.title}")
    put(
        ws["A4"],
        "Chỉ điền vào các ô nền vàng. Có/Không: chọn trong danh sách. Số: số nguyên không âm. "
        "Ô «Không có đối tượng»: ghi x. Không đổi mã chỉ tiêu, không thêm hay xoá dòng.",
    )
    ws["A4"].font = Font(italic=True)
    for col, (title, _, width) in enumerate(COLUMNS, start=1):
        cell = put(ws.cell(row=HEADER_ROW, column=col), title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.fill = LOCKED_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=5)

    yes_no = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True)
    flag = DataValidation(type="list", formula1='"x"', allow_blank=True)
    validations = {"yes": yes_no, "na": flag}
    for limit in {parsing.COUNT_LIMIT, parsing.SHARE_LIMIT}:
        validations[limit] = DataValidation(
            type="whole", operator="between", formula1="0", formula2=str(limit), allow_blank=True
        )
    for v in (yes_no, flag, *[validations[parsing.COUNT_LIMIT], validations[parsing.SHARE_LIMIT]]):
        v.error = "Giá trị không hợp lệ cho ô này."
        v.errorTitle = "Số liệu không hợp lệ"
        v.showErrorMessage = True
        ws.add_data_validation(v)

    row = FIRST_ROW
    prefilled = {}
    for indicator in page.indicators:
        shown = parsing.initial_for(indicator, page.values.get(indicator.pk))
        prefilled[indicator.code] = dict(shown)
        locked_last = page.last_year.get(indicator.code)
        if locked_last is not None:
            shown["last_year"] = str(locked_last)
        source = page.previous.source(indicator) if indicator.kind in scoring.TREND_KINDS else None
        put(ws.cell(row=row, column=1), indicator.code)
        put(ws.cell(row=row, column=2), indicator.criterion.code)
        put(ws.cell(row=row, column=3), indicator.text).alignment = Alignment(wrap_text=True)
        put(ws.cell(row=row, column=4), indicator.requirement)
        open_parts = {p.name for p in parsing.parts_for(indicator)}
        if locked_last is not None:
            open_parts.discard("last_year")
        for part, col in COLUMN_OF.items():
            cell = ws.cell(row=row, column=col)
            if part in open_parts:
                put(cell, _cell_value(indicator, part, shown))
                cell.fill = INPUT_FILL
                cell.protection = Protection(locked=False)
                if part in validations:
                    validations[part].add(cell)
                elif part in parsing.INTEGER_PARTS:
                    validations[parsing.limit_for(indicator)].add(cell)
            else:
                put(cell, _cell_value(indicator, part, shown) if part == "last_year" else None)
                cell.fill = LOCKED_FILL
            if part == "last_year" and source is not None and source.explanation:
                # Where last year comes from, as on the web page: summed from predecessors, or why it is typed.
                cell.comment = Comment(source.explanation, "modelphuong", width=320, height=120)
        for col in range(1, 5):
            ws.cell(row=row, column=col).fill = LOCKED_FILL
        row += 1
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False

    meta = wb.create_sheet(META_SHEET)
    for row_number, (key, value) in enumerate(
        [
            ("kind", TEMPLATE_KIND),
            ("ward_code", ward.code),
            ("ward_name", ward.name),
            ("year", assessment.year),
            ("criteria_set", assessment.criteria_set.code),
            ("signature", _signature(ward.code, assessment.year, assessment.criteria_set.code)),
            # What the template showed, so that an import changes only what the person changed in the file.
            ("prefilled", json.dumps(prefilled, ensure_ascii=False)),
        ],
        start=1,
    ):
        put(meta.cell(row=row_number, column=1), key)
        put(meta.cell(row=row_number, column=2), value)
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@dataclass
class _Identity:
    ward_code: str
    ward_name: str
    year: int | None
    criteria_set: str
    signature: str
    prefilled: str


def _identity(wb) -> _Identity | None:
    if META_SHEET not in wb.sheetnames:
        return None
    values = {row[0]: row[1] for row in wb[META_SHEET].iter_rows(values_only=True) if len(row) >= 2 and row[0]}
    if values.get("kind") != TEMPLATE_KIND:
        return None
    try:
        year = int(values.get("year"))
    except (TypeError, ValueError):
        year = None
    return _Identity(
        str(values.get("ward_code", "")),
        str(values.get("ward_name", "")),
        year,
        str(values.get("criteria_set", "")),
        str(values.get("signature", "")),
        str(values.get("prefilled") or "{}"),
    )


def vars_of(indicator, value) -> dict:
    """A stored value's figures as clean_indicator gives them (for checks across indicators)."""
    if value is None:
        return {}
    return {p.name: getattr(value, p.name) for p in parsing.parts_for(indicator)}


def import_workbook(*, assessment: Assessment, user, upload) -> int:
    """Apply a filled template to the assessment in one transaction; returns how many fields changed.

    Raises ImportRefused, changing nothing, for another kind of file, another ward's, year's or set's
    template, or any error in any row (all of them listed); StaleRevision when other saves kept overtaking it.
    """
    try:
        # The size and the ZIP directory first: a bomb is refused before openpyxl unpacks anything.
        wb = uploads.open_workbook(upload, max_bytes=settings.EXCEL_MAX_BYTES)
    except uploads.UnsafeArchive as exc:
        raise ImportRefused(exc.message) from None
    except uploads.NotAWorkbook:
        raise ImportRefused(
            gettext(
                "Tệp «%(name)s» không phải là tệp Excel (.xlsx). Hãy tải mẫu Excel của hồ sơ này, điền rồi tải lên."
            )
            % {"name": upload.name}
        ) from None
    ident = _identity(wb)
    ward = assessment.ward
    if ident is None or DATA_SHEET not in wb.sheetnames:
        raise ImportRefused(
            gettext("Tệp «%(name)s» không phải mẫu Excel của hệ thống. Hãy dùng nút «Tải mẫu Excel» của hồ sơ này.")
            % {"name": upload.name}
        )
    if ident.ward_code != ward.code:
        raise ImportRefused(
            gettext("Tệp là mẫu của phường %(theirs)s, không phải của phường %(ours)s.")
            % {"theirs": ident.ward_name or ident.ward_code, "ours": ward.name}
        )
    if ident.year != assessment.year:
        raise ImportRefused(
            gettext("Tệp là mẫu của năm %(theirs)s, không phải năm %(ours)s.")
            % {"theirs": ident.year, "ours": assessment.year}
        )
    if ident.criteria_set != assessment.criteria_set.code:
        raise ImportRefused(
            gettext(
                "Tệp được lập theo bộ tiêu chí «%(criteria_set)s», không phải bộ tiêu chí của hồ sơ này («%(code)s»)."
            )
            % {"criteria_set": ident.criteria_set, "code": assessment.criteria_set.code}
        )
    if not hmac.compare_digest(ident.signature, _signature(ward.code, assessment.year, assessment.criteria_set.code)):
        raise ImportRefused(gettext("Phần nhận diện của mẫu Excel đã bị sửa. Hãy tải mẫu mới và điền lại."))

    prefilled = parsing.json_dict(ident.prefilled)
    sheet = wb[DATA_SHEET]
    return services.retry_when_stale(assessment, lambda current: _apply(current, user, sheet, prefilled))


def _apply(assessment: Assessment, user, ws, prefilled: dict) -> int:
    """Check every row of the sheet against what is stored now (the three-way rule per cell, against what the
    template showed) and save them all, or refuse with ImportRefused listing every error. Raises StaleRevision
    when another save got in between the reading and the saving (services.retry_when_stale runs it again)."""
    page = assessment_page(assessment=assessment)
    by_code = {i.code: i for i in page.indicators}
    errors, figures, seen, rows = [], {}, {}, {}
    for row in ws.iter_rows(min_row=FIRST_ROW):
        code_cell = row[0].value
        if code_cell in (None, ""):
            continue
        code = str(code_cell).strip()
        where = gettext("Trang «%(data_sheet)s», dòng %(row)s, chỉ tiêu %(code)s") % {
            "data_sheet": DATA_SHEET,
            "row": row[0].row,
            "code": code,
        }
        indicator = by_code.get(code)
        if indicator is None:
            errors.append(gettext("%(where)s: không có chỉ tiêu này trong bộ tiêu chí.") % {"where": where})
            continue
        if code in seen:
            errors.append(gettext("%(where)s: chỉ tiêu đã có ở dòng %(line)s.") % {"where": where, "line": seen[code]})
            continue
        seen[code] = row[0].row
        parts = parsing.parts_for(indicator)
        labels = {p.name: p.shown() for p in parts}
        raw = {p.name: row[COLUMN_OF[p.name] - 1].value if len(row) >= COLUMN_OF[p.name] else None for p in parts}
        result = parsing.clean_indicator(indicator, raw, last_year_locked=page.last_year.get(code))
        for part, message in result.errors.items():
            errors.append(
                gettext("%(where)s, cột «%(column)s» (%(label)s): %(message)s")
                % {"where": where, "column": COLUMNS[COLUMN_OF[part] - 1][0], "label": labels[part], "message": message}
            )
        if result.errors:
            continue
        # Three-way: a cell left as the template showed it keeps today's value (it may have been changed on
        # the web since); a cell changed in the file wins, unless the web changed it differently meanwhile.
        shown_then = prefilled.get(code) if isinstance(prefilled.get(code), dict) else None
        now = parsing.initial_for(indicator, page.values.get(indicator.pk))
        typed = parsing.initial_for(indicator, SimpleNamespace(**result.data))
        merged = {}
        for part in labels:
            then = shown_then.get(part, now[part]) if shown_then is not None else now[part]
            result = three_way(then, typed[part], now[part])
            if not result.conflict:
                merged[part] = result.value
            else:
                errors.append(
                    gettext(
                        "%(where)s, cột «%(column)s»: ô này đã được sửa trên web thành «%(web)s» sau khi tải mẫu (mẫu ghi «%(template)s», tệp ghi «%(typed)s»). Hãy tải mẫu mới."
                    )
                    % {
                        "where": where,
                        "column": COLUMNS[COLUMN_OF[part] - 1][0],
                        "web": parsing.display(part, now[part]),
                        "template": parsing.display(part, then),
                        "typed": parsing.display(part, typed[part]),
                    }
                )
                merged = None
                break
        if merged is None:
            continue
        final = parsing.clean_indicator(indicator, merged, last_year_locked=page.last_year.get(code))
        for part, message in final.errors.items():
            errors.append(
                gettext("%(where)s, cột «%(column)s» (%(label)s): %(message)s")
                % {"where": where, "column": COLUMNS[COLUMN_OF[part] - 1][0], "label": labels[part], "message": message}
            )
        figures[indicator.pk] = final.data
        rows[code] = (row[0].row, labels)
    # Figures that contradict each other across rows (TC14), judged on what the draft would hold: the file's
    # rows where they parsed, what is stored for the rows the file lacks. A row already in error is not judged.
    failed = {code for code in seen if code not in rows}
    combined = {i.code: figures.get(i.pk) or vars_of(i, page.values.get(i.pk)) for i in page.indicators}
    for code, parts in parsing.contradictions(page.criteria, combined).items():
        if code in failed:
            continue
        for part, message in parts.items():
            column = COLUMNS[COLUMN_OF[part] - 1][0]
            if code in rows:
                line, labels = rows[code]
                errors.append(
                    gettext(
                        "Trang «%(data_sheet)s», dòng %(line)s, chỉ tiêu %(code)s, cột «%(column)s» (%(label)s): %(message)s"
                    )
                    % {
                        "data_sheet": DATA_SHEET,
                        "line": line,
                        "code": code,
                        "column": column,
                        "label": labels[part],
                        "message": message,
                    }
                )
            else:
                errors.append(
                    gettext(
                        "Chỉ tiêu %(code)s (không có trong tệp, số liệu đang lưu trên web), cột «%(column)s»: %(message)s"
                    )
                    % {"code": code, "column": column, "message": message}
                )
    if errors:
        raise ImportRefused(
            gettext("Tệp có %(count)s lỗi; chưa có số liệu nào được nhập. Sửa các lỗi dưới đây rồi tải lên lại.")
            % {"count": len(errors)},
            errors,
        )
    return services.assessment_save(
        assessment=assessment, user=user, figures=figures, narratives={}, base_revision=assessment.revision
    )
