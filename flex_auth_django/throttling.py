"""Failure counters in Django's cache, checked before any password or secret is verified.

Spec (Throttling): password failures per username and per client IP, client-secret
failures per client ID, each over a window. Over the limit the answer is 429 with
Retry-After, the same for existing and unknown users. A success resets the username
counter. If the cache is down, THROTTLE_CACHE_FAILURE chooses between refusing (503,
"closed", the default) and letting requests through ("open").

How it counts:
- Each counter is a pair of fixed buckets (the current window and the previous one),
  combined as a sliding-window estimate: previous * (time left of the overlap) +
  current. A fixed window alone would let an attacker spend the whole limit at the
  end of one window and again at the start of the next.
- A password attempt is *charged before* the hash runs (atomic cache `incr`, one
  Redis INCR), and refunded if it succeeds. Checking first and counting afterwards
  would let a burst of parallel requests all pass the check before any failure is
  recorded, each paying for a password hash. A client secret costs one keyed digest,
  so it is only checked first and counted when it fails (see guard_client_secret).
- The bucket is chosen by `clock()`, not by cache expiry: tests move time by
  replacing `clock`, and the cache timeout only collects old keys.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
import uuid
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from .errors import TemporarilyUnavailable, TooManyRequests
from .settings import flex_settings

logger = logging.getLogger("flex_auth_django.security")

# Injectable clock (seconds since the epoch), so tests can move time without sleeping.
clock: Callable[[], float] = time.time

KEY_PREFIX = "flex-auth:throttle"


@dataclass(frozen=True)
class Counter:
    """One throttled identity: `scope` is "username", "ip" or "client"."""

    scope: str
    ident: str  # a hash of the normalised value: client input never becomes a raw cache key
    limit: int
    window: int

    def key(self, bucket: int) -> str:
        return f"{KEY_PREFIX}:{self.scope}:{self.window}:{self.ident}:{bucket}"

    def keys(self, now: int) -> tuple[str, str]:
        """(current bucket, previous bucket) at `now`."""
        bucket = now // self.window
        return self.key(bucket), self.key(bucket - 1)

    def over(self, current: int, previous: int, now: int) -> bool:
        """Whether the sliding-window estimate has reached the limit (integer arithmetic)."""
        elapsed = now % self.window
        return previous * (self.window - elapsed) + current * self.window >= self.limit * self.window

    def retry_after(self, current: int, previous: int, now: int) -> int:
        """Whole seconds until `over()` turns false, if nothing more is counted meanwhile."""
        window, elapsed = self.window, now % self.window
        if current < self.limit:
            # Still this bucket: the previous bucket's weight decays second by second.
            room = (self.limit - current) * window
            return max(1, window - elapsed - (room - 1) // max(previous, 1))
        # Only in the next bucket, where this one becomes the decaying previous.
        return window - elapsed + window - (self.limit * window - 1) // current

    @property
    def timeout(self) -> int:
        # A bucket is read while current and while previous: two windows, plus slack.
        return 2 * self.window + 60


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def normalise(scope: str, value: str) -> str:
    """The identity a counter is keyed on, so trivial variants share one counter."""
    if scope == "username":
        return value.strip().lower()
    if scope == "client":
        # uuid.UUID accepts upper case: without this, case variants of one client ID
        # would each get their own counter.
        try:
            return str(uuid.UUID(value)) if len(value) == 36 else value
        except ValueError:
            return value
    if scope == "ip":
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return value
        if isinstance(address, ipaddress.IPv6Address):
            if address.ipv4_mapped is not None:
                return str(address.ipv4_mapped)
            # One subscriber usually holds a whole /64: count it as one client.
            return str(ipaddress.IPv6Network((address, 64), strict=False))
        return str(address)
    return value


def counter(scope: str, value: str | None, setting: str) -> Counter | None:
    """The counter for `value` under FLEX_AUTH[setting] = (limit, window), or None when off."""
    if not value or not flex_settings.THROTTLE_ENABLED:
        return None
    limit, window = getattr(flex_settings, setting)
    return Counter(scope, _hash(normalise(scope, value)), int(limit), int(window))


class _Store:
    """The counters in any Django cache: read several, add-or-increment, decrement, delete."""

    def __init__(self, cache) -> None:
        self.cache = cache

    def get_many(self, keys: list[str]) -> dict[str, int]:
        return self.cache.get_many(keys)

    def incr_many(self, charges: list[tuple[str, int, int]]) -> list[int]:
        """Add `delta` to each (key, delta, timeout), creating missing keys with `timeout`; the new values."""
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
        """Delete some counters and take one attempt back from others (never creating a key)."""
        if delete:
            self.cache.delete_many(delete)
        for key in decrement:
            try:
                self.cache.decr(key)
            except ValueError:  # expired or evicted meanwhile: nothing to take back
                pass


class _RedisStore(_Store):
    """Django's RedisCache, one round trip per step.

    Through the cache API a charged and refunded attempt costs five round trips and three
    new redis client objects: RedisCache builds a client per call, and its incr() and
    decr() send an EXISTS first. Here the same keys and integer values (what the cache
    API reads and writes) take three round trips on one client: read, charge, settle.
    """

    _DECR_IF_EXISTS = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decrby', KEYS[1], 1) end"

    def __init__(self, cache) -> None:
        super().__init__(cache)
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


_redis_stores: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _store() -> _Store:
    cache = caches[flex_settings.THROTTLE_CACHE]
    if type(cache) is not RedisCache:  # exactly Django's: a subclass may store values its own way
        return _Store(cache)
    store = _redis_stores.get(cache)
    if store is None:
        store = _redis_stores[cache] = _RedisStore(cache)
    return store


def _now() -> int:
    return int(clock())


def _cache_failed(exc: Exception) -> None:
    logger.warning("event=throttle_cache_unavailable error=%s", type(exc).__name__)
    if flex_settings.THROTTLE_CACHE_FAILURE != "open":
        raise TemporarilyUnavailable("Too many attempts could not be ruled out; try again shortly.") from None


def _refused(counter: Counter, current: int, previous: int, now: int) -> TooManyRequests:
    return TooManyRequests(retry_after=counter.retry_after(current, previous, now), reason=counter.scope)


class Guard:
    """Attempts charged to counters before a verification; settle with failed() or succeeded()."""

    def __init__(self, charged: Iterable[Counter] = (), reset_on_success: Iterable[Counter] = (), now: int = 0):
        self.charged = tuple(charged)
        self.reset_on_success = tuple(reset_on_success)
        self.now = now

    def failed(self) -> None:
        """The verification failed: the charges stand as failures."""

    def succeeded(self) -> None:
        """Refund the charges; counters named in reset_on_success start over."""
        self._settle(resets=set(self.reset_on_success))

    def refund(self) -> None:
        """No verdict was reached (the database is down, say): take the charges back."""
        self._settle(resets=set())

    def _settle(self, resets: set[Counter]) -> None:
        if not self.charged:
            return
        try:
            keys = [key for c in resets for key in c.keys(self.now)]
            _store().settle(keys, [c.keys(self.now)[0] for c in self.charged if c not in resets])
        except Exception as exc:  # noqa: BLE001 - any cache backend error; nothing left to protect
            logger.warning("event=throttle_cache_unavailable error=%s", type(exc).__name__)


def charge(*counters: Counter | None, reset_on_success: tuple[Counter | None, ...] = ()) -> Guard:
    """Refuse (429) if any counter is over its limit, else charge one attempt to each.

    Called before a password or secret is verified, so a refused attempt costs no hash.
    """
    live = [c for c in counters if c is not None]
    resets = [c for c in reset_on_success if c is not None]
    if not live:
        return Guard()
    now = _now()
    try:
        store = _store()
        keys = [key for c in live for key in c.keys(now)]
        values = store.get_many(keys)
        counts = {c: (int(values.get(c.keys(now)[0]) or 0), int(values.get(c.keys(now)[1]) or 0)) for c in live}
        # Cheap refusal first: a client hammering a blocked counter costs one read.
        for c, (current, previous) in counts.items():
            if c.over(current, previous, now):
                raise _refused(c, current, previous, now)
        currents = store.incr_many([(c.keys(now)[0], 1, c.timeout) for c in live])
        for c, current in zip(live, currents, strict=True):
            previous = counts[c][1]
            if c.over(current - 1, previous, now):  # concurrent attempts used the room up
                store.settle([], [done.keys(now)[0] for done in live])
                raise _refused(c, current - 1, previous, now)
    except (TooManyRequests, TemporarilyUnavailable):
        raise
    except Exception as exc:  # noqa: BLE001 - any cache backend error
        _cache_failed(exc)
        return Guard()
    return Guard(live, resets, now)


class _FailureCounter(Guard):
    """Counters checked before a verification and charged only when it fails."""

    def failed(self) -> None:
        try:
            _store().incr_many([(c.keys(self.now)[0], 1, c.timeout) for c in self.charged])
        except Exception as exc:  # noqa: BLE001 - any cache backend error; the request is refused anyway
            logger.warning("event=throttle_cache_unavailable error=%s", type(exc).__name__)

    def succeeded(self) -> None:
        """Nothing was charged, so nothing is refunded."""

    def refund(self) -> None:
        """Nothing was charged."""


def check(*counters: Counter | None) -> Guard:
    """Refuse (429) if any counter is over its limit; failures are counted afterwards.

    One read before the verification, and one write only when it fails.
    """
    live = [c for c in counters if c is not None]
    if not live:
        return Guard()
    now = _now()
    try:
        values = _store().get_many([key for c in live for key in c.keys(now)])
    except Exception as exc:  # noqa: BLE001 - any cache backend error
        _cache_failed(exc)
        return Guard()
    for c in live:
        current, previous = (int(values.get(key) or 0) for key in c.keys(now))
        if c.over(current, previous, now):
            raise _refused(c, current, previous, now)
    return _FailureCounter(live, now=now)


def guard_client_secret(client_id: str | None) -> Guard:
    """Check the per-client-ID counter (429 when over) before a client secret is verified.

    Unlike passwords, secrets are not charged up front: a secret check is one keyed
    digest, so parallel guesses that slip past the check together cost nothing and
    cannot hit a 256-bit secret, while charging and refunding would add two cache round
    trips to every successful request. Failures are counted when they happen.
    """
    return check(counter("client", client_id, "THROTTLE_CLIENT_SECRET"))


def guard_password(username: str, ip: str | None) -> Guard:
    """Charge the username and client-IP counters before a password is verified."""
    by_user = counter("username", username, "THROTTLE_USERNAME")
    by_ip = counter("ip", ip, "THROTTLE_IP")
    return charge(by_user, by_ip, reset_on_success=(by_user,))
