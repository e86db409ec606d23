"""The ward's side: the assessment page (figures, narratives), submitting, evidence files, the Excel round trip."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wards import excel, services, uploads, workflow
from wards.forms import EvidenceForm, ExcelUploadForm, FiguresForm
from wards.models import Assessment, EvidenceFile
from wards.selectors import (
    assessment_for,
    assessment_page,
    issued_documents,
)
from wards.services.calendar import submission_window
from wards.views import criterion_html
from wards.workflow import Action


def _page_context(request, assessment, *, form=None, page=None, **extra):
    page = page or assessment_page(assessment=assessment)
    editable = services.can_edit(request.user, assessment)
    form = form or FiguresForm(page=page, editable=editable)
    groups = []
    empty_upload_form = EvidenceForm()  # unbound, only read: one for every criterion without an upload's errors
    evidence_texts = criterion_html.EvidenceTexts(request, assessment)
    card_texts = criterion_html.CardTexts(assessment)
    for group in page.catalogue.groups.all():
        criteria, group_has_errors = [], False
        for criterion in group.criteria.all():
            score = page.score.criteria[criterion.code]
            rows, rows_have_errors = criterion_html.indicator_rows(form, criterion, score.indicators)
            narrative = form[f"narrative-{criterion.number}"]
            group_has_errors = group_has_errors or rows_have_errors or bool(form.is_bound and narrative.errors)
            criteria.append(
                {
                    "criterion": criterion,
                    "score": score,
                    "indicator_rows": rows,
                    "narrative": narrative,
                    "evidence": criterion_html.evidence_section(
                        evidence_texts,
                        assessment,
                        criterion,
                        page.evidence.get(criterion.pk, []),
                        extra.get("upload_forms", {}).get(criterion.pk) or empty_upload_form,
                        editable,
                    ),
                    "reasons": page.reasons.get(criterion.pk, []),
                }
            )
            criteria[-1]["card"] = criterion_html.criterion_card(card_texts, criteria[-1])
            criteria[-1]["upload"] = criterion_html.upload_form(card_texts, criterion)
        groups.append({"group": group, "criteria": criteria, "has_errors": group_has_errors})
    return {
        "assessment": assessment,
        "page": page,
        "form": form,
        "groups": groups,
        "editable": editable,
        "can_submit": workflow.can(request.user, Action.SUBMIT, assessment),
        "window": submission_window(assessment),
        "decision": assessment.decisions.in_force().first(),
        "issued_documents": issued_documents(assessment),
        "excel_form": extra.pop("excel_form", None) or ExcelUploadForm(),
        **{k: v for k, v in extra.items() if k != "upload_forms"},
    }


def _refused(request, assessment, action):
    """None when the user may take the action now. A role that may not is a 403; a status that does not allow
    it (submitted meanwhile, a double click) is a 409 that says the status and shows back what was typed."""
    if not workflow.may_act(request.user, action, assessment):
        raise PermissionDenied(workflow.who_may(action))
    if workflow.can(request.user, action, assessment):
        return None
    messages.error(request, workflow.after_race(workflow.state_message(assessment, action)))
    page = assessment_page(assessment=assessment)
    return _render_page(request, assessment, page=page, unsaved=_typed(request, page), status=409)


def _typed(request, page) -> list[tuple[str, str]]:
    """The fields whose posted text differs from what is stored: what the person would otherwise lose."""
    if "revision" not in request.POST:
        return []
    form = FiguresForm(request.POST, page=page)
    stored = form.stored_strings()
    return [
        (form.labels[name], text)
        for name, text in form.posted_strings().items()
        if name in stored and text != stored[name]
    ]


def _render_page(request, assessment, status=200, **kwargs):
    return render(request, "wards/assessment.html", _page_context(request, assessment, **kwargs), status=status)


def _save_posted(request, assessment, *, then_submit=False):
    """Save the posted page. Returns None when saved, else the response to show (errors or conflicts). A save
    that someone else's overtook is reconciled with it and tried again (services.retry_when_stale)."""
    try:
        return services.retry_when_stale(
            assessment, lambda current: _try_save(request, current, then_submit=then_submit)
        )
    except services.StaleRevision as exc:
        messages.error(request, exc.args[0])
        page = assessment_page(assessment=assessment)
        return _render_page(request, assessment, page=page, unsaved=_typed(request, page), status=409)


