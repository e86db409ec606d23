"""The reports app's addresses: dossier and report requests, their jobs and files, the leadership page, and the
public verification of issued documents (xác minh: no login)."""

from django.urls import path, register_converter

from reports import national_views, verification_views, views
from wards.years import YearConverter

register_converter(YearConverter, "year")

urlpatterns = [
    path("ho-so/<int:pk>/pdf/", views.dossier_request, name="dossier_request"),
    path("lanh-dao/", views.leadership, name="leadership"),
    path("lanh-dao/toan-quoc/", national_views.national_view, name="national"),
    path("lanh-dao/toan-quoc/<year:year>/pdf/", national_views.national_report_request, name="national_report_request"),
    path("bao-cao/<str:code>/<year:year>/", views.report_request, name="report_request"),
    path("bao-cao/<str:code>/<year:year>/ho-so/", views.bulk_request, name="bulk_request"),
    path("pdf/<int:pk>/", views.job, name="job"),
    path("pdf/<int:pk>/chay-lai/", views.job_retry, name="job_retry"),
    path("pdf/<int:pk>/tai-ve/", views.job_download, name="job_download"),
    path("hang-loat/<int:pk>/", views.bulk, name="bulk"),
    path("hang-loat/<int:pk>/zip/", views.bulk_zip, name="bulk_zip"),
    # Public: the QR code of every issued document leads here (PUBLIC_BASE_URL/xac-minh/<token>/).
    path("xac-minh/", verification_views.verify_start, name="verify_start"),
    path("xac-minh/<str:token>/", verification_views.verify, name="verify"),
]
