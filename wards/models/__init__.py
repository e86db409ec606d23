"""The wards app's models, one module per concern; imported from here (`from wards.models import Ward`)."""

from wards.models.accounts import AccountEvent
from wards.models.assessment import Assessment, EvidenceFile, IndicatorValue, Narrative, evidence_path
from wards.models.audit import AuditEvent
from wards.models.calendar import DeadlineExtension, ReportingCalendar
from wards.models.issued import IssuedDocument
from wards.models.notifications import Notification
from wards.models.people import Invitation, Membership, PeopleEvent
from wards.models.places import District, Province, ProvinceLineage, Ward, WardLineage, in_province
from wards.models.results import CriterionResult
from wards.models.review import Decision, ReturnReason, RoundSnapshot, Verdict, count_passed
from wards.models.roadmap import RoadmapTarget

__all__ = [
    "AccountEvent",
    "Assessment",
    "AuditEvent",
    "CriterionResult",
    "DeadlineExtension",
    "Decision",
    "District",
    "EvidenceFile",
    "IndicatorValue",
    "Invitation",
    "IssuedDocument",
    "Membership",
    "Narrative",
    "Notification",
    "PeopleEvent",
    "Province",
    "ProvinceLineage",
    "ReportingCalendar",
    "ReturnReason",
    "RoadmapTarget",
    "RoundSnapshot",
    "Verdict",
    "Ward",
    "WardLineage",
    "count_passed",
    "evidence_path",
    "in_province",
]
