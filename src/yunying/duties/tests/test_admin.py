"""Administrators edit duties in the admin; a rule that never fires, or one more often than daily, is
refused there with the message on the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.models import model_to_dict

from yunying.duties.admin import DutyForm
from yunying.duties.models import Duty

pytestmark = pytest.mark.django_db


def _form(duty: Duty, **changes: Any) -> DutyForm:
    data = {k: v for k, v in model_to_dict(duty).items() if v is not None}
    data["positions"] = [p.pk for p in duty.positions.all()]
    data["copy_positions"] = []
    data["initial"] = "{}"
    data.update(changes)
    return DutyForm(data=data, instance=duty)


def test_the_admin_checks_the_rule(seeded: None):
    duty = Duty.objects.get(key="monthly_plan")
    assert _form(duty).is_valid(), _form(duty).errors
    custom = _form(duty, cadence="custom", custom_dates="02-30")
    assert not custom.is_valid()
    assert "永远不会" in custom.errors["custom_dates"][0]
    weekly = _form(duty, cadence="weekly", weekday="")
    assert not weekly.is_valid() and "星期几" in weekly.errors["weekday"][0]
    zero = _form(duty, interval=0)
    assert not zero.is_valid() and "永远不会" in zero.errors["interval"][0]
