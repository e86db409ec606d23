"""What the whole site shares: the Content Security Policy on pages, no caching of anything a signed-in user is
shown, and no work without the second factor for those who must have one."""

from csp.middleware import CSPMiddleware
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from wards.services.second_factor import has_second_factor, is_verified, second_factor_required


class PageCSPMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY), on HTML pages only.

    Files streamed to the browser (evidence PDFs and images, rendered dossiers, Excel, ZIP) go without it:
    Chromium's built-in PDF viewer runs inside the file's own document and is refused by `object-src
    'none'` and `style-src 'self'`. Such files are never HTML (their type is checked on upload) and are
    sent with `X-Content-Type-Options: nosniff`, so no script can run from them."""

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)


def private_no_store(get_response):
    """Everything a signed-in user gets carries a ward's or a province's data: no shared cache may keep it
    and the browser must not store it on disk (a shared office computer, the back button after logout)."""

    def middleware(request):
        response = get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware


class SecondFactorMiddleware:
    """Nobody who must have a second factor works on a password alone (wards.services.second_factor).

    Signed in without one set up, they are sent to set it up and can open nothing else; signed in without
    the code while they have one (a session from before it was set up), they sign in again. After an
    administrator's reset their session loses its verification (its device is gone) and they set up anew."""

    # The pages of signing in and out, and of setting the second factor up.
    # javascript_catalog: the set-up page's own script texts (a redirect would hand the browser HTML as script).
    # verify_start, verify: the public verification of issued documents, which shows what anyone may see.
    OPEN = frozenset(
        {"login", "logout", "second_factor_code", "set_language", "javascript_catalog", "verify_start", "verify"}
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not second_factor_required(user) or is_verified(user):
            return None
        name = request.resolver_match.url_name if request.resolver_match else None
        if name in self.OPEN:
            return None
        if has_second_factor(user):
            logout(request)
            target = redirect_to_login(request.get_full_path()).url
        elif name == "second_factor_enrol":
            return None
        else:
            target = f"{reverse('second_factor_enrol')}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)
