"""Guards taken before a password or secret is verified: refuse (429) over the limit, settle on the verdict.

Two policies, one contract (`failed()`, `succeeded()`, `refund()`):
- A password attempt is *charged before* the hash runs (`charge()`: atomic add, one
  Redis INCR) and refunded if it succeeds. Checking first and counting afterwards would
  let a burst of parallel requests all pass the check before any failure is recorded,
  each paying for a password hash.
- A client secret costs one keyed digest, so it is only *checked first* (`check()`) and
  counted when it fails (see guard_client_secret).
If the cache is down, THROTTLE_CACHE_FAILURE chooses between refusing (503, "closed")
and letting the attempt through unguarded ("open").
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence

from ..protocol.errors import TemporarilyUnavailable, TooManyRequests
from ..settings import flex_settings, on_reload
from ..state.lru import BoundedLRU
from .stores import Store, store
from .windows import Counter, counter, normalise_ip, now

logger = logging.getLogger("flex_auth_django.security")


class Guard(ABC):
    """What a verification reports back once it has a verdict (or none)."""

    @abstractmethod
    def failed(self) -> None:
        """The secret or password was wrong."""

    @abstractmethod
    def succeeded(self) -> None:
        """The secret or password was right."""

    @abstractmethod
    def refund(self) -> None:
        """No verdict was reached (the database is down, say): the attempt must not count."""


class Unguarded(Guard):
    """Nothing was counted or needs counting: throttling is off, or the cache is down and fails open."""

    def failed(self) -> None:
        pass

    def succeeded(self) -> None:
        pass

    def refund(self) -> None:
        pass


class ChargedAttempt(Guard):
    """One attempt already charged to each counter: a failure lets it stand, anything else takes it back."""

    def __init__(self, charged: Iterable[Counter], reset_on_success: Iterable[Counter], at: int) -> None:
        self.charged = tuple(charged)
        self.reset_on_success = frozenset(reset_on_success)
        self.at = at

    def failed(self) -> None:
        """The charges stand as failures."""

    def succeeded(self) -> None:
        """Refund the charges; counters named in reset_on_success start over."""
        self._settle(resets=self.reset_on_success)

    def refund(self) -> None:
        self._settle(resets=frozenset())

    def _settle(self, resets: frozenset[Counter]) -> None:
        try:
            delete = [key for c in resets for key in c.keys(self.at)]
            store().settle(delete, [c.keys(self.at)[0] for c in self.charged if c not in resets])
        except Exception as exc:  # noqa: BLE001 - any cache backend error; nothing left to protect
            _log_cache_error(exc)


class CheckedAttempt(Guard):
    """Counters found under their limits and charged nothing yet: only a failure is counted."""

    def __init__(self, checked: Iterable[Counter], at: int) -> None:
        self.checked = tuple(checked)
        self.at = at

    def failed(self) -> None:
        try:
            store().incr_many([(c.keys(self.at)[0], 1, c.timeout) for c in self.checked])
        except Exception as exc:  # noqa: BLE001 - any cache backend error; the request is refused anyway
            _log_cache_error(exc)

    def succeeded(self) -> None:
        """Nothing was charged, so nothing is refunded."""

    def refund(self) -> None:
        """Nothing was charged."""


def _log_cache_error(exc: Exception) -> None:
    logger.warning("event=throttle_cache_unavailable error=%s", type(exc).__name__)


def _cache_failed(exc: Exception) -> Guard:
    """Refuse (503) unless THROTTLE_CACHE_FAILURE is "open"; then the attempt goes unguarded."""
    _log_cache_error(exc)
    if flex_settings.THROTTLE_CACHE_FAILURE != "open":
        raise TemporarilyUnavailable("Too many attempts could not be ruled out; try again shortly.") from None
    return Unguarded()


def _refused(c: Counter, current: int, previous: int, at: int) -> TooManyRequests:
    return TooManyRequests(retry_after=c.retry_after(current, previous, at), reason=c.scope)


def _read(cache: Store, live: list[Counter], at: int) -> dict[Counter, tuple[int, int]]:
    """(current, previous) per counter in one read; 429 for the first one already over its limit."""
    values = cache.get_many([key for c in live for key in c.keys(at)])
    counts: dict[Counter, tuple[int, int]] = {}
    for c in live:
        current_key, previous_key = c.keys(at)
        current, previous = int(values.get(current_key) or 0), int(values.get(previous_key) or 0)
        if c.over(current, previous, at):
            raise _refused(c, current, previous, at)
        counts[c] = (current, previous)
    return counts


def charge(*counters: Counter | None, reset_on_success: tuple[Counter | None, ...] = ()) -> Guard:
    """Refuse (429) if any counter is over its limit, else charge one attempt to each.

    Called before a password is verified, so a refused attempt costs no hash.
    """
    live = [c for c in counters if c is not None]
    if not live:
        return Unguarded()
    at = now()
    try:
        cache = store()
        counts = _read(cache, live, at)  # cheap refusal first: hammering a blocked counter costs one read
        currents = cache.incr_many([(c.keys(at)[0], 1, c.timeout) for c in live])
        for c, current in zip(live, currents, strict=True):
            previous = counts[c][1]
            if c.over(current - 1, previous, at):  # concurrent attempts used the room up
                cache.settle([], [done.keys(at)[0] for done in live])
                raise _refused(c, current - 1, previous, at)
    except (TooManyRequests, TemporarilyUnavailable):
        raise
    except Exception as exc:  # noqa: BLE001 - any cache backend error
        return _cache_failed(exc)
    return ChargedAttempt(live, (c for c in reset_on_success if c is not None), at)


def check(*counters: Counter | None) -> Guard:
    """Refuse (429) if any counter is over its limit; failures are counted afterwards.

    One read before the verification, and one write only when it fails.
    """
    live = [c for c in counters if c is not None]
    if not live:
        return Unguarded()
    at = now()
    try:
        _read(store(), live, at)
    except (TooManyRequests, TemporarilyUnavailable):
        raise
    except Exception as exc:  # noqa: BLE001 - any cache backend error
        return _cache_failed(exc)
    return CheckedAttempt(live, at)


class _CleanClients:
    """Client IPs whose secret-failure counter this process read as empty, for STATE_REFRESH_INTERVAL.

    A successful secret check then skips its cache round trip, and the address is held as
    it arrived (with its counter), so it is not normalised or digested again either. A
    failure in this process forgets the address at once (its next request reads the
    counter); one made in another process is seen here within the interval, and lets
    through at most one more failing request per held address and process before this one
    reads the counter again: a bound on load and noise, which is all this limit is for
    (spec: Throttling), never a way past it. An address is only held after a read found
    its counter empty, so no address is held for a client that is failing.
    At most CLIENT_SECRET_CLEAN_IPS_CACHE_SIZE addresses (0: read the counter every time).
    """

    def __init__(self) -> None:
        # (address, limit, window) -> (its counter, monotonic deadline)
        self.until = BoundedLRU(lambda: flex_settings.CLIENT_SECRET_CLEAN_IPS_CACHE_SIZE)
        self.clock = time.monotonic

    def held(self, ip: str, limit: int, window: int) -> Counter | None:
        entry = self.until.get((ip, limit, window))
        return entry[0] if entry is not None and self.clock() < entry[1] else None

    def remember(self, ip: str, c: Counter) -> None:
        interval = flex_settings.STATE_REFRESH_INTERVAL
        if interval > 0:
            self.until.put((ip, c.limit, c.window), (c, self.clock() + interval))

    def forget(self, ip: str, c: Counter) -> None:
        self.until.pop((ip, c.limit, c.window))


_clean_clients = _CleanClients()


@on_reload
def _forget_clean_clients() -> None:
    _clean_clients.until.clear()


class CheckedSecret(CheckedAttempt):
    """A client-secret check: a failure also ends this process's trust in the address's empty counter."""

    def __init__(self, ip: str, checked: list[Counter], at: int) -> None:
        super().__init__(checked, at)
        self.ip = ip

    def failed(self) -> None:
        for c in self.checked:
            _clean_clients.forget(self.ip, c)
        super().failed()


def guard_client_secret(ip: str | None) -> Guard:
    """Check the client IP's secret-failure counter (429 when over) before a client secret is verified.

    Never per client ID: Marketplace client IDs are public, so a counter per ID would let
    anyone lock an application out of its own token exchange and introspection.

    Unlike passwords, secrets are not charged up front: a secret check is one keyed
    digest, so parallel guesses that slip past the check together cost nothing and
    cannot hit a 256-bit secret, while charging and refunding would add two cache round
    trips to every successful request. Failures are counted when they happen.
    """
    at = now()
    # Only held while the throttle is on: any settings change (THROTTLE_ENABLED off) clears them.
    held = _clean_clients.held(ip, *flex_settings.THROTTLE_CLIENT_SECRET) if ip else None
    if held is not None:
        return CheckedSecret(ip, [held], at)
    c = counter("client", ip, "THROTTLE_CLIENT_SECRET")
    if c is None:
        return Unguarded()
    try:
        counts = _read(store(), [c], at)
    except (TooManyRequests, TemporarilyUnavailable):
        raise
    except Exception as exc:  # noqa: BLE001 - any cache backend error
        return _cache_failed(exc)
    if counts[c] == (0, 0):
        _clean_clients.remember(ip, c)
    return CheckedSecret(ip, [c], at)


def guard_password(account: str | Sequence[str], ip: str | None, *, reset_pairs: bool = True) -> Guard:
    """Charge the (account, IP), account and IP counters before a password is verified.

    `account` is accounts.resolve(username).keys: every account the name resolves to is
    charged. The account-wide ceiling is far above the per-(account, IP) limit, so guesses
    from elsewhere cannot lock the user out before they reach it; a success starts the
    (account, IP) counters over (unless `reset_pairs` is False) and only refunds the
    others (resetting the account counter would hand its budget back to a botnet each
    time the user signs in).
    """
    keys = (account,) if isinstance(account, str) else tuple(dict.fromkeys(account))
    address = normalise_ip(ip or "")
    by_pair = tuple(counter("account_ip", f"{key}\x00{address}", "THROTTLE_USERNAME") for key in keys)
    by_account = tuple(counter("account", key, "THROTTLE_ACCOUNT") for key in keys)
    by_ip = counter("ip", ip, "THROTTLE_IP")
    return charge(*by_pair, *by_account, by_ip, reset_on_success=by_pair if reset_pairs else ())


def guard_idp(account: str, ip: str | None) -> Guard:
    """Charge the (IdP account, IP), IdP-account and IP counters before an IdP token is verified.

    Charged up front like passwords: verifying can cost an outbound call to the provider.
    `account` is the account the token *claims* (login.account_key), which anyone can
    forge, so the policy is the password one: a low limit per (account, IP), the
    account-wide THROTTLE_ACCOUNT ceiling far above it (forged tokens from one address
    cannot lock the real user out), and the IP counter shared with password failures.
    """
    by_pair = counter("idp_account_ip", f"{account}\x00{normalise_ip(ip or '')}", "THROTTLE_IDP_ACCOUNT")
    by_account = counter("idp_account", account, "THROTTLE_ACCOUNT")
    by_ip = counter("ip", ip, "THROTTLE_IP")
    return charge(by_pair, by_account, by_ip, reset_on_success=(by_pair,))
