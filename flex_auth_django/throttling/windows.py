"""Sliding-window failure counters: their cache keys, the limit test, Retry-After, and whose attempts they count.

Each counter is a pair of fixed buckets (the current window and the previous one),
combined as a sliding-window estimate: previous * (time left of the overlap) + current.
A fixed window alone would let an attacker spend the whole limit at the end of one
window and again at the start of the next.

The bucket is chosen by `clock()`, not by cache expiry: tests move time by replacing
`windows.clock`, and the cache timeout only collects old keys.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..crypto.derived_keys import THROTTLE, derived_key
from ..settings import flex_settings

# Injectable clock (seconds since the epoch), so tests can move time without sleeping.
clock: Callable[[], float] = time.time

KEY_PREFIX = "flex-auth:throttle"


def now() -> int:
    """The current second by `clock`, read at call time so a replaced clock takes effect."""
    return int(clock())


@dataclass(frozen=True)
class Counter:
    """One throttled identity: `scope` is "account_ip", "account", "ip" (passwords) or "client" (secrets, per IP)."""

    scope: str
    ident: str  # a keyed digest of the normalised value: client input never becomes a raw cache key
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


def digest(scope: str, value: str) -> str:
    """A keyed digest of a normalised identity: without SECRET_KEY no dictionary of emails or addresses reverses it."""
    message = f"{scope}\x00{value}".encode("utf-8", "surrogatepass")
    return hmac.new(derived_key(THROTTLE), message, hashlib.sha256).hexdigest()[:32]


def normalise_ip(value: str) -> str:
    """One identity per client: an IPv4-mapped IPv6 address is its IPv4, an IPv6 address counts per /64."""
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


def normalise(scope: str, value: str) -> str:
    """The identity a counter is keyed on, so trivial variants share one counter.

    Addresses ("ip", "client") are normalised here; account keys ("account",
    "account_ip") arrive already resolved by accounts.resolve(), which folds a username
    exactly as the user lookup does.
    """
    if scope in ("ip", "client"):
        return normalise_ip(value)
    return value


def counter(scope: str, value: str | None, setting: str) -> Counter | None:
    """The counter for `value` under FLEX_AUTH[setting] = (limit, window), or None when off."""
    if not value or not flex_settings.THROTTLE_ENABLED:
        return None
    limit, window = getattr(flex_settings, setting)
    return Counter(scope, digest(scope, normalise(scope, value)), limit, window)
