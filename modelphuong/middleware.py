"""Response headers the whole site shares: the Content Security Policy on pages, and no caching of anything
a signed-in user is shown."""

from csp.middleware import CSPMiddleware
from django.utils.cache import patch_cache_control


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
