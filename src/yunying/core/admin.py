from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from yunying.core.models import CalendarOverride, CalendarYear, Setting, WorkingHours


@admin.register(Setting)
class SettingAdmin(SimpleHistoryAdmin):
    list_display = ("key", "value", "description")
    search_fields = ("key", "description")


@admin.register(WorkingHours)
class WorkingHoursAdmin(SimpleHistoryAdmin):
    list_display = ("unit", "days", "opens_at", "closes_at", "break_starts_at", "break_ends_at")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(SimpleHistoryAdmin):
    list_display = ("date", "unit", "working", "note")
    list_filter = ("working",)
    date_hierarchy = "date"
    search_fields = ("note", "unit__code", "unit__name")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "note")
