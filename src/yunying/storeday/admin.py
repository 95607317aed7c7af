from django.contrib import admin

from yunying.storeday.models import Routine


@admin.register(Routine)
class RoutineAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "key", "store", "starts_at", "ends_at", "missed_after_minutes", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "key", "store__code", "store__name")
    raw_id_fields = ("store",)
