"""One decision for several wards: the approver picks the wards of a year that wait for a decision (in review,
every criterion concluded), gives the number, date and signer, and the province issues one signed decision."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from criteria.models import Criterion
from wards import access, workflow
from wards.collation import sort_key
from wards.forms import DecisionBatchForm
from wards.models import Assessment, Verdict
from wards.selectors import assessments_visible_to
from wards.services.issuing import decision_issue
from wards.views.review import approve_initial
from wards.years import year_param


@dataclass
class Waiting:
    assessment: Assessment
    passed: int
    total: int

    @property
    def certified(self) -> bool:
        return self.passed == self.total


def waiting_for_decision(user, year: int) -> list[Waiting]:
    """The assessments of the year in the user's scope that a decision can be issued for: in review, with a verdict
    on every criterion. Three queries whatever the number of wards."""
    rows = (
        assessments_visible_to(user=user)
        .filter(year=year, status=Assessment.Status.IN_REVIEW)
        .select_related("ward")
        .annotate(
            concluded=Count("verdicts"),
            passed=Count("verdicts", filter=Q(verdicts__outcome=Verdict.Outcome.PASS)),
        )
    )
    rows = list(rows)
    totals = dict(
        Criterion.objects.filter(criteria_set__in={a.criteria_set_id for a in rows})
        .values("criteria_set")
        .annotate(n=Count("pk"))
        .values_list("criteria_set", "n")
    )
    waiting = [
        Waiting(a, a.passed, totals.get(a.criteria_set_id, 0))
        for a in rows
        if a.concluded and a.concluded == totals.get(a.criteria_set_id)
    ]
    return sorted(waiting, key=lambda w: (not w.certified, sort_key(w.assessment.ward.name)))


def _choices(waiting: list[Waiting]):
    return [(w.assessment.pk, w.assessment.ward.name) for w in waiting]


@login_required
@require_http_methods(["GET", "POST"])
def decision_batch(request):
    access.require(request.user, access.Action.ISSUE_DECISIONS)
    year = year_param(request.GET.get("year"), default=timezone.localdate().year)
    waiting = waiting_for_decision(request.user, year)
    status = 200
    if request.method == "POST":
        form = DecisionBatchForm(request.POST, choices=_choices(waiting))
        if form.is_valid():
            chosen = set(form.cleaned_data["assessments"])
            try:
                document = decision_issue(
                    assessments=[w.assessment for w in waiting if w.assessment.pk in chosen],
                    user=request.user,
                    number=form.cleaned_data["number"],
                    decided_on=form.cleaned_data["decided_on"],
                    signer_name=form.cleaned_data["signer_name"],
                    signer_title=form.cleaned_data["signer_title"],
                )
            except workflow.InvalidTransition as exc:
                form.add_error("assessments", str(exc))
            except ValidationError as exc:
                for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                wards = len(chosen)
                messages.success(
                    request,
                    ngettext(
                        "Đã ra quyết định số %(number)s cho %(wards)s phường; quyết định đang được ký số.",
                        "Đã ra quyết định số %(number)s cho %(wards)s phường; quyết định đang được ký số.",
                        wards,
                    )
                    % {"number": document.number, "wards": wards},
                )
                return redirect(f"{request.path}?year={year}")
        status = 422
    else:
        form = approve_initial(request.user, DecisionBatchForm, choices=_choices(waiting))
    return render(
        request,
        "wards/decision_batch.html",
        {
            "form": form,
            "waiting": waiting,
            "year": year,
            "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
            "chosen": {str(v) for v in form["assessments"].value() or []},
        },
        status=status,
    )
