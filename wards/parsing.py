"""What a ward enters for each indicator, and how typed text becomes figures.

One set of rules for every way figures arrive (the web page and the Excel template), so both give the
same Vietnamese messages for the same mistakes. Text in, figures or messages out; no database access.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from criteria import scoring
from criteria.models import Indicator

# Sane upper limits per kind: a ward never has more than this many incidents, or people in a share.
COUNT_LIMIT = 10_000
SHARE_LIMIT = 1_000_000
TEXT_LIMIT = 2_000

YES, NO = "co", "khong"
YES_NO_CHOICES = [("", gettext_lazy("— chưa nhập —")), (YES, gettext_lazy("Có")), (NO, gettext_lazy("Không"))]
YES_NO_WORDS = {"có": YES, "co": YES, "x": YES, "không": NO, "khong": NO}

INTEGER_PARTS = ("count", "excluded", "numerator", "denominator", "last_year")
TEXT_PARTS = ("exclusion_reason", "na_reason")


@dataclass(frozen=True)
class Part:
    name: str  # the IndicatorValue field it fills
    # In Vietnamese, as the audit trail and the round snapshots store it: a gettext_noop text, "Số <unit>",
    # or the criteria set's own denominator label.
    label: str
    unit: str = ""  # for "Số <unit>": the indicator's unit (data, as the administrator entered it)

    def shown(self) -> str:
        """The label in the reader's language (the unit and a denominator label stay as entered)."""
        if self.unit:
            return gettext("Số %(unit)s") % {"unit": self.unit}
        return gettext(self.label)


def _number_of(name: str, unit: str, without_unit: str) -> Part:
    unit = unit.strip()
    return Part(name, f"Số {unit}", unit) if unit else Part(name, without_unit)


def parts_for(indicator: Indicator) -> list[Part]:
    """The inputs an indicator needs, in the order a person fills them."""
    kind = indicator.kind
    if kind == scoring.Kind.YES_NO:
        parts = [Part("yes", gettext_noop("Kết quả"))]
    elif kind in scoring.SHARE_KINDS:
        parts = [
            _number_of("numerator", indicator.unit, gettext_noop("Số đạt")),
            Part("denominator", _sentence_case(indicator.denominator_label or gettext_noop("Tổng số"))),
        ]
    elif kind in scoring.TREND_KINDS:
        parts = [Part("count", gettext_noop("Năm nay")), Part("last_year", gettext_noop("Năm trước"))]
    else:
        parts = [_number_of("count", indicator.unit, gettext_noop("Số lượng"))]
        if indicator.allows_exclusion:
            parts += [
                Part("excluded", gettext_noop("Trong đó bất khả kháng")),
                Part("exclusion_reason", gettext_noop("Lý do bất khả kháng")),
            ]
    if indicator.allows_na:
        parts += [
            Part("na", gettext_noop("Không có đối tượng")),
            Part("na_reason", gettext_noop("Lý do không áp dụng")),
        ]
    return parts


def _sentence_case(label: str) -> str:
    """The label as written, with a capital first letter; acronyms (CBCS, ANTT) stay as they are."""
    return label[:1].upper() + label[1:]


def limit_for(indicator: Indicator) -> int:
    return SHARE_LIMIT if indicator.kind in scoring.SHARE_KINDS else COUNT_LIMIT


def format_integer(value: int) -> str:
    return scoring.format_number(value)


# ASCII digits only: int() would also read "٢٧" or "２７", which nobody types on purpose.
_GROUPED = re.compile(r"[0-9]{1,3}(\.[0-9]{3})+")
_INTEGER = re.compile(r"[+-]?[0-9]+")
# More digits than any limit has: refused before turning into a number (and before formatting one).
_MAX_DIGITS = 15


