from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class ModelphuongConfig(AppConfig):
    """The project itself: makes the run-time folders under VAR_DIR once Django starts (reading the settings
    creates nothing)."""

    name = "modelphuong"
    verbose_name = "modelphuong"

    def ready(self):
        folders = [Path(settings.VAR_DIR), Path(settings.STATIC_ROOT)]
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        if str(settings.CELERY_BROKER_URL).startswith("filesystem://"):
            keys = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
            folders += [Path(options[key]) for key in keys if options.get(key)]
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)


class AdminConfig(DjangoAdminConfig):
    """Django's admin on the project's site class, which asks for a second factor (modelphuong.admin_site)."""

    default_site = "modelphuong.admin_site.AdminSite"
