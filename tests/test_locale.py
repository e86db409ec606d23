"""A Vietnamese reader reads everything in Vietnamese, Django's own messages included (locale/vi fills the gaps
of Django's catalogue), and dates are typed dd/mm/yyyy in both languages."""

import datetime
import gettext
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "vi" / "LC_MESSAGES"
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
VIETNAMESE = {"Accept-Language": "vi"}


def test_the_admin_user_pages_speak_vietnamese(admin_client):
    page = admin_client.get("/quan-tri/auth/user/add/", headers=VIETNAMESE).content.decode()
    assert "Đăng nhập bằng mật khẩu" in page
    assert "Password-based authentication" not in page and "Please correct" not in page
    page = admin_client.get("/quan-tri/auth/user/", headers=VIETNAMESE).content.decode()
    assert "Select all objects" not in page and "Toggle navigation" not in page
    page = admin_client.get("/quan-tri/auth/user/add/", headers=ENGLISH).content.decode()
    assert "Password-based authentication" in page  # the reader's language, when it is offered


def test_the_admin_calendar_speaks_vietnamese(admin_client):
    catalogue = admin_client.get("/quan-tri/jsi18n/", headers=VIETNAMESE).content.decode()
    assert "Ch\\u1ee7 nh\\u1eadt" in catalogue or "Chủ nhật" in catalogue


def test_a_refused_form_token_is_explained_in_vietnamese(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/dang-nhap/", {"username": "canbo", "password": "sai"}, headers=VIETNAMESE)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Phiên làm việc" in page and "CSRF verification failed" not in page


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_committed_catalogues_are_compiled_from_their_sources(tmp_path, domain):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    compiled = tmp_path / f"{domain}.mo"
    subprocess.run([msgfmt, "--check", "-o", compiled, LOCALE / f"{domain}.po"], check=True)
    with compiled.open("rb") as fresh, (LOCALE / f"{domain}.mo").open("rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(fresh)._catalog


def admin_form_data(response, **changes):
    """What the admin's change page posts as it stands, with some fields changed."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        if value is not None and not field.disabled:
            data[name] = field.widget.format_value(value) if hasattr(field.widget, "format_value") else value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_the_admin_reads_05_11_2031_as_the_5th_of_november(admin_client, assessment):
    url = f"/quan-tri/wards/assessment/{assessment.pk}/change/"
    response = admin_client.post(url, admin_form_data(admin_client.get(url), deadline="05/11/2031"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assessment.refresh_from_db()
    assert assessment.deadline == datetime.date(2031, 11, 5)
    assert 'value="05/11/2031"' in admin_client.get(url).content.decode()


@pytest.mark.parametrize("headers", [VIETNAMESE, ENGLISH], ids=["vi", "en"])
def test_the_admin_calendar_writes_day_first(admin_client, headers):
    catalogue = admin_client.get("/quan-tri/jsi18n/", headers=headers).content.decode()
    formats = json.loads(re.search(r"django\.formats = (\{.*?\});", catalogue, re.S).group(1))
    assert formats["DATE_INPUT_FORMATS"][0] == "%d/%m/%Y"
    assert formats["DATETIME_INPUT_FORMATS"][0].startswith("%d/%m/%Y")


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("05/11/2031", datetime.date(2031, 11, 5)),
        ("5/11/2031", datetime.date(2031, 11, 5)),
        ("25/12/2026", datetime.date(2026, 12, 25)),
        ("2031-11-05", datetime.date(2031, 11, 5)),  # ISO stays readable: it cannot be misread
    ],
)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_date_input_reads_the_day_first(typed, read, language):
    with translation.override(language):
        assert forms.DateField().clean(typed) == read
        assert forms.DateTimeField().clean(f"{typed} 08:30").date() == read


def test_a_month_first_date_is_refused_in_vietnamese():
    with pytest.raises(ValidationError) as refused:
        forms.DateField().clean("12/25/2026")
    assert refused.value.messages == ["Nhập một ngày hợp lệ."]
