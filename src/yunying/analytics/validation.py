"""Check sales rows and turn them into staged fact tuples, or into row errors (row, column, message).

`check_batch` is the fast path for a chunk of rows: cells exactly as a CSV gives them are checked with one
dict hit or one compiled regex per cell (store codes, ISO dates, product codes learnt from earlier rows; store
opening/closing as ISO string comparisons) and become the staged tuple without any conversion. A row that
misses the fast path for any reason (a new code, another date format, spaces, an error) goes through `check`,
the full per-cell validation that names every problem; what it accepts is then learnt for the next rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from yunying.analytics.columns import LABELS, PRODUCT, channel_code
from yunying.analytics.models import Product, ProductCategory
from yunying.analytics.writer import ProductRow, StagedProduct, StagedStore, StoreRow
from yunying.core import clock
from yunying.core.tabular import RowError
from yunying.org.scope import stores_visible_to
from yunying.org.selectors import unit_zones

MAX_REPORTED_ERRORS = 1000
_LIMIT = Decimal("1e10")
# What the columns hold: qty numeric(12, 3), money numeric(14, 2) (kept under _LIMIT).
_LIMITS = {"qty": Decimal("1e9")}
_FAST_QTY = re.compile(r"-?\d{1,9}(?:\.\d{1,3})?").fullmatch
_FAST_MONEY = re.compile(r"-?\d{1,10}(?:\.\d{1,2})?").fullmatch
_FAST_COUNT = re.compile(r"\d{1,7}").fullmatch


class CellError(Exception):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


@dataclass
class StoreInfo:
    pk: int
    opened_on: date | None
    closed_on: date | None
    today: date | None = None  # the store's own calendar day (its time zone); None: the company's


@dataclass
class RowValidator:
    """Validates rows of one kind whose cells sit at `positions`; errors name the file's own headings."""

    actor: Any
    kind: str
    positions: dict[str, int]
    headings: dict[str, str] = field(default_factory=dict)
    today: date = field(default_factory=clock.today)  # the company's day; each store is checked on its own
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    _stores: dict[str, StoreInfo] = field(default_factory=dict)
    _products: dict[str, int] = field(default_factory=dict)
    _dates: dict[Any, date] = field(default_factory=dict)
    # The fast path's lookups, keyed by the raw cell text: store → (pk, first ISO day, ISO day it closed).
    _fast_stores: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    _fast_products: dict[str, int] = field(default_factory=dict)
    _fast_days: set[str] = field(default_factory=set)
    _fast_channels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._order = tuple(self.positions.items())
        stores = stores_visible_to(self.actor) if self.actor is not None else None
        if stores is None:
            from yunying.org.models import Store

            stores = Store.objects.all()
        zones = unit_zones()
        company = clock.company_zone()
        days = {company: self.today}
        for pk, code, opened, closed in stores.values_list("pk", "code", "opened_on", "closed_on"):
            zone = zones.get(pk, company)
            if zone not in days:
                days[zone] = clock.today(zone)
            self._stores[code] = StoreInfo(pk, opened, closed, days[zone])
        if self.kind == PRODUCT:
            self._products = dict(Product.objects.values_list("code", "pk"))

    def error(self, row: int, key: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, self.headings.get(key) or str(LABELS.get(key, key)), message))

    def check_batch(self, batch: list[tuple[int, list[Any]]]) -> list[StagedStore | StagedProduct]:
        """The staged tuples of the rows without errors (all of them unless `error_count` grew)."""
        return self._check_products(batch) if self.kind == PRODUCT else self._check_stores(batch)

    def _check_products(self, batch: list[tuple[int, list[Any]]]) -> list[Any]:
        at = self.positions
        si, di, pi, qi, ai = at["store_code"], at["date"], at["product_code"], at["qty"], at["amount"]
        stores, products, days = self._fast_stores, self._fast_products, self._fast_days
        qty_ok, amount_ok = _FAST_QTY, _FAST_MONEY
        staged: list[Any] = []
        append = staged.append
        for number, cells in batch:
            try:
                store, opened, closed = stores[cells[si]]
                day = cells[di]
                if day in days and opened <= day < closed:
                    qty, amount = cells[qi], cells[ai]
                    if qty_ok(qty) and amount_ok(amount):
                        append((number, store, day, products[cells[pi]], qty, amount))
                        continue
            except (KeyError, IndexError, TypeError):
                pass
            self._slow(number, cells, append)
        return staged

    def _check_stores(self, batch: list[tuple[int, list[Any]]]) -> list[Any]:
        at = self.positions
        si, di, ni, ti = at["store_code"], at["date"], at["net_sales"], at["tickets"]
        ci, ki, xi = at.get("customers"), at.get("channel"), at.get("discounts")
        if ci is None or ki is None or xi is not None:  # defaults to fill in: the full check does that
            ci = ki = -1
        stores, days, channels = self._fast_stores, self._fast_days, self._fast_channels
        money_ok, count_ok = _FAST_MONEY, _FAST_COUNT
        staged: list[Any] = []
        append = staged.append
        for number, cells in batch:
            try:
                if ci >= 0:
                    store, opened, closed = stores[cells[si]]
                    day, net_sales, tickets, customers = cells[di], cells[ni], cells[ti], cells[ci]
                    if (
                        day in days
                        and opened <= day < closed
                        and money_ok(net_sales)
                        and net_sales[0] != "-"
                        and count_ok(tickets)
                        and count_ok(customers)
                    ):
                        channel = channels[cells[ki]]
                        append((number, store, day, channel, net_sales, int(tickets), int(customers), "0"))
                        continue
            except (KeyError, IndexError, TypeError):
                pass
            self._slow(number, cells, append)
        return staged

    def _slow(self, number: int, cells: list[Any], append: Any) -> None:
        """The full check of one row; what it accepts is staged and learnt by the fast path."""
        fact = self.check(number, cells)
        if fact is None:
            return
        store_id, day, *rest = fact
        third: Any = rest[0]  # the product id, or the channel code
        append((number, store_id, day.isoformat(), *rest))
        size = len(cells)
        raw = {key: (cells[i] if i < size else None) for key, i in self._order}
        code, text = raw.get("store_code"), raw.get("date")
        if isinstance(code, str):
            info = self._stores[code.strip()]
            # The fast path's upper bound is the earlier of the day it closed and the day after the store's
            # today, so a day accepted for a store in a later time zone is never waved through for another.
            after_today = (info.today or self.today) + timedelta(days=1)
            until = min(info.closed_on, after_today) if info.closed_on else after_today
            self._fast_stores[code] = (
                info.pk,
                info.opened_on.isoformat() if info.opened_on else "",
                until.isoformat(),
            )
        if isinstance(text, str) and text == day.isoformat():
            self._fast_days.add(text)
        product = raw.get("product_code")
        if self.kind == PRODUCT and isinstance(product, str):
            self._fast_products[product] = third
        channel = raw.get("channel")
        if self.kind != PRODUCT and isinstance(channel, str) and channel.strip():
            self._fast_channels[channel] = third

    def check(self, number: int, cells: list[Any]) -> StoreRow | ProductRow | None:
        """The fact tuple, or None when the row has errors (recorded in `errors`)."""
        size = len(cells)
        values = {key: (cells[i] if i < size else None) for key, i in self._order}
        failed = False
        try:
            store = self._store(values.get("store_code"))
        except CellError as exc:
            self.error(number, exc.key, exc.message)
            failed, store = True, None
        try:
            day = self._date(values.get("date"), store)
        except CellError as exc:
            self.error(number, exc.key, exc.message)
            failed, day = True, None
        try:
            rest = self._product(values) if self.kind == PRODUCT else self._store_values(values)
        except CellError as exc:
            self.error(number, exc.key, exc.message)
            return None
        if failed or store is None or day is None:
            return None
        return (store.pk, day, *rest)  # type: ignore[return-value]

    # ---- cells --------------------------------------------------------------------------------------------

    def _store(self, value: Any) -> StoreInfo:
        code = _text(value)
        if not code:
            raise CellError("store_code", _("不能为空"))
        store = self._stores.get(code)
        if store is None:
            raise CellError("store_code", _("门店“%(code)s”不存在或不在您的管辖范围") % {"code": code})
        return store

    def _date(self, value: Any, store: StoreInfo | None) -> date:
        day = self._dates.get(value) if isinstance(value, str) else None
        if day is None:
            day = _parse_date(value)
            if isinstance(value, str):
                self._dates[value] = day
        today = store.today if store is not None and store.today is not None else self.today
        if day > today:
            raise CellError("date", _("日期 %(d)s 在今天之后") % {"d": day.isoformat()})
        if store is not None:
            if store.opened_on and day < store.opened_on:
                raise CellError("date", _("早于门店开业日期 %(d)s") % {"d": store.opened_on.isoformat()})
            if store.closed_on and day >= store.closed_on:
                raise CellError("date", _("门店已于 %(d)s 停业") % {"d": store.closed_on.isoformat()})
        return day

    def _product(self, values: dict[str, Any]) -> tuple[int, str, str]:
        code = _text(values.get("product_code"))
        if not code:
            raise CellError("product_code", _("不能为空"))
        product_id = self._products.get(code)
        if product_id is None:
            product_id = self._create_product(code, values)
        qty = _decimal(values.get("qty"), "qty", places=3, limit=_LIMITS["qty"])
        amount = _decimal(values.get("amount"), "amount", places=2)
        return product_id, qty, amount

    def _create_product(self, code: str, values: dict[str, Any]) -> int:
        name = _text(values.get("product_name"))
        if not name:
            raise CellError(
                "product_code", _("商品“%(code)s”不存在（文件中加“商品名称”列可自动建档）") % {"code": code}
            )
        category = None
        category_name = _text(values.get("category"))
        if category_name:
            category = ProductCategory.objects.filter(name=category_name).first()
            if category is None:
                category = ProductCategory.objects.create(code=category_name[:30], name=category_name)
        product = Product.objects.create(code=code, name=name, category=category)
        self._products[code] = product.pk
        return product.pk

    def _store_values(self, values: dict[str, Any]) -> tuple[str, str, int, int, str]:
        net_sales = _decimal(values.get("net_sales"), "net_sales", places=2, minimum=Decimal(0))
        tickets = _integer(values.get("tickets"), "tickets")
        customers = _integer(values.get("customers"), "customers", default=0)
        discounts = _decimal(values.get("discounts"), "discounts", places=2, default="0")
        channel_text = _text(values.get("channel"))
        channel = channel_code(channel_text) if channel_text else "dine_in"
        if channel is None:
            raise CellError("channel", _("渠道“%(v)s”无效：应为 堂食、外带 或 外卖") % {"v": channel_text})
        return channel, net_sales, tickets, customers, discounts


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        raise CellError("date", _("不能为空"))
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in ("%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError("date", _("“%(v)s”不是有效日期（例如 2026-03-01）") % {"v": text})


_PLAIN = {places: re.compile(rf"-?\d{{1,10}}(?:\.\d{{1,{places}}})?") for places in (2, 3)}


def _decimal(
    value: Any,
    key: str,
    *,
    places: int,
    minimum: Decimal | None = None,
    default: str | None = None,
    limit: Decimal = _LIMIT,
) -> str:
    if isinstance(value, str) and _PLAIN[places].fullmatch(value) and limit == _LIMIT:  # the common case
        if minimum is not None and value.startswith("-") and value.strip("-0.") != "":
            raise CellError(key, _("不能为负数"))
        return value
    text = _text(value).replace(",", "")
    if not text:
        if default is not None:
            return default
        raise CellError(key, _("不能为空"))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(key, _("“%(v)s”不是数字") % {"v": text})
    if not number.is_finite() or abs(number) >= limit:
        raise CellError(key, _("“%(v)s”超出范围") % {"v": text})
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise CellError(key, _("最多 %(n)d 位小数") % {"n": places})
    if minimum is not None and number < minimum:
        raise CellError(key, _("不能为负数"))
    return text if isinstance(value, str) else str(number)


def _integer(value: Any, key: str, *, default: int | None = None) -> int:
    text = _text(value).replace(",", "")
    if not text:
        if default is not None:
            return default
        raise CellError(key, _("不能为空"))
    try:
        number = int(text)
    except ValueError:
        raise CellError(key, _("“%(v)s”不是整数") % {"v": text})
    if number < 0 or number > 10_000_000:
        raise CellError(key, _("“%(v)s”超出范围") % {"v": text})
    return number
