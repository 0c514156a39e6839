"""Where the counters live: any Django cache through its API, or Django's RedisCache in three round trips."""

from __future__ import annotations

import weakref
from typing import Protocol

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache

from ..settings import flex_settings


class Store(Protocol):
    """Integer counters by key: read several, add-or-increment, then delete or decrement."""

    def get_many(self, keys: list[str]) -> dict[str, int]:
        """The values of the keys that exist."""

    def incr_many(self, charges: list[tuple[str, int, int]]) -> list[int]:
        """Add `delta` to each (key, delta, timeout), creating missing keys with `timeout`; the new values."""

    def settle(self, delete: list[str], decrement: list[str]) -> None:
        """Delete some counters and take one attempt back from others (never creating a key)."""


class CacheStore:
    """The counters in any Django cache, through its API."""

    def __init__(self, cache: BaseCache) -> None:
        self.cache = cache

    def get_many(self, keys: list[str]) -> dict[str, int]:
        return self.cache.get_many(keys)

    def incr_many(self, charges: list[tuple[str, int, int]]) -> list[int]:
        return [self._incr(key, delta, timeout) for key, delta, timeout in charges]

    def _incr(self, key: str, delta: int, timeout: int) -> int:
        """Atomic add-or-increment (Redis INCR, LocMem under its lock)."""
        try:
            return self.cache.incr(key, delta)
        except ValueError:  # no such key yet: start it, unless a concurrent request just did
            if self.cache.add(key, delta, timeout=timeout):
                return delta
            return self.cache.incr(key, delta)

    def settle(self, delete: list[str], decrement: list[str]) -> None:
        if delete:
            self.cache.delete_many(delete)
        for key in decrement:
            try:
                self.cache.decr(key)
            except ValueError:  # expired or evicted meanwhile: nothing to take back
                pass


class RedisStore:
    """Django's RedisCache, one round trip per step.

    Through the cache API a charged and refunded attempt costs five round trips and three
    new redis client objects: RedisCache builds a client per call, and its incr() and
    decr() send an EXISTS first. Here the same keys and integer values (what the cache
    API reads and writes) take three round trips on one client: read, charge, settle.
    """

    _DECR_IF_EXISTS = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decrby', KEYS[1], 1) end"

    def __init__(self, cache: RedisCache) -> None:
        self.cache = cache
        self.client = cache._cache.get_client(write=True)

    def _key(self, key: str) -> str:
        return self.cache.make_and_validate_key(key)

    def get_many(self, keys: list[str]) -> dict[str, int]:
        values = self.client.mget([self._key(k) for k in keys])
        return {k: int(v) for k, v in zip(keys, values, strict=True) if v is not None}

    def incr_many(self, charges: list[tuple[str, int, int]]) -> list[int]:
        pipe = self.client.pipeline(transaction=False)
        for key, delta, timeout in charges:
            pipe.set(self._key(key), 0, ex=timeout, nx=True)  # a missing key starts with its TTL, as add() does
            pipe.incrby(self._key(key), delta)
        return pipe.execute()[1::2]

    def settle(self, delete: list[str], decrement: list[str]) -> None:
        pipe = self.client.pipeline(transaction=False)
        if delete:
            pipe.delete(*[self._key(k) for k in delete])
        for key in decrement:
            pipe.eval(self._DECR_IF_EXISTS, 1, self._key(key))
        pipe.execute()


# One RedisStore (one redis client) per cache object, gone with the cache.
_redis_stores: weakref.WeakKeyDictionary[RedisCache, RedisStore] = weakref.WeakKeyDictionary()


def store() -> Store:
    """The store for FLEX_AUTH["THROTTLE_CACHE"], looked up per call so override_settings applies."""
    cache = caches[flex_settings.THROTTLE_CACHE]
    if type(cache) is not RedisCache:  # exactly Django's: a subclass may store values its own way
        return CacheStore(cache)
    redis_store = _redis_stores.get(cache)
    if redis_store is None:
        redis_store = _redis_stores[cache] = RedisStore(cache)
    return redis_store
