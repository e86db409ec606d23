"""A ward's page: the unit on its map, its years, and its lineage across the 2025 reform."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wards.selectors import ward_page


@login_required
@require_GET
def ward(request, pk):
    """Readable by everyone whose scope holds the ward (404 outside it); links only to what the reader may read."""
    page = ward_page(user=request.user, pk=pk)
    return render(request, "wards/ward.html", {"page": page, "ward": page.ward})
