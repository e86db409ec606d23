"""Leadership's pages and every PDF download. Files are streamed only through views that check scope."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from criteria.scoring import format_number
from reports import documents, services
from reports.models import BulkRender, RenderJob
from reports.selectors import bulks_visible_to, jobs_visible_to, report_provinces
from wards import access
from wards.links import id_url
from wards.models import Assessment, Decision, Province, in_province
from wards.pagination import page_of
from wards.selectors import assessment_for, stored_scores
from wards.views.lists import ListTexts, district_name
from wards.widgets import escaped
from wards.years import year_param

BEFORE_AFTER_PAGE = "trang-truoc-sau"


def _province_for(user, code) -> Province:
    return get_object_or_404(report_provinces(user), code=code)


def _require_assessments(province, year) -> None:
    if not Assessment.objects.filter(in_province(province, "ward__"), year=year).exists():
        raise Http404(_("%(name)s không có hồ sơ đánh giá năm %(year)s.") % {"name": province.name, "year": year})


@login_required
@require_GET
def leadership(request):
    """The province at a glance for a year: distribution, pass rates, roadmap, certified wards, last year."""
    access.require(request.user, access.Action.READ_PROVINCE)
    provinces = list(report_provinces(request.user).order_by("name"))
    province = next((p for p in provinces if p.code == request.GET.get("province")), provinces[0])
    lineage = documents.province_lineage(province)  # every year's counts too: the years with assessments
    years = sorted(lineage.years, reverse=True)
    current = timezone.localdate().year
    year = year_param(request.GET.get("year"), default=current)
    # The year asked for (by default the current assessment year) is the year shown, with or without data.
    if year not in years:
        messages.info(
            request, _("%(name)s chưa có hồ sơ đánh giá nào năm %(year)s.") % {"name": province.name, "year": year}
        )
    summary = documents.province_year(
        province=province, year=year, user=request.user, lineage=lineage, visible=provinces
    )
    # the same province, checked just above; only its counts are shown
    previous = documents.province_year_counts(province, year - 1, lineage=lineage)
    charts = documents.report_charts(summary)
    # The wards a page at a time (?trang=N), and the table "before → after" of 2025 a page at a time of its own.
    # The same rows as the summary's count of the year's assessments (province_year: "assessments").
    page = page_of(request, documents.province_assessments(province, year), count=summary["assessments"])
    rows = list(page)
    scores = stored_scores(assessments=rows)
    decisions = {d.assessment_id: d for d in Decision.objects.in_force().filter(assessment__in=rows)}
    before_after_page, before_after = None, []
    if documents.shows_before_after(year):
        before_after_page = page_of(request, documents.map_wards(province, year), param=BEFORE_AFTER_PAGE)
        before_after = documents.before_after(before_after_page, year)
    report_job = (
        RenderJob.objects.filter(kind=RenderJob.Kind.PROVINCE_REPORT, province=province, year=year)
        .order_by("-created_at")
        .first()
    )
    return render(
        request,
        "reports/leadership.html",
        {
            "provinces": provinces,
            "province": province,
            "years": sorted({*years, current, year}, reverse=True),
            "year": year,
            "has_data": year in years,
            "s": summary,
            "previous": previous,
            "charts": charts,
            "average": _average(summary),
            "previous_average": _average(previous),
            "rows": [{"assessment": a, "score": scores[a.pk], "decision": decisions.get(a.pk)} for a in rows],
            "row_html": _ward_rows(request, rows, scores, decisions, districts=summary["districts"]),
            "certified_html": _certified_items(summary["certified"]),
            "predecessor_html": _predecessor_items(summary["predecessor_certified"]),
            "page_obj": page,
            "before_after": before_after,
            "before_after_page": before_after_page,
            "report_job": report_job,
            "bulk": BulkRender.objects.filter(province=province, year=year).first(),
        },
    )


def _ward_rows(request, assessments, scores, decisions, *, districts: bool) -> list[str]:
    """The rows of the wards' table (50 a page; the template wrote them a node at a time): the ward with its
    link, its district (before the reform), its status, computed result and decision, and its dossier's button."""
    texts = ListTexts()
    page_url, dossier_url = id_url("assessment"), id_url("dossier_request")
    button = escaped(_("Xuất PDF"))
    token = escaped(get_token(request))
    rows = []
    for a in assessments:
        score, decision = scores[a.pk], decisions.get(a.pk)
        district = f'<td class="d-none d-md-table-cell">{district_name(a.ward)}</td>\n' if districts else ""
        result = texts.met(score)
        label = escaped((decision.label if decision is not None else "") or "—")
        rows.append(
            mark_safe(
                f'<tr>\n<td>\n<a href="{page_url(a.pk)}">{escaped(a.ward.name)}</a>\n</td>\n{district}'
                f'<td>{texts.status[a.status]}</td>\n<td class="text-end">{escaped(result)}</td>\n<td>{label}</td>\n'
                f'<td>\n<form method="post" action="{dossier_url(a.pk)}">\n'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">\n'
                f'<button class="btn btn-link btn-sm p-0" type="submit">{button}</button>\n</form>\n</td>\n</tr>\n'
            )
        )
    return rows


