"""What the assessment page writes 22 times, once a criterion, written in Python: the indicator rows (some 116
rows and 140 inputs) and the evidence section (its files and the upload; also the answer to an upload or a
deletion through htmx); and the review page's 22 criterion cards (review_section).

Through the template engine these parts were most of the page's rendering (some 2,800 nodes, each a lookup, an
escape, a number localised; an include 0.2 ms); written here they cost a string each. The markup is what the
templates wrote, and templates/wards/assessment.html still writes everything around them.

Texts are escaped as the template escaped them (wards.widgets.escaped): a value marked safe (an input's HTML) as
it is, any other escaped.
"""

from django.conf import settings
from django.middleware.csrf import get_token
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from criteria.scoring import Judgement
from wards import parsing
from wards.links import id_url
from wards.templatetags.wards_tags import filesize
from wards.widgets import escaped, shown

# The parts written on a wide column (a reason), and the part that is a checkbox.
WIDE_PARTS = ("exclusion_reason", "na_reason")


def _when(moment) -> str:
    """`{{ moment|date:"H:i d/m/Y" }}`: local time, hours and minutes, day, month and year with their zeros."""
    return template_localtime(moment).strftime("%H:%M %d/%m/%Y")


def _short_hash(text: str) -> str:
    """`{{ text|truncatechars:13 }}` of a hash (no spaces): its first 12 characters and "…"."""
    return text if len(text) <= 13 else f"{text[:12]}…"


def _typed_by_hand() -> str:
    """The badge of a last year's figure typed by hand."""
    return f'<span class="badge text-bg-warning">{escaped(_("nhập tay"))}</span>'


def _errors(field, errors) -> str:
    if not errors:
        return ""
    return f'<div class="invalid-feedback d-block" id="{escaped(field.auto_id)}_error">{" ".join(escaped(e) for e in errors)}</div>'


def field_cell(part, field, typed_by_hand_badge: str) -> tuple[str, bool]:
    """One input with its label, hint and errors in its column; and whether it has errors."""
    errors = field.errors
    html = escaped(str(field))
    label = escaped(field.label)
    if part.name == "na":
        inner = (
            f'<div class="form-check mt-sm-4">{html}'
            f'<label class="form-check-label small" for="{escaped(field.id_for_label)}">{label}</label></div>'
        )
    else:
        source = getattr(field.field, "last_year_source", None)
        badge = typed_by_hand_badge if source is not None and source.typed_by_hand else ""
        hint = (
            f'<div class="form-text small mt-0" id="{escaped(field.auto_id)}_helptext">{escaped(field.help_text)}</div>'
            if field.help_text
            else ""
        )
        inner = f'<label class="form-label small mb-0" for="{escaped(field.id_for_label)}">{label}{badge}</label>{html}{hint}'
    width = "col-12 col-sm-8" if part.name in WIDE_PARTS else "col-6 col-sm-4"
    return f'<div class="{width}">{inner}{_errors(field, errors)}</div>\n', bool(errors)


def indicator_row(indicator, judgement: Judgement, cells: list[str]) -> str:
    """One indicator: its code, text, requirement and result (with the reason, but not for a missing figure: the
    reason is formatted only where the page shows it), and its inputs."""
    reason = (
        f' <span class="text-secondary">· {escaped(judgement.reason)}</span>' if judgement.result != "missing" else ""
    )
    return mark_safe(
        f'<div class="indicator-row row border-bottom pb-2 mb-2" id="{escaped(parsing.anchor(indicator))}">\n'
        f'<div class="col-lg-5"><strong>{escaped(indicator.code)}</strong> {escaped(indicator.display_title)}\n'
        f'<span class="badge text-bg-light border">{escaped(indicator.requirement)}</span>\n'
        f'<div class="small"><span class="result-{judgement.result}">{escaped(judgement.label)}</span>{reason}</div>\n'
        f'</div>\n<div class="col-lg-7"><div class="row g-2">\n{"".join(cells)}</div></div>\n</div>\n'
    )


def indicator_rows(form, criterion, judgements) -> tuple[list[str], bool]:
    """The criterion's indicator rows as HTML, and whether any input among them has errors."""
    badge = f" {_typed_by_hand()}"
    html, has_errors = [], False
    for indicator in criterion.indicators.all():
        cells = []
        for part, name in form.parts[indicator.pk]:
            cell, errors = field_cell(part, form[name], badge)
            cells.append(cell)
            has_errors = has_errors or errors
        html.append(indicator_row(indicator, judgements[indicator.code], cells))
    return html, has_errors


