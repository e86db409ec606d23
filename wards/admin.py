from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from wards.models import (
    Assessment,
    Decision,
    District,
    EvidenceFile,
    IndicatorValue,
    Membership,
    Narrative,
    Province,
    RoadmapTarget,
    Verdict,
    Ward,
)

User = get_user_model()

admin.site.site_header = _("Quản trị Công an phường điển hình, kiểu mẫu")
admin.site.site_title = _("modelphuong")
admin.site.index_title = _("Quản trị hệ thống")


class MembershipInline(admin.StackedInline):
    model = Membership
    can_delete = True
    extra = 0
    max_num = 1
    autocomplete_fields = ["ward", "province"]


admin.site.unregister(User)


@admin.register(User)
class UserWithRoleAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "role", "scope", "is_active"]
    list_select_related = ["membership__ward", "membership__province"]
    list_filter = ["membership__role", "is_active", "is_staff"]

    @admin.display(description=_("vai trò"))
    def role(self, user):
        membership = getattr(user, "membership", None)
        return membership.get_role_display() if membership else "—"

    @admin.display(description=_("phạm vi"))
    def scope(self, user):
        membership = getattr(user, "membership", None)
        return membership.scope_label if membership else "—"


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province"]
    list_filter = ["province"]
    search_fields = ["code", "name"]


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "district", "province", "year_from", "year_to"]
    list_filter = ["province", "district"]
    list_select_related = ["district", "province"]
    search_fields = ["code", "name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "ward", "province"]
    list_filter = ["role", "province"]
    list_select_related = ["user", "ward", "province"]
    autocomplete_fields = ["user", "ward", "province"]


@admin.register(RoadmapTarget)
class RoadmapTargetAdmin(admin.ModelAdmin):
    list_display = ["province", "year", "target_label", "basis"]
    list_filter = ["province"]


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    extra = 0
    fields = ["indicator", "yes", "count", "excluded", "numerator", "denominator", "last_year", "na"]
    readonly_fields = ["indicator"]
    can_delete = False


class VerdictInline(admin.TabularInline):
    model = Verdict
    extra = 0
    fields = ["criterion", "outcome", "comment", "reviewer"]
    raw_id_fields = ["reviewer"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["ward", "year", "criteria_set", "status", "deadline", "submitted_at"]
    list_filter = ["year", "status", "ward__province", "ward__district"]
    list_select_related = ["ward", "criteria_set"]
    search_fields = ["ward__name", "ward__code"]
    raw_id_fields = ["submitted_by"]
    inlines = [IndicatorValueInline, VerdictInline]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ["assessment", "indicator", "yes", "count", "numerator", "denominator", "last_year", "na"]
    list_filter = ["assessment__year", "indicator__criterion"]
    list_select_related = ["assessment__ward", "indicator"]
    raw_id_fields = ["assessment", "updated_by"]


@admin.register(Narrative)
class NarrativeAdmin(admin.ModelAdmin):
    list_display = ["assessment", "criterion", "updated_at"]
    list_select_related = ["assessment__ward", "criterion"]
    raw_id_fields = ["assessment", "updated_by"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(admin.ModelAdmin):
    list_display = ["original_name", "assessment", "criterion", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["assessment__ward", "criterion", "uploaded_by"]
    readonly_fields = ["sha256", "size", "content_type", "original_name", "uploaded_at"]
    raw_id_fields = ["assessment", "uploaded_by"]


@admin.register(Verdict)
class VerdictAdmin(admin.ModelAdmin):
    list_display = ["assessment", "criterion", "outcome", "reviewer", "updated_at"]
    list_filter = ["outcome", "assessment__year"]
    list_select_related = ["assessment__ward", "criterion", "reviewer"]
    raw_id_fields = ["assessment", "reviewer"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["number", "assessment", "outcome", "criteria_passed", "decided_on", "approver"]
    list_filter = ["outcome", "assessment__year"]
    list_select_related = ["assessment__ward", "approver"]
    raw_id_fields = ["assessment", "approver"]
