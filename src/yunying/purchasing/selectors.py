"""Who sees which purchase orders: 采购部 (处理采购单) and those who see everything see all; others see the
orders of the stores in their scope (a store manager their store, an area manager their region)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from yunying.org.scope import scope_for
from yunying.purchasing.models import PurchaseOrder

MAX_QUERY = 100


def sees_all_orders(user: Any) -> bool:
    return bool(user.has_perm("purchasing.handle_purchaseorder") or scope_for(user).everything)


def purchase_orders_for(user: Any, *, q: str = "", status: str = "") -> QuerySet[PurchaseOrder]:
    orders = PurchaseOrder.objects.select_related(
        "store", "requester__employee", "approver__employee", "instance"
    )
    if not sees_all_orders(user):
        scope = scope_for(user)
        orders = orders.filter(Q(store_id__in=scope.unit_ids) | Q(requester=user))
    q = q.strip()[:MAX_QUERY]
    if q:
        orders = orders.filter(
            Q(number__icontains=q) | Q(store__name__icontains=q) | Q(store__code__iexact=q)
        )
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("-created_at", "-pk")
