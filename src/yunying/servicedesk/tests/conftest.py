"""Service desk test helpers: a 总务维修 department with one 维修专员, repairs started by a store."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.org.factories import UnitFactory, person_with_login
from yunying.org.models import UnitKind


@pytest.fixture
def maint(chain: Any) -> Any:
    unit = UnitFactory(kind=UnitKind.DEPARTMENT, code="D-MAINT", name="总务维修", parent=chain.mgmt.parent)
    return person_with_login("maint", "MAINT-TECH", unit)


def repair_data(store: str, **extra: Any) -> dict[str, Any]:
    return {
        "store": store,
        "cause": "cold",
        "item": "冷柜不制冷",
        "urgency": "urgent",
        "reason": "温度降不下来",
        "amount": "800",
        **extra,
    }