class EvidenceTexts:
    """The evidence section's texts in the reader's language, translated once for the page's 22 sections."""

    def __init__(self, request, assessment):
        self.download_url = id_url("evidence_download", assessment.pk)  # a file's id → its links
        self.delete_url = id_url("evidence_delete", assessment.pk)
        self.heading = escaped(_("Tài liệu minh chứng"))
        self.none = escaped(_("Chưa có tệp."))
        self.delete = escaped(_("Xoá"))
        self.confirm = _("Xoá tệp «%(name)s»?")
        self.choose = _("Chọn tệp minh chứng cho %(code)s")
        self.upload = escaped(_("Tải lên"))
        limit = f"{settings.EVIDENCE_MAX_BYTES // 1024 // 1024} MB"
        self.limit = escaped(_("PDF, JPEG, PNG, DOCX, XLSX; tối đa %(limit)s mỗi tệp.") % {"limit": limit})
        self.csrf_token = escaped(get_token(request))


def evidence_section(texts: EvidenceTexts, assessment, criterion, files, upload_form, editable: bool) -> str:
    """A criterion's files (each with its size, who and when, its SHA-256, and "Xoá" while editable), the refusal
    of the last upload, and the upload input."""
    number = criterion.number
    out = [f'<div id="evidence-{number}" class="mt-2">\n<div class="small fw-semibold">{texts.heading}</div>\n']
    if files:
        out.append('<ul class="list-unstyled small mb-2">\n')
        for f in files:
            name = escaped(f.original_name)
            size = filesize(f.size)
            who = escaped(parsing.person(f.uploaded_by))
            when = _when(f.uploaded_at)
            download = texts.download_url(f.pk)
            out.append(
                '<li class="d-flex flex-wrap align-items-center gap-2 py-1 border-bottom">\n'
                f'<a href="{download}" target="_blank" rel="noopener">{name}</a>\n'
                f'<span class="text-secondary">{size} · {who} · {when}</span>\n'
                f'<code class="text-secondary" title="SHA-256">{escaped(_short_hash(f.sha256))}</code>\n'
            )
            if editable:
                delete = texts.delete_url(f.pk)
                confirm = escaped(texts.confirm % {"name": f.original_name})
                # hx-select="unset": the button sits in the figures form, whose hx-select (the whole page) it would
                # inherit; the answer is the section itself, and selecting the page in it swapped in nothing.
                out.append(
                    '<button type="submit" class="btn btn-link btn-sm text-danger p-0 ms-auto" '
                    f'formaction="{delete}" hx-post="{delete}" hx-params="none" hx-target="#evidence-{number}" '
                    f'hx-select="unset" hx-swap="outerHTML" hx-confirm="{confirm}">{texts.delete}</button>\n'
                )
            out.append("</li>\n")
        out.append("</ul>\n")
    else:
        out.append(f'<div class="small text-secondary mb-2">{texts.none}</div>\n')
    refusals = upload_form.non_field_errors()
    if refusals:
        out.append(
            f'<div class="alert alert-warning small py-1 mb-2" role="alert" id="evidence-refused-{number}">'
            f"{''.join(escaped(e) for e in refusals)}</div>\n"
        )
    if editable:
        invalid = bool(upload_form.errors)
        file_errors = upload_form.errors.get("file")
        described = f' aria-invalid="true" aria-describedby="file-{number}-error"' if invalid else ""
        choose = escaped(texts.choose % {"code": criterion.code})
        # The token goes before the file: a body refused for its size is not read past the file (wards.uploads).
        out.append(
            '<div class="d-flex flex-wrap gap-2 align-items-start">\n<div>\n'
            f'<input type="hidden" name="csrfmiddlewaretoken" form="upload-{number}" value="{texts.csrf_token}">\n'
            f'<input type="file" name="file" form="upload-{number}" id="file-{number}" '
            f'class="form-control form-control-sm{" is-invalid" if invalid else ""}" '
            f'data-max-bytes="{upload_form.max_bytes}" data-too-large="{escaped(upload_form.too_large)}" '
            f'accept=".pdf,.jpg,.jpeg,.png,.docx,.xlsx"{described} aria-label="{choose}">\n'
        )
        if file_errors:
            out.append(
                f'<div class="invalid-feedback d-block" id="file-{number}-error">'
                f"{' '.join(escaped(e) for e in file_errors)}</div>\n"
            )
        out.append(
            f'</div>\n<button type="submit" form="upload-{number}" class="btn btn-outline-primary btn-sm">'
            f"{texts.upload}</button>\n</div>\n"
            f'<div class="form-text">{texts.limit}</div>\n'
        )
    out.append("</div>\n")
    return mark_safe("".join(out))


