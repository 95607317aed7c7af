"""Read and write policy settings (region sizes, thresholds…). Defaults ship in `yunying.seed.defaults`."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from yunying.core.models import Setting


def setting_get(key: str) -> Any:
    from yunying.seed.defaults import SETTINGS

    row = Setting.objects.filter(key=key).only("value").first()
    if row is not None:
        return row.value
    if key in SETTINGS:
        return SETTINGS[key][0]
    raise KeyError(key)


def setting_get_int(key: str) -> int:
    return int(setting_get(key))


@transaction.atomic
def setting_set(*, key: str, value: Any, description: str = "") -> Setting:
    row, _created = Setting.objects.update_or_create(
        key=key, defaults={"value": value, **({"description": description} if description else {})}
    )
    return row
