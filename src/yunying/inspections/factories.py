"""Test data for inspections: a small checklist and answer sets built in code."""

from __future__ import annotations

from typing import Any

from yunying.inspections.models import TemplateVersion
from yunying.inspections.services import template_publish


def small_template(*, key: str = "mini", critical_rule: str = "fail", **kwargs: Any) -> TemplateVersion:
    """Two sections: a yes/no item with a required photo, a 0–5 points item, a critical yes/no item and a
    pass/partial/fail item that may be N/A."""
    sections = [
        {
            "key": "front",
            "title": "前厅",
            "items": [
                {
                    "key": "door",
                    "title": "门口整洁",
                    "scoring": "yes_no",
                    "weight": 1,
                    "photo_required": True,
                },
                {"key": "floor", "title": "地面干净", "scoring": "points", "max_points": 5, "weight": 2},
            ],
        },
        {
            "key": "safety",
            "title": "安全",
            "items": [
                {"key": "exit", "title": "安全出口畅通", "scoring": "yes_no", "weight": 3, "critical": True},
                {"key": "drill", "title": "疏散演练", "scoring": "ppf", "weight": 1, "na_allowed": True},
            ],
        },
    ]
    return template_publish(
        key=key, name="小检查表", sections=sections, critical_rule=critical_rule, **kwargs
    )


def answers(**values: str) -> dict[str, dict[str, Any]]:
    """{"door": "yes", …} → the answers payload, notes empty, no photos."""
    return {key: {"value": value, "note": "", "photos": []} for key, value in values.items()}
