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
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from yunying.analytics.columns import LABELS, LINES, PRODUCT, PRODUCT_WEEKLY, WEEKLY, channel_code
from yunying.analytics.models import Product, ProductCategory
from yunying.analytics.periods import week_start
from yunying.analytics.writer import ProductRow, StagedProduct, StagedStore, StoreRow
from yunying.core import clock
from yunying.core.tabular import RowError
from yunying.org.scope import stores_visible_to
from yunying.org.selectors import unit_zones

MAX_REPORTED_ERRORS = 10_000
# What the text columns hold (a longer text is a row error, never a crash of the import).
MAX_LENGTH = {"product_code": 40, "product_name": 100, "category": 50, "ticket_id": 100}
_CENT, _MILLI = Decimal("0.01"), Decimal("0.001")
# A spreadsheet's float sum (53.849999999999994) is a cent amount written with binary noise: accepted,
# rounded. A real third decimal (10.001) is not noise: refused for a money column.
_NOISE = Decimal("1e-6")
# Currency marks and thousands separators POS exports put into amounts.
_NUMBER_JUNK = str.maketrans("", "", "¥￥元$,， \u00a0\u3000")
_LIMIT = Decimal("1e10")
# What the columns hold: qty numeric(12, 3), money numeric(14, 2) (kept under _LIMIT).
_LIMITS = {"qty": Decimal("1e9")}
_FAST_QTY = re.compile(r"-?\d{1,9}(?:\.\d{1,3})?").fullmatch
_FAST_MONEY = re.compile(r"-?\d{1,10}(?:\.\d{1,2})?").fullmatch
_FAST_COUNT = re.compile(r"\d{1,7}").fullmatch
_FAST_NUMBER = re.compile(r"-?\d{1,12}(?:\.\d{1,20})?").fullmatch  # an order line's plain qty or amount
_FAST_CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?").fullmatch  # HH:MM or HH:MM:SS