def parse_integer(raw, *, limit: int) -> int | None:
    """A non-negative whole number from typed text ("1.234" is one thousand two hundred and thirty-four).

    Raises ValueError with the Vietnamese message to show at the field.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(_("Hãy nhập một số nguyên."))
    if isinstance(raw, float):
        # A spreadsheet cell stored as a decimal (1E3, 27.0, 2.5) reads as the form reads "1e3": not a whole number.
        if raw.is_integer() and raw > limit:
            raise ValueError(_("Giá trị quá lớn (tối đa %(limit)s).") % {"limit": format_integer(limit)})
        raise ValueError(
            _("«%(typed)s» không phải là số nguyên. Hãy nhập số, ví dụ 12.")
            % {"typed": str(raw).replace(".", ",")[:30]}
        )
    if isinstance(raw, int):  # a spreadsheet cell holding a whole number
        text = str(raw)
    else:
        text = str(raw).strip().replace(" ", "").replace("\u00a0", "")
        if not text:
            return None
        if _GROUPED.fullmatch(text):
            text = text.replace(".", "")
        if not _INTEGER.fullmatch(text):
            raise ValueError(
                _("«%(typed)s» không phải là số nguyên. Hãy nhập số bằng các chữ số 0–9, ví dụ 12.")
                % {"typed": str(raw).strip()[:30]}
            )
    if text.startswith("-"):
        raise ValueError(_("Không được là số âm."))
    if len(text.lstrip("+")) > _MAX_DIGITS:
        raise ValueError(_("Giá trị quá lớn (tối đa %(limit)s).") % {"limit": format_integer(limit)})
    number = int(text)
    if number > limit:
        raise ValueError(
            _("Giá trị %(number)s quá lớn (tối đa %(limit)s).")
            % {"number": format_integer(number), "limit": format_integer(limit)}
        )
    return number


def parse_yes_no(raw) -> bool | None:
    if raw is None or raw is True or raw is False:
        return raw
    text = str(raw).strip().lower()
    if not text:
        return None
    if text in (YES, NO):
        return text == YES
    if text in YES_NO_WORDS:
        return YES_NO_WORDS[text] == YES
    raise ValueError(_("Chỉ chọn «Có» hoặc «Không»."))


def parse_flag(raw) -> bool:
    if raw is None or raw is False:
        return False
    if raw is True:
        return True
    return str(raw).strip().lower() in ("on", "1", "true", "có", "co", "x")


@dataclass
class Cleaned:
    """The figures of one indicator, ready for IndicatorValue, or the messages per part."""

    data: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return all(v in (None, "", False) for v in self.data.values())


def clean_indicator(indicator: Indicator, raw: dict, *, last_year_locked: int | None = None) -> Cleaned:
    """Parse and check the typed parts of one indicator (raw: part name → text or cell value).

    last_year_locked is last year's computed count (from the ward's own assessment of last year, or summed or
    carried from its predecessors', see wards.lineage): when given, it wins over anything typed, and the value
    is not marked as typed by hand. Without it, a typed last year is kept and marked "nhập tay".
    """
    result = Cleaned()
    limit = limit_for(indicator)
    names = [p.name for p in parts_for(indicator)]
    for name in names:
        value = raw.get(name)
        try:
            if name == "yes":
                result.data[name] = parse_yes_no(value)
            elif name in INTEGER_PARTS:
                result.data[name] = parse_integer(value, limit=limit)
            elif name == "na":
                result.data[name] = parse_flag(value)
            else:
                text = "" if value is None else nfc(str(value).strip())
                if len(text) > TEXT_LIMIT:
                    raise ValueError(_("Tối đa %(text_limit)s ký tự.") % {"text_limit": format_integer(TEXT_LIMIT)})
                result.data[name] = text
        except ValueError as exc:
            result.errors[name] = str(exc)

    if "last_year" in names:
        if last_year_locked is not None:
            result.data["last_year"] = last_year_locked
            result.errors.pop("last_year", None)
            result.data["last_year_manual"] = False
        else:
            result.data["last_year_manual"] = result.data.get("last_year") is not None

    data, errors = result.data, result.errors
    numerator, denominator = data.get("numerator"), data.get("denominator")
    if (
        "numerator" not in errors
        and "denominator" not in errors
        and None not in (numerator, denominator)
        and numerator > denominator
    ):
        errors["numerator"] = _("Số đạt (%(numerator)s) không được lớn hơn tổng số (%(denominator)s).") % {
            "numerator": format_integer(numerator),
            "denominator": format_integer(denominator),
        }
    count, excluded = data.get("count"), data.get("excluded")
    if "count" not in errors and "excluded" not in errors and excluded:
        if count is None:
            errors["count"] = _("Cần nhập tổng số trước khi loại trừ bất khả kháng.")
        elif excluded > count:
            errors["excluded"] = _("Số bất khả kháng (%(excluded)s) không được lớn hơn tổng số (%(count)s).") % {
                "excluded": format_integer(excluded),
                "count": format_integer(count),
            }
        if not data.get("exclusion_reason"):
            errors["exclusion_reason"] = _("Cần nêu lý do loại trừ bất khả kháng.")
    if data.get("na"):
        if not data.get("na_reason"):
            errors["na_reason"] = _("Cần nêu lý do không áp dụng.")
        typed = [n for n in FIGURE_PARTS if n in data and data[n] not in (None, "")]
        if last_year_locked is not None and "last_year" in typed:
            typed.remove("last_year")  # taken from last year's assessment, not typed here
        if typed:
            errors["na"] = _(
                "Đã đánh dấu «Không có đối tượng» thì không nhập số liệu: xoá số liệu đã nhập hoặc bỏ đánh dấu."
            )
    return result


FIGURE_PARTS = ("yes", *INTEGER_PARTS, "exclusion_reason")


def contradictions(criteria, figures: dict[str, dict]) -> dict[str, dict[str, str]]:
    """Messages, by indicator code and part, for figures of one criterion that cannot all be true.

    Under FIRST_OR_REST whose first indicator is a count to keep at 0 (TC14: hotspots there are now), the
    others count the same things (hotspots this year against last year, new hotspots this year): with no
    hotspot now, neither can be above 0.
    """
    errors: dict[str, dict[str, str]] = {}
    for criterion in criteria:
        if criterion.rule != scoring.CriterionRule.FIRST_OR_REST:
            continue
        first, *rest = list(criterion.indicators.all())
        if first.kind != scoring.Kind.COUNT_MAX or first.threshold != 0:
            continue
        data = figures.get(first.code) or {}
        if data.get("count") != 0 or data.get("na"):
            continue
        for other in rest:
            count = (figures.get(other.code) or {}).get("count")
            if count:
                errors.setdefault(other.code, {})["count"] = _(
                    "Mâu thuẫn với chỉ tiêu %(code)s (ghi 0): số này phải là 0 hoặc để trống, hoặc sửa lại chỉ tiêu %(code)s."
                ) % {"code": first.code}
    return errors


def initial_for(indicator: Indicator, value) -> dict[str, str]:
    """The text each input shows for a stored IndicatorValue (or None): the inverse of clean_indicator."""
    shown = {}
    for part in parts_for(indicator):
        stored = getattr(value, part.name, None) if value is not None else None
        if part.name == "yes":
            shown[part.name] = "" if stored is None else (YES if stored else NO)
        elif part.name == "na":
            shown[part.name] = "on" if stored else ""
        elif stored is None:
            shown[part.name] = ""
        else:
            shown[part.name] = str(stored)
    return shown


def display(part_name: str, text: str) -> str:
    """How a part's text reads to a person (in conflict lists and the history)."""
    if part_name == "yes":
        return {YES: "Có", NO: "Không"}.get(text, "(trống)")
    if part_name == "na":
        return "Có" if text else "Không"
    if part_name in INTEGER_PARTS and text.isdigit():
        return format_integer(int(text))
    return text or "(trống)"


