"""The assessment page's indicator rows, written in Python: some 116 rows and 140 inputs, the page's inner loop.

Through the template engine these rows were two thirds of the page's rendering (about 2,000 nodes, each a lookup
and an escape); written here they cost a string each. The markup is what templates/wards/assessment.html wrote
in its loop, and the page still writes everything around them (the cards, the narratives, the evidence).

Texts are escaped as the template escaped them: a value marked safe (an input's HTML) as it is, any other
escaped (Django's escape is html.escape, called here without its lazy-text wrapper).
"""

from html import escape

from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext as _

from criteria.scoring import Judgement
from wards import parsing

# The parts written on a wide column (a reason), and the part that is a checkbox.
WIDE_PARTS = ("exclusion_reason", "na_reason")


def _text(value) -> str:
    """`{{ value }}` of a text: escaped unless marked safe."""
    return str(value) if isinstance(value, SafeData) else escape(str(value))


def _errors(field, errors) -> str:
    if not errors:
        return ""
    return (
        f'<div class="invalid-feedback d-block" id="{field.auto_id}_error">{" ".join(_text(e) for e in errors)}</div>'
    )


def field_cell(part, field, typed_by_hand_badge: str) -> tuple[str, bool]:
    """One input with its label, hint and errors in its column; and whether it has errors."""
    errors = field.errors
    html = _text(str(field))
    label = _text(field.label)
    if part.name == "na":
        inner = (
            f'<div class="form-check mt-sm-4">{html}'
            f'<label class="form-check-label small" for="{field.id_for_label}">{label}</label></div>'
        )
    else:
        source = getattr(field.field, "last_year_source", None)
        badge = typed_by_hand_badge if source is not None and source.typed_by_hand else ""
        hint = (
            f'<div class="form-text small mt-0" id="{field.auto_id}_helptext">{_text(field.help_text)}</div>'
            if field.help_text
            else ""
        )
        inner = f'<label class="form-label small mb-0" for="{field.id_for_label}">{label}{badge}</label>{html}{hint}'
    width = "col-12 col-sm-8" if part.name in WIDE_PARTS else "col-6 col-sm-4"
    return f'<div class="{width}">{inner}{_errors(field, errors)}</div>\n', bool(errors)


def indicator_row(indicator, judgement: Judgement, cells: list[str]) -> str:
    """One indicator: its code, text, requirement and result (with the reason, but not for a missing figure: the
    reason is formatted only where the page shows it), and its inputs."""
    reason = (
        f' <span class="text-secondary">· {_text(judgement.reason)}</span>' if judgement.result != "missing" else ""
    )
    return mark_safe(
        f'<div class="indicator-row row border-bottom pb-2 mb-2" id="{parsing.anchor(indicator)}">\n'
        f'<div class="col-lg-5"><strong>{_text(indicator.code)}</strong> {_text(indicator.display_title)}\n'
        f'<span class="badge text-bg-light border">{_text(indicator.requirement)}</span>\n'
        f'<div class="small"><span class="result-{judgement.result}">{_text(judgement.label)}</span>{reason}</div>\n'
        f'</div>\n<div class="col-lg-7"><div class="row g-2">\n{"".join(cells)}</div></div>\n</div>\n'
    )


def rows(form, criterion, judgements) -> tuple[list[str], bool]:
    """The criterion's indicator rows as HTML, and whether any input among them has errors."""
    badge = f' <span class="badge text-bg-warning">{_text(_("nhập tay"))}</span>'
    html, has_errors = [], False
    for indicator in criterion.indicators.all():
        cells = []
        for part, name in form.parts[indicator.pk]:
            cell, errors = field_cell(part, form[name], badge)
            cells.append(cell)
            has_errors = has_errors or errors
        html.append(indicator_row(indicator, judgements[indicator.code], cells))
    return html, has_errors
