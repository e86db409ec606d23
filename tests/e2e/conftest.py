"""Browser fixtures for the end-to-end tests: Debian's Chromium driven by Playwright's sync API."""

import os
from pathlib import Path

import pytest

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
def new_page(browser, live_server):
    """Open a page in a fresh browser context (own cookies: one per person), closed after the test."""
    contexts = []

    def open_page():
        context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url, locale="vi-VN")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


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
    from wards import services

    queued: list[int] = []
    monkeypatch.setattr(services, "enqueue_emails", queued.extend)
    return queued
