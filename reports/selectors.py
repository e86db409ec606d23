"""Which provinces' reports and which rendered documents a user may read: scope, enforced in the lookups."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from reports.models import BulkRender, RenderJob
from wards.access import Action, can, role_of
from wards.models import IssuedDocument, Membership, Province
from wards.selectors import assessments_visible_to, membership_of


def report_provinces(user) -> QuerySet[Province]:
    """The provinces whose reports a user may read: the province side of that province, or all of them for
    administrators and national leadership. None for anyone else."""
    if not can(user, Action.READ_PROVINCE):
        return Province.objects.none()
    membership = membership_of(user)
    if role_of(user) == Membership.Role.ADMIN or membership.province_id is None:
        # Today's map: a former province's history is read through its successor (see in_province).
        return Province.objects.current()
    return Province.objects.filter(pk=membership.province_id)


def jobs_visible_to(user) -> QuerySet[RenderJob]:
    """Render jobs whose document the user may read: dossiers in their scope, reports of their provinces, and
    national reports for those who may read the national view."""
    assessments = assessments_visible_to(user=user)
    visible = (
        Q(kind=RenderJob.Kind.DOSSIER, assessment__in=assessments)
        | Q(kind=RenderJob.Kind.PROVINCE_REPORT, province__in=report_provinces(user))
        # Issued documents: a ward's signed dossier to those who see the ward, a decision to those who see any ward
        # it names (a decision is public: its other wards are no secret).
        | Q(kind=RenderJob.Kind.SIGNED_DOSSIER, document__assessment__in=assessments)
        | Q(
            kind=RenderJob.Kind.DECISION,
            document__in=IssuedDocument.objects.filter(decisions__assessment__in=assessments).values("pk"),
        )
    )
    if can(user, Action.READ_NATIONAL):
        visible |= Q(kind=RenderJob.Kind.NATIONAL_REPORT)
    return RenderJob.objects.filter(visible).select_related(
        "assessment__ward", "province", "document__province", "document__assessment__ward"
    )


def bulks_visible_to(user) -> QuerySet[BulkRender]:
    return BulkRender.objects.filter(province__in=report_provinces(user))


def require_in_scope(visible: QuerySet | list, obj) -> None:
    """Refuse (PermissionDenied) an object outside what the user sees (a queryset, or the objects its caller has
    read from it). The views look objects up within the user's scope (404 outside it); a service or document
    called from anywhere else refuses on its own."""
    # (a model instance equals another of the same model and pk only)
    inside = visible.filter(pk=obj.pk).exists() if isinstance(visible, QuerySet) else obj in visible
    if not inside:
        raise PermissionDenied(_("Đối tượng này nằm ngoài phạm vi của bạn."))
