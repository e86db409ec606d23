from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from criteria.models import CriteriaSet, Criterion, CriterionGroup, Indicator


def _set_of(obj):
    if obj is None:
        return None
    return obj if isinstance(obj, CriteriaSet) else obj.criteria_set


# The English versions of the criteria texts: shown to English readers only, they change no result.
ENGLISH_FIELDS = ("title_en", "text_en")


class FrozenOnceUsed:
    """A criteria set in use by any assessment is frozen: editing it would change results already
    computed, reviewed and decided. A new ministry decision is a new set. Only the English texts stay
    editable, for the pages read in English."""

    def _in_use(self, obj):
        criteria_set = _set_of(obj)
        return criteria_set is not None and criteria_set.assessments.exists()

    def get_readonly_fields(self, request, obj=None):
        if not self._in_use(obj):
            return super().get_readonly_fields(request, obj)
        return [f.name for f in self.model._meta.fields if f.editable and f.name not in ENGLISH_FIELDS]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._in_use(obj)

    def has_add_permission(self, request, obj=None):
        if isinstance(self, admin.options.InlineModelAdmin):
            return super().has_add_permission(request, obj) and not self._in_use(obj)
        return super().has_add_permission(request)


class CriterionGroupInline(FrozenOnceUsed, admin.TabularInline):
    model = CriterionGroup
    extra = 0


class CriterionInline(FrozenOnceUsed, admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["number", "title", "title_en", "rule", "rule_note"]


class IndicatorInline(FrozenOnceUsed, admin.StackedInline):
    model = Indicator
    extra = 0
    fields = [
        ("code", "order", "kind"),
        "text",
        "text_en",
        ("threshold", "unit", "denominator_label"),
        ("allows_exclusion", "allows_na"),
    ]


@admin.register(CriteriaSet)
class CriteriaSetAdmin(FrozenOnceUsed, admin.ModelAdmin):
    list_display = ["code", "title", "legal_basis", "year_from", "year_to"]
    search_fields = ["code", "title", "legal_basis"]
    inlines = [CriterionGroupInline]


@admin.register(CriterionGroup)
class CriterionGroupAdmin(FrozenOnceUsed, admin.ModelAdmin):
    list_display = ["__str__", "criteria_set", "order"]
    list_filter = ["criteria_set"]
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(FrozenOnceUsed, admin.ModelAdmin):
    list_display = ["criterion_code", "title", "group", "rule"]
    list_filter = ["criteria_set", "group"]
    search_fields = ["title"]
    list_select_related = ["group"]
    inlines = [IndicatorInline]

    @admin.display(description=_("mã"), ordering="number")
    def criterion_code(self, criterion):
        return criterion.code


@admin.register(Indicator)
class IndicatorAdmin(FrozenOnceUsed, admin.ModelAdmin):
    list_display = ["code", "text", "kind", "threshold", "unit", "allows_exclusion", "allows_na"]
    list_filter = ["criteria_set", "kind", "allows_exclusion", "allows_na"]
    search_fields = ["code", "text"]
