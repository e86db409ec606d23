"""The Django admin, open only to staff who signed in with both factors."""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from wards.services.second_factor import is_verified


class AdminSite(admin.AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and is_verified(request.user)

    def login(self, request, extra_context=None):
        """The site has one sign-in, in two steps (password, then code); the admin's own form would skip the
        second. Someone already signed in who may not enter is refused rather than asked for a password."""
        if request.user.is_authenticated:
            raise PermissionDenied
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        return redirect_to_login(target)
