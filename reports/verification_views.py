"""The public verification pages (no login): `/xac-minh/` to type a short code, `/xac-minh/<token>/` for a document
(its QR code) and the check of an uploaded PDF. The rules are in reports/verification.py."""

from django import forms
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from reports import verification
from wards import uploads
from wards.forms import _UploadForm
from wards.models.issued import CODE_LENGTH

# One answer for a wrong code, an unknown or malformed token and a document not issued yet: nothing tells them apart.
NOT_FOUND = _("Không tìm thấy văn bản đã phát hành nào với mã này. Hãy kiểm tra lại mã in dưới mã QR của văn bản.")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã tra cứu"),
        max_length=40,
        help_text=_("Mã gồm %(length)s chữ và số in dưới mã QR, ví dụ 7KQ2M-X9D4T.") % {"length": CODE_LENGTH},
        error_messages={"required": _("Hãy nhập mã tra cứu in trên văn bản.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )

    def clean_code(self):
        code = verification.normalize_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(
                _("Mã tra cứu gồm %(length)s chữ và số (ví dụ 7KQ2M-X9D4T): hãy kiểm tra lại.")
                % {"length": CODE_LENGTH}
            )
        return code


class UploadForm(_UploadForm):
    limit_setting = "VERIFY_UPLOAD_MAX_BYTES"
    file = forms.FileField(
        label=_("Tệp PDF cần kiểm tra"),
        error_messages={"required": _("Hãy chọn tệp PDF cần kiểm tra."), "empty": _("Tệp rỗng.")},
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".pdf,application/pdf"}),
    )

    @property
    def limit_text(self) -> str:
        return uploads.size_text(self.max_bytes)

    def clean_file(self):
        upload = super().clean_file()
        if upload.size > self.max_bytes:
            raise forms.ValidationError(uploads.too_large_message(upload.name, upload.size, self.max_bytes))
        self.content = upload.read()  # the only read: the file is held in memory (WholeInMemoryUploadHandler)
        if not verification.looks_like_pdf(self.content):
            raise forms.ValidationError(
                _("Tệp «%(name)s» không phải tệp PDF: chỉ kiểm tra được tệp PDF của văn bản.") % {"name": upload.name}
            )
        return upload


class WholeInMemoryUploadHandler(MemoryFileUploadHandler):
    """Django's in-memory handler for a file of any size: the uploaded PDF is never written to disk. Its size is
    bounded by UploadLimitHandler, ahead of it, at VERIFY_UPLOAD_MAX_BYTES."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = True


def _limited(request, retry_after: int):
    response = render(request, "reports/verification/limited.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _not_found(request):
    """The start page with the answer to a wrong code: the same bytes (but the CSRF token) whatever the token was."""
    context = {"form": CodeForm(), "not_found": NOT_FOUND, "language_next": reverse("verify_start")}
    return render(request, "reports/verification/start.html", context, status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def verify_start(request):
    """The form to type the short code printed on a document; a code found leads to the document's page."""
    retry_after = verification.rate_limit(request, verification.PAGES)
    if retry_after:
        return _limited(request, retry_after)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        token = verification.token_for_code(form.cleaned_data["code"])
        if token:
            return redirect("verify", token=token)
        form.add_error("code", NOT_FOUND)
    return render(request, "reports/verification/start.html", {"form": form}, status=422 if form.errors else 200)


@uploads.upload_limit("VERIFY_UPLOAD_MAX_BYTES")
@csrf_exempt  # checked by _verify, once this view has chosen how the upload is read
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request, token):
    """A document's public page (its QR code leads here) and the check of a PDF uploaded to it."""
    buckets = [verification.PAGES] + ([verification.UPLOADS] if request.method == "POST" else [])
    retry_after = verification.rate_limit(request, *buckets)
    if retry_after:
        return _limited(request, retry_after)
    if request.method == "POST":
        request.upload_handlers = [uploads.UploadLimitHandler(request), WholeInMemoryUploadHandler(request)]
    return _verify(request, token)


@csrf_protect
def _verify(request, token):
    document = verification.issued_document(token)
    if document is None:
        return _not_found(request)
    public = verification.public_document(document)
    result, status = None, 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, refused=uploads.refusal(request, "file"))
        if form.is_valid():
            result = verification.check_upload(public, form.content)
        else:
            status = 422
    else:
        form = UploadForm()
    return render(
        request,
        "reports/verification/document.html",
        {"document": public, "form": form, "result": result},
        status=status,
    )