# An order line checked: (store id, ISO day, product id, qty, amount, ticket id, channel).
_Line = tuple[int, str, int, Decimal, Decimal, str, str]


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
    date_format: str = ""
    today: date = field(default_factory=clock.today)  # the company's day; each store is checked on its own
    # Order lines rung up before this time of day count for the business day before (None: at midnight).
    cutoff: time | None = None
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    _stores: dict[str, StoreInfo] = field(default_factory=dict)
    _products: dict[str, int] = field(default_factory=dict)
    _dates: dict[Any, date] = field(default_factory=dict)
    # The fast path's lookups, keyed by the raw cell text: store → (pk, first ISO day, ISO day it closed).
    _fast_stores: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    _fast_products: dict[str, int] = field(default_factory=dict)
    _fast_days: dict[str, str] = field(default_factory=dict)  # raw date text → ISO day
    _fast_channels: dict[str, str] = field(default_factory=dict)
    # Products first seen in this file: created only when the import writes (provisional negative ids).
    new_products: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    # Order lines summed per (store, day, product) and (store, day, channel): [qty, amount, first row] and
    # [amount, ticket ids, first row].
    _line_products: dict[tuple[int, str, int], list[Any]] = field(default_factory=dict)
    _line_stores: dict[tuple[int, str, str], list[Any]] = field(default_factory=dict)
    # Store-weeks summed (several rows of a store and week, e.g. one per department, add up).
    _weeks: dict[tuple[int, str], list[Any]] = field(default_factory=dict)
    # Product-weeks summed (a product's rows of one store and week, e.g. one per day named, add up):
    # [qty, amount, first row].
    _product_weeks: dict[tuple[int, str, int], list[Any]] = field(default_factory=dict)

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
        if self.kind in (PRODUCT, PRODUCT_WEEKLY, LINES):
            self._products = dict(Product.objects.values_list("code", "pk"))
        if self.kind == LINES and self.cutoff is None:
            cutoff = clock.business_day_cutoff()
            self.cutoff = cutoff if cutoff != _MIDNIGHT else None
        self._cut = self.cutoff.strftime("%H:%M:%S") if self.cutoff else ""
        self._day_before: dict[str, str] = {}

    def _business_day(self, day: date, moment: time | None) -> date:
        """The business day of a sale on `day` at `moment` (the company clock's cut-off; lines only)."""
        if moment is None or self.cutoff is None or self.kind != LINES:
            return day
        return clock.business_date(datetime.combine(day, moment), cutoff=self.cutoff)

    def _previous(self, iso: str) -> str:
        found = self._day_before.get(iso)
        if found is None:
            found = self._day_before[iso] = (date.fromisoformat(iso) - timedelta(days=1)).isoformat()
        return found

    def _fast_bounds(self, info: StoreInfo) -> tuple[int, str, str]:
        """A store as the fast path checks it: its id and the ISO days it may have sales in, from its opening
        up to (not including) the earlier of the day it closed and the day after the store's own today, so a
        day accepted for a store in a later time zone is never waved through for another."""
        after_today = (info.today or self.today) + timedelta(days=1)
        until = min(info.closed_on, after_today) if info.closed_on else after_today
        return info.pk, info.opened_on.isoformat() if info.opened_on else "", until.isoformat()

    def error(self, row: int, key: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, self.headings.get(key) or str(LABELS.get(key, key)), message))

    def check_batch(self, batch: list[tuple[int, list[Any]]]) -> list[StagedStore | StagedProduct]:
        """The staged tuples of the rows without errors (all of them unless `error_count` grew)."""
        if self.kind == LINES:
            self._check_lines(batch)
            return []
        if self.kind == WEEKLY:
            self._check_weeks(batch)
            return []
        if self.kind == PRODUCT_WEEKLY:
            self._check_product_weeks(batch)
            return []
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
                day = days[cells[di]]
                if opened <= day < closed:
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
                    day, net_sales, tickets, customers = days[cells[di]], cells[ni], cells[ti], cells[ci]
                    if (
                        opened <= day < closed
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

    # ---- order lines ---------------------------------------------------------------------------------------

    def _check_lines(self, batch: list[tuple[int, list[Any]]]) -> None:
        """Check order lines and add them to the per product-day and per store-day sums (one pass).

        The fast path: cells as a CSV gives them, each a dict hit or a compiled regex (the date part of a
        time learnt from earlier lines); any other line goes through `_line_slow`, which names every problem
        and teaches the fast path what it accepted."""
        at = self.positions
        si, ti, di, pi, qi = at["store_code"], at["ticket_id"], at["date"], at["product_code"], at["qty"]
        ai, ci = at.get("amount", -1), at.get("channel", -1)
        if ai < 0:  # amounts from qty × price: the full check does that
            si = -1
        stores, days, products, channels = (
            self._fast_stores,
            self._fast_days,
            self._fast_products,
            self._fast_channels,
        )
        number_ok, clock_ok, cut = _FAST_NUMBER, _FAST_CLOCK, self._cut
        sums, totals = self._line_products, self._line_stores
        line: _Line | None
        for number, cells in batch:
            try:
                if si < 0:
                    raise KeyError
                store, opened, closed = stores[cells[si]]
                date_part, _space, clock_part = cells[di].partition(" ")
                day = days[date_part]
                if clock_part:
                    if not clock_ok(clock_part):
                        raise KeyError
                    if cut and clock_part < cut[: len(clock_part)] and clock_part.strip("0:"):
                        day = self._previous(day)  # after midnight, before the cut-off: the evening before
                ticket, qty_text, amount_text = cells[ti], cells[qi], cells[ai]
                if (
                    opened <= day < closed
                    and 0 < len(ticket) <= 100
                    and number_ok(qty_text)
                    and number_ok(amount_text)
                ):
                    product_id = products[cells[pi]]
                    channel = channels[cells[ci]] if ci >= 0 else "dine_in"
                    qty, amount = Decimal(qty_text), Decimal(amount_text)
                    line = (store, day, product_id, qty, amount, ticket, channel)
                else:
                    line = self._line_slow(number, cells)
            except (KeyError, IndexError, TypeError, AttributeError):
                line = self._line_slow(number, cells)
            if line is None:
                continue
            store, day, product_id, qty, amount, ticket, channel = line
            key = (store, day, product_id)
            found = sums.get(key)
            if found is None:
                sums[key] = [qty, amount, number]
            else:
                found[0] += qty
                found[1] += amount
            day_key = (store, day, channel)
            total = totals.get(day_key)
            if total is None:
                totals[day_key] = [amount, {ticket}, number]
            else:
                total[0] += amount
                total[1].add(ticket)

    def _line_slow(
        self, number: int, cells: list[Any]
    ) -> tuple[int, str, int, Decimal, Decimal, str, str] | None:
        """The full check of one order line (errors recorded); what it accepts is learnt by the fast path."""
        size = len(cells)
        values = {key: (cells[i] if i < size else None) for key, i in self._order}
        failed = False
        store: StoreInfo | None = None
        day: date | None = None
        try:
            store = self._store(values.get("store_code"))
        except CellError as exc:
            self.error(number, exc.key, exc.message)
            failed = True
        try:
            day = self._date(values.get("date"), store)
        except CellError as exc:
            self.error(number, exc.key, exc.message)
            failed = True
        try:
            ticket = _text(values.get("ticket_id"))
            if not ticket:
                raise CellError("ticket_id", _("不能为空"))
            _check_length("ticket_id", ticket)
            product_id = self._product_id(values)
            qty = _number(values.get("qty"), "qty")
            amount_cell = values.get("amount")
            if "amount" in self.positions and _text(amount_cell):
                amount = _number(amount_cell, "amount")
            else:
                amount = qty * _number(values.get("price"), "price")
            channel_text = _text(values.get("channel"))
            channel = channel_code(channel_text) if channel_text else "dine_in"
            if channel is None:
                raise CellError(
                    "channel", _("渠道“%(v)s”无效：应为 堂食、外带 或 外卖") % {"v": channel_text}
                )
        except CellError as exc:
            self.error(number, exc.key, exc.message)
            return None
        if failed or store is None or day is None:
            return None
        iso = day.isoformat()
        code, text = values.get("store_code"), values.get("date")
        if isinstance(code, str):
            self._fast_stores[code] = self._fast_bounds(store)
        if isinstance(text, str):
            day_part = text.strip().partition(" ")[0]
            try:  # the fast path learns the calendar day of a date part without a time (and moves it itself)
                calendar_day, moment = _parse_moment(day_part, self.date_format)
                if moment is None:
                    self._fast_days[day_part] = calendar_day.isoformat()
            except CellError:
                pass
        product = values.get("product_code")
        if isinstance(product, str):
            self._fast_products[product] = product_id
        raw_channel = values.get("channel")
        if isinstance(raw_channel, str):
            self._fast_channels[raw_channel] = channel
        return store.pk, iso, product_id, qty, amount, ticket, channel

    def _check_weeks(self, batch: list[tuple[int, list[Any]]]) -> None:
        """Weekly rows: the week is the week of the row's date (Monday to Sunday unless the company's weeks start
        on another day, `periods.week_start`); rows of one store-week add up."""
        for number, cells in batch:
            fact = self.check(number, cells)
            if fact is None:
                continue
            store_id, day, _channel, net_sales, tickets, customers, _discounts = fact  # type: ignore[misc]
            monday = week_start(day).isoformat()  # the week's first day (Monday unless configured)
            found = self._weeks.get((store_id, monday))
            if found is None:
                self._weeks[(store_id, monday)] = [Decimal(net_sales), tickets, customers, number]
            else:
                found[0] += Decimal(net_sales)
                found[1] += tickets
                found[2] += customers

    def _check_product_weeks(self, batch: list[tuple[int, list[Any]]]) -> None:
        """Weekly product rows: filed under the week of the row's date (`periods.week_start`); rows of one
        store, week and product add up."""
        for number, cells in batch:
            fact = self.check(number, cells)
            if fact is None:
                continue
            store_id, day, product_id, qty, amount = fact  # type: ignore[misc]
            key = (store_id, week_start(day).isoformat(), product_id)
            found = self._product_weeks.get(key)
            if found is None:
                self._product_weeks[key] = [Decimal(qty), Decimal(amount), number]
            else:
                found[0] += Decimal(qty)
                found[1] += Decimal(amount)

    def product_week_rows(self) -> list[StagedProduct]:
        """The summed product-weeks as staged rows: (first row, store id, first day of the week, product id,
        qty, amount); a sum out of range is an error at the first row of its group."""
        rows: list[StagedProduct] = []
        for (store_id, first_day, product_id), (qty, amount, first) in self._product_weeks.items():
            qty, amount = _rounded(qty, _MILLI), _rounded(amount, _CENT)
            if abs(qty) >= _LIMITS["qty"] or abs(amount) >= _LIMIT:
                self.error(first, "qty", _("合计超出范围"))
                continue
            rows.append((first, store_id, first_day, product_id, str(qty), str(amount)))
        rows.sort()
        return rows

    def week_rows(self) -> list[tuple[int, int, str, str, int, int]]:
        """The summed store-weeks as staged rows: (first row, store id, Monday, net sales, tickets, customers)."""
        rows = [
            (first, store_id, monday, str(_rounded(amount, _CENT)), tickets, customers)
            for (store_id, monday), (amount, tickets, customers, first) in self._weeks.items()
        ]
        rows.sort()
        return rows

    def line_rows(self) -> tuple[list[StagedStore], list[StagedProduct]]:
        """The summed order lines as staged store-day and product-day rows, rounded to cents (and to
        thousandths of a unit); a sum out of range is an error at the first line of its group."""
        store_rows: list[StagedStore] = []
        product_rows: list[StagedProduct] = []
        for (store_id, day, product_id), (qty, amount, first) in self._line_products.items():
            qty, amount = _rounded(qty, _MILLI), _rounded(amount, _CENT)
            if abs(qty) >= _LIMITS["qty"] or abs(amount) >= _LIMIT:
                self.error(first, "qty", _("合计超出范围"))
                continue
            product_rows.append((first, store_id, day, product_id, str(qty), str(amount)))
        for (store_id, day, channel), (amount, tickets, first) in self._line_stores.items():
            amount = _rounded(amount, _CENT)
            if abs(amount) >= _LIMIT:
                self.error(first, "amount", _("合计超出范围"))
                continue
            # 客数: an order line names no party size; each ticket is one customer visit (来客数 = 单数).
            store_rows.append((first, store_id, day, channel, str(amount), len(tickets), len(tickets), "0"))
        product_rows.sort()
        store_rows.sort()
        return store_rows, product_rows

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
            self._fast_stores[code] = self._fast_bounds(self._stores[code.strip()])
        if isinstance(text, str):
            self._fast_days[text] = day.isoformat()
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
            rest = (
                self._product(values)
                if self.kind in (PRODUCT, PRODUCT_WEEKLY)
                else self._store_values(values)
            )
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
            day = self._business_day(*_parse_moment(value, self.date_format))
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

    def _product_id(self, values: dict[str, Any]) -> int:
        code = _text(values.get("product_code"))
        if not code:
            raise CellError("product_code", _("不能为空"))
        product_id = self._products.get(code)
        if product_id is None:
            product_id = self._create_product(code, values)
        return product_id

    def _product(self, values: dict[str, Any]) -> tuple[int, str, str]:
        product_id = self._product_id(values)
        qty = _decimal(values.get("qty"), "qty", places=3, limit=_LIMITS["qty"])
        amount = _decimal(values.get("amount"), "amount", places=2)
        return product_id, qty, amount

    def _create_product(self, code: str, values: dict[str, Any]) -> int:
        """A provisional id for a product first seen in this file; `create_products` makes it real."""
        name = _text(values.get("product_name"))
        if not name:
            raise CellError(
                "product_code", _("商品“%(code)s”不存在（文件中加“商品名称”列可自动建档）") % {"code": code}
            )
        category = _text(values.get("category"))
        for key, text in (("product_code", code), ("product_name", name), ("category", category)):
            _check_length(key, text)
        product_id = -(len(self.new_products) + 1)
        self.new_products[code] = (product_id, name, category)
        self._products[code] = product_id
        return product_id

    def create_products(self) -> dict[int, int]:
        """Create the products first seen in this file (and their categories): provisional id → real id.

        A category is found by its name, else by its code (a file may name categories by code), else made
        with a code of its own."""
        if not self.new_products:
            return {}
        categories = {c.name: c for c in ProductCategory.objects.all()}
        by_code = {c.code: c for c in ProductCategory.objects.all()}
        ids: dict[int, int] = {}
        for code, (provisional, name, category_text) in self.new_products.items():
            category = None
            if category_text:
                category = categories.get(category_text) or by_code.get(category_text)
                if category is None:
                    category = ProductCategory.objects.create(
                        code=_free_code(category_text, by_code), name=category_text
                    )
                    categories[category.name] = by_code[category.code] = category
            product, _created = Product.objects.get_or_create(
                code=code, defaults={"name": name, "category": category}
            )
            ids[provisional] = product.pk
            self._products[code] = product.pk
        return ids

    def _store_values(self, values: dict[str, Any]) -> tuple[str, str, int, int, str]:
        net_sales = _decimal(values.get("net_sales"), "net_sales", places=2, minimum=Decimal(0))
        tickets = _integer(values.get("tickets"), "tickets", default=0 if self.kind == WEEKLY else None)
        customers = _integer(values.get("customers"), "customers", default=0)
        discounts = _decimal(values.get("discounts"), "discounts", places=2, default="0")
        channel_text = _text(values.get("channel"))
        channel = channel_code(channel_text) if channel_text else "dine_in"
        if channel is None:
            raise CellError("channel", _("渠道“%(v)s”无效：应为 堂食、外带 或 外卖") % {"v": channel_text})
        return channel, net_sales, tickets, customers, discounts


def _rounded(number: Decimal, unit: Decimal) -> Decimal:
    return number.quantize(unit, rounding=ROUND_HALF_UP)


def _free_code(text: str, taken: dict[str, Any]) -> str:
    """A category code from its text (30 characters at most) that no category has yet."""
    base = text[:30]
    code, n = base, 1
    while code in taken:
        n += 1
        suffix = f"-{n}"
        code = base[: 30 - len(suffix)] + suffix
    return code


def _check_length(key: str, text: str) -> None:
    limit = MAX_LENGTH.get(key)
    if limit and len(text) > limit:
        raise CellError(key, _("最长 %(n)d 个字符（现有 %(len)d 个）") % {"n": limit, "len": len(text)})


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


DATE_FORMATS = (
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y.%m.%d",
    "%Y年%m月%d日",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
)
_MIDNIGHT = time(0, 0)


def _parse_date(value: Any, date_format: str = "") -> date:
    """A date from a cell: the source's format first when it has one (US 03/01/2025), a time of day allowed."""
    return _parse_moment(value, date_format)[0]


def _parse_moment(value: Any, date_format: str = "") -> tuple[date, time | None]:
    """The date of a cell and its time of day when it has one. A time of exactly 00:00:00 is no time: that is
    how spreadsheets and pandas write a plain date."""
    if isinstance(value, datetime):
        moment = value.time()
        return value.date(), None if moment == _MIDNIGHT else moment
    if isinstance(value, date):
        return value, None
    text = _text(value)
    if not text:
        raise CellError("date", _("不能为空"))
    if date_format:
        for fmt in (date_format, f"{date_format} %H:%M:%S", f"{date_format} %H:%M"):
            try:
                return _split(datetime.strptime(text, fmt), fmt)
            except ValueError:
                continue
        example = date(2026, 3, 1).strftime(date_format)
        raise CellError(
            "date",
            _("“%(v)s”不符合日期格式 %(f)s（例如 %(e)s）") % {"v": text, "f": date_format, "e": example},
        )
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text), None
        except ValueError:
            pass
    for fmt in DATE_FORMATS:
        try:
            return _split(datetime.strptime(text, fmt), fmt)
        except ValueError:
            continue
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        if instant.tzinfo is not None:  # an instant with its offset: the company's wall clock at that instant
            instant = instant.astimezone(clock.company_zone()).replace(tzinfo=None)
        return _split(instant, "%H" if len(text) > 10 else "")
    raise CellError("date", _("“%(v)s”不是有效日期（例如 2026-03-01）") % {"v": text})


