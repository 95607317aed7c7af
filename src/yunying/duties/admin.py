"""Administrators edit the operations calendar here: each duty's positions, recurrence, due time, holiday
rule, reminders and reviewer. A rule that would never fire or repeats more often than daily is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from yunying.core.errors import ValidationFailed
from yunying.duties.models import Checkpoint, Duty, Event, Occurrence, Onboarding


class DutyForm(forms.ModelForm):
    class Meta:
        model = Duty
        exclude: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        from yunying.duties.recurrence import rule_validate

        try:
            rule_validate(
                cadence=data.get("cadence") or "",
                starts_on=data.get("starts_on") or dt.date.min,
                ends_on=data.get("ends_on"),
                weekday=data.get("weekday"),
                day=data.get("day") or "",
                second_day=data.get("second_day") or "",
                month=data.get("month"),
                interval=data.get("interval"),
                custom_unit=data.get("custom_unit") or "",
                custom_dates=data.get("custom_dates") or "",
            )
        except ValidationFailed as exc:
            errors: dict[str, list[str]] = {}
            for error in exc.errors:
                name = str(error.get("field") or "")
                errors.setdefault(name if name in self.fields else "__all__", []).append(
                    str(error["message"])
                )
            raise ValidationError(errors) from None
        return data


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    form = DutyForm
    list_display = ("name", "key", "category", "cadence", "assign_to", "is_active", "sort_order")
    list_filter = ("category", "cadence", "is_active")
    search_fields = ("name", "key")
    filter_horizontal = ("positions",)


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    readonly_fields = ("action", "actor", "comment", "at")
    fields = readonly_fields
    can_delete = False


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):
    list_display = ("duty", "period_key", "assignee", "subject", "unit", "due_at", "status")
    list_filter = ("status", "duty")
    search_fields = ("period_key", "assignee__name", "subject__name")
    raw_id_fields = ("assignee", "subject", "reviewer", "unit", "assignee_unit")
    readonly_fields = ("data", "created_at")
    inlines = [EventInline]


class CheckpointInline(admin.TabularInline):
    model = Checkpoint
    extra = 0


@admin.register(Onboarding)
class OnboardingAdmin(admin.ModelAdmin):
    list_display = ("employee", "unit", "position", "started_on", "months", "status")
    raw_id_fields = ("employee",)
    inlines = [CheckpointInline]
