from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WardsConfig(AppConfig):
    name = "wards"
    verbose_name = _("Phường và hồ sơ đánh giá")

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_delete

        from wards.collation import register_sqlite_collation
        from wards.services import scores

        # Before any connection is opened: the name columns are declared COLLATE "vi".
        connection_created.connect(register_sqlite_collation, dispatch_uid="wards-vi-collation")
        # An assessment deleted (with its figures) moves next year's "last year". (One added has no figures yet:
        # next year reads it as "no figure", as it read its absence.)
        post_delete.connect(scores.on_assessment_deleted, sender="wards.Assessment", dispatch_uid="wards-scores-gone")
