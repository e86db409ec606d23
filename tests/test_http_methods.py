"""A view that only changes things (require_POST) answers a GET with 405, never with a page or a change.

The views are found from the URL resolver, so a new POST-only view is covered without being listed here."""

import re

import pytest
from django.urls import URLPattern, get_resolver, reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# A value for each kind of URL argument: the first one its converter accepts.
SAMPLE_ARGUMENTS = ("1", "2026", "x")


def allowed_methods(view) -> set[str] | None:
    """The HTTP methods a view lets through, or None when it declares none (it takes any)."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a class-based view: the methods it names and has a handler for
        return {m.upper() for m in view_class.http_method_names if m != "options" and hasattr(view_class, m)}
    # A function view: require_http_methods (require_POST, require_GET …) keeps the list in its closure,
    # somewhere down the chain of decorators (login_required and the others keep __wrapped__).
    func = view
    while func is not None:
        code, closure = getattr(func, "__code__", None), getattr(func, "__closure__", None) or ()
        if code is not None:
            cells = dict(zip(code.co_freevars, closure, strict=True))
            if "request_method_list" in cells:
                return {m.upper() for m in cells["request_method_list"].cell_contents}
        func = getattr(func, "__wrapped__", None)
    return None


def _argument(converter) -> str:
    for sample in SAMPLE_ARGUMENTS:
        if re.fullmatch(converter.regex, sample):
            try:
                converter.to_python(sample)
            except ValueError:
                continue
            return sample
    raise AssertionError(f"no sample argument for {converter!r}: add one to SAMPLE_ARGUMENTS")


def project_urls() -> list[tuple[str, str, set[str] | None]]:
    """(name, path, allowed methods) of every URL of the project's own views (the admin's are Django's)."""
    urls = []
    for pattern in get_resolver().url_patterns:
        if not isinstance(pattern, URLPattern):  # include(): only the admin
            continue
        kwargs = {name: _argument(c) for name, c in pattern.pattern.converters.items()}
        urls.append((pattern.name, reverse(pattern.name, kwargs=kwargs), allowed_methods(pattern.callback)))
    return urls


URLS = project_urls()
POST_ONLY = [(name, path) for name, path, methods in URLS if methods == {"POST"}]


@pytest.mark.parametrize("name, path", POST_ONLY, ids=[name for name, _ in POST_ONLY])
def test_a_get_on_a_post_only_view_answers_405(client, name, path):
    client.force_login(UserFactory())
    response = client.get(path)
    assert response.status_code == 405, (name, path, response.status_code)
    assert {m.strip() for m in response["Allow"].split(",")} - {"OPTIONS"} == {"POST"}


def test_every_view_that_answers_405_to_a_get_is_declared_post_only(client):
    """The other way round: the introspection above misses no POST-only view (a 405 found here that is not in
    POST_ONLY means allowed_methods() no longer reads the view's declaration)."""
    client.force_login(UserFactory())
    refused = {name for name, path, _ in URLS if client.get(path).status_code == 405}
    assert refused == {name for name, _ in POST_ONLY}
