"""Signing in, in two steps (password, then a code from an authenticator app), and the pages to turn the second
factor on and renew the recovery codes. Who must have one: wards.services.second_factor."""

import time

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from wards.services import second_factor as service

# Between the password and the code the session holds who typed the right password, not a signed-in user.
PENDING = "second_factor_pending"
PENDING_SECONDS = 300


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác thực"),
        max_length=32,
        error_messages={"required": _("Hãy nhập mã 6 số từ ứng dụng xác thực.")},
    )


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _with_next(url: str, target: str) -> str:
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: target})}" if target else url


class SignInView(auth_views.LoginView):
    """The password step. A user with an authenticator is not signed in yet: the code step comes next."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        target = self.get_success_url()
        if not service.has_second_factor(user):
            login(self.request, user)
            if service.second_factor_required(user):
                return redirect(_with_next(reverse("second_factor_enrol"), target))
            return HttpResponseRedirect(target)
        # As login() would: a new session key, so a session id planted before the password is worth nothing.
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": target,
            "at": time.time(),
        }
        return redirect("second_factor_code")


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None, None
    user = get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()
    return user, pending


@sensitive_post_parameters("code")
@never_cache
def code_step(request):
    """The code step: a code of the user's authenticator, or one of their recovery codes. Wrong codes count
    with wrong passwords towards django-axes' lockout, and each device throttles them (1, 2, 4 … seconds)."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.warning(request, gettext("Phiên đăng nhập đã hết hạn. Hãy nhập lại mật khẩu."))
        return redirect("login")
    credentials = {"username": user.get_username()}
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if AxesProxyHandler.is_locked(request, credentials):
            request.session.pop(PENDING, None)
            return get_lockout_response(request, None, credentials)
        if form.is_valid():
            check = service.second_factor_check(user=user, code=form.cleaned_data["code"])
            if check.device is not None:
                del request.session[PENDING]
                login(request, user, backend=pending["backend"])
                otp_login(request, check.device)
                if isinstance(check.device, StaticDevice):
                    messages.warning(
                        request,
                        gettext(
                            "Bạn vừa dùng một mã dự phòng; còn %(left)s mã. Có thể tạo mã mới ở trang Xác thực hai lớp."
                        )
                        % {"left": service.recovery_codes_left(user)},
                    )
                return HttpResponseRedirect(pending["next"])
            if check.retry_at is not None:
                form.add_error("code", _wait_message(check.retry_at))
            else:
                user_login_failed.send(sender=__name__, credentials=credentials, request=request)
                if getattr(request, "axes_locked_out", False):
                    request.session.pop(PENDING, None)
                    return get_lockout_response(request, None, credentials)
                form.add_error("code", gettext("Mã xác thực không đúng hoặc đã được dùng."))
        status = 422
    return render(request, "registration/second_factor_code.html", {"form": form}, status=status)


def _wait_message(until) -> str:
    seconds = max(1, round((until - timezone.now()).total_seconds()))
    return gettext("Bạn đã nhập sai nhiều lần. Hãy thử lại sau %(seconds)s giây.") % {"seconds": seconds}


def _qr_data_uri(device) -> str:
    # An SVG data: URI in an <img>: the Content Security Policy allows data: images and no inline styles.
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@sensitive_post_parameters("code")
@never_cache
@login_required
def enrol(request):
    """Set up an authenticator: its QR code and secret, then a code from it; shows the recovery codes once."""
    target = _safe_next(request, reverse("home"))
    try:
        device = service.enrolment_device(user=request.user)
    except service.AlreadyEnrolled:
        messages.info(request, gettext("Xác thực hai lớp đã được bật cho tài khoản này."))
        return redirect("second_factor")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and (until := service.throttled_until(device)) is not None:
            form.add_error("code", _wait_message(until))
        elif form.is_valid():
            codes = service.second_factor_enrol(user=request.user, device=device, code=form.cleaned_data["code"])
            if codes is not None:
                device.refresh_from_db()
                request.session.cycle_key()
                otp_login(request, device)
                return _show_codes(request, codes, target, first=True)
            form.add_error("code", gettext("Mã xác thực không đúng. Hãy nhập mã đang hiện trong ứng dụng."))
        status = 422
    context = {
        "form": form,
        "qr": _qr_data_uri(device),
        "secret": _grouped(service.authenticator_secret(device)),
        "required": service.second_factor_required(request.user),
        "next": target,
    }
    return render(request, "registration/second_factor_enrol.html", context, status=status)


def _show_codes(request, codes, target, *, first):
    context = {"codes": codes, "next": target, "first": first}
    return render(request, "registration/recovery_codes.html", context)


@never_cache
@login_required
def overview(request):
    """The user's second factor: on or off, recovery codes left, and the ways to change that."""
    user = request.user
    context = {
        "enabled": service.has_second_factor(user),
        "required": service.second_factor_required(user),
        "codes_left": service.recovery_codes_left(user),
    }
    return render(request, "registration/second_factor.html", context)


@require_POST
@login_required
def recovery_codes_new(request):
    """Ten new recovery codes, shown once; only in a session that passed the second factor."""
    if not service.is_verified(request.user):
        raise PermissionDenied(gettext("Hãy đăng nhập lại bằng mã xác thực trước khi tạo mã dự phòng mới."))
    codes = service.recovery_codes_regenerate(user=request.user)
    return _show_codes(request, codes, reverse("second_factor"), first=False)