def review_rows(page, last_year, criterion) -> list[str]:
    """The review page's table rows of a criterion: each indicator's figures this year and last year (where last
    year comes from, typed by hand or not), and its computed result with the reason."""
    badge = f"\n{_typed_by_hand()}"
    judgements = page.score.criteria[criterion.code].indicators
    rows = []
    for indicator in criterion.indicators.all():
        value = page.values.get(indicator.pk)
        source = last_year.source(indicator)
        last_text, last_note = source.shown(value.last_year if value is not None else None)
        judgement = judgements[indicator.code]
        note = f'\n<div class="last-year-source">{escaped(last_note)}</div>' if last_note else ""
        rows.append(
            mark_safe(
                '<tr class="small">\n'
                f"<td>\n<strong>{escaped(indicator.code)}</strong> {escaped(indicator.display_title)}\n</td>\n"
                f'<td class="text-nowrap">{escaped(indicator.requirement)}</td>\n'
                f"<td>{escaped(parsing.describe(indicator, value))}</td>\n"
                f'<td class="text-secondary last-year" data-source="{escaped(source.source)}">\n{escaped(last_text)}'
                f"{badge if source.typed_by_hand else ''}{note}\n</td>\n"
                f'<td>\n<span class="result-{judgement.result}">{escaped(judgement.label)}</span>\n'
                f'<div class="text-secondary">{escaped(judgement.reason)}</div>\n</td>\n</tr>\n'
            )
        )
    return rows


class ReviewTexts:
    """The review page's section texts in the reader's language, translated once for its 22 sections."""

    def __init__(self, assessment):
        year = assessment.year
        self.download_url = id_url("evidence_download", assessment.pk)  # a file's id → its download link
        self.result = escaped(_("Kết quả tính:"))
        self.changes = escaped(_("Thay đổi so với vòng trước:"))
        # (each text translated outside the f-strings: makemessages reads no call inside one)
        # (blocktranslate's way for the years: the year escaped, the message as translated)
        year_texts = [mark_safe(_("Năm %(year)s") % {"year": shown(y)}) for y in (year, year - 1)]
        heads = [_("Chỉ tiêu"), _("Yêu cầu"), *year_texts, _("Kết quả tính")]
        self.head = (
            '<thead>\n<tr class="small">\n' + "".join(f"<th>{escaped(h)}</th>\n" for h in heads) + "</tr>\n</thead>\n"
        )
        self.narrative = escaped(_("Kết quả thực hiện:"))
        self.unwritten = mark_safe(_("(phường chưa ghi)"))  # a literal of the template's: marked safe there
        self.evidence = escaped(_("Minh chứng:"))
        self.no_evidence = escaped(_("không có"))
        self.verdict = escaped(_("Kết luận"))
        self.comment = escaped(_("Nhận xét"))


def review_section(texts: ReviewTexts, c: dict, reviewing: bool) -> str:
    """One criterion's card on the review page (the template wrote it 22 times): its computed result, what
    changed since the last round, the figures' rows (review_rows), the narrative and files, and the verdict,
    comment and (while reviewing) return reason inputs."""
    criterion, score, number = c["criterion"], c["score"], c["criterion"].number
    out = [
        f'<section class="card mb-3" id="criterion-{number}">\n'
        '<div class="card-header d-flex flex-wrap justify-content-between gap-2">\n'
        f"<strong>{escaped(criterion.code)}. {escaped(criterion.display_title)}</strong>\n"
        f'<span>{texts.result} <span class="result-{escaped(score.judgement.result)}">'
        f"{escaped(score.judgement.label)}</span></span>\n"
        '</div>\n<div class="card-body">\n'
    ]
    if c["changes"]:
        items = "".join(f"<li>{shown(ch.what)}: {shown(ch.old)} → {shown(ch.new)}</li>" for ch in c["changes"])
        out.append(
            f'<div class="alert alert-info py-2 small" id="changes-{number}">\n<strong>{texts.changes}</strong>\n'
            f'<ul class="mb-0">\n{items}\n</ul>\n</div>\n'
        )
    narrative = c["narrative"].text if c["narrative"] is not None else ""
    files = (
        "·\n".join(
            f'<a href="{texts.download_url(f.pk)}" target="_blank" rel="noopener">{escaped(f.original_name)}</a>\n'
            f'<code class="text-secondary">{escaped(_short_hash(f.sha256))}</code>\n'
            for f in c["evidence"]
        )
        or f'<span class="text-secondary">{texts.no_evidence}</span>'
    )
    out.append(
        '<div class="table-responsive">\n<table class="table table-sm align-middle">\n'
        f"{texts.head}<tbody>\n{''.join(c['indicator_rows'])}</tbody>\n</table>\n</div>\n"
        f'<div class="small mb-2">\n<strong>{texts.narrative}</strong>\n'
        f"{linebreaksbr(narrative or texts.unwritten, autoescape=True)}\n</div>\n"
        f'<div class="small mb-2">\n<strong>{texts.evidence}</strong>\n'
        f"{files}\n</div>\n"
        '<div class="row g-2 border-top pt-2">\n<div class="col-md-3">\n'
        f'<div class="small fw-semibold">{texts.verdict}</div>\n'
    )
    for radio in c["verdict_field"]:
        out.append(
            f'<div class="form-check form-check-inline">\n{radio.tag()}\n'
            f'<label class="form-check-label small" for="{escaped(radio.id_for_label)}">'
            f"{escaped(radio.choice_label)}</label>\n</div>\n"
        )
    verdict = c["verdict"]
    if verdict is not None:
        when = _when(verdict.updated_at)
        out.append(f'<div class="small text-secondary">\n{escaped(parsing.person(verdict.reviewer))}, {when}\n</div>\n')
    comment = c["comment_field"]
    out.append(
        '</div>\n<div class="col-md-5">\n'
        f'<label class="form-label small mb-0" for="{escaped(comment.id_for_label)}">{texts.comment}</label>\n'
        f"{escaped(str(comment))}\n{_errors(comment, comment.errors)}</div>\n"
    )
    if reviewing:
        reason = c["reason_field"]
        out.append(
            '<div class="col-md-4">\n'
            f'<label class="form-label small mb-0" for="{escaped(reason.id_for_label)}">{escaped(reason.label)}</label>\n'
            f"{escaped(str(reason))}\n</div>\n"
        )
    out.append("</div>\n</div>\n</section>\n")
    return mark_safe("".join(out))


