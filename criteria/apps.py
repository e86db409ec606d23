from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CriteriaConfig(AppConfig):
    name = "criteria"
    verbose_name = _("Bộ tiêu chí")

    def ready(self):
        from criteria import catalogue  # noqa: F401  (its receivers: a catalogue's version moves on every edit)
