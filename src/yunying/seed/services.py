"""`yunying seed`: load the shipped defaults; idempotent (existing rows keep administrators' edits)."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db import transaction

from yunying.core.models import Setting
from yunying.forms.seed import seed_forms
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
    for order, seed in enumerate(POSITIONS, start=1):
        position, was_created = Position.objects.get_or_create(
            code=seed.code,
            defaults={
                "name": seed.name,
                "name_en": seed.name_en,
                "unit_kind": seed.unit_kind,
                "is_head": seed.is_head,
                "is_store_standard": seed.is_store_standard,
                "max_per_unit": seed.max_per_unit,
                "min_stores_setting": seed.min_stores_setting,
                "sees_everything": seed.sees_everything,
                "sort_order": order * 10,
            },
        )
        if was_created:
            position.permissions.set(_permissions(list(seed.permissions)))
        created["positions"] += int(was_created)
        by_code[seed.code] = position
    for seed in POSITIONS:
        position = by_code[seed.code]
        if seed.superior and position.superior_id is None:
            position.superior = by_code[seed.superior]
            position.save(update_fields=["superior"])
    created.update(seed_forms())
    from yunying.servicedesk.seed import seed_servicedesk

    created.update(seed_servicedesk())  # the repair form and the 总务维修 position, before the processes
    from yunying.core.calendar_services import seed_calendar

    created.update(seed_calendar())
    from yunying.workflow.seed import seed_workflow

    created.update(seed_workflow())
    from yunying.inspections.seed import seed_inspections

    created.update(seed_inspections())
    from yunying.notifications.services import kinds_seed

    created["notification_kinds"] = kinds_seed()
    from yunying.assets.seed import seed_assets

    created.update(seed_assets())
    from yunying.approvals.seed import seed_approvals

    created.update(seed_approvals())
    from yunying.storeday.seed import seed_storeday

    created.update(seed_storeday())
    from yunying.duties.seed import seed_duties

    created.update(seed_duties())
    return created
