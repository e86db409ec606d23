from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WardsConfig(AppConfig):
    name = "wards"
    verbose_name = _("Phường và hồ sơ đánh giá")

    def ready(self):
        from django.db.backends.signals import connection_created

        from wards.collation import register_sqlite_collation

        # Before any connection is opened: the name columns are declared COLLATE "vi".
        connection_created.connect(register_sqlite_collation, dispatch_uid="wards-vi-collation")
