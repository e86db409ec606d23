"""The first page after login: a ward's years, or a province's wards for a year, and notifications."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from wards.links import id_url
from wards.models import Assessment, Decision, Membership, WardLineage
from wards.pagination import page_of
from wards.selectors import (
    assessments_visible_to,
    latest_return_reasons,
    membership_of,
    status_counts,
    stored_scores,
)
from wards.views.lists import ListTexts, district_name
from wards.widgets import escaped, shown
from wards.years import year_param


def province_rows(assessments, scores) -> list[str]:
    """The province table's rows (50 a page; the template wrote them a node at a time): the ward with its links,
    its district, year, status and deadline, how complete it is and what it meets, by its stored result."""
    texts = ListTexts()
    page_url, ward_url = id_url("assessment"), id_url("ward")
    ward_page, ward_label = escaped(_("trang phường")), _("Trang phường %(ward)s")
    rows = []
    for a in assessments:
        score, name = scores[a.pk], escaped(a.ward.name)
        passed = "result-pass" if score.passed == score.total else ""
        rows.append(
            mark_safe(
                f'<tr>\n<td>\n<a href="{page_url(a.pk)}">{name}</a>\n'
                f'<a class="small ms-1" href="{ward_url(a.ward_id)}" aria-label="{ward_label % {"ward": name}}">'
                f"{ward_page}</a>\n</td>\n"
                f'<td class="d-none d-md-table-cell">{district_name(a.ward)}</td>\n<td>{shown(a.year)}</td>\n'
                f"<td>{texts.status[a.status]}</td>\n"
                f'<td class="d-none d-sm-table-cell">{date_filter(a.deadline, "d/m/Y")}</td>\n'
                f'<td class="text-end">{shown(score.complete)}/{shown(score.total)}</td>\n'
                f'<td class="text-end">\n<span class="{passed}">{texts.met(score)}</span>\n</td>\n</tr>\n'
            )
        )
    return rows


@login_required
def home(request):
    """Ward users land on their ward's assessments; province users see one year of their province."""
    membership = membership_of(request.user)
    if membership is not None and membership.role == Membership.Role.LEADERSHIP:
        # The ministry's leadership (no province) lands on the provinces side by side.
        return redirect("leadership" if membership.province_id else "national")
    assessments = assessments_visible_to(user=request.user)
    ward_only = membership is not None and membership.role in Membership.WARD_ROLES
    # order_by(): the model's ordering (by ward name) would make DISTINCT return a year per ward.
    years = sorted(assessments.order_by().values_list("year", flat=True).distinct(), reverse=True)
    year = year_param(request.GET.get("year"), default=None)
    if year not in years:
        year = years[0] if years else None
    predecessors = []
    page = None
    by_status: dict[str, int] = {}
    if ward_only:
        # Their own ward's years; the wards it was formed from are read on its page (their history).
        rows = list(assessments.filter(ward_id=membership.ward_id).prefetch_related("extensions").order_by("-year"))
        predecessors = list(
            WardLineage.objects.filter(successor_id=membership.ward_id)
            .select_related("predecessor")
            .order_by("-whole", "predecessor_name")
        )
    elif year:
        # A province's year, a page at a time, counted in SQL: the page does not grow with the province.
        year_rows = assessments.filter(year=year)
        counted = status_counts(year_rows)
        by_status = {label: counted[value] for value, label in Assessment.Status.choices if counted.get(value)}
        page = page_of(
            request,
            # Only the joins the list shows (ward, district): planning the province and criteria set's as well
            # cost PostgreSQL more than running the query (as on the queue).
            year_rows.select_related(None)
            .select_related("ward__district")
            .order_by("ward__district__name", "ward__name", "pk"),
        )
        rows = list(page)
    else:
        rows = []
    scores = stored_scores(assessments=rows)
    if ward_only:  # their years as cards: the deadline's days left, the last return's reasons, the decision
        reasons = latest_return_reasons(assessments=rows)
        decisions = {d.assessment_id: d for d in Decision.objects.in_force().filter(assessment__in=rows)}
        today = timezone.localdate()
        cards = [
            {
                "assessment": a,
                "score": scores[a.pk],
                "days_left": (last_day - today).days if a.editable_by_ward else None,
                "last_day": last_day,
                "reasons": reasons.get(a.pk, []),
                "decision": decisions.get(a.pk),
            }
            for a, last_day in ((a, a.last_day_to_submit()) for a in rows)
        ]
        row_html = []
    else:  # the province's table, its rows written in Python
        cards = [{"assessment": a, "score": scores[a.pk]} for a in rows]
        row_html = province_rows(rows, scores)
    return render(
        request,
        "wards/home.html",
        {
            "membership": membership,
            "ward_only": ward_only,
            "years": years,
            "year": year,
            "row_html": row_html,
            "rows": cards,
            "status_counts": by_status,
            "page_obj": page,
            "predecessors": predecessors,
            "notifications": request.user.notifications.select_related("assessment__ward")[:10],
        },
    )
