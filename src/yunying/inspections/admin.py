from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yunying.inspections.models import (
    ChecklistTemplate,
    Finding,
    FindingEvent,
    StoreLocation,
    TemplateVersion,
    Visit,
)


class VersionInline(admin.TabularInline):
    """Versions are frozen once published: new ones come from `template_publish` (seed or API)."""

    model = TemplateVersion
    extra = 0
    fields = ("number", "critical_rule", "critical_cap", "pass_mark", "is_published", "published_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "is_active", "sort_order")
    list_editable = ("is_active", "sort_order")
    inlines = [VersionInline]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("visited_on", "store", "version", "inspector", "status", "score", "passed")
    list_filter = ("status", "passed", "version__template")
    search_fields = ("store__code", "store__name")
    readonly_fields = [f.name for f in Visit._meta.fields]


class FindingEventInline(admin.TabularInline):
    model = FindingEvent
    extra = 0
    readonly_fields = ("action", "actor", "comment", "at")
    fields = readonly_fields
    can_delete = False


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ("store", "item_title", "critical", "owner", "due_on", "status")
    list_filter = ("status", "critical")
    search_fields = ("store__code", "item_title")
    readonly_fields = ("visit", "store", "item_key", "section_title", "item_title", "critical", "photos")
    inlines = [FindingEventInline]


@admin.register(StoreLocation)
class StoreLocationAdmin(admin.ModelAdmin):
    list_display = ["store", "latitude", "longitude", "updated_at"]
    search_fields = ["store__code", "store__name"]
