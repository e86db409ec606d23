import json
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from criteria.models import Indicator
from criteria.scoring import format_number
from wards import parsing, uploads, widgets
from wards.merge import three_way
from wards.selectors import AssessmentPage
from wards.services.issuing import SIGNER_TITLES
from wards.years import YEAR_MAX, YEAR_MIN


def field_name(indicator: Indicator, part: str) -> str:
    return f"{parsing.anchor(indicator)}-{part}"


def narrative_name(criterion) -> str:
    return f"narrative-{criterion.number}"


NARRATIVE_LIMIT = 20_000


@dataclass
class FieldDiff:
    """A field another user changed after this page was opened."""

    name: str
    label: str
    mine: str
    theirs: str


def translated(choices) -> list[tuple[str, str]]:
    """Choices with lazy labels, translated once for a form's many fields (each field's widget would evaluate
    every lazy label again when it renders)."""
    return [(value, str(label)) for value, label in choices]


def _text_input(**attrs):
    return widgets.TextInput(attrs={"class": "form-control form-control-sm", **attrs})


class FiguresForm(forms.Form):
    """The whole assessment page: every indicator's parts and every criterion's narrative.

    Fields are plain text so that every mistake gets the same Vietnamese message as in the Excel import
    (wards.parsing does the parsing); the browser is told which keyboard to show, nothing more.
    """

    revision = forms.IntegerField(widget=widgets.HiddenInput)
    base = forms.CharField(widget=widgets.HiddenInput, required=False)

    def __init__(self, data=None, *, page: AssessmentPage, editable: bool = True):
        super().__init__(data)
        self.page = page
        self.labels: dict[str, str] = {}
        self.parts: dict[int, list[tuple[parsing.Part, str]]] = {}
        # Each text translated once for the page's ~140 fields, not once a field.
        label_format = _("Chỉ tiêu %(code)s — %(label)s")
        invalid_choice = _("Chỉ chọn «Có» hoặc «Không».")
        yes_no = translated(parsing.YES_NO_CHOICES)  # the 59 selects' options
        shown_parts: dict[parsing.Part, str] = {}  # a part's label in the reader's language (many repeat)
        stored = {}  # each field's text as stored now (stored_strings), made with the fields
        for indicator in page.indicators:
            initial = parsing.initial_for(indicator, page.values.get(indicator.pk))
            locked_last = page.last_year.get(indicator.code)
            names = []
            for part in parsing.parts_for(indicator):
                name = field_name(indicator, part.name)
                stored[name] = initial[part.name]
                shown = shown_parts.get(part)
                if shown is None:
                    shown = shown_parts[part] = part.shown()
                self.fields[name] = self._field_for(part, shown, initial[part.name], invalid_choice, yes_no)
                if part.name == "last_year":
                    # Where last year comes from: the ward's own assessment, its predecessors' (summed or
                    # carried: read-only), or typed by hand with the predecessors' figures as a hint.
                    source = page.previous.source(indicator)
                    self.fields[name].help_text = source.explanation
                    self.fields[name].last_year_source = source
                    if locked_last is not None:
                        self.fields[name].initial = str(locked_last)
                        self.fields[name].disabled = True
                self.labels[name] = label_format % {"code": indicator.code, "label": shown}
                names.append((part, name))
            self.parts[indicator.pk] = names
        narrative_label = _("Kết quả thực hiện")
        narrative_labels = _("Kết quả thực hiện %(code)s")
        too_long = _("Tối đa %(narrative_limit)s ký tự.") % {"narrative_limit": format_number(NARRATIVE_LIMIT)}
        for criterion in page.criteria:
            name = narrative_name(criterion)
            narrative = page.narratives.get(criterion.pk)
            stored[name] = narrative.text if narrative else ""
            self.fields[name] = forms.CharField(
                label=narrative_label,
                required=False,
                max_length=NARRATIVE_LIMIT,
                strip=True,
                initial=narrative.text if narrative else "",
                # "textarea": the class crispy's field template used to add (the page writes the field itself)
                widget=widgets.Textarea(attrs={"rows": 2, "class": "form-control textarea"}),
                error_messages={"max_length": too_long},
            )
            self.labels[name] = narrative_labels % {"code": criterion.code}
        self.fields["revision"].initial = page.assessment.revision
        self._stored = stored
        self.fields["base"].initial = json.dumps(stored, ensure_ascii=False)
        if not editable:
            for f in self.fields.values():
                f.disabled = True
        self.figures: dict[int, dict] = {}
        self.narratives: dict[int, str] = {}

    @staticmethod
    def _field_for(part, label, initial, invalid_choice, yes_no):
        if part.name == "yes":
            return forms.ChoiceField(
                label=label,
                choices=yes_no,
                required=False,
                initial=initial,
                widget=widgets.Select(attrs={"class": "form-select form-select-sm"}),
                error_messages={"invalid_choice": invalid_choice},
            )
        if part.name == "na":
            return forms.BooleanField(
                label=label,
                required=False,
                initial=bool(initial),
                widget=widgets.CheckboxInput(attrs={"class": "form-check-input"}),
            )
        if part.name in parsing.TEXT_PARTS:
            return forms.CharField(label=label, required=False, initial=initial, strip=True, widget=_text_input())
        return forms.CharField(
            label=label,
            required=False,
            initial=initial,
            strip=True,
            widget=_text_input(inputmode="numeric", autocomplete="off"),
        )

    def stored_strings(self) -> dict[str, str]:
        """Each field's text as stored now: what the page showed when it was opened."""
        return dict(self._stored)

    def posted_strings(self) -> dict[str, str]:
        """Each field's text as posted, normalised like stored_strings (for comparing with it)."""
        result = {}
        for name, f in self.fields.items():
            if name in ("revision", "base") or f.disabled:
                continue
            raw = self.data.get(name, "")
            if isinstance(f, forms.BooleanField):
                result[name] = "on" if raw not in ("", None, "false", "off") else ""
            else:
                result[name] = str(raw).strip()
        return result

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def clean(self):
        cleaned = super().clean()
        for indicator in self.page.indicators:
            raw = {}
            for part, name in self.parts[indicator.pk]:
                raw[part.name] = cleaned.get(name) if name in cleaned else self.data.get(name)
            result = parsing.clean_indicator(indicator, raw, last_year_locked=self.page.last_year.get(indicator.code))
            for part, name in self.parts[indicator.pk]:
                if part.name in result.errors and name not in self.errors:
                    self.add_error(name, result.errors[part.name])
            self.figures[indicator.pk] = result.data
        indicators = {i.code: i for i in self.page.indicators}
        by_code = {code: self.figures[i.pk] for code, i in indicators.items()}
        for code, parts in parsing.contradictions(self.page.criteria, by_code).items():
            indicator = indicators[code]
            for part, message in parts.items():
                name = field_name(indicator, part)
                if name not in self.errors:
                    self.add_error(name, message)
        for criterion in self.page.criteria:
            self.narratives[criterion.pk] = parsing.nfc(cleaned.get(narrative_name(criterion), ""))
        return cleaned

    def merge_newer(self) -> tuple[list[FieldDiff], list[FieldDiff]]:
        """Reconcile a page opened before someone else saved (self.data must be mutable).

        Fields only the other user changed take their value; fields both changed differently are
        conflicts, kept as typed here until the user chooses. Returns (merged, conflicts).
        """
        base = {k: v for k, v in parsing.json_dict(self.data.get("base")).items() if isinstance(v, str)}
        current = self.stored_strings()
        mine = self.posted_strings()
        merged, conflicts = [], []
        for name, theirs in current.items():
            if name not in mine:
                continue
            result = three_way(base.get(name, ""), mine[name], theirs)
            diff = FieldDiff(name, self.labels[name], mine[name], theirs)
            if result.outcome == "theirs":
                self.data[name] = theirs
                merged.append(diff)
            elif result.conflict:
                conflicts.append(diff)
        self.data["revision"] = str(self.page.assessment.revision)
        self.data["base"] = json.dumps(current, ensure_ascii=False)
        return merged, conflicts

    def apply_choices(self) -> None:
        """After a conflict, the user picked per field: keep theirs ("theirs") or keep what they typed."""
        base = parsing.json_dict(self.data.get("base"))
        for key in list(self.data):
            if key.startswith("keep-") and self.data[key] == "theirs":
                name = key.removeprefix("keep-")
                if isinstance(base.get(name), str):
                    self.data[name] = base[name]


