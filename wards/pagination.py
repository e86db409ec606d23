"""Lists of a province's wards, a page at a time: the page is cut in SQL (LIMIT/OFFSET) and counted in SQL, so a
page's time and size do not depend on the number of wards. `?trang=N` (or `?page=N`) picks the page; a page
beyond the last shows the last, anything else the first. The links keep every other parameter (the filters)."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PER_PAGE = 50
PARAM = "trang"


def page_of(
    request, queryset: QuerySet, *, param: str = PARAM, per_page: int = PER_PAGE, count: int | None = None
) -> Page:
    """The requested page of an ordered queryset (two queries: the count and the page's rows), with `links`:
    (number or "…", its URL or None) for the page numbers, and `previous_url` / `next_url`. A caller that has
    counted the same rows already gives `count`, and the count query is not made again."""
    asked = request.GET.get(param) or (request.GET.get("page") if param == PARAM else None) or 1
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # Paginator.count is a cached property: this is its value
    page = paginator.get_page(asked)

    def url(number: int) -> str:
        query = request.GET.copy()
        query.pop("page", None)
        query[param] = number
        return f"?{query.urlencode()}"

    ellipsis = page.paginator.ELLIPSIS
    page.links = [
        (n, None if n == ellipsis or n == page.number else url(n))
        for n in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    page.previous_url = url(page.previous_page_number()) if page.has_previous() else None
    page.next_url = url(page.next_page_number()) if page.has_next() else None
    return page
