"""`yunying seed`: load the shipped defaults; idempotent (existing rows keep administrators' edits)."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db import transaction

from yunying.core.models import Setting
from yunying.org.models import Position
from yunying.seed.defaults import POSITIONS, SETTINGS


def _permissions(names: list[str]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


@transaction.atomic
def seed_defaults() -> dict[str, int]:
    created = {"settings": 0, "positions": 0}
    for key, (value, description) in SETTINGS.items():
        _row, was_created = Setting.objects.get_or_create(
            key=key, defaults={"value": value, "description": description}
        )
        created["settings"] += int(was_created)
    by_code: dict[str, Position] = {}
    for order, (code, name, name_en, kind, _sup, is_head, standard, max_n, min_key, perms) in enumerate(
        POSITIONS
    ):
        position, was_created = Position.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "unit_kind": kind,
                "is_head": is_head,
                "is_store_standard": standard,
                "max_per_unit": max_n,
                "min_stores_setting": min_key,
                "sort_order": (order + 1) * 10,
            },
        )
        if was_created:
            position.permissions.set(_permissions(perms))
        created["positions"] += int(was_created)
        by_code[code] = position
    for row in POSITIONS:
        code, superior_code = row[0], row[4]
        position = by_code[code]
        if superior_code and position.superior_id is None:
            position.superior = by_code[superior_code]
            position.save(update_fields=["superior"])
    return created
