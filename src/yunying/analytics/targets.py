"""Store targets (业绩指标): the grid the operations manager edits, its Excel import, the suggestion for next
month from each store's history, and the back-test of that suggestion."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from yunying.analytics import forecast
from yunying.analytics.models import (
    ForecastBacktest,
    SalesImport,
    SalesStoreDay,
    SalesStoreMonth,
    StoreTarget,
)
from yunying.analytics.periods import add_months, parse_month
from yunying.analytics.reportcache import reports_changed
from yunying.analytics.reports.common import money, only_stores
from yunying.analytics.selectors import StoreInfo, report_stores
from yunying.core.errors import DomainError
from yunying.core.tabular import ImportReport, RowError, cell_text, map_header, read_rows
from yunying.org.models import Store
from yunying.org.scope import scope_for
from yunying.org.services import require_perm

TARGET_PERM = "analytics.change_storetarget"
HISTORY_DAYS = 430
TARGET_COLUMNS = {"store_code": ("门店编码",), "month": ("月份",), "amount": ("业绩指标", "指标", "目标")}


@dataclass
class TargetRow:
    store: StoreInfo
    target: Decimal | None
    suggestion: Decimal | None
    last_month: Decimal | None
    last_year: Decimal | None
    set_by: str
    updated_at: Any


def daily_series(*, store_ids: list[int] | None, since: date, before: date) -> dict[int, forecast.Daily]:
    rows = only_stores(SalesStoreDay.objects.filter(date__gte=since, date__lt=before), store_ids)
    series: dict[int, forecast.Daily] = {}
    for store_id, day, sales in rows.values_list("store_id", "date", "net_sales"):
        series.setdefault(store_id, {})[day] = float(sales)
    return series


def _data_version() -> str:
    stamp = SalesImport.objects.aggregate(m=Max("finished_at"))["m"]
    return f"{stamp}:{SalesStoreMonth.objects.count()}"


def suggestions(*, month: date, stores: list[StoreInfo]) -> dict[int, Decimal]:
    """Suggested targets (cached until the next import)."""
    key = "analytics:suggest:" + hashlib.sha1(f"{month}:{_data_version()}".encode()).hexdigest()
    cached: dict[int, Decimal] | None = cache.get(key)
    if cached is None:
        series = daily_series(store_ids=None, since=month - timedelta(days=HISTORY_DAYS), before=month)
        context = forecast.chain_context(series, month)
        opened = dict(Store.objects.values_list("pk", "opened_on"))
        cached = {}
        for pk, daily in series.items():
            value = forecast.suggest(daily, month, context, opened_on=opened.get(pk))
            if value is not None:
                cached[pk] = money(round(value, -2))
        cache.set(key, cached, timeout=3600)
    wanted = {s.pk for s in stores}
    return {pk: v for pk, v in cached.items() if pk in wanted}


def target_grid(*, user: Any, month: date, region: str | None = None) -> list[TargetRow]:
    store_set = report_stores(user=user, region=region)
    ids = store_set.filter_ids()
    targets = {
        t.store_id: t
        for t in only_stores(StoreTarget.objects.filter(month=month), ids).select_related("set_by")
    }
    months = dict(
        ((r[0], r[1]), r[2])
        for r in only_stores(
            SalesStoreMonth.objects.filter(month__in=[add_months(month, -1), add_months(month, -12)]), ids
        ).values_list("store_id", "month", "net_sales")
    )
    suggested = suggestions(month=month, stores=store_set.stores)
    rows = []
    for store in store_set.stores:
        target = targets.get(store.pk)
        last_month = months.get((store.pk, add_months(month, -1)))
        last_year = months.get((store.pk, add_months(month, -12)))
        rows.append(
            TargetRow(
                store=store,
                target=money(target.amount) if target else None,
                suggestion=suggested.get(store.pk),
                last_month=money(last_month) if last_month is not None else None,
                last_year=money(last_year) if last_year is not None else None,
                set_by=(target.set_by.display_name if target and target.set_by else ""),  # type: ignore[attr-defined]
                updated_at=target.updated_at if target else None,
            )
        )
    return rows


def _amount(value: Any) -> Decimal | None:
    text = cell_text(value).replace(",", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise DomainError(_("“%(v)s”不是有效金额") % {"v": text}, field="amount")
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e11"):
        raise DomainError(_("指标应为非负金额"), field="amount")
    return amount.quantize(Decimal("0.01"))


def _store_for(actor: Any, code: str) -> Store:
    store = Store.objects.filter(code=code).first()
    if store is None or not scope_for(actor).sees_unit(store.pk):
        raise DomainError(_("门店“%(code)s”不存在或不在您的管辖范围") % {"code": code}, field="store_code")
    return store


@transaction.atomic
def store_target_set(*, actor: Any, store_code: str, month: date, amount: Any) -> StoreTarget | None:
    """Set (or clear, with an empty amount) one store's target for a month; history is kept."""
    store = _store_for(actor, store_code)
    require_perm(actor, TARGET_PERM, store)
    value = _amount(amount)
    reports_changed()
    current = StoreTarget.objects.select_for_update().filter(store=store, month=month).first()
    if value is None:
        if current is not None:
            current.delete()
        return None
    if current is None:
        return StoreTarget.objects.create(store=store, month=month, amount=value, set_by=actor)
    if current.amount != value:
        current.amount, current.set_by = value, actor
        current.save()
    return current


