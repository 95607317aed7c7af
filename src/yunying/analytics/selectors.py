"""Reads of analytics basics, always through the caller's scope (org.scope): which stores a report covers,
the latest month with data, imports and sources."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min, QuerySet, Sum
from django.utils.translation import gettext as _

from yunying.analytics.models import (
    ImportSource,
    Product,
    SalesImport,
    SalesProductDay,
    SalesStoreDay,
    SalesStoreWeek,
)
from yunying.analytics.periods import add_months, month_start, week_start
from yunying.core import clock
from yunying.core.errors import NotFound
from yunying.org.models import OrgUnit, UnitKind
from yunying.org.scope import regions_visible_to, scope_for, stores_visible_to


@dataclass(frozen=True)
class StoreInfo:
    pk: int
    code: str
    name: str
    region_code: str
    region_name: str
    opened_on: date | None
    closed_on: date | None


@dataclass(frozen=True)
class StoreSet:
    """The stores a report covers; `all_stores` when nothing is filtered (no IN list needed)."""

    stores: list[StoreInfo]
    all_stores: bool
    region: OrgUnit | None = None

    @property
    def ids(self) -> list[int]:
        return [s.pk for s in self.stores]

    def filter_ids(self) -> list[int] | None:
        return None if self.all_stores else self.ids


def report_stores(*, user: Any, region: str | None = None) -> StoreSet:
    """The stores the user may see, optionally one region's ("-" = those the department runs directly)."""
    qs = stores_visible_to(user)
    region_unit = None
    if region == "-":
        qs = qs.exclude(parent__kind=UnitKind.REGION)
        if not qs.exists():  # 管理部直管 is not theirs to pick (an area manager)
            raise NotFound(_("找不到区域 %(code)s。") % {"code": _("管理部直管")})
    elif region:
        region_unit = regions_visible_to(user).filter(code=region).first()
        if region_unit is None:
            raise NotFound(_("找不到区域 %(code)s。") % {"code": region})
        qs = qs.filter(parent=region_unit)
    stores = []
    direct = _("管理部直管")
    rows = qs.order_by("sort_order", "code").values_list(
        "pk", "code", "name", "opened_on", "closed_on", "parent__kind", "parent__code", "parent__name"
    )
    for pk, code, name, opened_on, closed_on, parent_kind, parent_code, parent_name in rows:
        in_region = parent_kind == UnitKind.REGION
        stores.append(
            StoreInfo(
                pk=pk,
                code=code,
                name=name,
                region_code=parent_code if in_region else "-",
                region_name=parent_name if in_region else direct,
                opened_on=opened_on,
                closed_on=closed_on,
            )
        )
    everything = scope_for(user).everything and not region
    return StoreSet(stores=stores, all_stores=everything, region=region_unit)


def region_choices(*, user: Any) -> QuerySet[OrgUnit]:
    return regions_visible_to(user).order_by("sort_order", "code")


def data_end(*, user: Any) -> date | None:
    """The last day with sales among the user's stores."""
    qs = SalesStoreDay.objects.all()
    if not scope_for(user).everything:
        qs = qs.filter(store__in=stores_visible_to(user))
    return qs.aggregate(d=Max("date"))["d"]


def latest_month(*, user: Any) -> date:
    """The latest month whose sales are complete (the month before the one still running); the reports open
    on it. This month when there are no sales yet."""
    end = data_end(user=user)
    if end is None:
        return month_start(clock.today())
    return add_months(month_start(end + timedelta(days=1)), -1)


def current_month(*, user: Any) -> date:
    """The month of the last day with sales (possibly still running)."""
    end = data_end(user=user)
    return month_start(end) if end else month_start(clock.today())


def latest_complete_week(*, user: Any) -> date:
    qs = SalesStoreWeek.objects.filter(days__gte=7)
    if not scope_for(user).everything:
        qs = qs.filter(store__in=stores_visible_to(user))
    found = qs.aggregate(w=Max("week"))["w"]
    return found or week_start(clock.today())


def data_start(*, user: Any) -> date | None:
    """The first day with sales among the user's stores."""
    qs = SalesStoreDay.objects.all()
    if not scope_for(user).everything:
        qs = qs.filter(store__in=stores_visible_to(user))
    return qs.aggregate(d=Min("date"))["d"]


