"""The audit trail of one assessment."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wards.selectors import (
    assessment_for,
)


@login_required
@require_GET
def history(request, pk):
    """The audit trail of one assessment, newest first, readable by everyone who may read it."""
    assessment = assessment_for(user=request.user, pk=pk)
    events = assessment.audit_events.select_related("actor").order_by("-at", "-pk")
    return render(request, "wards/history.html", {"assessment": assessment, "events": events})
