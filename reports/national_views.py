"""The national view (the provinces side by side, for the ministry) and the request for its report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reports import national, services
from reports.models import RenderJob
from wards import access
from wards.map import on_new_map
from wards.models import Assessment
from wards.selectors import assessment_years
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
            "rows": national.sort_rows(data.rows, key, descending),
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