def nfc(text: str) -> str:
    """Vietnamese text as stored: NFC, so that what is extracted from a PDF matches what was typed."""
    return unicodedata.normalize("NFC", text)


def describe(indicator: Indicator, value, *, with_reasons: bool = True) -> str:
    """The figures of one indicator as a person reads them ("27/30", "Có", "3 (bất khả kháng 1: …)").
    Without reasons, the force-majeure and N/A reasons are left for reasons_of (a row of their own in print)."""
    if value is None:
        return "—"
    if value.na:
        return (
            _("Không có đối tượng: %(na_reason)s") % {"na_reason": value.na_reason}
            if with_reasons
            else _("Không có đối tượng")
        )
    kind = indicator.kind
    if kind == scoring.Kind.YES_NO:
        return {True: _("Có"), False: _("Không"), None: "—"}[value.yes]
    if kind in scoring.SHARE_KINDS:
        if value.numerator is None or value.denominator is None:
            return "—"
        return f"{format_integer(value.numerator)}/{format_integer(value.denominator)}"
    if value.count is None:
        return "—"
    text = format_integer(value.count)
    if value.excluded:
        reason = f": {value.exclusion_reason}" if with_reasons else ""
        text += " " + _("(bất khả kháng %(excluded)s%(reason)s)") % {
            "excluded": format_integer(value.excluded),
            "reason": reason,
        }
    return text


def reasons_of(value) -> str:
    """The reason given with a figure (force majeure or not applicable), or ""."""
    if value is None:
        return ""
    if value.na:
        return _("Lý do không áp dụng: %(na_reason)s") % {"na_reason": value.na_reason}
    if value.excluded:
        return _("Lý do bất khả kháng: %(exclusion_reason)s") % {"exclusion_reason": value.exclusion_reason}
    return ""


def json_dict(text) -> dict:
    """A hidden JSON value as a dict; anything else (tampered, truncated) counts as empty."""
    try:
        value = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def anchor(indicator: Indicator) -> str:
    """The id of an indicator's row on the assessment page (links from the missing list point there)."""
    return f"ind-{indicator.code.replace('.', '-')}"


def person(user) -> str:
    """A user's name the Vietnamese way, family name first."""
    if user is None:
        return ""
    return f"{user.last_name} {user.first_name}".strip() or user.username
