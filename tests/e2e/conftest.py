"""Browser fixtures for the end-to-end tests: Debian's Chromium driven by Playwright's sync API."""

import os
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}
TIMEOUT_MS = 15_000
# Assertions wait as long as actions do: on a loaded 2-core machine (two xdist workers, one rendering PDFs) an
# answer can take longer than Playwright's default 5 s; a passing assertion returns as soon as it holds.
expect.set_options(timeout=TIMEOUT_MS)
# E2E_TRACE=<folder> records a Playwright trace of every browser context there (`playwright show-trace` opens
# one): what the page did, with snapshots, when a test fails only under load.
TRACES = os.environ.get("E2E_TRACE")
# axe-core comes from npm (package.json; `make install` runs `npm ci`), never from a CDN.
AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"], autouse=True)
def debug_mode(request, settings):
    """Every browser test runs twice: with DEBUG off, as in production and the rest of the suite, and with
    DEBUG on, as `make run` serves the app (where a debug helper once replaced the page on a rejected request)."""
    settings.DEBUG = request.param
    return request.param


@pytest.fixture(scope="module")
def _async_unsafe_allowed():
    """Playwright's sync API keeps an asyncio event loop in the test thread, so Django refuses ORM calls from
    it (SynchronousOnlyOperation); the tests only touch the database between browser steps.

    Set only while the browser runs, not at import: subprocesses started by other tests inherit os.environ,
    and `manage.py check --deploy` warns about this variable (tests/test_project.py).
    """
    with pytest.MonkeyPatch.context() as mp:
        if "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ:
            mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(_async_unsafe_allowed):
    """One headless Chromium per test module (its event loop stops with it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server, request):
    """Open a page in a fresh browser context (own cookies: one per person; a Vietnamese browser unless told
    another locale), closed after the test.

    Every page is watched: anything the Content Security Policy refused, and any uncaught script error,
    fails the test."""
    contexts = []
    problems: list[str] = []

    def watch(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"CSP: {message.text}")

    def open_page(locale="vi-VN"):
        context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url, locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        if TRACES:
            context.tracing.start(screenshots=True, snapshots=True)
        contexts.append(context)
        page = context.new_page()
        page.on("console", watch)
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        return page

    yield open_page
    for number, context in enumerate(contexts, start=1):
        if TRACES:
            name = re.sub(r"\W+", "-", request.node.nodeid.split("::")[-1])
            context.tracing.stop(path=Path(TRACES) / f"{name}-{number}-{os.getpid()}.zip")
        context.close()
    assert not problems, "\n".join(problems)


def expect_accessible(page, name: str) -> None:
    """Run axe-core on the page as it is now; fail on any serious or critical violation.

    The script is evaluated through the browser's debugging protocol, which the page's Content Security
    Policy does not govern (a <script> tag added to the page would be refused, as it should be)."""
    assert AXE.exists(), f"axe-core is missing at {AXE}: run `npm ci` (make install does)"
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => `${v.impact} ${v.id} (${v.nodes.length}): ${v.help}\\n    `
                    + v.nodes.slice(0, 5).map(n => n.target.join(" ")).join("\\n    "));
        }"""
    )
    assert not violations, f"axe on {name} ({page.url}):\n" + "\n".join(violations)


# A page is ready for a click that posts when its scripts have run (app.js marks <html data-ready> once htmx has
# processed the document; until then a click is the browser's own submission, without htmx and without the
# page's confirmation) and no htmx request, swap or settle is under way (htmx processes what a swap brought
# in only when it settles, and a second request from the same element waits for the first).
# A function, not an expression: Playwright polls an expression through eval(), which the Content Security Policy
# (no 'unsafe-eval') refuses whenever the first check is not already true.
READY = (
    "() => document.readyState === 'complete' && document.documentElement.dataset.ready === '1'"
    " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
)


def wait_until_ready(page) -> None:
    """Wait until the page is ready for a click that posts (READY)."""
    page.wait_for_function(READY)


def click_and_post(page, selector: str):
    """Once the page is ready, click a button that posts, and check htmx sent it (the page is swapped in place,
    not reloaded); returns the request."""
    wait_until_ready(page)
    try:
        with page.expect_request(lambda r: r.method == "POST") as posted:
            page.locator(selector).click()
        request = posted.value
    except PlaywrightTimeoutError:
        # Seen rarely in CI, not reproduced locally: a click that the page took (no error, no dialog left open)
        # without any POST. Say what the page looked like, for the next one to find the cause, and click once more:
        # a page that never posts still fails here.
        state = page.evaluate(
            "s => ({ready: document.documentElement.dataset.ready, active: document.activeElement?.id,"
            " busy: document.querySelectorAll('.htmx-request, .htmx-swapping, .htmx-settling').length,"
            " button: !!document.querySelector(s), disabled: document.querySelector(s)?.disabled})",
            selector,
        )
        sys.stderr.write(f"click_and_post({selector!r}): no POST within {TIMEOUT_MS} ms; page {page.url}: {state}\n")
        wait_until_ready(page)
        with page.expect_request(lambda r: r.method == "POST") as posted:
            page.locator(selector).click()
        request = posted.value
    assert request.headers.get("hx-request") == "true", f"{selector} did not post through htmx"
    return request


def mark_document(page) -> None:
    """Remember this document, to check later that a request did not replace it."""
    page.evaluate("window.__e2eBody = document.body")


def expect_page_intact(page, *, form: str, typed: dict[str, str] | None = None) -> None:
    """After a rejected request the page is still the app's page: the same document (not replaced by an
    error fragment), styled, with its navigation and its form, and everything typed still there."""
    from playwright.sync_api import expect

    assert page.evaluate("window.__e2eBody === document.body"), "the request replaced the whole page"
    expect(page.locator("nav.navbar")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).display") == "flex", "no styles"
    expect(page.locator(form)).to_be_visible()
    for name, value in (typed or {}).items():
        expect(page.locator(f'[name="{name}"]')).to_have_value(value)


@pytest.fixture
def database_refuses_writes(monkeypatch):
    """Switch on to make every write to the app's tables fail as when the connection to the database drops
    mid-save (the live server runs in another thread, so the cursor class itself refuses)."""
    from django.db import OperationalError
    from django.db.backends import utils

    state = {"on": False}
    original = utils.CursorWrapper.execute

    def execute(self, sql, params=None):
        if state["on"] and sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) and '"wards_' in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return original(self, sql, params)

    monkeypatch.setattr(utils.CursorWrapper, "execute", execute)

    def switch(on: bool) -> None:
        state["on"] = on

    return switch


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded evidence goes to a temporary folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def queued_emails(monkeypatch):
    """The notification ids the app queued for emailing, recorded instead of queued.

    The live server commits for real, so on_commit hooks run: without this, every notification to someone
    would be written as a Celery message into the filesystem broker under var/, for a worker to send later.
    """
    from wards.services import notifications

    queued: list[int] = []
    monkeypatch.setattr(notifications, "enqueue_emails", queued.extend)
    return queued


def enter_code(page, device, *, steps_ahead: int = 0) -> None:
    """The second step of signing in: the code of the user's authenticator (tests.factories.authenticator)."""
    from tests.factories import totp_code

    page.wait_for_url("**/dang-nhap/ma-xac-thuc/")
    page.locator("#id_code").fill(totp_code(device, steps_ahead=steps_ahead))
    page.get_by_role("button", name="Xác nhận").click()
