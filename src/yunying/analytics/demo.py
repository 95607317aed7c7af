"""Two years of the demo chain's daily sales: deterministic (same seed, same figures), realistic enough that
every report tells something true — seasons, weekends, the Spring Festival (dip, and the New Year's Eve
banquet peak), a new store (S15, June 2026), a store in decline (S07), products launched and retired,
regional specialities sold in a few stores, and the odd return.

Each store-day's total is its product lines summed (split over the channels), as a POS closes the day, so
the monthly page's "门店合计与商品合计不一致" card lists only true differences — two, each with its story:
S04 charges delivery orders a packing fee (打包费, 2 元 a ticket) that is in its takings but is no dish, so its
store total is above its products' every month; S11's product export failed on two days of the last complete
month (the 10th and 11th): the store totals of those days are there, their product lines are not."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from yunying.analytics.models import ImportSource, Product, ProductCategory, StoreTarget
from yunying.analytics.periods import SPRING_FESTIVAL, add_months
from yunying.analytics.reportcache import reports_changed
from yunying.analytics.writer import SalesWriter
from yunying.core import clock
from yunying.org.models import Store

CATEGORIES = [
    ("SIG", "招牌菜"),
    ("HOT", "热菜"),
    ("COLD", "凉菜"),
    ("STAPLE", "主食"),
    ("SOUP", "汤品"),
    ("DRINK", "饮品"),
    ("DESSERT", "甜品"),
]
# code, name, category, price, popularity
PRODUCTS = [
    ("P001", "招牌红烧肉", "SIG", 58, 9),
    ("P002", "松鼠桂鱼", "SIG", 88, 5),
    ("P003", "东坡肘子", "SIG", 78, 4),
    ("P004", "宫保鸡丁", "HOT", 38, 8),
    ("P005", "鱼香肉丝", "HOT", 32, 8),
    ("P006", "麻婆豆腐", "HOT", 26, 7),
    ("P007", "回锅肉", "HOT", 36, 6),
    ("P008", "水煮牛肉", "HOT", 52, 6),
    ("P009", "干煸四季豆", "HOT", 28, 5),
    ("P010", "清炒时蔬", "HOT", 22, 7),
    ("P011", "糖醋里脊", "HOT", 38, 6),
    ("P012", "葱爆羊肉", "HOT", 48, 3),
    ("P013", "拍黄瓜", "COLD", 12, 8),
    ("P014", "凉拌木耳", "COLD", 16, 5),
    ("P015", "口水鸡", "COLD", 32, 5),
    ("P016", "夫妻肺片", "COLD", 36, 3),
    ("P017", "米饭", "STAPLE", 3, 10),
    ("P018", "扬州炒饭", "STAPLE", 22, 6),
    ("P019", "葱油拌面", "STAPLE", 16, 5),
    ("P020", "小笼包", "STAPLE", 24, 6),
    ("P021", "酸辣汤", "SOUP", 18, 5),
    ("P022", "番茄蛋汤", "SOUP", 16, 5),
    ("P023", "老鸭汤", "SOUP", 48, 3),
    ("P024", "酸梅汤", "DRINK", 12, 7),
    ("P025", "鲜榨橙汁", "DRINK", 18, 4),
    ("P026", "柠檬茶", "DRINK", 15, 6),
    ("P027", "啤酒", "DRINK", 12, 6),
    ("P028", "可乐", "DRINK", 8, 6),
    ("P029", "杨枝甘露", "DESSERT", 22, 4),
    ("P030", "红豆沙", "DESSERT", 14, 3),
    ("P031", "桂花糖藕", "COLD", 22, 3),
    ("P032", "蟹粉豆腐", "HOT", 58, 3),
    ("P033", "腌笃鲜", "SOUP", 52, 2),
    ("P034", "西湖醋鱼", "SIG", 68, 3),
    ("P035", "龙井虾仁", "SIG", 86, 2),
    ("P036", "椒麻鸡", "COLD", 34, 4),
    ("P037", "冰粉", "DESSERT", 10, 4),
    ("P038", "轻食沙拉", "COLD", 28, 4),
    ("P039", "老式炸猪排", "HOT", 32, 3),
    ("P040", "手工豆花", "DESSERT", 12, 3),
]
SPECIALITIES = {"P031": "苏州", "P032": "苏州", "P033": "苏州", "P034": "杭州", "P035": "杭州"}
LAUNCHED = {"P036": date(2025, 9, 1), "P037": date(2026, 4, 15), "P038": date(2026, 8, 1)}
RETIRED = {"P039": date(2025, 12, 31), "P040": date(2026, 5, 31)}
FADING, RISING = "P012", "P029"  # one product slowly losing favour, one winning it
SEASON = [1.04, 0.96, 0.92, 0.95, 1.0, 0.97, 1.05, 1.07, 0.98, 1.03, 0.97, 1.08]
WEEKDAY = [0.86, 0.85, 0.9, 0.95, 1.12, 1.3, 1.2]
CHANNELS = [("dine_in", 0.6, 92, 2.6), ("takeaway", 0.12, 42, 1.2), ("delivery", 0.28, 58, 1.4)]
DECLINING_STORE = "S07"
PACKING_FEE_STORE, PACKING_FEE = "S04", Decimal("2.00")  # a fee per delivery ticket: takings, not a dish
EXPORT_GAP_STORE = "S11"  # two days of the last complete month without product lines
POS_SOURCE = "美味POS"
POS_MAPPINGS = {
    "product": {
        "store_code": "门店编号",
        "date": "营业日期",
        "product_code": "菜品编号",
        "qty": "销售份数",
        "amount": "实收金额(元)",
        "product_name": "菜品名称",
    },
    "store": {
        "store_code": "门店编号",
        "date": "营业日期",
        "net_sales": "营业实收(元)",
        "tickets": "账单数",
        "customers": "来客数",
        "channel": "销售渠道",
    },
}


def _festival(day: date) -> float:
    for year in (day.year, day.year + 1):
        festival = SPRING_FESTIVAL.get(year)
        if festival is None:
            continue
        offset = (day - festival).days
        if offset == -1:
            return 1.6  # 年夜饭
        if -8 <= offset <= -2:
            return 1.12  # 年会, family reunions
        if 0 <= offset <= 2:
            return 0.55
        if 3 <= offset <= 6:
            return 0.85
    if (day.month == 10 and day.day <= 7) or (day.month == 5 and day.day <= 5):
        return 1.15
    return 1.0


def _catalogue(start: date) -> list[tuple[Product, int, float, date, date | None]]:
    categories = {
        code: ProductCategory.objects.get_or_create(code=code, defaults={"name": name, "sort_order": i})[0]
        for i, (code, name) in enumerate(CATEGORIES)
    }
    rows = []
    for code, name, category, price, weight in PRODUCTS:
        launched = LAUNCHED.get(code, start - timedelta(days=800))
        retired = RETIRED.get(code)
        product, _created = Product.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": categories[category],
                "launched_on": launched,
                "retired_on": retired,
            },
        )
        rows.append((product, price, float(weight), launched, retired))
    return rows


@transaction.atomic
def demo_sales_load(*, seed: int = 2026, years: int = 2, end: date | None = None) -> int:
    """Load the sales history (ending yesterday); returns the number of fact rows written."""
    rng = random.Random(seed)
    end = end or clock.today() - timedelta(days=1)
    start = date(end.year - years, end.month, end.day) + timedelta(days=1)
    catalogue = _catalogue(start)
    ImportSource.objects.get_or_create(name=POS_SOURCE, defaults={"mappings": POS_MAPPINGS})
    writer = SalesWriter()
    written = 0
    last_month = add_months((end + timedelta(days=1)).replace(day=1), -1)  # the last complete month
    export_gap = {last_month + timedelta(days=9), last_month + timedelta(days=10)}
    for store in Store.objects.order_by("code"):
        base = rng.uniform(9000, 22000)
        growth = -0.28 if store.code == DECLINING_STORE else rng.uniform(-0.02, 0.09)
        opened = max(start, store.opened_on or start)
        mix = [max(0.02, share + rng.uniform(-0.06, 0.06)) for _c, share, _t, _p in CHANNELS]
        offered = [
            item
            for item in catalogue
            if item[0].code not in SPECIALITIES
            or SPECIALITIES[item[0].code] in store.area
            or (item[0].code == "P031" and rng.random() < 0.3)
        ]
        store_rows, product_rows = [], []
        day = opened
        while day <= end:
            years_in = (day - start).days / 365.25
            ramp = (
                min(1.0, 0.6 + (day - opened).days / 150)
                if store.opened_on and store.opened_on > start
                else 1.0
            )
            level = base * (1 + growth) ** years_in * SEASON[day.month - 1] * WEEKDAY[day.weekday()]
            total = level * _festival(day) * ramp * rng.lognormvariate(0, 0.06)
            products = _products(rng, store.pk, day, total, offered, years_in)
            # The day's takings are its dishes summed, split over the channels to the cent.
            takings = sum((Decimal(row[4]) for row in products), Decimal(0))
            left = takings
            for index, ((channel, _share, ticket, party), weight) in enumerate(
                zip(CHANNELS, mix, strict=True)
            ):
                last = index == len(CHANNELS) - 1
                sales = left if last else (takings * Decimal(weight / sum(mix))).quantize(Decimal("0.01"))
                left -= sales
                tickets = max(1, round(float(sales) / (ticket * rng.uniform(0.93, 1.07))))
                if channel == "delivery" and store.code == PACKING_FEE_STORE:
                    sales += PACKING_FEE * tickets
                store_rows.append(
                    (
                        store.pk,
                        day,
                        channel,
                        f"{sales:.2f}",
                        tickets,
                        round(tickets * party),
                        f"{sales * Decimal('0.04'):.2f}",
                    )
                )
            if not (store.code == EXPORT_GAP_STORE and day in export_gap):
                product_rows.extend(products)
            day += timedelta(days=1)
        writer.write_store_rows(store_rows)
        writer.write_product_rows(product_rows)
        written += len(store_rows) + len(product_rows)
    writer.finish()
    _targets(end)
    reports_changed()
    from yunying.analytics.targets import backtest_run

    backtest_run()
    return written


def _products(
    rng: random.Random, store_id: int, day: date, total: float, offered: list, years_in: float
) -> list:
    live = [item for item in offered if item[3] <= day and (item[4] is None or day <= item[4])]
    weights = []
    for product, price, weight, launched, _retired in live:
        if product.code == FADING:
            weight *= math.exp(-0.6 * years_in)
        elif product.code == RISING:
            weight *= math.exp(0.5 * years_in)
        if (day - launched).days < 60:
            weight *= 0.5 + (day - launched).days / 120
        weights.append(weight * price)
    scale = total / sum(weights)
    rows = []
    for (product, price, _w, _l, _r), weight in zip(live, weights, strict=True):
        qty = round(weight * scale * rng.lognormvariate(0, 0.25) / price)
        if qty <= 0:
            if rng.random() < 0.01:  # a return on a quiet day
                rows.append((store_id, day, product.pk, "-1", f"{-price:.2f}"))
            continue
        rows.append((store_id, day, product.pk, str(qty), f"{qty * price:.2f}"))
    return rows


def _targets(end: date) -> None:
    """Targets for the last months: last year's month plus 5 %, rounded to hundreds (S15 gets a flat one)."""
    from yunying.analytics.models import SalesStoreMonth

    current = end.replace(day=1)
    for offset in range(-3, 1):
        month = add_months(current, offset)
        base = dict(
            SalesStoreMonth.objects.filter(month=add_months(month, -12)).values_list("store_id", "net_sales")
        )
        for store in Store.objects.all():
            if store.pk in base:
                amount = Decimal(round(float(base[store.pk]) * 1.05, -2))
            elif store.opened_on and store.opened_on <= month:
                amount = Decimal(300000)
            else:
                continue
            StoreTarget.objects.update_or_create(store=store, month=month, defaults={"amount": amount})