@transaction.atomic
def store_targets_save(*, actor: Any, month: date, amounts: dict[str, Any]) -> int:
    """Save a whole grid; returns how many targets changed. Any invalid amount and nothing is saved."""
    require_perm(actor, TARGET_PERM)
    existing = {
        code: amount
        for code, amount in StoreTarget.objects.filter(month=month).values_list("store__code", "amount")
    }
    changed = 0
    for code, raw in amounts.items():
        value = _amount(raw)
        if value == (money(existing[code]) if code in existing else None):
            continue
        store_target_set(actor=actor, store_code=code, month=month, amount=raw)
        changed += 1
    return changed


def store_targets_import(*, actor: Any, filename: str, content: bytes) -> ImportReport:
    """门店编码, 月份 (YYYY-MM), 业绩指标 — every row checked; one bad row and nothing is saved."""
    require_perm(actor, TARGET_PERM)
    header, rows = read_rows(filename=filename, content=content)
    positions = map_header(header, TARGET_COLUMNS)
    absent = [TARGET_COLUMNS[k][0] for k in TARGET_COLUMNS if k not in positions]
    if absent:
        raise DomainError(_("缺少必需的列：%(cols)s") % {"cols": "、".join(absent)})
    report = ImportReport()
    with transaction.atomic():
        for number, cells in rows:
            values = {k: cells[i] if i < len(cells) else None for k, i in positions.items()}
            try:
                month_value: Any = values["month"]
                month = (
                    month_value.date().replace(day=1)
                    if hasattr(month_value, "date")
                    else parse_month(cell_text(month_value))
                )
                if _amount(values["amount"]) is None:
                    raise DomainError(_("不能为空"), field="amount")
                with transaction.atomic():
                    store_target_set(
                        actor=actor,
                        store_code=cell_text(values["store_code"]),
                        month=month,
                        amount=values["amount"],
                    )
            except DomainError as exc:
                column = TARGET_COLUMNS.get(exc.field or "", ("",))[0]
                report.errors.append(RowError(number, column, str(exc)))
            else:
                report.written += 1
        if report.errors or report.written == 0:
            if not report.errors:
                raise DomainError(_("文件中没有数据行。"))
            transaction.set_rollback(True)
            report.written = 0
    return report


def backtest_run(*, months: int = 12) -> ForecastBacktest | None:
    """Back-test the suggestion on the last `months` complete months with data; keeps the result."""
    last = SalesStoreDay.objects.aggregate(m=Max("date"))["m"]
    if last is None:
        return None
    end = (last + timedelta(days=1)).replace(day=1)  # the first month not complete
    wanted = [add_months(end, -i) for i in range(months, 0, -1)]
    series = daily_series(store_ids=None, since=add_months(wanted[0], -15), before=end)
    result = forecast.backtest(series, wanted)
    return ForecastBacktest.objects.create(
        months=result.months,
        stores=result.stores,
        forecasts=result.forecasts,
        mape_method=result.mape_method,
        mape_baseline=result.mape_baseline,
        details=result.details,
    )


def backtest_latest() -> ForecastBacktest | None:
    return ForecastBacktest.objects.order_by("-created_at").first()
