"""The audit trail's entries and the row lock every state change starts from."""

from wards.models import Assessment, AuditEvent


def audit_event(assessment, user, action, target, old="", new=""):
    """An audit entry (not yet saved) in the assessment's current round. Its texts are stored as given: the
    services make them in the site's language (modelphuong.language), so lazy ones are resolved here, at once."""
    return AuditEvent(
        assessment=assessment,
        actor=user,
        round=assessment.round,
        action=action,
        target=str(target),
        old=str(old),
        new=str(new),
    )


def status_event(locked, user, old, new, target="Trạng thái hồ sơ"):
    """Record a change of status."""
    audit_event(locked, user, AuditEvent.Action.STATUS, target, old, new).save()


def locked_for_update(assessment) -> Assessment:
    """The assessment re-read under a row lock: every state change decides on what is stored now."""
    return Assessment.objects.select_for_update().select_related("ward").get(pk=assessment.pk)
