"""Everything a user reads is Vietnamese, Django's own messages included, and dates are dd/mm/yyyy."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "vi" / "LC_MESSAGES"
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


def test_the_admin_user_pages_speak_vietnamese(admin_client):
    page = admin_client.get("/quan-tri/auth/user/add/", headers=ENGLISH).content.decode()
    assert "Đăng nhập bằng mật khẩu" in page
    assert "Password-based authentication" not in page and "Please correct" not in page
    page = admin_client.get("/quan-tri/auth/user/", headers=ENGLISH).content.decode()
    assert "Select all objects" not in page and "Toggle navigation" not in page


def test_the_admin_calendar_speaks_vietnamese(admin_client):
    catalogue = admin_client.get("/quan-tri/jsi18n/", headers=ENGLISH).content.decode()
    assert "Ch\\u1ee7 nh\\u1eadt" in catalogue or "Chủ nhật" in catalogue


def test_a_refused_form_token_is_explained_in_vietnamese(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/dang-nhap/", {"username": "canbo", "password": "sai"}, headers=ENGLISH)
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
