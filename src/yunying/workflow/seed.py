"""Shipped defaults of the workflow (idempotent, called by ``yunying.seed.services.seed_defaults``):
policy settings, who may deploy and monitor, the 物料申购 authority tiers and the 物料申购 process."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Permission
from django.db import transaction

from yunying.core.models import Setting
from yunying.org.models import Position
from yunying.workflow.models import AuthorityRule, ProcessDefinition
from yunying.workflow.policy import DEFAULTS

PROCESSES = Path(__file__).parent / "processes"
MANAGER_POSITIONS = ("GM", "OPS-MGR", "MGMT-HEAD")

# DOMAIN.md "Approval rules": < 200 管理部 finally; 200 ≤ x ≤ 300 运营经理; > 300 总经理.
# (name, min, min inclusive, max, max inclusive, approver)
PURCHASE_TIERS = [
    ("低于 200 元：管理部终审", None, True, Decimal(200), False, "position:MGMT-HEAD"),
    ("200–300 元：运营经理审批", Decimal(200), True, Decimal(300), True, "position:OPS-MGR"),
    ("高于 300 元：总经理审批", Decimal(300), False, None, False, "position:GM"),
]

SHIPPED = [
    # key, name, category, icon, file, description
    (
        "purchase",
        "物料申购",
        "采购",
        "shopping-cart",
        "purchase.bpmn",
        "门店物料申购：管理部审核后按金额分级审批。",
    ),
    (
        "repair",
        "日常维修",
        "行政",
        "tool",
        "repair.bpmn",
        "门店报修：区域经理审批（超过 2000 元再经管理部）；总务维修按紧急程度限时维修，门店确认修复。",
    ),
]


@transaction.atomic
def seed_workflow() -> dict[str, int]:
    from yunying.workflow.deploy import definition_deploy

    created = {"workflow_settings": 0, "authority_rules": 0, "processes": 0}
    for key, (value, description) in DEFAULTS.items():
        _row, was_created = Setting.objects.get_or_create(
            key=key, defaults={"value": value, "description": description}
        )
        created["workflow_settings"] += int(was_created)
    created["authority_rules"] += seed_tiers("purchase", PURCHASE_TIERS)
    for key, name, category, icon, filename, description in SHIPPED:
        if ProcessDefinition.objects.filter(key=key).exists():
            created["processes"] += int(_shipped_update(key, (PROCESSES / filename).read_bytes()))
            continue
        version = definition_deploy(
            actor=None,
            key=key,
            name=name,
            category=category,
            description=description,
            bpmn_xml=(PROCESSES / filename).read_bytes(),
        )
        ProcessDefinition.objects.filter(pk=version.definition_id).update(icon=icon)
        created["processes"] += 1
    if created["processes"]:
        permissions = Permission.objects.filter(
            content_type__app_label="workflow", codename__in=("deploy_process", "monitor_process")
        )
        for position in Position.objects.filter(code__in=MANAGER_POSITIONS):
            position.permissions.add(*permissions)
    return created


def _shipped_update(key: str, bpmn_xml: bytes) -> bool:
    """A shipped process whose diagram changed in a release gets the new diagram as a new version, unless
    an administrator has deployed a version of their own (theirs is left as it is). Running instances
    stay on their version."""
    from yunying.workflow.deploy import definition_deploy
    from yunying.workflow.models import ProcessVersion

    latest = ProcessVersion.objects.filter(definition__key=key).order_by("-number").first()
    if (
        latest is None
        or latest.deployed_by_id is not None
        or latest.bpmn_xml.strip() == bpmn_xml.decode("utf-8").strip()
    ):
        return False
    definition = latest.definition
    definition_deploy(
        actor=None,
        key=key,
        name=definition.name,
        category=definition.category,
        description=definition.description,
        icon=definition.icon,
        bpmn_xml=bpmn_xml,
    )
    return True


Tier = tuple[str, Decimal | None, bool, Decimal | None, bool, str]  # name, low, incl., high, incl., approver
ProcessFile = tuple[str, str, str, str, str]  # key, name, category, icon, description (file: <key>.bpmn)


def seed_tiers(category: str, rows: Any) -> int:
    """The shipped authority tiers of ``category`` — (name, low, low inclusive, high, high inclusive, approver)
    rows — unless the category has tiers already; how many were created."""
    if AuthorityRule.objects.filter(category=category).exists():
        return 0
    for name, lo, lo_inc, hi, hi_inc, approver in rows:
        AuthorityRule.objects.create(
            category=category,
            name=name,
            min_amount=lo,
            min_inclusive=lo_inc,
            max_amount=hi,
            max_inclusive=hi_inc,
            approver=approver,
            effective_from=date(2020, 1, 1),
        )
    return len(rows)


def seed_bundle(
    *,
    prefix: str,
    forms: list[dict[str, Any]],
    tiers: dict[str, list[Tier]],
    processes: list[ProcessFile],
    folder: Path,
) -> dict[str, int]:
    """What an app ships for its processes, written once: its forms (published), the authority tiers of each
    category it brings (only when the category has none yet) and its diagrams (``<key>.bpmn`` in ``folder``). What
    exists is left as the administrator has it. Counts under ``<prefix>_forms`` etc."""
    from yunying.forms.models import FormDefinition
    from yunying.forms.services import form_definition_create, form_version_publish
    from yunying.workflow.deploy import definition_deploy

    created = {f"{prefix}_forms": 0, f"{prefix}_authority_rules": 0, f"{prefix}_processes": 0}
    for spec in forms:
        if FormDefinition.objects.filter(key=spec["key"]).exists():
            continue
        definition = form_definition_create(actor=None, **spec)
        form_version_publish(actor=None, definition=definition)
        created[f"{prefix}_forms"] += 1
    for category, rows in tiers.items():
        created[f"{prefix}_authority_rules"] += seed_tiers(category, rows)
    for key, name, category, icon, description in processes:
        if ProcessDefinition.objects.filter(key=key).exists():
            continue
        version = definition_deploy(
            actor=None,
            key=key,
            name=name,
            category=category,
            description=description,
            bpmn_xml=(folder / f"{key}.bpmn").read_bytes(),
        )
        ProcessDefinition.objects.filter(pk=version.definition_id).update(icon=icon)
        created[f"{prefix}_processes"] += 1
    return created