def month_options(*, latest: date, count: int = 24, first: date | None = None) -> list[date]:
    """The months to pick from, newest first: back to `first` (the first month with data) when given —
    every imported month is reachable — else `count` months."""
    if first is not None:
        count = max(1, (latest.year - first.year) * 12 + latest.month - first.month + 1)
    return [add_months(latest, -i) for i in range(count)]


def week_options(*, user: Any, selected: date) -> list[date]:
    """The weeks (Mondays) to pick from, newest first: every week with data, and the selected one."""
    start, end = data_start(user=user), data_end(user=user)
    weeks = {selected}
    if start and end:
        week = week_start(end)
        while week >= week_start(start):
            weeks.add(week)
            week -= timedelta(weeks=1)
    return sorted(weeks, reverse=True)


def has_direct_stores(*, user: Any) -> bool:
    """Whether the user sees stores run directly by the department (not in a region): 管理部直管 to pick."""
    return stores_visible_to(user).exclude(parent__kind=UnitKind.REGION).exists()


def import_list(*, user: Any) -> QuerySet[SalesImport]:
    qs = SalesImport.objects.select_related("source", "created_by")
    if not scope_for(user).everything:
        qs = qs.filter(created_by=user)
    return qs.order_by("-created_at")


def import_get(*, user: Any, pk: int) -> SalesImport:
    found = import_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("找不到该导入记录。"))
    return found


def source_list() -> QuerySet[ImportSource]:
    return ImportSource.objects.order_by("name")


@dataclass
class ErrorGroup:
    """Errors of an import with the same problem: how many, and the first rows that have it."""

    column: str
    message: str
    count: int
    rows: list[int]


_QUOTED = re.compile(r"“[^”]*”")


def import_error_groups(*, sales_import: SalesImport, first_rows: int = 5) -> list[ErrorGroup]:
    """The import's errors grouped by column and message (a quoted cell value does not split a group),
    largest group first."""
    groups: dict[tuple[str, str], ErrorGroup] = {}
    for error in sales_import.errors:
        column, message = str(error.get("column", "")), str(error.get("message", ""))
        key = (column, _QUOTED.sub("“…”", message))
        group = groups.get(key)
        if group is None:
            group = groups[key] = ErrorGroup(column, message, 0, [])
        group.count += 1
        if len(group.rows) < first_rows:
            group.rows.append(int(str(error.get("row", 0))))
    return sorted(groups.values(), key=lambda g: (-g.count, g.rows[0] if g.rows else 0))


# --------------------------------------------------------------------------- one store's day


@dataclass(frozen=True)
class ProductSales:
    name: str
    qty: Decimal
    amount: Decimal


@dataclass(frozen=True)
class StoreDaySales:
    """A store's net sales on a day (None without data) and its best products by amount."""

    day: date
    amount: Decimal | None
    top: list[ProductSales]


def store_day_sales(*, store_id: int, day: date, top: int = 5) -> StoreDaySales:
    """The sales of one store on one day from the sales tables: the net sales (the store-day rows summed,
    to the cent) and the ``top`` products by amount. For a store the caller has already checked (e.g. a
    store's own page through ``yunying.org.selectors.store_get``); three indexed queries."""
    top = max(0, min(top, 50))
    total = SalesStoreDay.objects.filter(store_id=store_id, date=day).aggregate(total=Sum("net_sales"))[
        "total"
    ]
    amount = None if total is None else Decimal(total).quantize(Decimal("0.01"))
    lines = list(
        SalesProductDay.objects.filter(store_id=store_id, date=day, amount__gt=0)
        .order_by("-amount", "product_id")
        .values("product_id", "qty", "amount")[:top]
    )
    names = dict(Product.objects.filter(pk__in=[x["product_id"] for x in lines]).values_list("pk", "name"))
    return StoreDaySales(
        day,
        amount,
        [
            ProductSales(names.get(x["product_id"], ""), Decimal(x["qty"]), Decimal(x["amount"]))
            for x in lines
        ],
    )