def _try_save(request, assessment, *, then_submit):
    """Reconcile the posted page with what is stored now and save it (StaleRevision if overtaken meanwhile)."""
    page = assessment_page(assessment=assessment)
    data = request.POST.copy()
    form = FiguresForm(data, page=page)
    form.apply_choices()
    merged, conflicts = [], []
    if data.get("revision") != str(assessment.revision):
        merged, conflicts = form.merge_newer()
    if conflicts or not form.is_valid():
        if conflicts:
            messages.warning(
                request,
                _(
                    "Hồ sơ vừa được người khác lưu sau khi bạn mở trang. Hãy xem các ô khác nhau bên dưới, chọn "
                    "giữ giá trị của bạn hay lấy giá trị mới, rồi bấm Lưu lại."
                ),
            )
        else:
            messages.error(request, _("Chưa lưu: có ô nhập chưa đúng, xem thông báo đỏ tại từng ô."))
        return _render_page(
            request, assessment, page=page, form=form, merged=merged, conflicts=conflicts,
            status=409 if conflicts else 422,
        )  # fmt: skip
    changes = services.assessment_save(
        assessment=assessment,
        user=request.user,
        figures=form.figures,
        narratives=form.narratives,
        base_revision=int(data["revision"]),
    )
    if merged:
        messages.info(
            request, _("Đã cập nhật %(merged)s ô theo thay đổi mới của người khác.") % {"merged": len(merged)}
        )
    if changes:
        messages.success(request, _("Đã lưu (%(changes)s thay đổi).") % {"changes": changes})
    elif not then_submit:
        messages.info(request, _("Không có thay đổi nào cần lưu."))
    return None


@login_required
def assessment_detail(request, pk):
    """The ward's page for one year: figures, narratives, evidence; editable while draft or returned."""
    assessment = assessment_for(user=request.user, pk=pk)
    if request.method == "POST":
        refused = _refused(request, assessment, Action.EDIT)
        if refused is not None:
            return refused
        response = _save_posted(request, assessment)
        if response is not None:
            return response
        if request.htmx:
            return _render_page(request, Assessment.objects.get(pk=pk))
        return redirect("assessment", pk=pk)
    return _render_page(request, assessment)


@login_required
@require_POST
def assessment_submit(request, pk):
    """Save what is on the page (if anything was posted), then send the assessment to the province."""
    assessment = assessment_for(user=request.user, pk=pk)
    refused = _refused(request, assessment, Action.SUBMIT)
    if refused is not None:
        return refused
    if "revision" in request.POST and services.can_edit(request.user, assessment):
        response = _save_posted(request, assessment, then_submit=True)
        if response is not None:
            return response
        assessment.refresh_from_db()
    try:
        services.assessment_submit(assessment=assessment, user=request.user)
    except workflow.InvalidTransition:  # submitted by another click or person meanwhile
        return _refused(request, Assessment.objects.get(pk=pk), Action.SUBMIT)
    except services.SubmissionClosed as exc:
        messages.error(request, str(exc))
        return _render_page(request, assessment, status=409)
    except services.IncompleteAssessment as exc:
        messages.error(
            request,
            _("Chưa gửi được: còn %(missing)s chỉ tiêu chưa có số liệu (xem danh sách).")
            % {"missing": len(exc.missing)},
        )
        return _render_page(request, assessment, missing=exc.missing, status=422)
    messages.success(request, _("Đã gửi hồ sơ lên Công an tỉnh/thành phố để thẩm định."))
    return redirect("assessment", pk=pk)


def _evidence_response(request, assessment, criterion, *, form=None, status=200):
    """After an upload or a deletion: the criterion's file list (htmx) or the whole page."""
    if request.htmx:
        page = assessment_page(assessment=assessment)
        section = criterion_html.evidence_section(
            criterion_html.EvidenceTexts(request, assessment),
            assessment,
            criterion,
            page.evidence.get(criterion.pk, []),
            form or EvidenceForm(),
            services.can_edit(request.user, assessment),
        )
        return HttpResponse(section, status=status)
    if form is not None and form.errors:
        return _render_page(request, assessment, upload_forms={criterion.pk: form}, status=status)
    return redirect(reverse("assessment", kwargs={"pk": assessment.pk}) + f"#criterion-{criterion.number}")


@uploads.upload_limit("EVIDENCE_MAX_BYTES")
@login_required
@require_POST
def evidence_upload(request, pk, number):
    assessment = assessment_for(user=request.user, pk=pk)
    criterion = get_object_or_404(assessment.criteria_set.criteria, number=number)
    form = EvidenceForm(request.POST, request.FILES, refused=uploads.refusal(request, "file"))
    if not workflow.may_act(request.user, Action.EDIT, assessment):
        raise PermissionDenied(workflow.who_may(Action.EDIT))
    if not workflow.can(request.user, Action.EDIT, assessment):
        form.errors.clear()
        form.add_error(None, workflow.state_message(assessment, Action.EDIT) + " " + _("Tệp chưa được lưu."))
        return _evidence_response(request, assessment, criterion, form=form, status=409)
    if form.is_valid():
        try:
            services.evidence_add(
                assessment=assessment, criterion=criterion, user=request.user, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            form.add_error("file", exc)
    if form.errors:
        return _evidence_response(request, assessment, criterion, form=form, status=422)
    return _evidence_response(request, assessment, criterion)


def _evidence_for(request, pk, file_pk) -> EvidenceFile:
    assessment = assessment_for(user=request.user, pk=pk)
    return get_object_or_404(
        EvidenceFile.objects.select_related("criterion", "assessment"), pk=file_pk, assessment=assessment
    )


@login_required
@require_GET
def evidence_download(request, pk, file_pk):
    """Stream a file to a user in the assessment's scope; PDFs and images open in the browser."""
    evidence = _evidence_for(request, pk, file_pk)
    inline = evidence.content_type in ("application/pdf", "image/jpeg", "image/png")
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("Tệp không còn trên máy chủ.")) from None
    return FileResponse(
        handle, as_attachment=not inline, filename=evidence.original_name, content_type=evidence.content_type
    )


@login_required
@require_POST
def evidence_delete(request, pk, file_pk):
    evidence = _evidence_for(request, pk, file_pk)
    assessment, criterion = evidence.assessment, evidence.criterion
    try:
        services.evidence_delete(evidence=evidence, user=request.user)
    except workflow.InvalidTransition as exc:
        form = EvidenceForm({}, {})
        form.errors.clear()
        form.add_error(None, _("%(error)s Tệp chưa bị xoá.") % {"error": exc.args[0]})
        return _evidence_response(request, assessment, criterion, form=form, status=409)
    if not request.htmx:
        messages.success(request, _("Đã xoá tệp «%(original_name)s».") % {"original_name": evidence.original_name})
    return _evidence_response(request, assessment, criterion)


@login_required
@require_GET
def excel_download(request, pk):
    """The Excel template for this ward-year, prefilled with what is entered."""
    assessment = assessment_for(user=request.user, pk=pk)
    content = excel.build_template(assessment=assessment, page=assessment_page(assessment=assessment))
    filename = f"so-lieu-{assessment.ward.code}-{assessment.year}.xlsx"
    response = HttpResponse(content, content_type=excel.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@uploads.upload_limit("EXCEL_MAX_BYTES")
@login_required
@require_POST
def excel_upload(request, pk):
    """Update the draft from a filled template: all of it, or nothing with every error listed."""
    assessment = assessment_for(user=request.user, pk=pk)
    refused = _refused(request, assessment, Action.EDIT)
    if refused is not None:
        return refused
    form = ExcelUploadForm(request.POST, request.FILES, refused=uploads.refusal(request, "file"))
    if form.is_valid():
        try:
            changes = excel.import_workbook(assessment=assessment, user=request.user, upload=form.cleaned_data["file"])
        except excel.ImportRefused as exc:
            form.add_error("file", exc.message)
            return _render_page(request, assessment, excel_form=form, excel_errors=exc.errors, status=422)
        except services.StaleRevision as exc:
            form.add_error("file", exc.args[0])
            return _render_page(request, assessment, excel_form=form, status=409)
        messages.success(request, _("Đã nhập số liệu từ tệp Excel (%(changes)s thay đổi).") % {"changes": changes})
        return redirect("assessment", pk=pk)
    return _render_page(request, assessment, excel_form=form, status=422)