def _split(moment: datetime, fmt: str) -> tuple[date, time | None]:
    clock_time = moment.time() if "%H" in fmt else None
    return moment.date(), None if clock_time == _MIDNIGHT else clock_time


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
    text = _text(value)
    number = _number(value, key, default=None if default is None else Decimal(default))
    if not number.is_finite() or abs(number) >= limit:
        raise CellError(key, _("“%(v)s”超出范围") % {"v": text})
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if abs(number - rounded) >= _NOISE:
            raise CellError(key, _("最多 %(n)d 位小数") % {"n": places})
        number = rounded
    if minimum is not None and number < minimum:
        raise CellError(key, _("不能为负数"))
    return format(number, "f")


def _number(value: Any, key: str, *, default: Decimal | None = None) -> Decimal:
    """A number from a cell: currency marks (¥ ￥ 元) and thousands separators dropped; floats exactly."""
    if isinstance(value, bool):
        raise CellError(key, _("“%(v)s”不是数字") % {"v": value})
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise CellError(key, _("“%(v)s”不是数字") % {"v": value})
        return number
    text = _text(value)
    plain = text.translate(_NUMBER_JUNK)
    if not plain:
        if default is not None:
            return default
        raise CellError(key, _("不能为空"))
    try:
        return Decimal(plain)
    except InvalidOperation:
        raise CellError(key, _("“%(v)s”不是数字") % {"v": text}) from None


def _integer(value: Any, key: str, *, default: int | None = None) -> int:
    text = _text(value).translate(_NUMBER_JUNK)
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
