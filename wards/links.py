"""Links to many rows of one kind, reversed once: a list of 50 wards, or a page's 22 sections of files, would
otherwise resolve the same pattern once a row."""

from django.urls import reverse

_MARKER = 987654321  # stands for the row's id while the pattern is reversed; never a real id in the pattern


def id_url(name: str, *fixed):
    """pk → reverse(name, args=[*fixed, pk]): the pattern reversed once with `fixed` as its first arguments, the
    last argument (an id) written in for each row."""
    before, after = reverse(name, args=[*fixed, _MARKER]).rsplit(str(_MARKER), 1)
    return lambda pk: f"{before}{int(pk)}{after}"
