from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from yunying.org.models import Appointment, Employee, OrgUnit, Position


@admin.register(OrgUnit)
class OrgUnitAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "kind", "parent", "area", "time_zone", "opened_on", "closed_on")
    list_filter = ("kind", "area")
    search_fields = ("code", "name", "area")
    autocomplete_fields = ("parent",)


@admin.register(Position)
class PositionAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "name_en", "unit_kind", "superior", "is_head", "is_store_standard")
    list_filter = ("unit_kind", "is_store_standard")
    search_fields = ("code", "name", "name_en")
    filter_horizontal = ("permissions",)


class AppointmentInline(admin.TabularInline):
    model = Appointment
    extra = 0
    autocomplete_fields = ("position", "unit")


@admin.register(Employee)
class EmployeeAdmin(SimpleHistoryAdmin):
    list_display = ("employee_no", "name", "phone", "user", "is_active")
    list_filter = ("is_active", "is_external_hire")
    search_fields = ("employee_no", "name", "phone")
    inlines = [AppointmentInline]


@admin.register(Appointment)
class AppointmentAdmin(SimpleHistoryAdmin):
    list_display = ("employee", "position", "unit", "started_on", "ended_on")
    list_filter = ("position",)
    search_fields = ("employee__name", "unit__name", "unit__code")
    autocomplete_fields = ("employee", "position", "unit")
