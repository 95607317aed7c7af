"""Test helpers of duties: a duty on a small form, built with just the fields a test sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yunying.duties.models import Duty
from yunying.forms.models import FormDefinition
from yunying.forms.services import form_definition_create, form_version_publish
from yunying.org.models import Position

SIMPLE_FORM: dict[str, Any] = {
    "key": "duty_test_note",
    "name": "测试职责表单",
    "name_en": "Test duty form",
    "category": "运营日历",
    "fields": [
        {"key": "summary", "type": "textarea", "label_zh": "小结", "label_en": "Summary", "required": True, "max_length": 500},
        {"key": "score", "type": "number", "label_zh": "得分", "label_en": "Score", "min": 0, "max": 100},
    ],
}  # fmt: skip


def simple_form() -> FormDefinition:
    found = FormDefinition.objects.filter(key=SIMPLE_FORM["key"]).first()
    if found is not None:
        return found
    definition = form_definition_create(actor=None, **SIMPLE_FORM)
    form_version_publish(actor=None, definition=definition)
    return definition


def duty_make(*, key: str, positions: tuple[str, ...], cadence: str = "weekly", **fields: Any) -> Duty:
    fields.setdefault("starts_on", dt.date(2020, 1, 1))
    fields.setdefault("weekday", 4 if cadence == "weekly" else None)
    fields.setdefault("name", key)
    fields.setdefault("form", simple_form())
    duty = Duty.objects.create(key=key, cadence=cadence, **fields)
    duty.positions.set(Position.objects.filter(code__in=positions))
    return duty