def _certified_items(certified: list[dict]) -> list[str]:
    """The year's certified wards as list items (the template wrote each with a blocktranslate: the list grows
    with the province)."""
    with_district = _("%(ward)s (%(district)s) — QĐ %(number)s ngày %(date)s")
    without = _("%(ward)s — QĐ %(number)s ngày %(date)s")
    items = []
    for c in certified:
        values = {k: escaped(c[k]) for k in ("ward", "district", "number", "date")}
        items.append(mark_safe(f"<li>\n{(with_district if c['district'] else without) % values}\n</li>\n"))
    return items


def _predecessor_items(predecessors: list[dict]) -> list[str]:
    """The wards of the map whose predecessors were certified, as list items (see _certified_items)."""
    text = _("%(ward)s — tiền thân đã đạt chuẩn: %(text)s")
    return [
        mark_safe(f"<li>{text % {'ward': escaped(p['ward']), 'text': escaped(p['text'])}}</li>\n") for p in predecessors
    ]


def _average(summary) -> str:
    total = sum(r["wards"] for r in summary["distribution"])
    if not total:
        return "—"
    value = sum(r["k"] * r["wards"] for r in summary["distribution"]) / total
    return format_number(value, decimals=1)


@login_required
@require_POST
def dossier_request(request, pk):
    assessment = assessment_for(user=request.user, pk=pk)
    job = services.dossier_request(assessment=assessment, user=request.user)
    return redirect("job", pk=job.pk)


@login_required
@require_POST
def report_request(request, code, year):
    province = _province_for(request.user, code)
    _require_assessments(province, year)
    job = services.report_request(province=province, year=year, user=request.user)
    return redirect("job", pk=job.pk)


@login_required
@require_POST
def bulk_request(request, code, year):
    province = _province_for(request.user, code)
    _require_assessments(province, year)
    bulk = services.bulk_request(province=province, year=year, user=request.user)
    return redirect("bulk", pk=bulk.pk)


@login_required
@require_GET
def job(request, pk):
    """A job's state; the page polls (htmx) while it is queued or running."""
    job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
    template = "reports/_job.html" if request.htmx else "reports/job.html"
    context = {
        "job": job,
        "waiting": services.job_waiting(job),
        "resend_at": job.sent_at + services.RESEND_AFTER if job.sent_at else None,
        "show_detail": access.can(request.user, access.Action.SEE_ERROR_DETAILS),
    }
    return render(request, template, context)


@login_required
@require_POST
def job_retry(request, pk):
    job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
    services.job_retry(job=job, user=request.user)
    messages.info(request, _("Đã gửi lại yêu cầu xuất tệp."))
    return redirect("job", pk=pk)


@login_required
@require_GET
def job_download(request, pk):
    job = get_object_or_404(jobs_visible_to(request.user), pk=pk, status=RenderJob.Status.DONE)
    try:
        handle = job.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("Tệp không còn trên máy chủ; hãy yêu cầu xuất lại.")) from None
    return FileResponse(handle, as_attachment=True, filename=job.filename, content_type="application/pdf")


def _bulk_for(user, pk) -> BulkRender:
    return get_object_or_404(bulks_visible_to(user), pk=pk)


@login_required
@require_GET
def bulk(request, pk):
    """Progress of a province-year's dossiers: k of n done, failures listed, one ZIP."""
    bulk = _bulk_for(request.user, pk)
    progress = services.bulk_progress(bulk)
    context = {
        "bulk": bulk,
        "progress": progress,
        "failed": progress.failed,
        "show_detail": access.can(request.user, access.Action.SEE_ERROR_DETAILS),
    }
    return render(request, "reports/_bulk.html" if request.htmx else "reports/bulk.html", context)


@login_required
@require_GET
def bulk_zip(request, pk):
    """The ZIP once every dossier is finished; named "thieu-N" when N dossiers are not in it."""
    bulk = _bulk_for(request.user, pk)
    try:
        archive = services.bulk_zip(bulk, user=request.user)
    except services.BulkUnfinished as exc:
        messages.info(
            request, _("Chưa tải được tệp ZIP: %(exc)s. Trang tự cập nhật; tệp sẽ có khi tất cả xong.") % {"exc": exc}
        )
        return redirect("bulk", pk=pk)
    name = f"ho-so-{bulk.province.code}-{bulk.year}"
    if archive.partial:
        name += f"-thieu-{len(archive.missing)}"
    response = HttpResponse(archive.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    return response
