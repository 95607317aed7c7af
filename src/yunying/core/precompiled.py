"""ORM queries compiled once per process and database vendor, then run with each call's values.

Building a queryset and compiling it to SQL is most of the Python cost of a small hot-path read
(a lock, a lookup by key). :class:`Precompiled` builds the query once with *probe* values, compiles
it (what ``query.sql_with_params()`` does, keeping the compiler's column map), finds each probe as
exactly one statement parameter, and at call time runs the same SQL with the probes swapped for the
call's values. Rows come back as the ORM would give them — model objects with their
``select_related`` rows, deferred fields and annotations, or ``values()`` rows — because the ORM's
own iterable turns them into objects; only building and compiling are skipped.

When a probe is not exactly one parameter of the statement (it was transformed, split into several,
or appears twice), or a call's value is not of its probe's type (``None`` would compile to
``IS NULL``), the query is built by the ORM for that call, as if this helper were not there.

Probes must be values the statement's other parameters never equal: unusual numbers or strings
(``Precompiled.probe_int(n)``, ``"\\x00probe"``). A locking query (``select_for_update``) compiles, and
runs, only inside a transaction, as with the ORM."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.transaction import TransactionManagementError
from django.db.utils import DEFAULT_DB_ALIAS

M = TypeVar("M", bound=Model)

# Inside any integer field's range (Django treats out-of-range lookups as matching nothing), and
# unlike any key or count a statement carries.
_PROBE_BASE = -1_987_654_300


class _Compiled:
    """One statement with the compiler state the ORM's iterables read after running it."""

    __slots__ = (
        "annotations",
        "cols",
        "extra",
        "klass_info",
        "params",
        "places",
        "select",
        "sql",
        "template",
    )

    def __init__(
        self, template: QuerySet[Any], compiler: Any, sql: str, params: tuple[Any, ...], places: list[int]
    ):
        self.template = template
        self.sql, self.params, self.places = sql, params, places
        self.select, self.klass_info = compiler.select, compiler.klass_info
        self.annotations, self.cols = compiler.annotation_col_map, compiler.col_count
        self.extra = getattr(compiler, "has_extra_select", False)


class Precompiled(Generic[M]):
    """``Precompiled(build, *probes)``: ``build(*values)`` returns the queryset (without evaluating
    it); calling the instance with real values returns its rows as a list."""

    def __init__(self, build: Callable[..., QuerySet[M]], *probes: Any) -> None:
        self.build = build
        self.probes = probes
        self._compiled: dict[str, _Compiled | None] = {}
        self._lock = threading.Lock()

    @staticmethod
    def probe_int(n: int = 0) -> int:
        """The ``n``-th integer probe: distinct from one another and from real keys."""
        return _PROBE_BASE - n

    def _compile(self, vendor: str) -> _Compiled | None:
        template = self.build(*self.probes)
        compiler = template.query.get_compiler(using=template.db)
        sql, raw = compiler.as_sql()  # what query.sql_with_params() runs, keeping the compiler
        params = tuple(raw)
        places: list[int] = []
        for probe in self.probes:
            found = [i for i, value in enumerate(params) if type(value) is type(probe) and value == probe]
            if len(found) != 1:
                built = None
                break
            places.append(found[0])
        else:
            built = _Compiled(template, compiler, sql, params, places)
        with self._lock:
            self._compiled[vendor] = built
        return built

    def compiled(self) -> bool:
        """Whether calls run the precompiled statement (False: a probe was not one parameter, the
        ORM builds the query at each call)."""
        vendor = connections[DEFAULT_DB_ALIAS].vendor
        built = self._compiled[vendor] if vendor in self._compiled else self._compile(vendor)
        return built is not None

    def __call__(self, *values: Any) -> list[M]:
        """The rows of ``build(*values)``: the precompiled statement with these values."""
        if len(values) != len(self.probes):
            raise TypeError(f"expected {len(self.probes)} values, got {len(values)}")
        if any(type(v) is not type(p) for v, p in zip(values, self.probes, strict=True)):
            return list(self.build(*values))
        vendor = connections[DEFAULT_DB_ALIAS].vendor
        built = self._compiled[vendor] if vendor in self._compiled else self._compile(vendor)
        if built is None:
            return list(self.build(*values))
        params = list(built.params)
        for at, value in zip(built.places, values, strict=True):
            params[at] = value
        return list(_bound(built, tuple(params)))


def _bound(built: _Compiled, params: tuple[Any, ...]) -> QuerySet[Any]:
    """A fresh queryset over the template's query (shared, never compiled again) whose compiler
    returns the precompiled statement with ``params``."""
    template: Any = built.template  # its private state is copied as QuerySet._clone does
    alias = template.db
    query: Any = template.query.__class__.__new__(template.query.__class__)
    query.__dict__.update(template.query.__dict__)
    locking = bool(query.select_for_update)

    def get_compiler(using: str | None = None, connection: Any = None, elide_empty: bool = True) -> Any:
        connection = connection if connection is not None else connections[using or alias]
        compiler = connection.ops.compiler(query.compiler)(query, connection, using, elide_empty)
        compiler.select, compiler.klass_info = built.select, built.klass_info
        compiler.annotation_col_map, compiler.col_count = built.annotations, built.cols
        compiler.has_extra_select = built.extra

        def as_sql(*args: Any, **kwargs: Any) -> tuple[str, tuple[Any, ...]]:
            if locking and connection.features.has_select_for_update and connection.get_autocommit():
                raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
            return built.sql, params

        compiler.as_sql = as_sql
        return compiler

    query.get_compiler = get_compiler
    qs: Any = template.__class__(model=template.model, query=query, using=template._db, hints=template._hints)
    qs._sticky_filter = template._sticky_filter
    qs._for_write = template._for_write
    qs._prefetch_related_lookups = template._prefetch_related_lookups[:]
    qs._known_related_objects = template._known_related_objects
    qs._iterable_class = template._iterable_class
    qs._fields = template._fields
    return qs
