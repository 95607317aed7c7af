from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from yunying.core.models import Setting


@admin.register(Setting)
class SettingAdmin(SimpleHistoryAdmin):
    list_display = ("key", "value", "description")
    search_fields = ("key", "description")
