"""Shared test set-up: the shipped defaults and a small chain built with factories."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from yunying.accounts.models import User
from yunying.org.factories import StoreFactory, UnitFactory, person_with_login
from yunying.org.models import OrgUnit, UnitKind

# Property tests judge answers, not speed: a loaded machine must not fail them on time.
hypothesis_settings.register_profile(
    "yunying", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
hypothesis_settings.load_profile("yunying")


@dataclass
class Chain:
    company: OrgUnit
    mgmt: OrgUnit
    region_a: OrgUnit
    region_b: OrgUnit
    stores_a: list[OrgUnit]
    stores_b: list[OrgUnit]
    direct: OrgUnit
    users: dict[str, User] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _fresh_notification_cache() -> None:
    """Event kinds and robots are cached per process; each test starts from its own database."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()  # a flushed or copied-back database numbers its content types anew
    from yunying.notifications.services import cache_clear

    cache_clear()
    from yunying.workflow import cards, hotcache, summary

    hotcache.clear()  # the workflow's memos likewise (settings, delegators, names, summary fields)
    cards.names_forget()
    summary.summary_forget()


@pytest.fixture
def seeded(db: Any) -> None:
    from tests.snapshots import seeded_defaults

    seeded_defaults()


@pytest.fixture
def chain(seeded: None) -> Chain:
    """company → center → 运营管理部 → region A (4 stores, 浦东), region B (5 stores, 闵行) + 1 direct store."""
    company = UnitFactory(kind=UnitKind.COMPANY, code="C01", name="测试连锁")
    center = UnitFactory(kind=UnitKind.CENTER, code="CTR", name="运营中心", parent=company)
    mgmt = UnitFactory(kind=UnitKind.DEPARTMENT, code="D-MGMT", name="运营管理部", parent=center)
    region_a = UnitFactory(kind=UnitKind.REGION, code="RA", name="浦东区域", area="浦东", parent=mgmt)
    region_b = UnitFactory(kind=UnitKind.REGION, code="RB", name="闵行区域", area="闵行", parent=mgmt)
    stores_a = [StoreFactory(code=f"A{i}", area="浦东", parent=region_a) for i in range(1, 5)]
    stores_b = [StoreFactory(code=f"B{i}", area="闵行", parent=region_b) for i in range(1, 6)]
    direct = StoreFactory(code="D1", area="杭州", parent=mgmt)
    users = {
        "gm": person_with_login("gm", "GM", company),
        "mgmt": person_with_login("mgmt", "MGMT-HEAD", mgmt),
        "supervisor": person_with_login("supervisor", "SUPERVISOR", mgmt),
        "area_a": person_with_login("area_a", "AREA-MGR", region_a),
        "area_b": person_with_login("area_b", "AREA-MGR", region_b),
        "store_a1": person_with_login("store_a1", "STORE-MGR", stores_a[0]),
        "staff_a1": person_with_login("staff_a1", "WAITER", stores_a[0]),
        "nobody": User.objects.create_user("nobody", password="pass-word-1"),
    }
    return Chain(company, mgmt, region_a, region_b, stores_a, stores_b, direct, users)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The test database on PostgreSQL commits without waiting for its log to reach the disk
    (``synchronous_commit = off`` for every connection to it: this process's, the live servers' and the workers').
    A test's data never has to survive a crash of the server; each commit of a browser test, a worker or a flush
    otherwise waits for a flush of the log."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = connection.settings_dict["NAME"]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"ALTER DATABASE {connection.ops.quote_name(name)} SET synchronous_commit = off"
                )
                cursor.execute("SET synchronous_commit = off")
    return django_db_setup


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete() -> Any:
    """Tests that commit (browser tests, workers) have every table emptied afterwards. PostgreSQL's ``TRUNCATE`` of
    the few hundred tables gives each one new files — seconds per test; deleting the few rows a test wrote takes
    milliseconds. The foreign keys are deferred, so one transaction of deletes in any order is consistent."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(
        self: Any, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ):
        if reset_sequences or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [" ".join(f"DELETE FROM {self.quote_name(table)};" for table in tables)]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = truncate  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def _redis_left_clean() -> Any:
    """With ``REDIS_URL`` set, the suite leaves no keys behind in that Redis database: the queue's keys
    (``huey.*<queue name>*``) and the cache's (``:<version>:*``) are removed when the session ends."""
    yield
    from django.conf import settings

    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    queue = settings.HUEY["name"]
    for pattern in (f"huey.*{queue}*", ":*:*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
    client.close()
