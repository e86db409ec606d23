"""A province's people on its administration pages (Người dùng): who they are and who has not accepted their
invitation, the Excel template and its import, an invitation sent again, deactivating and reactivating; and the
page where an invited person sets their own password.

Scope: the province comes from administered_province (403 without MANAGE_PEOPLE, 404 outside the user's
provinces); a person is looked up among that province's people (404 for anyone else, even by id).
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wards import access, people_sheet, uploads
from wards.forms import ExcelUploadForm
from wards.selectors import people_of_province
from wards.services import people
from wards.views.administration import administered_province

ACTION = access.Action.MANAGE_PEOPLE


def _site(request) -> str:
    """Where the invitation's link points: this site, as the administrator reached it."""
    return request.build_absolute_uri("/").rstrip("/")


def _page(request, province, *, form=None, errors=(), status=200):
    chosen = request.GET.get("trang-thai", "")
    chosen = chosen if chosen in people.STATUSES else ""
    return render(
        request,
        "wards/administration/people.html",
        {
            "province": province,
            "tab": "people",
            "directory": people.directory(province=province, status=chosen),
            "chosen": chosen,
            "form": form or ExcelUploadForm(),
            "import_errors": errors,
            "events": people.recent_events(province=province),
            "me": request.user.pk,
        },
        status=status,
    )


@login_required
@require_GET
def people_list(request, code):
    """The province's people: role, scope, e-mail, active or not, invited or accepted; filter by that."""
    province = administered_province(request, code, ACTION)
    return _page(request, province)


@login_required
@require_GET
def people_template(request, code):
    """The people workbook to fill, prefilled with the province's people, with the roles and ward codes."""
    province = administered_province(request, code, ACTION)
    content = people.template_for(province=province, user=request.user)
    response = HttpResponse(content, content_type=people_sheet.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="nguoi-dung-{province.code}.xlsx"'
    return response


@uploads.upload_limit("EXCEL_MAX_BYTES")
@login_required
@require_POST
def people_import(request, code):
    """Create or update the province's people from a filled workbook: all rows, or none with every error."""
    province = administered_province(request, code, ACTION)
    form = ExcelUploadForm(request.POST, request.FILES, refused=uploads.refusal(request, "file"))
    if form.is_valid():
        try:
            imported = people.people_import(
                province=province, user=request.user, upload=form.cleaned_data["file"], site=_site(request)
            )
        except people.PeopleRefused as refused:
            form.add_error("file", refused.message)
            return _page(request, province, form=form, errors=refused.errors, status=422)
        messages.success(request, imported.summary)
        return redirect("administration_people", code=code)
    return _page(request, province, form=form, status=422)


def _person(province, pk):
    return get_object_or_404(people_of_province(province), pk=pk)


def _back(code):
    return redirect(reverse("administration_people", kwargs={"code": code}) + "#people")


@login_required
@require_POST
def invitation_resend(request, code, pk):
    """«Gửi lại lời mời»: a new link for someone who has not accepted; the older links stop working."""
    province = administered_province(request, code, ACTION)
    person = _person(province, pk)
    try:
        people.invitation_resend(province=province, person=person, user=request.user, site=_site(request))
    except people.PeopleRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Đã gửi lại lời mời tới %(email)s.") % {"email": person.email})
    return _back(code)


@login_required
@require_POST
def person_deactivate(request, code, pk):
    """Stop someone from logging in; what they did stays, pointing at them."""
    return _set_active(request, code, pk, active=False)


@login_required
@require_POST
def person_reactivate(request, code, pk):
    """Let a deactivated person log in again."""
    return _set_active(request, code, pk, active=True)


def _set_active(request, code, pk, *, active: bool):
    province = administered_province(request, code, ACTION)
    person = _person(province, pk)
    try:
        changed = people.person_set_active(province=province, person=person, user=request.user, active=active)
    except people.PeopleRefused as refused:
        messages.error(request, refused.message)
    else:
        email = person.email or person.get_username()
        if not changed:
            already = _("%(email)s vẫn đang hoạt động.") if active else _("%(email)s đã ngừng hoạt động từ trước.")
            messages.info(request, already % {"email": email})
        else:
            done = (
                _("%(email)s hoạt động trở lại.")
                if active
                else _("%(email)s đã ngừng hoạt động: không đăng nhập được.")
            )
            messages.success(request, done % {"email": email})
    return _back(code)


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The invitation's link: the invited person sets their own password, once (the token stops working when
    the password changes). Nobody is logged in by it: they log in with the password they chose."""

    template_name = "registration/invitation_confirm.html"
    token_generator = people.invitation_tokens
    success_url = reverse_lazy("login")
    post_reset_login = False

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            _("Đã đặt mật khẩu. Hãy đăng nhập bằng tên đăng nhập %(username)s và mật khẩu vừa đặt.")
            % {"username": form.user.get_username()},
        )
        return response


invitation_accept = InvitationAcceptView.as_view()
