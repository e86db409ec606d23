from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from reports import views as report_views
from wards import review_views
from wards import views as ward_views
from wards.years import YearConverter

register_converter(YearConverter, "year")

urlpatterns = [
    path("", ward_views.home, name="home"),
    path("ho-so/<int:pk>/", ward_views.assessment_detail, name="assessment"),
    path("ho-so/<int:pk>/gui/", ward_views.assessment_submit, name="assessment_submit"),
    path("ho-so/<int:pk>/tieu-chi/<int:number>/minh-chung/", ward_views.evidence_upload, name="evidence_upload"),
    path("ho-so/<int:pk>/minh-chung/<int:file_pk>/", ward_views.evidence_download, name="evidence_download"),
    path("ho-so/<int:pk>/minh-chung/<int:file_pk>/xoa/", ward_views.evidence_delete, name="evidence_delete"),
    path("ho-so/<int:pk>/excel/", ward_views.excel_download, name="excel_download"),
    path("ho-so/<int:pk>/excel/nhap/", ward_views.excel_upload, name="excel_upload"),
    path("tham-dinh/", review_views.queue, name="queue"),
    path("ho-so/<int:pk>/tham-dinh/", review_views.review, name="review"),
    path("ho-so/<int:pk>/tham-dinh/bat-dau/", review_views.start_review, name="start_review"),
    path("ho-so/<int:pk>/tra-lai/", review_views.return_assessment, name="return_assessment"),
    path("ho-so/<int:pk>/phe-duyet/", review_views.approve, name="approve"),
    path("ho-so/<int:pk>/mo-lai/", review_views.reopen, name="reopen"),
    path("ho-so/<int:pk>/lich-su/", review_views.history, name="history"),
    path("ho-so/<int:pk>/pdf/", report_views.dossier_request, name="dossier_request"),
    path("lanh-dao/", report_views.leadership, name="leadership"),
    path("bao-cao/<str:code>/<year:year>/", report_views.report_request, name="report_request"),
    path("bao-cao/<str:code>/<year:year>/ho-so/", report_views.bulk_request, name="bulk_request"),
    path("pdf/<int:pk>/", report_views.job, name="job"),
    path("pdf/<int:pk>/chay-lai/", report_views.job_retry, name="job_retry"),
    path("pdf/<int:pk>/tai-ve/", report_views.job_download, name="job_download"),
    path("hang-loat/<int:pk>/", report_views.bulk, name="bulk"),
    path("hang-loat/<int:pk>/zip/", report_views.bulk_zip, name="bulk_zip"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("mat-khau/doi/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("mat-khau/doi/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "mat-khau/quen/",
        auth_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            extra_email_context={"valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
        ),
        name="password_reset",
    ),
    path("mat-khau/quen/da-gui/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mat-khau/dat-lai/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mat-khau/dat-lai/xong/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("quan-tri/", admin.site.urls),
]