class _UploadForm(forms.Form):
    """A form with one file field, which shows the refusal of a file that was too large to be read at all.

    The field carries its limit and message, so that the browser refuses such a file before sending it.
    """

    limit_setting: str

    def __init__(self, *args, refused: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = refused
        if refused:
            self.fields["file"].required = False
        self.max_bytes = getattr(settings, self.limit_setting)
        self.too_large = uploads.too_large_template(self.max_bytes)
        self.fields["file"].widget.attrs.update({"data-max-bytes": self.max_bytes, "data-too-large": self.too_large})

    def clean_file(self):
        if self.refused:
            raise forms.ValidationError(self.refused)
        return self.cleaned_data["file"]


class EvidenceForm(_UploadForm):
    limit_setting = "EVIDENCE_MAX_BYTES"
    file = forms.FileField(
        label=gettext_lazy("Tệp minh chứng"),
        error_messages={"required": gettext_lazy("Hãy chọn một tệp."), "empty": gettext_lazy("Tệp rỗng.")},
        widget=forms.ClearableFileInput(attrs={"class": "form-control form-control-sm"}),
    )


class ExcelUploadForm(_UploadForm):
    limit_setting = "EXCEL_MAX_BYTES"
    file = forms.FileField(
        label=gettext_lazy("Tệp Excel đã điền"),
        error_messages={"required": gettext_lazy("Hãy chọn tệp Excel."), "empty": gettext_lazy("Tệp rỗng.")},
        widget=forms.ClearableFileInput(
            attrs={
                "class": "form-control",
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ),
    )


VERDICT_CHOICES = [
    ("", gettext_lazy("— chưa kết luận —")),
    ("pass", gettext_lazy("Đạt")),
    ("fail", gettext_lazy("Không đạt")),
]


class VerdictsForm(forms.Form):
    """The reviewer's verdict and comment per criterion, plus the base they were opened with."""

    base = forms.CharField(widget=widgets.HiddenInput, required=False)

    def __init__(self, data=None, *, criteria, verdicts, reasons=None, editable=True):
        super().__init__(data)
        self.criteria = criteria
        reasons = reasons or {}
        # Translated once for the 22 criteria, not once a field.
        verdict_label, comment_label = _("Kết luận %(code)s"), _("Nhận xét")
        reason_label, invalid = _("Lý do trả lại (nếu trả lại phường)"), _("Chỉ chọn «Đạt» hoặc «Không đạt».")
        choices = translated(VERDICT_CHOICES)
        for c in criteria:
            v = verdicts.get(c.pk)
            self.fields[f"verdict-{c.number}"] = forms.ChoiceField(
                label=verdict_label % {"code": c.code},
                choices=choices,
                required=False,
                initial=v.outcome if v else "",
                widget=widgets.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={"invalid_choice": invalid},
            )
            self.fields[f"comment-{c.number}"] = forms.CharField(
                label=comment_label,
                required=False,
                max_length=4000,
                initial=v.comment if v else "",
                widget=widgets.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
            )
            self.fields[f"reason-{c.number}"] = forms.CharField(
                label=reason_label,
                required=False,
                initial=reasons.get(c.pk, ""),
                max_length=4000,
                widget=widgets.Textarea(attrs={"rows": 1, "class": "form-control form-control-sm"}),
            )
        self.fields["base"].initial = self.base_json(criteria, verdicts)
        if not editable:
            for f in self.fields.values():
                f.disabled = True

    @staticmethod
    def base_json(criteria, verdicts) -> str:
        """What the page shows as stored: criterion id → [outcome, comment]."""
        return json.dumps(
            {
                str(c.pk): [verdicts[c.pk].outcome, verdicts[c.pk].comment] if c.pk in verdicts else ["", ""]
                for c in criteria
            }
        )

    def verdicts(self) -> dict[int, tuple[str, str]]:
        return {
            c.pk: (
                self.cleaned_data.get(f"verdict-{c.number}") or "",
                parsing.nfc(self.cleaned_data.get(f"comment-{c.number}", "")),
            )
            for c in self.criteria
        }

    def base_verdicts(self) -> dict[int, tuple[str, str]]:
        result = {}
        for key, value in parsing.json_dict(self.cleaned_data.get("base")).items():
            if (
                str(key).isdigit()
                and isinstance(value, list)
                and len(value) == 2
                and all(isinstance(v, str) for v in value)
            ):
                result[int(key)] = (value[0], value[1])
        return result

    def reasons(self) -> dict[int, str]:
        return {c.pk: parsing.nfc(self.cleaned_data.get(f"reason-{c.number}", "")) for c in self.criteria}

    def add_criterion_error(self, criterion_id: int, message: str) -> None:
        number = next(c.number for c in self.criteria if c.pk == criterion_id)
        self.add_error(f"comment-{number}", message)


class ApproveForm(forms.Form):
    """The decision's number and date, and who signs it: the name and the authority line of the signer's block
    (the document is signed by the province's certificate; the block says in whose name)."""

    number = forms.CharField(
        label=gettext_lazy("Số quyết định"),
        max_length=50,
        error_messages={"required": gettext_lazy("Cần ghi số quyết định.")},
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Ví dụ: 125/QĐ-CAT-PV05")}),
    )
    decided_on = forms.DateField(
        label=gettext_lazy("Ngày quyết định"),
        input_formats=["%d/%m/%Y"],
        error_messages={
            "required": gettext_lazy("Cần ghi ngày quyết định."),
            "invalid": gettext_lazy("Ngày theo dạng dd/mm/yyyy."),
        },
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
    )
    signer_name = forms.CharField(
        label=gettext_lazy("Người ký quyết định"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("Để trống: người phê duyệt."),
    )
    signer_title = forms.ChoiceField(
        label=gettext_lazy("Chức vụ người ký"),
        choices=[(key, label) for key, (_text, label) in SIGNER_TITLES.items()],
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Chọn chức vụ của người ký trong danh sách."),
        },
    )

    def clean_signer_title(self) -> str:
        """The authority line itself (the service's value); empty for the default."""
        key = self.cleaned_data.get("signer_title")
        return SIGNER_TITLES[key][0] if key else ""


class DecisionBatchForm(ApproveForm):
    """One decision for several wards of a province-year: the wards (assessments in review with every verdict)."""

    assessments = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Các phường trong quyết định"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Cần chọn ít nhất một phường."),
            "invalid_choice": gettext_lazy("Phường đã chọn không còn chờ quyết định; hãy tải lại trang."),
        },
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessments"].choices = choices
        self.order_fields(["assessments"])


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Lý do mở lại"),
        max_length=4000,
        error_messages={"required": gettext_lazy("Cần nêu lý do mở lại hồ sơ.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _date_field(label, required_message):
    return forms.DateField(
        label=label,
        input_formats=["%d/%m/%Y"],
        error_messages={"required": required_message, "invalid": gettext_lazy("Ngày theo dạng dd/mm/yyyy.")},
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
    )


def _year_field():
    def out_of_range():
        return _("Năm đánh giá phải từ %(year_min)s đến %(year_max)s.") % {"year_min": YEAR_MIN, "year_max": YEAR_MAX}

    message = lazy(out_of_range, str)()
    return forms.IntegerField(
        label=gettext_lazy("Năm đánh giá"),
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        error_messages={
            "required": gettext_lazy("Cần ghi năm đánh giá."),
            "min_value": message,
            "max_value": message,
            "invalid": gettext_lazy("Hãy nhập năm bằng chữ số, ví dụ 2027."),
        },
    )


class OpenYearForm(forms.Form):
    """«Mở đợt đánh giá năm …» (the app's page and the admin's action)."""

    year = _year_field()


class CalendarForm(forms.Form):
    """A province's reporting calendar for a year."""

    year = _year_field()
    deadline = _date_field(gettext_lazy("Hạn nộp hồ sơ năm"), gettext_lazy("Cần ghi hạn nộp."))
    half_year_report = _date_field(gettext_lazy("Hạn báo cáo 6 tháng"), gettext_lazy("Cần ghi hạn báo cáo 6 tháng."))


class ExtensionForm(forms.Form):
    """The province lets one ward submit after the deadline."""

    until = _date_field(gettext_lazy("Gia hạn đến ngày"), gettext_lazy("Cần ghi ngày gia hạn đến."))
    reason = forms.CharField(
        label=gettext_lazy("Lý do gia hạn"),
        max_length=1000,
        error_messages={"required": gettext_lazy("Cần nêu lý do gia hạn.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )
