"""The province's side: the reviewer's queue, the review page, verdicts, return, approve, reopen."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wards import access, parsing, services, workflow
from wards.forms import ApproveForm, ExtensionForm, ReopenForm, VerdictsForm
from wards.links import id_url
from wards.models import Assessment, DeadlineExtension, District, RoundSnapshot, count_passed
from wards.pagination import page_of
from wards.selectors import (
    assessment_for,
    assessment_page,
    criteria_set_for_year,
    issued_documents,
    last_year_for,
    queue_rows,
    review_queue,
    wards_visible_to,
)
from wards.services.calendar import submission_window
from wards.views import criterion_html
from wards.views.lists import ListTexts, district_name
from wards.widgets import escaped, shown
from wards.workflow import Action
from wards.years import year_param


@login_required
@require_GET
def queue(request):
    """Every assessment of the reviewer's province for a year, filterable, with counts per status."""
    access.require(request.user, access.Action.READ_PROVINCE)
    today = timezone.localdate()
    year = year_param(request.GET.get("year"), default=today.year)
    filters = {
        "status": request.GET.get("status", ""),
        "district": request.GET.get("district", ""),
        "passed": request.GET.get("passed", ""),
        "overdue": request.GET.get("overdue") == "1",
        "q": request.GET.get("q", "").strip()[:100],
    }
    # The year's map: before the reform its wards have districts; on the new map there are none to filter by.
    districts = list(
        District.objects.filter(wards__in=wards_visible_to(user=request.user), wards__assessments__year=year)
        .distinct()
        .order_by("name")
    )
    if not districts:
        filters["district"] = ""
    assessments, counts = review_queue(user=request.user, year=year, **filters)
    page = page_of(request, assessments)
    criteria_set = criteria_set_for_year(year)
    criteria_total = criteria_set.criteria.count() if criteria_set else 0
    rows = queue_rows(page)
    return render(
        request,
        "wards/queue.html",
        {
            "rows": rows,
            "row_html": queue_rows_html(rows, districts=bool(districts)),
            "page_obj": page,
            "counts": [(s, label, counts.get(s, 0)) for s, label in Assessment.Status.choices],
            "year": year,
            "years": range(today.year, today.year - 6, -1),
            "filters": filters,
            "districts": districts,
            "passed_choices": range(0, criteria_total + 1),
            "criteria_total": criteria_total,
        },
    )


def queue_rows_html(rows, *, districts: bool) -> list[str]:
    """The queue's rows (50 a page; the template wrote them a node at a time): the ward with its review link, its
    district (before the reform), status (overdue or not), computed result, verdicts given, days since it was
    sent and its reviewer."""
    texts, review_url = ListTexts(), id_url("review")
    overdue_text = _("quá hạn")  # translated outside the f-string: makemessages reads no call inside one
    overdue = f' <span class="badge text-bg-danger">{escaped(overdue_text)}</span>'
    ago = _("%(days_since_submission)s ngày trước")
    html = []
    for row in rows:
        a, score = row.assessment, row.score
        district = f'<td class="d-none d-md-table-cell">{district_name(a.ward)}</td>\n' if districts else ""
        since = (
            "—"
            if row.days_since_submission is None
            else ago % {"days_since_submission": shown(row.days_since_submission)}
        )
        html.append(
            mark_safe(
                f'<tr>\n<td>\n<a href="{review_url(a.pk)}">{escaped(a.ward.name)}</a>\n</td>\n{district}'
                f"<td>\n{texts.status[a.status]}{overdue if row.overdue else ''}\n</td>\n"
                f'<td class="text-end">{texts.met(score)}</td>\n'
                f'<td class="text-end">{shown(a.verdict_count)}/{shown(score.total)}</td>\n'
                f"<td>\n{since}\n</td>\n"
                f'<td class="d-none d-md-table-cell">{escaped(parsing.person(a.reviewer) or "—")}</td>\n</tr>\n'
            )
        )
    return html


def _review_context(
    request,
    assessment,
    *,
    page=None,
    form=None,
    approve_form=None,
    reopen_form=None,
    extension_form=None,
    conflicts=None,
    unsaved=None,
):
    page = page or assessment_page(assessment=assessment, every_last_year=True)
    reviewing = workflow.can(request.user, Action.VERDICT, assessment)
    verdicts = {v.criterion_id: v for v in assessment.verdicts.select_related("reviewer")}
    form = form or VerdictsForm(
        criteria=page.criteria, verdicts=verdicts, reasons=services.draft_reasons(assessment), editable=reviewing
    )
    # A page loaded with every indicator's last year (above) has it already; one passed in may not.
    last_year = page.previous if page.every_last_year else last_year_for(assessment=assessment)
    changes = {}
    previous = None
    if assessment.round > 1:
        previous = RoundSnapshot.objects.filter(assessment=assessment, round__lt=assessment.round).last()
        if previous:
            changes = services.round_changes(previous.data, services.snapshot_from_page(page))
    criteria = []
    for criterion in page.criteria:
        criteria.append(
            {
                "criterion": criterion,
                "score": page.score.criteria[criterion.code],
                "indicator_rows": criterion_html.review_rows(page, last_year, criterion),
                "narrative": page.narratives.get(criterion.pk),
                "evidence": page.evidence.get(criterion.pk, []),
                "verdict": verdicts.get(criterion.pk),
                "verdict_field": form[f"verdict-{criterion.number}"],
                "comment_field": form[f"comment-{criterion.number}"],
                "reason_field": form[f"reason-{criterion.number}"],
                "changes": changes.get(criterion.code, []),
            }
        )
    texts = criterion_html.ReviewTexts(assessment)
    for c in criteria:
        c["section"] = criterion_html.review_section(texts, c, reviewing)
    decision = assessment.decisions.in_force().select_related("approver").first()
    return {
        "assessment": assessment,
        "page": page,
        "form": form,
        "criteria": criteria,
        "reviewing": reviewing,
        "can_start_review": workflow.can(request.user, Action.START_REVIEW, assessment),
        "can_approve": workflow.can(request.user, Action.APPROVE, assessment),
        "approver_waits_for_review": assessment.status == Assessment.Status.SUBMITTED
        and workflow.may_act(request.user, Action.APPROVE, assessment),
        "can_reopen": workflow.can(request.user, Action.REOPEN, assessment),
        "unsaved": unsaved or [],
        "scored": len(verdicts),
        "passed_verdicts": count_passed(verdicts.values()),
        "decision": decision,
        "previous_round": previous,
        "approve_form": approve_form or approve_initial(request.user),
        "issued_documents": issued_documents(assessment),
        "reopen_form": reopen_form or ReopenForm(),
        "window": submission_window(assessment),
        "may_extend": assessment.status == Assessment.Status.DRAFT
        and services.may_grant_extension(request.user, assessment),
        "extension_form": extension_form or ExtensionForm(),
        "max_extension_days": DeadlineExtension.MAX_DAYS,
        "conflicts": conflicts or [],
    }


def approve_initial(user, form_class=ApproveForm, **kwargs):
    """The approval form as it opens: today's date, the approver as the signer."""
    return form_class(initial={"decided_on": timezone.localdate(), "signer_name": parsing.person(user)}, **kwargs)


def _render_review(request, assessment, status=200, **kwargs):
    return render(request, "wards/review.html", _review_context(request, assessment, **kwargs), status=status)


def _review_assessment(request, pk, *, action=None):
    """The assessment, 404 outside the user's scope; only the province side reviews (403 for others),
    and only the roles the workflow names take an action (403)."""
    assessment = assessment_for(user=request.user, pk=pk)
    access.require(request.user, access.Action.READ_PROVINCE)
    if action is not None and not workflow.may_act(request.user, action, assessment):
        raise PermissionDenied(workflow.who_may(action))
    return assessment


