from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from wards.forms import OpenYearForm
from wards.map import REFORM_DATE, on_new_map
from wards.models import (
    AccountEvent,
    Assessment,
    AuditEvent,
    Decision,
    District,
    EvidenceFile,
    IndicatorValue,
    Invitation,
    Membership,
    Narrative,
    Notification,
    PeopleEvent,
    Province,
    ProvinceLineage,
    ReportingCalendar,
    ReturnReason,
    RoadmapTarget,
    RoundSnapshot,
    Verdict,
    Ward,
    WardLineage,
)
from wards.models.places import Unit
from wards.services import calendar, divisions, opening, second_factor

User = get_user_model()

admin.site.site_header = _("Quản trị Công an phường điển hình, kiểu mẫu")
admin.site.site_title = _("modelphuong")
admin.site.index_title = _("Quản trị hệ thống")


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is evidence: nobody adds, edits or deletes it through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.StackedInline):
    model = Membership
    can_delete = True
    extra = 0
    max_num = 1
    autocomplete_fields = ["ward", "province"]


admin.site.unregister(User)
# django-otp's own pages would show every user's authenticator secret and recovery codes; an administrator only
# ever resets them (the action on users below), and a user sets theirs up on their own page.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(User)
class UserWithRoleAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "role", "scope", "second_factor", "is_active"]
    list_select_related = ["membership__ward", "membership__province"]
    list_filter = ["membership__role", "is_active", "is_staff"]
    actions = ["reset_second_factor"]

    def get_queryset(self, request):
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_second_factor=Exists(confirmed))

    @admin.display(description=_("xác thực hai lớp"), boolean=True)
    def second_factor(self, user):
        return user.has_second_factor

    @admin.action(description=_("Đặt lại xác thực hai lớp"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        users = list(queryset)
        for user in users:
            second_factor.second_factor_reset(user=user, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "Đã đặt lại xác thực hai lớp của %(count)s người dùng; họ sẽ thiết lập lại ở lần đăng nhập sau.",
                "Đã đặt lại xác thực hai lớp của %(count)s người dùng; họ sẽ thiết lập lại ở lần đăng nhập sau.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )

    @admin.display(description=_("vai trò"))
    def role(self, user):
        membership = getattr(user, "membership", None)
        return membership.get_role_display() if membership else "—"

    @admin.display(description=_("phạm vi"))
    def scope(self, user):
        membership = getattr(user, "membership", None)
        return membership.scope_label if membership else "—"


class ProvinceLineageInline(admin.TabularInline):
    model = ProvinceLineage
    fk_name = "successor"
    extra = 0
    autocomplete_fields = ["predecessor"]


class SetupProvinceForm(forms.Form):
    province = forms.ChoiceField(label=_("Tỉnh/thành phố (danh sách quốc gia từ 01/7/2025)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", "—")] + [
            (code, f"{name} ({code})") for code, name in divisions.national_provinces()
        ]


@admin.register(ReportingCalendar)
class ReportingCalendarAdmin(admin.ModelAdmin):
    list_display = ["province", "year", "deadline", "half_year_report"]
    list_filter = ["year"]
    list_select_related = ["province"]
    autocomplete_fields = ["province"]

    def save_model(self, request, obj, form, change):
        moved = calendar.calendar_save(calendar=obj, user=request.user)
        if moved:
            self.message_user(
                request,
                _("Đã chuyển hạn nộp của %(count)s hồ sơ đang soạn sang %(deadline)s.")
                % {"count": moved, "deadline": obj.deadline.strftime("%d/%m/%Y")},
                messages.INFO,
            )


class UnitAutocompleteView(AutocompleteJsonView):
    """The admin's pickers for provinces and wards: the old and the new Cái Khế share a name (and the new one
    An Hòa's code), so a unit with a period is shown with its code and period."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if isinstance(obj, Unit) and (obj.valid_from or obj.valid_to):
            result["text"] = f"{obj} ({obj.code}, {obj.period_label})"
        return result


unit_autocomplete = admin.site.admin_view(UnitAutocompleteView.as_view(admin_site=admin.site))


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "valid_from", "valid_to"]
    list_filter = [("valid_to", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name"]
    inlines = [ProvinceLineageInline]
    actions = ["open_year"]
    change_list_template = "admin/wards/province_changelist.html"

    def get_urls(self):
        setup = self.admin_site.admin_view(self.setup_view)
        return [path("thiet-lap/", setup, name="wards_province_setup"), *super().get_urls()]

    def setup_view(self, request):
        """Set a province up from the national list: its current phường and their lineage, nothing typed."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SetupProvinceForm(request.POST or None)
        if form.is_valid():
            try:
                report = divisions.import_divisions(provinces={form.cleaned_data["province"]})
            except divisions.DivisionsError as error:
                form.add_error("province", str(error))
            else:
                for line in report.lines():
                    self.message_user(request, line, messages.SUCCESS)
                return redirect("admin:wards_province_changelist")
        context = {**self.admin_site.each_context(request), "title": _("Thiết lập tỉnh/thành phố"), "form": form}
        context["opts"] = self.model._meta
        return TemplateResponse(request, "admin/wards/setup_province.html", context)

    @admin.action(description=_("Mở đợt đánh giá một năm cho tỉnh/thành phố đã chọn"))
    def open_year(self, request, queryset):
        """Asks for the year on an intermediate page, then opens it for each selected province."""
        form = OpenYearForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for province in queryset:
                try:
                    opened = opening.open_year(province=province, year=form.cleaned_data["year"], user=request.user)
                except opening.YearNotOpenable as error:
                    self.message_user(request, str(error), messages.ERROR)
                else:
                    self.message_user(request, opened.summary, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Mở đợt đánh giá"),
            "form": form,
            "provinces": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/wards/open_year.html", context)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province"]
    list_filter = ["province"]
    search_fields = ["code", "name"]


class WardLineageInline(admin.TabularInline):
    model = WardLineage
    fk_name = "successor"
    extra = 0
    autocomplete_fields = ["predecessor"]


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "district", "province", "valid_from", "valid_to"]
    list_filter = ["kind", ("valid_to", admin.EmptyFieldListFilter), "province"]
    list_select_related = ["district", "province"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["province", "district"]
    inlines = [WardLineageInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "ward", "province"]
    list_filter = ["role", "province"]
    list_select_related = ["user", "ward", "province"]
    autocomplete_fields = ["user", "ward", "province"]


class MapListFilter(admin.SimpleListFilter):
    """Targets by the map their year uses: the old map (to 2024) or the new one (2025 on)."""

    title = _("bản đồ hành chính")
    parameter_name = "ban_do"

    def lookups(self, request, model_admin):
        return [("cu", _("Bản đồ cũ (đến năm 2024)")), ("moi", _("Bản đồ mới (từ năm 2025)"))]

    def queryset(self, request, queryset):
        first_new_year = REFORM_DATE.year if on_new_map(REFORM_DATE.year) else REFORM_DATE.year + 1
        if self.value() == "cu":
            return queryset.filter(year__lt=first_new_year)
        if self.value() == "moi":
            return queryset.filter(year__gte=first_new_year)
        return queryset


@admin.register(RoadmapTarget)
class RoadmapTargetAdmin(admin.ModelAdmin):
    """Re-basing a roadmap: the old province's targets stay as set; new ones are entered for the new province
    (RoadmapTarget.clean refuses a year outside the province's period, naming the successor)."""

    list_display = ["province", "province_period", "year", "target_label", "basis"]
    list_filter = [MapListFilter, ("province__valid_to", admin.EmptyFieldListFilter), "year", "province"]
    list_select_related = ["province"]
    search_fields = ["province__name", "province__code", "basis"]
    ordering = ["province__name", "province__valid_from", "year"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The old and the new Cần Thơ share a name: the choice says which period each one is.
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "province":
            field.label_from_instance = lambda p: f"{p.name} ({p.period_label})"
        return field

    @admin.display(description=_("thời gian tồn tại của tỉnh"), ordering="province__valid_from")
    def province_period(self, obj):
        return obj.province.period_label


class IndicatorValueInline(admin.TabularInline):
    # Figures change through the ward's page (audited), never here.
    model = IndicatorValue
    extra = 0
    fields = ["indicator", "yes", "count", "excluded", "numerator", "denominator", "last_year", "na"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class VerdictInline(admin.TabularInline):
    model = Verdict
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    fields = ["criterion", "outcome", "comment", "reviewer"]
    raw_id_fields = ["reviewer"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["ward", "year", "criteria_set", "status", "deadline", "submitted_at"]
    list_filter = ["year", "status", "ward__province", "ward__district"]
    list_select_related = ["ward", "criteria_set"]
    search_fields = ["ward__name", "ward__code"]
    # Status and rounds move only through the workflow's services, which keep the audit trail.
    readonly_fields = ["status", "round", "revision", "submitted_at", "submitted_by", "reviewer"]
    inlines = [IndicatorValueInline, VerdictInline]

    def get_readonly_fields(self, request, obj=None):
        # Once it exists, an assessment belongs to its ward, year and set: moving it would move a ward's
        # figures, decision and history to another ward.
        if obj is not None:
            return [*self.readonly_fields, "ward", "year", "criteria_set"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # Django's own answer (the user's delete permission) first; then only an empty draft may go.
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or (obj.status == Assessment.Status.DRAFT and not obj.values.exists())


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "indicator", "yes", "count", "numerator", "denominator", "last_year", "na"]
    list_filter = ["assessment__year", "indicator__criterion"]
    list_select_related = ["assessment__ward", "indicator"]
    raw_id_fields = ["assessment", "updated_by"]


@admin.register(Narrative)
class NarrativeAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "criterion", "updated_at"]
    list_select_related = ["assessment__ward", "criterion"]
    raw_id_fields = ["assessment", "updated_by"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "assessment", "criterion", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["assessment__ward", "criterion", "uploaded_by"]
    readonly_fields = ["sha256", "size", "content_type", "original_name", "uploaded_at"]
    raw_id_fields = ["assessment", "uploaded_by"]


@admin.register(Verdict)
class VerdictAdmin(ReadOnlyAdmin):
    # Verdicts change through the review page, which writes the audit trail; here they are only read.
    list_display = ["assessment", "criterion", "outcome", "reviewer", "updated_at"]
    list_filter = ["outcome", "assessment__year"]
    list_select_related = ["assessment__ward", "criterion", "reviewer"]
    raw_id_fields = ["assessment", "reviewer"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["number", "assessment", "outcome", "criteria_passed", "decided_on", "approver"]
    list_filter = ["outcome", "assessment__year"]
    list_select_related = ["assessment__ward", "approver"]
    raw_id_fields = ["assessment", "approver"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "assessment", "actor", "round", "action", "target", "old", "new"]
    list_filter = ["action", "assessment__year"]
    list_select_related = ["assessment__ward", "actor"]
    search_fields = ["target", "assessment__ward__name"]


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "actor", "detail"]
    list_filter = ["action"]
    list_select_related = ["user", "actor"]
    search_fields = ["user__username", "actor__username"]


@admin.register(PeopleEvent)
class PeopleEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "province", "actor", "kind", "person", "file_name", "created", "updated"]
    list_filter = ["kind"]
    list_select_related = ["province", "actor", "person"]
    search_fields = ["detail", "file_name"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "invited_by", "emailed_at"]
    list_select_related = ["user", "invited_by"]


@admin.register(RoundSnapshot)
class RoundSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "round", "submitted_at", "submitted_by"]
    list_select_related = ["assessment__ward", "submitted_by"]


@admin.register(ReturnReason)
class ReturnReasonAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "round", "criterion", "text", "reviewer", "created_at"]
    list_select_related = ["assessment__ward", "criterion", "reviewer"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "subject", "emailed_at"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    readonly_fields = ["user", "assessment", "kind", "subject", "body", "created_at", "emailed_at", "days_before"]

    def has_add_permission(self, request, obj=None):
        return False
