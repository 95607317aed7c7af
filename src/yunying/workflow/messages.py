"""Messages correlated by key: a diagram's ``bpmn:message`` may name the process data that identifies
the instance waiting for it, and a message sent by name and key reaches exactly that instance.

A message declares its key as ``yunying:correlationKey="order_no"`` on the ``bpmn:message`` element,
or as Camunda 8 / Zeebe writes it, ``<zeebe:subscription correlationKey="=order_no"/>`` in its
extension elements. The key must be a plain name of the process data (checked at deploy). While a
catch event waits for such a message, a :class:`~yunying.workflow.models.MessageWait` row holds the
value that name has in the instance's data; ``POST /api/workflow/messages`` ``{name, key, data}`` finds
the one running instance waiting with that value (none: 404; several: 409 naming them).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from yunying.core.errors import Conflict, DomainError, NotFound
from yunying.workflow.engine_validate import BPMN_NS, YUNYING_NS, ZEEBE_NS
from yunying.workflow.models import InstanceStatus, MessageWait, ProcessInstance

MAX_KEY = 200


def correlation_keys(roots: Iterable[Any]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """``({message name: data name}, problems)`` from the ``bpmn:message`` elements of the documents."""
    keys: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for root in roots:
        for message in root.iter(f"{{{BPMN_NS}}}message"):
            name = message.get("name") or message.get("id") or ""
            raw = message.get(f"{{{YUNYING_NS}}}correlationKey")
            if raw is None:
                sub = next(message.iter(f"{{{ZEEBE_NS}}}subscription"), None)
                raw = sub.get("correlationKey") if sub is not None else None
            if raw is None:
                continue
            key = raw.strip().removeprefix("=").strip()
            if not key.isidentifier():
                problems.append(
                    (
                        str(message.get("id") or name),
                        _("消息“%(name)s”的关联键“%(key)s”必须是流程数据中的一个字段名。")
                        % {"name": name, "key": raw},
                    )
                )
                continue
            keys[name] = key
    return keys, problems


def _key_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, Decimal)):
        text = str(value).strip()
        return text[:MAX_KEY] if text else None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def record_waits(instance: ProcessInstance, eng: Any) -> None:
    """After an engine step: the instance's keyed message waits match what its engine waits for now
    (no query for processes that declare no keys)."""
    from yunying.workflow.runtime import definition_of

    keys = definition_of(instance.version).message_keys
    if not keys:
        return
    wanted: set[tuple[str, str]] = set()
    if instance.status in (InstanceStatus.RUNNING, InstanceStatus.ERROR):
        for name, data in eng.waiting_message_data():
            if name in keys:
                text = _key_text(data.get(keys[name]))
                if text is not None:
                    wanted.add((name, text))
    have = set(instance.message_waits.values_list("name", "key")) if instance.pk else set()
    for name, key in have - wanted:
        instance.message_waits.filter(name=name, key=key).delete()
    MessageWait.objects.bulk_create(
        [MessageWait(instance=instance, name=n, key=k) for n, k in sorted(wanted - have)]
    )


def message_correlate(
    *, actor: Any, name: str, key: str, data: dict[str, Any] | None = None
) -> ProcessInstance:
    """Send message ``name`` to the one running instance waiting for it with correlation ``key``."""
    from yunying.workflow.actions_admin import _monitor_or_deploy, instance_message

    _monitor_or_deploy(actor)
    name = (name or "").strip()
    key = (key or "").strip()
    if not name:
        raise DomainError(_("请填写消息名称。"), field="name")
    if not key:
        raise DomainError(_("请填写关联键。"), field="key")
    waits = MessageWait.objects.filter(name=name, instance__status=InstanceStatus.RUNNING)
    if not waits.exists():
        raise NotFound(
            _(
                "没有流程实例在按关联键等待消息“%(name)s”（消息需在流程图中声明关联键 yunying:correlationKey）。"
            )
            % {"name": name}
        )
    found = sorted(set(waits.filter(key=key).values_list("instance_id", flat=True)))
    if not found:
        raise NotFound(
            _("没有流程实例在等待关联键为“%(key)s”的消息“%(name)s”。") % {"key": key, "name": name}
        )
    if len(found) > 1:
        raise Conflict(
            _("有 %(n)s 个流程实例在等待关联键为“%(key)s”的消息“%(name)s”（%(list)s），无法确定发给哪一个。")
            % {"n": len(found), "key": key, "name": name, "list": "、".join(f"#{i}" for i in found[:20])},
            code="ambiguous",
        )
    return instance_message(actor=actor, instance_id=found[0], name=name, data=data, key=key)
