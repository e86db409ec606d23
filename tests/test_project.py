"""Project-wide settings: locale, production hardening, the admin."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def test_locale_is_vietnamese():
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"


def test_production_mode_passes_check_deploy_without_warnings(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-production-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "modelphuong.example.vn",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_no_page_loads_assets_from_the_internet():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert "http://" not in text and "https://" not in text, template


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: f"{m._meta.app_label}.{m._meta.model_name}")
def test_admin_pages_open_for_an_administrator(admin_client, rf, admin_user, criteria_set, model):
    opts = model._meta
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    request = rf.get("/")
    request.user = admin_user
    may_add = admin.site._registry[model].has_add_permission(request)
    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert response.status_code == (200 if may_add else 403)


@pytest.mark.django_db
def test_admin_speaks_vietnamese(admin_client):
    assert "Quản trị" in admin_client.get(reverse("admin:index")).content.decode()


def test_reading_the_settings_creates_no_folder_and_starting_django_makes_them(tmp_path):
    var = tmp_path / "var"
    env = {**os.environ, "VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "modelphuong.settings"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    subprocess.run([sys.executable, "-c", "import modelphuong.settings"], env=env, check=True, cwd=ROOT)
    assert not var.exists()
    subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, check=True, cwd=ROOT)
    assert (var / "celery" / "broker" / "queue").is_dir() and (var / "celery" / "broker" / "control").is_dir()
