from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from wards.models import Membership
from wards.selectors import assessment_scores, assessments_visible_to, membership_of


@login_required
def home(request):
    """The wards and assessments the user may see, with the computed result so far, one year at a time."""
    membership = membership_of(request.user)
    assessments = assessments_visible_to(user=request.user)
    # A ward has a handful of years: show them all. A province has tens of wards: one year at a time.
    ward_only = membership is not None and membership.role in Membership.WARD_ROLES
    years = sorted(assessments.values_list("year", flat=True).distinct(), reverse=True)
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = years[0] if years else None
    if year not in years:
        year = years[0] if years else None
    if ward_only:
        rows = list(assessments.order_by("-year"))
    else:
        rows = list(assessments.filter(year=year).order_by("ward__district__name", "ward__name")) if year else []
    scores = assessment_scores(assessments=rows)
    status_counts = {}
    for a in rows:
        status_counts[a.get_status_display()] = status_counts.get(a.get_status_display(), 0) + 1
    return render(
        request,
        "wards/home.html",
        {
            "membership": membership,
            "ward_only": ward_only,
            "years": years,
            "year": year,
            "rows": [(a, scores[a.pk]) for a in rows],
            "status_counts": status_counts,
        },
    )
