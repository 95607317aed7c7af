"""Admin of the workflow's rules (流程规则): checked and saved through ``yunying.workflow.rules``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from yunying.workflow import rules
from yunying.workflow.models import AuthorityRule, ProcessRule


class ProcessRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ProcessRule
        fields = [
            "definition",
            "name",
            "event",
            "step",
            "condition",
            "action",
            "params",
            "is_active",
            "order",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        definition = data.get("definition")
        if definition is None or self.errors:
            return data
        problems = rules.rule_check(
            definition,
            event=data.get("event") or "",
            step=data.get("step") or "",
            condition=data.get("condition") or "",
            action=data.get("action") or "",
            params=data.get("params") or {},
        )
        for field, message in problems.items():
            self.add_error(field, message)
        return data


@admin.register(ProcessRule)
class ProcessRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ProcessRuleForm
    list_display = ["name", "definition", "event", "step", "condition", "action", "is_active", "order"]
    list_filter = ["event", "action", "is_active"]
    search_fields = ["name", "definition__key", "definition__name"]

    def save_model(self, request: HttpRequest, obj: ProcessRule, form: Any, change: bool) -> None:
        rules.process_rule_save(
            actor=None,  # the admin site's own permissions decide who edits rules here
            definition=obj.definition,
            rule=obj,
            name=obj.name,
            event=obj.event,
            step=obj.step,
            condition=obj.condition,
            action=obj.action,
            params=obj.params,
            is_active=obj.is_active,
            order=obj.order,
        )

    def delete_model(self, request: HttpRequest, obj: ProcessRule) -> None:
        rules.process_rule_delete(actor=None, rule=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in list(queryset):
            rules.process_rule_delete(actor=None, rule=obj)


@admin.register(AuthorityRule)
class AuthorityRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The authority matrix (审批权限表): tiers are edited here; overlapping tiers are refused (``clean``)."""

    list_display = [
        "category",
        "name",
        "unit",
        "min_amount",
        "max_amount",
        "approver",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["category"]
    search_fields = ["category", "name", "approver"]
    autocomplete_fields = ["unit"]
