from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from wards import views as ward_views

urlpatterns = [
    path("", ward_views.home, name="home"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("quan-tri/", admin.site.urls),
]
