"""The national view (the provinces side by side, for the ministry) and the request for its report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reports import national, services
from reports.models import RenderJob
from wards import access
from wards.map import on_new_map
from wards.models import Assessment
from wards.selectors import assessment_years
from wards.widgets import escaped, shown
from wards.years import year_param

# The table's columns, in order: (sort key, whether a first click sorts it from the highest down).
COLUMNS = [
    ("name", False),
    ("wards", True),
    ("submitted", True),
    ("certified", True),
    ("certified_total", True),
    ("status", False),
    ("weakest", False),
]


def _sort_links(key: str, descending: bool) -> dict:
    """For each column: the ?sort= value its header links to, and how it is sorted now (for aria-sort)."""
    links = {}
    for column, high_first in COLUMNS:
        if column == key:
            param, state = (column if descending else f"-{column}"), ("descending" if descending else "ascending")
        else:
            param, state = (f"-{column}" if high_first else column), ""
        links[column] = {"param": param, "state": state}
    return links


class RowTexts:
    """The table's texts in the reader's language, translated once for its 34 rows (63 before the reform)."""

    def __init__(self, year: int):
        self.year = year
        self.leadership = reverse("leadership")
        # (each text translated outside the f-string: makemessages reads no call inside one)
        behind, on_track, none = _("Chậm tiến độ"), _("Đúng tiến độ"), _("Chưa có chỉ tiêu")
        self.status = {
            "behind": f'<span class="text-danger fw-semibold">{escaped(behind)}</span>',
            "on_track": f'<span class="text-success fw-semibold">{escaped(on_track)}</span>',
            "none": f'<span class="text-secondary">{escaped(none)}</span>',
        }
        self.due = _("đạt %(certified)s/%(target)s phường, mốc %(year)s")
        self.first = _("mốc đầu: %(target)s phường năm %(year)s")


def row_html(texts: RowTexts, r: national.ProvinceRow) -> str:
    """A province's row of the table (the template wrote it once a province): its link to the province's page,
    its counts, its roadmap's status with the milestone judged, and its weakest criteria."""
    province = r.province
    ended = (
        f'\n<span class="d-block small text-secondary">{escaped(province.period_label)}</span>'
        if province.ended
        else ""
    )
    status = texts.status.get(r.status, texts.status["none"])
    if r.milestone:
        m = r.milestone
        if m["due"]:
            text = texts.due % {
                "certified": shown(m["certified"]),
                "target": shown(m["target"]),
                "year": shown(m["year"]),
            }
        else:
            text = texts.first % {"target": shown(m["target"]), "year": shown(m["year"])}
        status += f'\n<span class="d-block small text-secondary">{text}</span>'
    weakest = (
        ",\n".join(
            f'<span class="text-nowrap" title="{escaped(w.title)}">{escaped(w.code)} ({escaped(w.rate_text)}%)</span>'
            for w in r.weakest
        )
        or "—"
    )
    return mark_safe(
        f'<tr data-code="{escaped(province.code)}">\n<th scope="row" class="fw-normal">\n'
        f'<a href="{texts.leadership}?province={escaped(r.drill_code)}&amp;year={shown(texts.year)}">'
        f"{escaped(province.name)}</a>{ended}\n</th>\n"
        f'<td class="text-end">{shown(r.wards)}</td>\n<td class="text-end">{shown(r.submitted)}</td>\n'
        f'<td class="text-end">{shown(r.certified)}</td>\n'
        f'<td class="text-end">\n{shown(r.certified_total)}\n'
        f'<span class="small text-secondary">({escaped(r.certified_share_text)}%)</span>\n</td>\n'
        f'<td>\n{status}\n</td>\n<td class="small">\n{weakest}\n</td>\n</tr>\n'
    )


@login_required
@require_GET
def national_view(request):
    """The provinces of a year's map side by side: wards, submitted, certified, roadmap, weakest criteria."""
    access.require(request.user, access.Action.READ_NATIONAL)
    current = timezone.localdate().year
    year = year_param(request.GET.get("year"), default=current)
    key, descending = national.parse_sort(request.GET.get("sort"))
    data = national.national_year(year)
    years = assessment_years()
    if year not in years:
        messages.info(request, _("Chưa có hồ sơ đánh giá nào năm %(year)s.") % {"year": year})
    texts = RowTexts(year)
    report_job = (
        RenderJob.objects.filter(kind=RenderJob.Kind.NATIONAL_REPORT, year=year).order_by("-created_at").first()
    )
    return render(
        request,
        "reports/national.html",
        {
            "year": year,
            "years": sorted({*years, current, year}, reverse=True),
            "has_data": year in years,
            "new_map": on_new_map(year),
            "rows": [row_html(texts, r) for r in national.sort_rows(data.rows, key, descending)],
            "totals": data.totals,
            "weakest": data.weakest,
            "sort": f"-{key}" if descending else key,
            "links": _sort_links(key, descending),
            "chart": national.chart(data, **national.chart_texts(year)),
            "report_job": report_job,
        },
    )


@login_required
@require_POST
def national_report_request(request, year):
    access.require(request.user, access.Action.READ_NATIONAL)
    if not Assessment.objects.filter(year=year).exists():
        raise Http404(_("Chưa có hồ sơ đánh giá nào năm %(year)s.") % {"year": year})
    job = services.national_report_request(year=year, user=request.user)
    return redirect("job", pk=job.pk)
