from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

import reports.urls
import wards.admin
import wards.urls
from modelphuong.forms import PasswordResetForm
from wards.views import second_factor

# Each app's addresses are its own (wards/urls.py, reports/urls.py); kept at the top level of one list.
urlpatterns = [
    *wards.urls.urlpatterns,
    *reports.urls.urlpatterns,
    path("dang-nhap/", second_factor.SignInView.as_view(), name="login"),
    path("dang-nhap/ma-xac-thuc/", second_factor.code_step, name="second_factor_code"),
    path("tai-khoan/xac-thuc-hai-lop/", second_factor.overview, name="second_factor"),
    path("tai-khoan/xac-thuc-hai-lop/bat/", second_factor.enrol, name="second_factor_enrol"),
    path("tai-khoan/xac-thuc-hai-lop/ma-du-phong/", second_factor.recovery_codes_new, name="recovery_codes_new"),
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
    # Ahead of the admin's own autocomplete (same address): units are labelled with their code and period.
    path("quan-tri/autocomplete/", wards.admin.unit_autocomplete, name="unit_autocomplete"),
    path("quan-tri/", admin.site.urls),
    # Django's set_language (i18n/setlang/), posted by the language switch in the navbar.
    path("i18n/", include("django.conf.urls.i18n")),
    # The texts of static/js/app.js in the reader's language (djangojs in locale/), as a script file: the
    # Content Security Policy allows no inline script.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["modelphuong"]), name="javascript_catalog"),
]
