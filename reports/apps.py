from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Báo cáo")

    def ready(self):
        from reports import services
        from wards.signals import documents_issued

        documents_issued.connect(services.issued_documents_queue, dispatch_uid="reports.issued_documents_queue")