UNSAVED_LABELS = {"comment": gettext_lazy("Nhận xét"), "reason": gettext_lazy("Lý do trả lại")}


def _unsaved(request, criteria) -> list[tuple[str, str]]:
    """What the person typed in a request that could not be applied, to show it back to them."""
    found = []
    for c in criteria:
        for prefix, label in UNSAVED_LABELS.items():
            text = request.POST.get(f"{prefix}-{c.number}", "").strip()
            if text:
                found.append((f"{c.code} — {label}", text))
    for name, label in (
        ("number", _("Số quyết định")),
        ("decided_on", _("Ngày quyết định")),
        ("reason", _("Lý do mở lại")),
    ):
        text = request.POST.get(name, "").strip()
        if text:
            found.append((label, text))
    return found


def _state_changed(request, assessment, exc):
    """Someone else acted first (or a double click): say what state it is in now, keep what was typed."""
    assessment.refresh_from_db()
    messages.error(request, workflow.after_race(exc))
    page = assessment_page(assessment=assessment, every_last_year=True)
    return _render_review(request, assessment, page=page, unsaved=_unsaved(request, page.criteria), status=409)


@login_required
def review(request, pk):
    """The review page: the ward's figures beside last year's, results, narratives, files, verdicts."""
    assessment = _review_assessment(request, pk)
    if request.method != "POST":
        return _render_review(request, assessment)
    try:
        _form, result, response = _save_verdicts(request, assessment)
    except workflow.InvalidTransition as exc:
        return _state_changed(request, assessment, exc)
    if response is not None:
        return response
    saved = [_("%(saved)s kết luận") % {"saved": result.saved}] if result.saved else []
    if result.reasons_saved:
        saved.append(_("%(reasons_saved)s lý do trả lại (chưa gửi phường)") % {"reasons_saved": result.reasons_saved})
    messages.success(
        request,
        _("Đã lưu %(saved)s.") % {"saved": _(" và ").join(saved)} if saved else _("Không có kết luận nào thay đổi."),
    )
    return redirect("review", pk=pk)


def _save_verdicts(request, assessment):
    """Save the posted verdicts and the return reasons typed so far. Returns (form, result, None) when saved,
    or (form, None, the response to show) for mistakes and conflicts, with everything typed kept."""
    page = assessment_page(assessment=assessment, every_last_year=True)
    verdicts = {v.criterion_id: v for v in assessment.verdicts.all()}
    data = request.POST.copy()
    form = VerdictsForm(data, criteria=page.criteria, verdicts=verdicts)
    if form.is_valid():
        try:
            result = services.verdicts_save(
                assessment=assessment,
                user=request.user,
                verdicts=form.verdicts(),
                base=form.base_verdicts(),
                reasons=form.reasons(),
            )
        except ValidationError as exc:
            for criterion_id, errors in exc.message_dict.items():
                for message in errors:
                    form.add_criterion_error(int(criterion_id), message)
        else:
            if not result.conflicts:
                return form, result, None
            # The page now starts from what is stored: posting it again keeps this reviewer's choices.
            stored = {v.criterion_id: v for v in assessment.verdicts.all()}
            data["base"] = VerdictsForm.base_json(page.criteria, stored)
            form = VerdictsForm(data, criteria=page.criteria, verdicts=verdicts)
            form.is_valid()
            saved = _("Đã lưu %(saved)s kết luận khác.") % {"saved": result.saved} + " " if result.saved else ""
            messages.warning(
                request,
                saved
                + _(
                    "Cán bộ khác vừa kết luận khác ở %(conflicts)s tiêu chí (xem bên dưới); kết luận "
                    "của bạn ở các tiêu chí đó chưa được lưu. Bấm «Lưu kết luận» lần nữa để giữ kết luận của bạn."
                )
                % {"conflicts": len(result.conflicts)},
            )
            return (
                form,
                None,
                _render_review(request, assessment, page=page, form=form, conflicts=result.conflicts, status=409),
            )
    messages.error(request, _("Chưa lưu: xem thông báo đỏ tại từng tiêu chí."))
    return form, None, _render_review(request, assessment, page=page, form=form, status=422)


