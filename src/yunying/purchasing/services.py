"""Creating purchase orders from approved purchase requests."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import DomainError
from yunying.core.precompiled import Precompiled
from yunying.org.models import OrgUnit, UnitKind
from yunying.purchasing.models import PurchaseOrder
from yunying.workflow.models import ProcessInstance

MAX_ITEMS = 200


def _money(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise DomainError(_("%(what)s“%(v)s”不是有效金额。") % {"what": what, "v": value}) from None
    if not amount.is_finite() or amount < 0:
        raise DomainError(_("%(what)s“%(v)s”不是有效金额。") % {"what": what, "v": value})
    return amount


def _items(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = data.get("items") or []
    if not isinstance(rows, list) or not rows:
        raise DomainError(_("申购单没有物料明细。"))
    if len(rows) > MAX_ITEMS:
        raise DomainError(_("物料明细超过 %(n)d 行。") % {"n": MAX_ITEMS})
    items = []
    for row in rows:
        if not isinstance(row, dict):
            raise DomainError(_("物料明细格式有误。"))
        qty = _money(row.get("qty"), _("数量"))
        price = _money(row.get("price"), _("单价"))
        items.append(
            {
                "name": str(row.get("name") or "")[:100],
                "qty": str(int(qty)) if qty == qty.to_integral() else str(qty.normalize()),
                "unit": str(row.get("unit") or "")[:10],
                "price": str(price),
                "amount": str((qty * price).quantize(Decimal("0.01"))),
            }
        )
    return items


def _final_approver(instance: ProcessInstance) -> Any:
    from yunying.workflow.runtime import latest_approval

    task = latest_approval(instance)  # the approval the current action just made: no query
    return task.acted_by if task is not None else None


def _order_or_last_query(low: str, high: str, instance_id: int, mine_id: int) -> QuerySet[Any]:
    """The request's order first, else the day's last number (numbers ``low`` to ``high``), locked."""
    return (
        PurchaseOrder.objects.select_for_update()
        .filter(Q(number__gte=low, number__lte=high) | Q(instance_id=instance_id))
        .annotate(
            mine=Case(When(instance_id=mine_id, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        .order_by("-mine", "-number")
        .values_list("pk", "number", "mine")[:1]
    )


# built and compiled once per process and database (core.precompiled); the instance is a probe twice
_ORDER_OR_LAST = Precompiled(
    _order_or_last_query, "\x00low", "\x00high", Precompiled.probe_int(0), Precompiled.probe_int(1)
)


def _existing_or_next(instance: ProcessInstance, on: str) -> tuple[int | None, str]:
    """The id of the request's order if it has one, else the next number of day ``on`` — one
    statement: the request's own order first, otherwise the day's last number (locked, so two
    approvals at once do not take the same one). The day's numbers are ``PO<day>`` and four digits
    or more: between ``PO<day>0000`` and ``PO<day>9999`` (digits only: the same under any collation)."""
    prefix = f"PO{on}"
    rows = _ORDER_OR_LAST(f"{prefix}0000", f"{prefix}9999", instance.pk, instance.pk)
    row = rows[0] if rows else None
    if row is not None and row[2]:
        return row[0], ""
    last = row[1] if row is not None else None
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return None, f"{prefix}{sequence:04d}"


@transaction.atomic(savepoint=False)  # inside the step's own savepoint when the workflow calls it
def purchase_order_from_request(*, instance: ProcessInstance, data: dict[str, Any]) -> PurchaseOrder:
    """The purchase order of an approved request (items, total, store, final approver); a second call for
    the same request (a retried step) answers the order already made."""
    existing, number = _existing_or_next(instance, clock.today().strftime("%Y%m%d"))
    if existing is not None:
        return PurchaseOrder.objects.get(pk=existing)
    items = _items(data)
    total = sum((Decimal(i["amount"]) for i in items), Decimal("0"))
    store_code = str(data.get("store") or "").strip()
    store = None
    unit = instance.unit if instance.unit_id is not None else None  # at hand with the locked instance
    if store_code and unit is not None and unit.code == store_code and unit.kind == UnitKind.STORE:
        store = unit
    elif store_code:
        store = OrgUnit.objects.filter(code=store_code, kind=UnitKind.STORE).first()
    if store is None and instance.unit_id is not None:
        store = OrgUnit.objects.filter(pk=instance.unit_id).first()
    now = clock.now()
    return PurchaseOrder.objects.create(
        number=number,
        instance=instance,
        store=store,
        requester=instance.requester,
        approver=_final_approver(instance),
        items=items,
        total=total,
        created_at=now,
    )


def purchasing_staff() -> list[Any]:
    """The people who handle purchase orders: holders of a position granted 处理采购单 (采购部)."""
    from yunying.accounts.models import User
    from yunying.org.models import Appointment
    from yunying.workflow.hotcache import memo

    def load() -> list[Any]:
        user_ids = (
            Appointment.objects.active()
            .filter(
                position__permissions__content_type__app_label="purchasing",
                position__permissions__codename="handle_purchaseorder",
                employee__is_active=True,
            )
            .values_list("employee__user_id", flat=True)
        )
        return list(User.objects.filter(pk__in=user_ids, is_active=True))

    # Appointments, positions (and their permissions) and users change rarely: memoised per process
    # until one does (yunying.workflow.hotcache).
    return list(memo("purchasing-staff", load))


def tell_purchasing(order: PurchaseOrder) -> None:
    """采购部 hears of a new order (in-app, and its group robots), once the step's transaction commits."""
    from django.urls import reverse

    from yunying.notifications.services import notify

    store = order.store.name if order.store else "—"
    notify(
        purchasing_staff(),
        kind="purchase_order",
        title=_("新采购单 %(number)s") % {"number": order.number},
        message=_("%(store)s 的采购单 %(number)s，合计 %(total)s 元，待采购。")
        % {"store": store, "number": order.number, "total": order.total},
        url=reverse("purchasing:list") + f"?q={order.number}",
        unit=order.store,
        instance=order.instance,
    )
