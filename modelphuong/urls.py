from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

import reports.urls
import wards.urls
from modelphuong.forms import PasswordResetForm

# Each app's addresses are its own (wards/urls.py, reports/urls.py); kept at the top level of one list.
urlpatterns = [
    *wards.urls.urlpatterns,
    *reports.urls.urlpatterns,
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("mat-khau/doi/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("mat-khau/doi/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "mat-khau/quen/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
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
    # Django's set_language (i18n/setlang/), posted by the language switch in the navbar.
    path("i18n/", include("django.conf.urls.i18n")),
    # The texts of static/js/app.js in the reader's language (djangojs in locale/), as a script file: the
    # Content Security Policy allows no inline script.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["modelphuong"]), name="javascript_catalog"),
]
