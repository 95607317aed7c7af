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


def png_bytes(width: int = 64, height: int = 48, rgb: tuple[int, int, int] = (214, 57, 57)) -> bytes:
    """A small solid-colour PNG (no imaging library needed)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
