"""Several counts in one statement: each a sub-select on its own index."""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import QuerySet


def count_each(parts: dict[str, QuerySet[Any]]) -> dict[str, int]:
    """The number of rows of each query set, read in one statement (on the first one's database)."""
    selects, params = [], []
    using = next(iter(parts.values())).db
    for name, qs in parts.items():
        sql, p = qs.order_by().values("pk").query.get_compiler(using=using).as_sql()
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) c_{name})")
        params.extend(p)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    return dict(zip(parts, (int(v) for v in row), strict=True))
