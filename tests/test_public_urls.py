"""Nothing answers someone who is not signed in but the pages that are public by design: signing in, resetting a
password, accepting an invitation, the script catalogue, and the verification of issued documents (xác minh).

The URLs are found from the resolver (tests/test_http_methods.py), so a new view is covered without being listed
here, and a new public one has to be added to PUBLIC on purpose."""

import pytest

from tests.test_http_methods import URLS

pytestmark = pytest.mark.django_db

PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invitation_accept",
    "javascript_catalog",
    "verify_start",
    "verify",
}
LOGIN_PAGES = ("/dang-nhap/", "/quan-tri/login/")
PROTECTED = [u for u in URLS if u[0] not in PUBLIC]
OPEN = [u for u in URLS if u[0] in PUBLIC]


def _anonymous(client, path, methods):
    return client.post(path) if methods == {"POST"} else client.get(path)


@pytest.mark.parametrize("name, path, methods", PROTECTED, ids=[u[0] for u in PROTECTED])
def test_every_other_url_sends_an_anonymous_visitor_to_sign_in(client, name, path, methods):
    response = _anonymous(client, path, methods)
    assert response.status_code == 302 and response.url.startswith(LOGIN_PAGES), (name, response.status_code)


@pytest.mark.parametrize("name, path, methods", OPEN, ids=[u[0] for u in OPEN])
def test_the_public_pages_answer_without_a_login(client, name, path, methods):
    response = _anonymous(client, path, methods)
    assert response.status_code in (200, 404), (name, response.status_code)  # verify's sample token is unknown
    assert not response.get("Location", "").startswith(LOGIN_PAGES)


def test_public_lists_only_urls_that_exist():
    assert {name for name, *_ in URLS} >= PUBLIC
