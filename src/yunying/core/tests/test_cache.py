"""The Redis cache backend that keeps its client: same answers as Django's, one client per pool."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings

from yunying.core.cache import ReusedClientRedisCache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")


def test_the_client_is_built_once_and_answers_as_djangos() -> None:
    cache = ReusedClientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-reused-client"})
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    cache.set("k", {"a": 1})
    assert cache.get("k") == {"a": 1}
    assert cache.add("k", 2) is False
    assert cache.add("n", 0) is True and cache.incr("n", 2) == 2
    assert cache.get_many(["k", "missing"]) == {"k": {"a": 1}}
    assert cache.delete("k") is True and cache.get("k", "gone") == "gone"
    cache.delete("n")


def test_threads_share_the_client() -> None:
    cache = ReusedClientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-reused-client-threads"})
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"t{n}", i)
                assert cache.get(f"t{n}") == i
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache._cache._clients) == 1
    cache.delete_many([f"t{n}" for n in range(4)])