@login_required
@require_POST
def start_review(request, pk):
    assessment = _review_assessment(request, pk, action=Action.START_REVIEW)
    try:
        services.assessment_start_review(assessment=assessment, user=request.user)
    except workflow.InvalidTransition as exc:
        return _state_changed(request, assessment, exc)
    return redirect("review", pk=pk)


@login_required
@require_POST
def return_assessment(request, pk):
    """Return to the ward with reasons per criterion (the reason fields of the review page), keeping the
    verdicts typed on the same page."""
    assessment = _review_assessment(request, pk, action=Action.RETURN)
    try:
        form, _result, response = _save_verdicts(request, assessment)
        if response is not None:
            return response
        services.assessment_return(assessment=assessment, user=request.user, reasons=form.reasons())
    except workflow.InvalidTransition as exc:
        return _state_changed(request, assessment, exc)
    except ValidationError as exc:
        messages.error(
            request, _("Chưa trả lại: %(error)s Các kết luận đã ghi vẫn được lưu.") % {"error": exc.messages[0]}
        )
        return _render_review(request, assessment, form=form, status=422)
    messages.success(request, _("Đã trả lại hồ sơ cho phường để bổ sung."))
    return redirect("review", pk=pk)


@login_required
@require_POST
def approve(request, pk):
    assessment = _review_assessment(request, pk, action=Action.APPROVE)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            decision = services.assessment_approve(
                assessment=assessment,
                user=request.user,
                number=form.cleaned_data["number"],
                decided_on=form.cleaned_data["decided_on"],
                signer_name=form.cleaned_data["signer_name"],
                signer_title=form.cleaned_data["signer_title"],
            )
        except workflow.InvalidTransition as exc:
            return _state_changed(request, assessment, exc)
        except ValidationError as exc:
            for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                for message in errors:
                    form.add_error(field, message)
        else:
            messages.success(
                request,
                _("Đã phê duyệt: %(label)s. Quyết định và hồ sơ đang được ký số; tải về ở mục Văn bản phát hành.")
                % {"label": decision.label},
            )
            return redirect("review", pk=pk)
    return _render_review(request, assessment, approve_form=form, status=422)


@login_required
@require_POST
def reopen(request, pk):
    assessment = _review_assessment(request, pk, action=Action.REOPEN)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_reopen(assessment=assessment, user=request.user, reason=form.cleaned_data["reason"])
        except workflow.InvalidTransition as exc:
            return _state_changed(request, assessment, exc)
        except ValidationError as exc:
            form.add_error("reason", exc.messages[0])
        else:
            messages.success(request, _("Đã mở lại hồ sơ: bắt đầu vòng thẩm định mới."))
            return redirect("review", pk=pk)
    return _render_review(request, assessment, reopen_form=form, status=422)


@login_required
@require_POST
def extend(request, pk):
    """Let the ward submit after its deadline, until a day, for a reason (its province's people)."""
    assessment = _review_assessment(request, pk)
    if not services.may_grant_extension(request.user, assessment):
        raise PermissionDenied(access.REFUSALS[access.Action.GRANT_EXTENSION])
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            extension = services.extension_grant(
                assessment=assessment, until=form.cleaned_data["until"], reason=form.cleaned_data["reason"],
                user=request.user,
            )  # fmt: skip
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field, message)
        else:
            messages.success(
                request,
                _("Đã gia hạn nộp hồ sơ đến %(until)s; phường đã được thông báo.")
                % {"until": extension.until.strftime("%d/%m/%Y")},
            )
            return redirect("review", pk=pk)
    return _render_review(request, assessment, extension_form=form, status=422)