class CardTexts:
    """The assessment page's card texts in the reader's language, translated once for its 22 cards."""

    def __init__(self, assessment):
        self.reason = escaped(_("Lý do trả lại:"))
        self.upload_url = id_url("evidence_upload", assessment.pk)  # a criterion's number → its upload address


def criterion_card(texts: CardTexts, c: dict) -> str:
    """One criterion's card on the assessment page (the template wrote it 22 times): its result, the reviewer's
    reasons of the last return, its indicator rows, its narrative (the markup crispy's field template gives a
    text area) and its evidence section."""
    criterion, judgement, field = c["criterion"], c["score"].judgement, c["narrative"]
    out = [
        f'<section class="card mb-3 criterion-card" id="criterion-{criterion.number}">\n'
        '<div class="card-header d-flex flex-wrap justify-content-between gap-2">\n'
        f"<strong>{escaped(criterion.code)}. {escaped(criterion.display_title)}</strong>\n"
        f'<span class="result-{escaped(judgement.result)}" id="result-{escaped(criterion.code)}">'
        f"{escaped(judgement.label)}</span>\n"
        '</div>\n<div class="card-body">\n'
    ]
    if criterion.rule_note:
        out.append(f'<p class="small text-secondary mb-2">{escaped(criterion.rule_note)}</p>\n')
    for reason in c["reasons"]:
        out.append(
            f'<div class="alert alert-warning py-2 reason">\n<strong>{texts.reason}</strong> {escaped(reason.text)}\n</div>\n'
        )
    out.extend(c["indicator_rows"])
    auto_id = escaped(field.auto_id)
    out.append(
        f'<div id="div_{auto_id}" class="mb-3">\n'
        f'<label for="{escaped(field.id_for_label)}" class="form-label">{escaped(field.label)}</label>\n'
        f"{escaped(str(field))}\n"
    )
    errors = field.errors
    if errors:
        items = "".join(
            f'<p id="error_{i}_{auto_id}">\n<strong>{escaped(error)}</strong>\n</p>\n'
            for i, error in enumerate(errors, 1)
        )
        out.append(f'<div id="{escaped(errors.field_id)}_error" class="invalid-feedback">\n{items}</div>\n')
    out.append(f"</div>\n{c['evidence']}\n</div>\n</section>\n")
    return mark_safe("".join(out))


def upload_form(texts: CardTexts, criterion) -> str:
    """The empty form a criterion's file input belongs to (form="upload-N"), outside the figures' form."""
    url, number = texts.upload_url(criterion.number), criterion.number
    return mark_safe(
        f'<form id="upload-{number}" method="post" enctype="multipart/form-data" action="{url}" hx-post="{url}" '
        f'hx-encoding="multipart/form-data" hx-target="#evidence-{number}" hx-swap="outerHTML"></form>\n'
    )
