from django import template
from django.utils import timezone

from criteria import scoring
from wards import access, entry

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
        return f"còn {days} ngày"
    if days == 0:
        return "hạn cuối hôm nay"
    return f"quá hạn {-days} ngày"


@register.filter
def result_class(result):
    return f"result-{result}"


@register.filter
def filesize(size):
    if size < 1024 * 1024:
        return f"{scoring.format_number(max(1, size // 1024))} KB"
    return f"{str(round(size / 1024 / 1024, 1)).replace('.', ',')} MB"


@register.simple_tag
def evidence_limit():
    from django.conf import settings

    return f"{settings.EVIDENCE_MAX_BYTES // 1024 // 1024} MB"


@register.filter
def person(user):
    """A user's name the Vietnamese way: family name first."""
    return entry.person(user)


@register.filter
def province_side(user):
    """Reviewers, approvers, leadership and administrators: the people who use the queue and review pages."""
    return access.can(user, access.Action.READ_PROVINCE)


@register.simple_tag(takes_context=True)
def can(context, action, assessment=None):
    """{% can "approve" assessment as may_approve %}: whether the page's user may take the action now."""
    return access.can(context["request"].user, action, assessment)
