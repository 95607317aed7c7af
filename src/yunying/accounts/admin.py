from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from yunying.accounts.models import ApiToken, LoginFailure, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Yunying", {"fields": ("language",)}))  # type: ignore[operator,misc]
    list_display = ("username", "display_name", "email", "is_staff", "is_active", "last_login")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
    search_fields = ("name", "user__username", "prefix")


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ("username", "ip", "at")
    search_fields = ("username",)
