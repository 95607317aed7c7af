"""Admin: robots with write-only URL and secret (never rendered back), event kinds, and the outbox."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yunying.core.errors import DomainError
from yunying.notifications import services
from yunying.notifications.models import Delivery, EventKind, Notification, Preference, Robot


class RobotForm(forms.ModelForm):
    url = forms.CharField(
        label=_("Webhook 地址"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("加密保存，保存后不再显示；修改时留空表示不变。"),
    )
    secret = forms.CharField(
        label=_("加签密钥"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("加密保存，保存后不再显示；修改时留空表示不变。"),
    )
    clear_secret = forms.BooleanField(label=_("清除密钥"), required=False)

    class Meta:
        model = Robot
        fields = [
            "name",
            "platform",
            "unit",
            "kinds",
            "rate_per_minute",
            "digest_max",
            "quiet_start",
            "quiet_end",
            "quiet_outside_hours",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and not data.get("url"):
            raise ValidationError({"url": _("请填写机器人的 Webhook 地址。")})
        return data


@admin.register(Robot)
class RobotAdmin(admin.ModelAdmin):
    form = RobotForm
    list_display = ["name", "platform", "url_hint", "unit", "is_active", "last_ok_at", "last_error"]
    list_filter = ["platform", "is_active"]
    readonly_fields = ["url_hint", "last_ok_at", "last_error"]
    actions = ["send_test"]

    def save_model(self, request: HttpRequest, obj: Robot, form: Any, change: bool) -> None:
        data = form.cleaned_data
        secret = "" if data.get("clear_secret") else (data.get("secret") or None)
        if not change and secret is None:
            secret = ""
        try:
            services.robot_save(
                actor=request.user,
                robot=obj,
                name=data["name"],
                platform=data["platform"],
                url=data.get("url") or "",
                secret=secret,
                unit=data.get("unit"),
                kinds=list(data.get("kinds") or []),
                is_active=data.get("is_active", True),
                rate_per_minute=data.get("rate_per_minute"),
                digest_max=data.get("digest_max") or 10,
                quiet_hours=(data.get("quiet_start"), data.get("quiet_end")),
                quiet_outside_hours=bool(data.get("quiet_outside_hours")),
            )
        except DomainError as exc:
            messages.error(request, str(exc))

    @admin.action(description=_("发送测试消息"))
    def send_test(self, request: HttpRequest, queryset: QuerySet[Robot]) -> None:
        for robot in queryset:
            try:
                services.robot_send_test(actor=request.user, robot_id=robot.pk)
            except DomainError as exc:
                messages.error(request, f"{robot.name}: {exc}")
            else:
                messages.success(request, _("%(name)s：测试消息已发送。") % {"name": robot.name})


@admin.register(EventKind)
class EventKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "channels", "urgent", "digest_minutes", "sort_order"]
    list_editable = ["urgent", "digest_minutes", "sort_order"]

    def save_model(self, request: HttpRequest, obj: EventKind, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.cache_clear()


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "message", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "instance", "task"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "robot", "title", "state", "attempts", "due_at", "last_error"]
    list_filter = ["state", "channel"]
    readonly_fields = [f.name for f in Delivery._meta.fields]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "quiet_start", "quiet_end", "updated_at"]
    raw_id_fields = ["user"]
