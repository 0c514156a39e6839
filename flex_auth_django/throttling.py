"""Failure counters in Django's cache, checked before any password or secret is verified.

Spec (Throttling): password failures per username and per client IP, client-secret
failures per client ID, each over a fixed window. Over the limit the answer is 429
with Retry-After, the same for existing and unknown users. A success resets the
username counter. If the cache is down, THROTTLE_CACHE_FAILURE chooses between
refusing (503, "closed", the default) and letting requests through ("open").
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import caches

from . import signals
from .errors import TemporarilyUnavailable, TooManyRequests
from .settings import flex_settings

logger = logging.getLogger("flex_auth_django.security")

# Injectable clock, so tests can move time without sleeping.
clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class Counter:
    scope: str  # "username", "ip" or "client"
    value: str
    limit: int
    window: int

    @property
    def bucket(self) -> int:
        return int(clock() // self.window)

    @property
    def key(self) -> str:
        # Hashed so arbitrary client input never becomes a raw cache key (length, charset).
        ident = hashlib.sha256(self.value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"flex-auth:throttle:{self.scope}:{ident}:{self.window}:{self.bucket}"

    def retry_after(self) -> int:
        return max(1, int((self.bucket + 1) * self.window - clock()) + 1)


def _counter(scope: str, value: str | None, setting: str) -> Counter | None:
    if not value or not flex_settings.THROTTLE_ENABLED:
        return None
    limit, window = getattr(flex_settings, setting)
    return Counter(scope, value.lower() if scope == "username" else value, int(limit), int(window))


def _cache():
    return caches[flex_settings.THROTTLE_CACHE]


def _cache_failed(exc: Exception) -> None:
    logger.warning("throttle cache unavailable: %s", type(exc).__name__)
    if flex_settings.THROTTLE_CACHE_FAILURE != "open":
        raise TemporarilyUnavailable("Too many requests could not be ruled out; try again shortly.") from None


def check(*counters: Counter | None, ip: str | None = None) -> None:
    """Raise 429 if any counter is at its limit."""
    live = [c for c in counters if c is not None]
    if not live:
        return
    try:
        values = _cache().get_many([c.key for c in live])
    except Exception as exc:  # noqa: BLE001 - any cache backend error
        _cache_failed(exc)
        return
    for counter in live:
        if int(values.get(counter.key) or 0) >= counter.limit:
            signals.throttled.send(sender=Counter, scope=counter.scope, ip=ip)
            raise TooManyRequests(retry_after=counter.retry_after())


def record_failure(*counters: Counter | None) -> None:
    cache = None
    for counter in counters:
        if counter is None:
            continue
        try:
            cache = cache or _cache()
            # add() starts the window (no-op when the key exists); incr() is atomic on Redis.
            cache.add(counter.key, 0, timeout=counter.window + 1)
            cache.incr(counter.key)
        except ValueError:  # evicted between add() and incr()
            cache.set(counter.key, 1, timeout=counter.window + 1)
        except Exception as exc:  # noqa: BLE001
            logger.warning("throttle cache unavailable: %s", type(exc).__name__)


def reset(*counters: Counter | None) -> None:
    keys = [c.key for c in counters if c is not None]
    if keys:
        try:
            _cache().delete_many(keys)
        except Exception as exc:  # noqa: BLE001
            logger.warning("throttle cache unavailable: %s", type(exc).__name__)


class Guard:
    """The counters one verification is charged to; created only after they were checked."""

    def __init__(self, counters: tuple[Counter | None, ...], reset_on_success: tuple[Counter | None, ...] = ()):
        self.counters = counters
        self.reset_on_success = reset_on_success

    def failed(self) -> None:
        record_failure(*self.counters)

    def succeeded(self) -> None:
        reset(*self.reset_on_success)


def guard_client_secret(client_id: str | None, ip: str | None) -> Guard:
    """Check the per-client-ID counter (429 when over) before a secret is verified."""
    counter = _counter("client", client_id, "THROTTLE_CLIENT_SECRET")
    check(counter, ip=ip)
    return Guard((counter,))


def guard_password(username: str, ip: str | None) -> Guard:
    """Check the username and IP counters before a password is verified."""
    by_user = _counter("username", username, "THROTTLE_USERNAME")
    by_ip = _counter("ip", ip, "THROTTLE_IP")
    check(by_user, by_ip, ip=ip)
    return Guard((by_user, by_ip), reset_on_success=(by_user,))
