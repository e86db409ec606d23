"""What every response tells the browser: a Content Security Policy on pages (no inline script, htmx works
under it), and `Cache-Control: private, no-store` wherever a ward's data is in the answer."""

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection

from reports.models import RenderJob
from tests.factories import fill_assessment
from wards import services
from wards.models import IndicatorValue

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


class InlineCode(HTMLParser):
    """Collects what a strict policy refuses: inline <script>, <style>, on…= handlers, style= attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name in names if name.startswith("on") or name == "style"]


@pytest.fixture
def pages(people, assessment, other_ward):
    """The main pages, each with someone allowed to see it."""
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=people["head"])
    job = RenderJob.objects.create(
        kind=RenderJob.Kind.DOSSIER, assessment=assessment, content_hash="0" * 64, requested_by=people["reviewer"]
    )
    return [
        (None, "/dang-nhap/"),
        (people["officer"], "/"),
        (people["officer"], f"/ho-so/{assessment.pk}/"),
        (people["officer"], f"/ho-so/{assessment.pk}/lich-su/"),
        (people["reviewer"], "/"),
        (people["reviewer"], "/tham-dinh/?year=2026"),
        (people["reviewer"], f"/ho-so/{assessment.pk}/tham-dinh/"),
        (people["reviewer"], f"/pdf/{job.pk}/"),
        (people["leader"], "/lanh-dao/?year=2026"),
    ]


def test_pages_send_a_policy_that_allows_only_the_apps_own_scripts_and_styles(client, pages):
    for user, url in pages:
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response)
        assert policy.get("script-src") == ["'self'"], (url, policy)
        assert policy.get("style-src") == ["'self'"], (url, policy)
        assert policy.get("default-src") == ["'self'"]
        assert policy.get("object-src") == ["'none'"] and policy.get("frame-ancestors") == ["'none'"]
        assert policy.get("form-action") == ["'self'"] and policy.get("base-uri") == ["'none'"]


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_pages_contain_no_inline_script_handler_or_style(client, pages, settings, debug):
    settings.DEBUG = debug
    for user, url in pages:
        client.logout()
        if user:
            client.force_login(user)
        parser = InlineCode()
        parser.feed(client.get(url).content.decode())
        assert parser.found == [], url


def test_pages_with_a_wards_data_are_private_and_never_stored(client, people, assessment):
    client.force_login(people["officer"])
    evidence = services.evidence_add(
        assessment=assessment,
        criterion=assessment.criteria_set.criteria.get(number=5),
        user=people["officer"],
        upload=SimpleUploadedFile("bien-ban.pdf", PDF),
    )
    for url in (
        "/",
        f"/ho-so/{assessment.pk}/",
        f"/ho-so/{assessment.pk}/lich-su/",
        f"/ho-so/{assessment.pk}/excel/",
        f"/ho-so/{assessment.pk}/minh-chung/{evidence.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        cache = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
        assert {"private", "no-store"} <= cache, (url, cache)


def test_files_opened_in_the_browser_carry_no_page_policy(client, people, assessment):
    """A policy on the PDF itself would stop Chromium's built-in viewer; files are sent with nosniff."""
    client.force_login(people["officer"])
    evidence = services.evidence_add(
        assessment=assessment,
        criterion=assessment.criteria_set.criteria.get(number=5),
        user=people["officer"],
        upload=SimpleUploadedFile("bien-ban.pdf", PDF),
    )
    response = client.get(f"/ho-so/{assessment.pk}/minh-chung/{evidence.pk}/")
    assert response.headers["Content-Type"] == "application/pdf"
    assert "Content-Security-Policy" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_save_the_database_failed_says_it_was_not_stored(client, people, assessment):
    from tests.conftest import page_data

    def dropped(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE")) and '"wards_' in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    client.force_login(people["officer"])
    client.raise_request_exception = False
    data = page_data(assessment, **{"ind-5-1-numerator": "12", "ind-5-1-denominator": "20"})
    with connection.execute_wrapper(dropped):
        response = client.post(f"/ho-so/{assessment.pk}/", data)
    assert response.status_code == 500
    text = response.content.decode()
    assert "chưa được lưu" in text and "bản nháp" in text
    assert not IndicatorValue.objects.filter(assessment=assessment).exists()
