"""Factories and generators for analytics tests: products, and sales files/rows built from a plan."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import factory

from yunying.analytics.models import Product, ProductCategory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CAT{n}")
    name = factory.Sequence(lambda n: f"类别{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"商品{n}")
    category = factory.SubFactory(CategoryFactory)


@dataclass
class StoreDayRow:
    store_code: str
    date: date
    channel: str
    net_sales: Decimal
    tickets: int
    customers: int


@dataclass
class ProductDayRow:
    store_code: str
    date: date
    product_code: str
    qty: Decimal
    amount: Decimal


def generate_sales(
    *,
    stores: dict[str, date],
    products: list[str],
    start: date,
    end: date,
    seed: int = 1,
    missing_rate: float = 0.03,
    return_rate: float = 0.02,
) -> tuple[list[StoreDayRow], list[ProductDayRow]]:
    """Random but plausible sales: stores open on their own dates, some days missing, some returns."""
    rng = random.Random(seed)
    store_rows: list[StoreDayRow] = []
    product_rows: list[ProductDayRow] = []
    day = start
    while day <= end:
        for code, opened in stores.items():
            if day < opened or rng.random() < missing_rate:
                continue
            for channel in ("dine_in", "takeaway", "delivery"):
                if channel != "dine_in" and rng.random() < 0.2:
                    continue
                sales = Decimal(rng.randint(50_000, 900_000)) / 100
                tickets = rng.randint(5, 200)
                store_rows.append(
                    StoreDayRow(code, day, channel, sales, tickets, tickets + rng.randint(0, 80))
                )
            for product in products:
                if rng.random() < 0.3:
                    continue
                qty = Decimal(rng.randint(1, 40))
                if rng.random() < return_rate:
                    qty = -Decimal(rng.randint(1, 3))
                price = Decimal(rng.randint(500, 9000)) / 100
                product_rows.append(
                    ProductDayRow(code, day, product, qty, (qty * price).quantize(Decimal("0.01")))
                )
        day += timedelta(days=1)
    return store_rows, product_rows


def store_csv(rows: list[StoreDayRow], *, headings: tuple[str, ...] | None = None) -> str:
    head = headings or ("store_code", "date", "net_sales", "tickets", "customers", "channel")
    lines = [",".join(head)]
    lines += [
        f"{r.store_code},{r.date.isoformat()},{r.net_sales},{r.tickets},{r.customers},{r.channel}"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def product_csv(rows: list[ProductDayRow], *, headings: tuple[str, ...] | None = None) -> str:
    head = headings or ("store_code", "date", "product_code", "qty", "amount")
    lines = [",".join(head)]
    lines += [f"{r.store_code},{r.date.isoformat()},{r.product_code},{r.qty},{r.amount}" for r in rows]
    return "\n".join(lines) + "\n"


@dataclass
class OrderLine:
    """One line of a POS ticket, as an order-line export has it."""

    ticket_id: str
    time: datetime
    store_code: str
    product_code: str
    product_name: str
    qty: int
    price: float
    amount: float  # qty × price as a float sum writes it (53.849999999999994)
    channel: str


def generate_order_lines(
    *, stores: list[str], products: list[str], start: date, days: int, tickets_per_day: int = 6, seed: int = 1
) -> list[OrderLine]:
    """Tickets of a few lines each, the same product often on several lines of a day (and of a ticket),
    amounts computed in floats, a refund line now and then."""
    rng = random.Random(seed)
    prices = {code: rng.choice([12.5, 17.95, 28.0, 3.3, 0.1, 35.9, 8.85]) for code in products}
    lines: list[OrderLine] = []
    number = 0
    for offset in range(days):
        day = start + timedelta(days=offset)
        for store in stores:
            for _t in range(tickets_per_day):
                number += 1
                ticket = f"T{number:07d}"
                when = datetime(day.year, day.month, day.day, rng.randint(10, 21), rng.randint(0, 59))
                channel = rng.choice(["堂食", "堂食", "外卖", "外带"])
                for _l in range(rng.randint(1, 4)):
                    code = rng.choice(products)
                    qty = rng.choice([1, 1, 2, 3]) * (-1 if rng.random() < 0.03 else 1)
                    price = prices[code]
                    amount = 0.0
                    for _q in range(abs(qty)):  # a float running sum, as a spreadsheet would make it
                        amount += price
                    lines.append(
                        OrderLine(
                            ticket,
                            when,
                            store,
                            code,
                            f"菜品{code}",
                            qty,
                            price,
                            amount * (1 if qty > 0 else -1),
                            channel,
                        )
                    )
    return lines
