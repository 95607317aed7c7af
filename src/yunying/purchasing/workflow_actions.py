"""The purchase process's system step 生成采购单 (``yunying:action="purchase_order"``): an approved 物料申购
becomes a purchase order in 采购部's queue, and 采购部 is told."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunying.core.errors import DomainError
from yunying.purchasing import services
from yunying.workflow.models import ProcessInstance
from yunying.workflow.system_actions import ActionFailed, register


@register("purchase_order", gettext_lazy("生成采购单"))
def purchase_order_action(
    instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]
) -> dict[str, Any]:
    try:
        order = services.purchase_order_from_request(instance=instance, data=data)
    except DomainError as exc:
        raise ActionFailed(str(exc)) from exc
    services.tell_purchasing(order)
    return {"purchase_order": order.number}


__all__ = ["_", "purchase_order_action"]
