from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria import scoring
from wards import access, parsing

register = template.Library()


@register.filter
def vn_number(value):
    """12345 → "12.345", 1.5 → "1,5"."""
    if value in (None, ""):
        return ""
    return scoring.format_number(value)


@register.filter
def days_left(deadline):
    days = (deadline - timezone.localdate()).days
    if days > 0:
        return _("còn %(days)s ngày") % {"days": days}
    if days == 0:
        return _("hạn cuối hôm nay")
    return _("quá hạn %(days)s ngày") % {"days": -days}


@register.filter
def result_class(result):
    return f"result-{result}"


@register.filter
def filesize(size):
    if size < 1024 * 1024:
        return f"{scoring.format_number(max(1, size // 1024))} KB"
    return f"{scoring.format_number(size / 1024 / 1024, decimals=1)} MB"


@register.simple_tag
def evidence_limit():
    return f"{settings.EVIDENCE_MAX_BYTES // 1024 // 1024} MB"


@register.filter
def person(user):
    """A user's name the Vietnamese way: family name first."""
    return parsing.person(user)


@register.filter
def province_side(user):
    """Reviewers, approvers, leadership and administrators: the people who use the queue and review pages."""
    return access.can(user, access.Action.READ_PROVINCE)


@register.simple_tag(takes_context=True)
def can(context, action, assessment=None):
    """{% can "approve" assessment as may_approve %}: whether the page's user may take the action now."""
    return access.can(context["request"].user, action, assessment)


@register.simple_tag
def error_items(*forms):
    """Every error of the given forms, in field order, as (id of the field to focus, label, message):
    the summary at the top of a page refused for its input. A form's own errors point at its first field."""
    items = []
    for form in forms:
        if form is None or not form.is_bound or not form.errors:
            continue
        labels = getattr(form, "labels", {})
        visible = [f for f in form if not f.is_hidden]
        for message in form.non_field_errors():
            items.append((_focus_id(visible[0]) if visible else "", "", message))
        for bound in visible:
            for message in bound.errors:
                items.append((_focus_id(bound), labels.get(bound.name, bound.label), message))
    return items


def _focus_id(bound) -> str:
    # A group of radio buttons has no single label target: its first button.
    return bound.id_for_label or f"{bound.auto_id}_0"


STATUS_BADGES = {
    "draft": "primary",
    "returned": "warning",
    "submitted": "secondary",
    "in_review": "info",
    "approved": "success",
}


@register.filter
def status_badge(status) -> str:
    """The badge colour of an assessment status, the same on every page."""
    return f"text-bg-{STATUS_BADGES.get(str(status), 'secondary')}"
