"""Fixtures for throttling: the throttle cache on local memory or the real Redis, a dead cache, a fake clock.

Redis: FLEX_TEST_REDIS_URL, default redis://127.0.0.1:6379/3. Each test gets its own
key prefix and deletes its keys afterwards, so nothing else in that database is touched.
"""

from __future__ import annotations

import os
import socket
import uuid

import pytest
from django.core.cache import caches

from flex_auth_django.throttling import windows

REDIS_URL = os.environ.get("FLEX_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
LOCMEM_BACKEND = "django.core.cache.backends.locmem.LocMemCache"
# Fail fast instead of hanging when the server is gone (the example site sets the same).
REDIS_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
# A window start: a multiple of every window the tests use, so offsets read plainly.
EPOCH = 1_800_000_000


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _use_throttle_cache(settings, config: dict) -> None:
    settings.CACHES = {**settings.CACHES, "throttle": config}
    settings.FLEX_AUTH = {**getattr(settings, "FLEX_AUTH", {}), "THROTTLE_CACHE": "throttle"}


def _delete_prefixed(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def throttle_cache(request, settings):
    """The cache throttling counts in: local memory, then the real Redis (marked `redis`: skipped if unreachable)."""
    if request.param == "redis":
        prefix = f"flex-test-{uuid.uuid4().hex[:12]}"
        config = {"BACKEND": REDIS_BACKEND, "LOCATION": REDIS_URL, "KEY_PREFIX": prefix, "OPTIONS": REDIS_OPTIONS}
    else:
        prefix = None
        config = {"BACKEND": LOCMEM_BACKEND, "LOCATION": f"flex-throttle-{uuid.uuid4().hex}"}
    _use_throttle_cache(settings, config)
    cache = caches["throttle"]
    yield cache
    if prefix is not None:
        _delete_prefixed(prefix)
    else:
        cache.clear()


@pytest.fixture
def redis_throttle_cache(settings):
    """The throttle cache on the real Redis only (a test using it is marked `redis`)."""
    prefix = f"flex-test-{uuid.uuid4().hex[:12]}"
    _use_throttle_cache(
        settings, {"BACKEND": REDIS_BACKEND, "LOCATION": REDIS_URL, "KEY_PREFIX": prefix, "OPTIONS": REDIS_OPTIONS}
    )
    yield caches["throttle"]
    _delete_prefixed(prefix)


@pytest.fixture
def dead_throttle_cache(settings):
    """A RedisCache pointed at a closed port: every call really fails to connect."""
    location = f"redis://127.0.0.1:{closed_port()}/0"
    _use_throttle_cache(settings, {"BACKEND": REDIS_BACKEND, "LOCATION": location, "OPTIONS": REDIS_OPTIONS})
    return caches["throttle"]


class FakeClock:
    def __init__(self, now: float = EPOCH) -> None:
        self.now = float(now)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    """Throttling's clock, moved by hand: windows pass without sleeping."""
    fake = FakeClock()
    monkeypatch.setattr(windows, "clock", fake)
    return fake
