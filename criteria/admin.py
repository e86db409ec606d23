from django.contrib import admin

from criteria.models import CriteriaSet, Criterion, CriterionGroup, Indicator


class CriterionGroupInline(admin.TabularInline):
    model = CriterionGroup
    extra = 0


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["number", "title", "rule", "rule_note"]


class IndicatorInline(admin.StackedInline):
    model = Indicator
    extra = 0
    fields = [
        ("code", "order", "kind"),
        "text",
        ("threshold", "unit", "denominator_label"),
        ("allows_exclusion", "allows_na"),
    ]


@admin.register(CriteriaSet)
class CriteriaSetAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "legal_basis", "year_from", "year_to"]
    search_fields = ["code", "title", "legal_basis"]
    inlines = [CriterionGroupInline]


@admin.register(CriterionGroup)
class CriterionGroupAdmin(admin.ModelAdmin):
    list_display = ["__str__", "criteria_set", "order"]
    list_filter = ["criteria_set"]
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "group", "rule"]
    list_filter = ["criteria_set", "group"]
    search_fields = ["title"]
    list_select_related = ["group"]
    inlines = [IndicatorInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "text", "kind", "threshold", "unit", "allows_exclusion", "allows_na"]
    list_filter = ["criteria_set", "kind", "allows_exclusion", "allows_na"]
    search_fields = ["code", "text"]
