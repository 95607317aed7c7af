"""Shared starting data for tests, written once per test process and copied back for every later test.

``seed_defaults()`` (the shipped processes, forms and settings) and ``demo_load(with_sales=False)`` (the demo chain,
a few thousand rows) write through the services: seconds each, hundreds of times over a suite. The first call here
runs the loader and keeps a copy of every table Django flushes between tests; a later call, on a database in the
same untouched state, empties those tables and copies the rows back — PostgreSQL through ``COPY``, SQLite through one
``executemany`` per table — then resets the sequences and forgets what the caches hold. Rows keep their ids, so the
test sees the database the loader would have written. A database that already holds a test's own rows gets the
loader itself, so the copy never replaces rows a test wrote first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Rows the migrations write (and the flush after a committing test re-creates or empties): a database with rows in
# these tables only is still untouched.
_MIGRATION_ROWS = {"auth_permission", "django_content_type", "notifications_eventkind"}

_COPIES: dict[str, dict[str, Any]] = {}


def demo_chain() -> None:
    """The demo chain (deterministic, no sales) in the test database."""

    def load() -> None:
        from yunying.seed.demo import demo_load

        demo_load(with_sales=False)

    loaded("demo", load)


def seeded_defaults() -> None:
    """What ``yunying seed`` writes on a new installation."""

    def load() -> None:
        from yunying.seed.services import seed_defaults

        seed_defaults()

    loaded("seeded", load)


def loaded(name: str, load: Callable[[], None]) -> None:
    """The rows ``load`` writes on an untouched database, by running it once and copying them back afterwards."""
    from django.db import connection

    if not _untouched(connection):
        load()
        return
    copied = _COPIES.get(name)
    if copied is None:
        load()
        _COPIES[name] = _copy_out(connection)
        return
    _copy_in(connection, copied)
    forget_memos()


def forget_memos() -> None:
    """Caches and per-process memos that could hold rows of an earlier test (ids repeat after a copy)."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import caches

    from yunying.notifications.services import cache_clear
    from yunying.workflow import cards, hotcache, summary

    for cache in caches.all():
        cache.clear()
    ContentType.objects.clear_cache()
    cache_clear()
    hotcache.clear()
    cards.names_forget()
    summary.summary_forget()


def _tables(connection: Any) -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _untouched(connection: Any) -> bool:
    quote = connection.ops.quote_name
    checked = [table for table in _tables(connection) if table not in _MIGRATION_ROWS]
    filled = " OR ".join(f"EXISTS (SELECT 1 FROM {quote(table)})" for table in checked)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 WHERE {filled}")
        return cursor.fetchone() is None


def _copy_out(connection: Any) -> dict[str, Any]:
    quote = connection.ops.quote_name
    copied: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for table in _tables(connection):
            if connection.vendor == "postgresql":
                data = bytearray()
                with cursor.cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                    for block in copy:
                        data += block
                if data:
                    copied[table] = bytes(data)
                continue
            columns = [
                column.name for column in connection.introspection.get_table_description(cursor, table)
            ]
            # Unary plus makes each column an expression: SQLite hands back the stored value, no converter runs.
            listed = ", ".join(f"+{quote(name)}" for name in columns)
            rows = cursor.execute(f"SELECT {listed} FROM {quote(table)}").fetchall()
            if rows:
                copied[table] = (columns, rows)
    return copied


def _copy_in(connection: Any, copied: dict[str, Any]) -> None:
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import transaction

    quote = connection.ops.quote_name
    emptied = " ".join(f"DELETE FROM {quote(table)};" for table in _MIGRATION_ROWS | set(copied))
    with transaction.atomic(), connection.cursor() as cursor:  # foreign keys are checked at the end
        if connection.vendor == "postgresql":
            cursor.execute(emptied)
            for table, data in copied.items():
                with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                    copy.write(data)
            models = apps.get_models(include_auto_created=True)
            cursor.execute(" ".join(connection.ops.sequence_reset_sql(no_style(), models)))
            return
        raw = connection.connection
        for statement in emptied.split(";"):
            if statement.strip():
                raw.execute(statement)
        for table, (columns, rows) in copied.items():
            names = ", ".join(quote(name) for name in columns)
            marks = ", ".join("?" for _ in columns)
            raw.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)
