"""Django's Redis cache, with one client per connection pool kept for the process.

Django's own backend builds a ``redis.Redis`` client for every cache call (copying the library's table of
response callbacks each time), which costs more CPU than the round trip itself. A client is thread-safe
and takes its connections from the pool, which the library re-creates after a fork, so one per pool is
kept and reused: same servers, same pools, same commands."""

from __future__ import annotations

from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}  # by the id of the pool (Django keeps its pools)

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        # Django's choice of server and its pool (not in the type stubs)
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), redis.Redis(connection_pool=pool))
        return client


class ReusedClientRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` whose client is built once per pool."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
