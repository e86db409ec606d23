"""A province's administration in the app (Quản trị tỉnh): its wards and their lineage, its reporting calendar,
the years opened, and its people (wards.views.people). For a province's administrator (their own province) and
the national administrator (any province); the Django admin remains the national administrator's tool.

Scope: the province is looked up in wards.selectors.provinces_administered_by (404 outside it); the role is
checked first (403 without it).
"""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wards import access
from wards.collation import sort_key
from wards.forms import CalendarForm, OpenYearForm
from wards.models import Assessment, Province, ReportingCalendar, Ward, WardLineage
from wards.selectors import criteria_set_for_year, provinces_administered_by
from wards.services import calendar as calendars
from wards.services import divisions, opening


def administered_province(request, code: str, action=access.Action.MANAGE_ROUNDS) -> Province:
    """The province of the address, on today's map, if the user administers it: 403 without the role, 404
    outside their scope (whether or not it exists)."""
    access.require(request.user, action)
    return get_object_or_404(provinces_administered_by(request.user).current(), code=code)


@login_required
@require_GET
def index(request):
    """The provinces the user administers; a province's administrator goes straight to theirs. The national
    administrator also sees the provinces of the national list not set up yet."""
    access.require(request.user, access.Action.MANAGE_ROUNDS)
    provinces = list(provinces_administered_by(request.user).current().annotate(ward_count=Count("wards")))
    if len(provinces) == 1 and not access.can(request.user, access.Action.SET_UP_PROVINCE):
        return redirect("administration", code=provinces[0].code)
    known = {p.code for p in provinces}
    missing = [(code, name) for code, name in divisions.national_provinces() if code not in known]
    return render(
        request,
        "wards/administration/index.html",
        {
            "provinces": provinces,
            "missing": missing,
            "may_set_up": access.can(request.user, access.Action.SET_UP_PROVINCE),
        },
    )


@login_required
@require_POST
def set_up(request):
    """Load one province of the national list: its current phường and where each came from."""
    access.require(request.user, access.Action.SET_UP_PROVINCE)
    code = request.POST.get("province", "")
    if code not in dict(divisions.national_provinces()):
        messages.error(request, _("Không có tỉnh/thành phố mã «%(code)s» trong danh sách quốc gia.") % {"code": code})
        return redirect("administration_index")
    try:
        report = divisions.import_divisions(provinces={code})
    except divisions.DivisionsError as error:
        messages.error(request, str(error))
        return redirect("administration_index")
    province = Province.objects.current().get(code=code)
    messages.success(
        request,
        _("Đã thiết lập %(province)s: %(created)s phường mới, %(unchanged)s phường đã có.")
        % {"province": province, "created": report.new_wards.created, "unchanged": report.new_wards.unchanged},
    )
    return redirect("administration", code=code)


def _years(province: Province) -> list[dict]:
    """The years opened for the province (on its own map: its wards), newest first, with counts per status."""
    counts: dict[int, Counter] = {}
    rows = (
        Assessment.objects.filter(ward__province=province)
        .values_list("year", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for year, status, n in rows:
        counts.setdefault(year, Counter())[status] += n
    labels = dict(Assessment.Status.choices)
    return [
        {
            "year": year,
            "total": sum(c.values()),
            "statuses": [(labels[s], c[s]) for s in labels if c[s]],
        }
        for year, c in sorted(counts.items(), reverse=True)
    ]


def _overview_context(province: Province, **forms) -> dict:
    today = timezone.localdate()
    wards = (
        Ward.objects.current()
        .filter(province=province, kind=Ward.Kind.WARD)
        .prefetch_related(
            Prefetch(
                "predecessor_links",
                queryset=WardLineage.objects.select_related("predecessor").order_by("-whole", "predecessor_name"),
            )
        )
        .order_by("name")
    )
    # From July on, the next year is the one to prepare.
    next_year = today.year + 1 if today.month >= 7 else today.year
    by_year = {c.year: c for c in ReportingCalendar.objects.filter(province=province)}
    calendar_rows = []
    for year in sorted({today.year, next_year, *by_year}, reverse=True):
        existing = by_year.get(year)
        deadline, half_year = (
            (existing.deadline, existing.half_year_report) if existing else ReportingCalendar.defaults(year)
        )
        calendar_rows.append({"year": year, "deadline": deadline, "half_year": half_year, "custom": bool(existing)})
    predecessors = [link.predecessor.name for link in province.predecessor_links.select_related("predecessor")]
    return {
        "province": province,
        "predecessors": sorted(predecessors, key=sort_key),
        "wards": wards,
        "years": _years(province),
        "calendar_rows": calendar_rows,
        "next_year": next_year,
        "criteria_set": criteria_set_for_year(next_year),
        "open_form": forms.get("open_form") or OpenYearForm(prefix="open", initial={"year": next_year}),
        "calendar_form": forms.get("calendar_form") or CalendarForm(prefix="calendar", initial={"year": next_year}),
        "tab": "overview",
    }


@login_required
@require_GET
def overview(request, code):
    """The province's wards with their lineage, its calendar and its years."""
    province = administered_province(request, code)
    return render(request, "wards/administration/overview.html", _overview_context(province))


@login_required
@require_POST
def open_year(request, code):
    """«Mở đợt đánh giá năm …»: one assessment per ward on the year's map, with the province's deadline."""
    province = administered_province(request, code)
    form = OpenYearForm(request.POST, prefix="open")
    if form.is_valid():
        try:
            opened = opening.open_year(province=province, year=form.cleaned_data["year"], user=request.user)
        except opening.YearNotOpenable as error:
            form.add_error("year", str(error))
        else:
            messages.success(request, opened.summary)
            return redirect(reverse("administration", kwargs={"code": code}) + "#years")
    return _refused(request, province, open_form=form)


@login_required
@require_POST
def calendar_save(request, code):
    """The province's deadline and half-year report date for a year; moving the deadline moves the drafts."""
    province = administered_province(request, code)
    form = CalendarForm(request.POST, prefix="calendar")
    if form.is_valid():
        year = form.cleaned_data["year"]
        calendar = ReportingCalendar.objects.filter(province=province, year=year).first() or ReportingCalendar(
            province=province, year=year
        )
        calendar.deadline = form.cleaned_data["deadline"]
        calendar.half_year_report = form.cleaned_data["half_year_report"]
        try:
            calendar.full_clean()
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            moved = calendars.calendar_save(calendar=calendar, user=request.user)
            messages.success(
                request,
                _("Đã lưu lịch báo cáo năm %(year)s: hạn nộp %(deadline)s; %(moved)s hồ sơ đang soạn được chuyển hạn.")
                % {"year": year, "deadline": calendar.deadline.strftime("%d/%m/%Y"), "moved": moved},
            )
            return redirect(reverse("administration", kwargs={"code": code}) + "#calendar")
    return _refused(request, province, calendar_form=form)


def _refused(request, province, **forms):
    """The overview again, answered 422, with the refused form's values and its messages at the fields."""
    return render(request, "wards/administration/overview.html", _overview_context(province, **forms), status=422)
