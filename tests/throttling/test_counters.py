"""Throttling counters: the sliding-window arithmetic, charging before verification, and both caches."""

from __future__ import annotations

import hashlib
import hmac
import threading

import pytest
from django.core.cache import caches
from hypothesis import given
from hypothesis import strategies as st

from flex_auth_django import throttling
from flex_auth_django.protocol.errors import TemporarilyUnavailable, TooManyRequests
from tests.cache_fixtures import EPOCH

WINDOW = 900


def counter(limit: int = 3, window: int = WINDOW, scope: str = "username") -> throttling.Counter:
    return throttling.Counter(scope, "ident", limit, window)


class TestSlidingWindowArithmetic:
    def test_previous_bucket_weighs_by_the_overlap_left(self):
        c = counter(limit=10)
        start = EPOCH  # a bucket boundary
        assert c.over(0, 10, start)  # the previous window ended a moment ago: still 10
        assert not c.over(0, 10, start + 1)  # 10 * 899/900 < 10
        assert c.over(5, 10, start + WINDOW // 2)  # 10 * 1/2 + 5
        assert not c.over(4, 10, start + WINDOW // 2)

    @given(
        limit=st.integers(1, 60),
        window=st.sampled_from([1, 7, 60, 900]),
        current=st.integers(0, 200),
        previous=st.integers(0, 200),
        offset=st.integers(0, 10_000),
    )
    def test_retry_after_is_exactly_when_the_counter_opens_again(self, limit, window, current, previous, offset):
        """Brute force: step second by second with nothing more counted; the first open second is Retry-After."""
        c = counter(limit, window)
        now = EPOCH + offset
        if not c.over(current, previous, now):
            return
        retry = c.retry_after(current, previous, now)
        assert retry >= 1

        def state(at: int) -> tuple[int, int]:
            buckets_on = at // window - now // window
            if buckets_on == 0:
                return current, previous
            if buckets_on == 1:
                return 0, current
            return 0, 0

        first_open = next(s for s in range(1, 3 * window + 2) if not c.over(*state(now + s), now + s))
        assert retry == first_open


class TestNormalisation:
    def test_ipv6_counts_per_64_and_mapped_ipv4_as_ipv4(self):
        assert throttling.normalise("ip", "2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
        assert throttling.normalise("ip", "2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
        assert throttling.normalise("ip", "::ffff:192.0.2.7") == "192.0.2.7"
        assert throttling.normalise("ip", "192.0.2.7") == "192.0.2.7"
        assert throttling.normalise("client", "::ffff:192.0.2.7") == "192.0.2.7"  # secrets count per IP too

    def test_account_keys_arrive_resolved_and_are_kept_as_they_are(self):
        assert throttling.normalise("account", "name:ALICE@EXAMPLE.COM") == "name:ALICE@EXAMPLE.COM"

    def test_variants_share_one_cache_key(self, settings):
        a = throttling.counter("client", "::ffff:192.0.2.7", "THROTTLE_CLIENT_SECRET")
        b = throttling.counter("client", "192.0.2.7", "THROTTLE_CLIENT_SECRET")
        assert a == b

    def test_keys_never_contain_the_raw_value(self):
        c = throttling.counter("account", "name:alice@example.com", "THROTTLE_ACCOUNT")
        assert all("alice" not in key for key in c.keys(EPOCH))


class TestKeyedDigests:
    """Issue 15 item 4: keys are HMACs under a key from SECRET_KEY, not hashes anyone can recompute."""

    EMAIL = "alice@example.com"
    IP = "192.0.2.1"

    def unkeyed(self) -> set[str]:
        values = set()
        for value in (self.EMAIL, self.EMAIL.upper(), self.IP, f"name:{self.EMAIL}", f"name:{self.EMAIL.upper()}"):
            full = hashlib.sha256(value.encode()).hexdigest()
            values |= {full, full[:32], full[:16]}
        return values

    def stored_keys(self, cache) -> list[str]:
        """The throttle counters' keys (the same cache also holds the state log: flex:state:, flex:signed:)."""
        if hasattr(cache, "_cache") and isinstance(cache._cache, dict):  # LocMemCache
            keys = list(cache._cache)
        else:
            client = cache._cache.get_client(write=False)
            keys = [key.decode() for key in client.scan_iter(match=f"{cache.key_prefix}:*")]
        return [key for key in keys if ":flex:state:" not in key and ":flex:signed:" not in key]

    @pytest.mark.django_db
    def test_cache_keys_are_keyed_digests(self, throttle_cache, clock, token_endpoint, marketplace_app, settings):
        body = {"client_id": str(marketplace_app.client_id), "grant_type": "password", "password": "wrong"}
        token_endpoint.post({**body, "username": self.EMAIL}, REMOTE_ADDR=self.IP)
        token_endpoint.post({"client_id": str(marketplace_app.client_id), "grant_type": "client_credentials",
                             "client_secret": "wrong"}, REMOTE_ADDR=self.IP)  # fmt: skip
        keys = self.stored_keys(throttle_cache)
        assert len(keys) == 4  # (account, IP), account, IP, client-secret IP
        for key in keys:
            assert self.EMAIL not in key.lower() and self.IP not in key
            assert not any(digest in key for digest in self.unkeyed()), key

    def test_digests_change_with_secret_key(self, settings):
        before = [throttling.counter(scope, value, "THROTTLE_IP").ident for scope, value in
                  (("account", f"name:{self.EMAIL}"), ("ip", self.IP), ("client", self.IP))]  # fmt: skip
        settings.SECRET_KEY = "another-secret-key-" + "x" * 40
        after = [throttling.counter(scope, value, "THROTTLE_IP").ident for scope, value in
                 (("account", f"name:{self.EMAIL}"), ("ip", self.IP), ("client", self.IP))]  # fmt: skip
        assert all(a != b for a, b in zip(before, after, strict=True))
        assert len(set(before)) == 3  # scopes are part of the message: one address, two counters

    def test_digest_is_an_hmac_under_a_key_derived_from_secret_key(self, settings):
        key = hmac.new(settings.SECRET_KEY.encode(), b"flex_auth_django throttle key", hashlib.sha256).digest()
        expected = hmac.new(key, b"ip\x00192.0.2.1", hashlib.sha256).hexdigest()[:32]
        assert throttling.digest("ip", self.IP) == expected


@pytest.fixture
def limits(settings):
    settings.FLEX_AUTH = {
        **settings.FLEX_AUTH,
        "THROTTLE_USERNAME": (3, WINDOW),
        "THROTTLE_ACCOUNT": (4, WINDOW),
        "THROTTLE_IP": (5, WINDOW),
    }


@pytest.fixture
def store_calls(monkeypatch):
    """Every call into the throttle store, in order: "read", "charge" or "settle"."""
    calls = []
    real = throttling.guards.store

    def spy():
        store = real()

        class Spy:
            def get_many(self, keys):
                calls.append("read")
                return store.get_many(keys)

            def incr_many(self, charges):
                calls.append("charge")
                return store.incr_many(charges)

            def settle(self, delete, decrement):
                calls.append("settle")
                return store.settle(delete, decrement)

        return Spy()

    monkeypatch.setattr(throttling.guards, "store", spy)
    return calls


ALICE = "user:1"


def fail(account: str = ALICE, ip: str = "192.0.2.1") -> None:
    throttling.guard_password(account, ip).failed()


@pytest.mark.usefixtures("limits")
class TestCharging:
    """Against local memory and the real Redis, with the clock moved by hand."""

    def test_the_limit_th_failure_is_allowed_and_the_next_refused(self, throttle_cache, clock):
        for _ in range(3):
            fail()
        with pytest.raises(TooManyRequests) as refused:
            throttling.guard_password(ALICE, "192.0.2.1")
        assert refused.value.reason == "account_ip"
        assert refused.value.headers["Retry-After"] == str(WINDOW + 1)

    def test_other_usernames_are_not_affected(self, throttle_cache, clock):
        for _ in range(3):
            fail(ALICE)
        throttling.guard_password("user:2", "192.0.2.1").failed()

    def test_the_ip_counter_spans_usernames(self, throttle_cache, clock):
        for n in range(5):
            fail(f"user:{n + 10}")
        with pytest.raises(TooManyRequests) as refused:
            throttling.guard_password("user:99", "192.0.2.1")
        assert refused.value.reason == "ip"
        throttling.guard_password("user:99", "192.0.2.2").failed()  # another address is fine

    def test_a_refused_attempt_is_not_counted(self, throttle_cache, clock):
        for _ in range(3):
            fail()
        for _ in range(20):
            with pytest.raises(TooManyRequests):
                throttling.guard_password(ALICE, "192.0.2.1")
        clock.advance(2 * WINDOW)
        fail()  # open again, and the 20 refusals left nothing behind
        fail()
        fail()

    def test_windows_expire_by_the_clock(self, throttle_cache, clock):
        for _ in range(3):
            fail()
        clock.advance(WINDOW)  # the failures are now the previous window, at full weight
        with pytest.raises(TooManyRequests) as refused:
            throttling.guard_password(ALICE, "192.0.2.1")
        clock.advance(int(refused.value.headers["Retry-After"]) - 1)
        with pytest.raises(TooManyRequests):
            throttling.guard_password(ALICE, "192.0.2.1")
        clock.advance(1)
        fail()  # exactly Retry-After seconds later: allowed

    def test_no_burst_at_a_window_boundary(self, throttle_cache, clock):
        clock.advance(WINDOW - 1)  # the last second of a window
        for _ in range(3):
            fail()
        clock.advance(2)  # a new fixed window, but the failures are two seconds old
        allowed = 0
        with pytest.raises(TooManyRequests):
            for _ in range(3):
                fail()
                allowed += 1
        assert allowed == 1  # the old failures weigh 898/900: room for one, not a fresh limit of 3

    def test_a_success_resets_the_account_ip_pair_but_only_refunds_the_account_and_the_ip(self, throttle_cache, clock):
        for _ in range(2):
            fail()
        throttling.guard_password(ALICE, "192.0.2.1").succeeded()
        fail()  # the pair starts over; the account holds 3 failures (2 + 1), the IP 3 as well
        with pytest.raises(TooManyRequests) as refused:
            fail(ALICE, "192.0.2.2")  # the account's 4th failure is allowed ...
            throttling.guard_password(ALICE, "192.0.2.3")  # ... and then the ceiling refuses every address
        assert refused.value.reason == "account"
        fail("user:2", "192.0.2.1")
        fail("user:2", "192.0.2.1")  # the IP's 5th failure (3 + 2): the success was refunded, not counted
        with pytest.raises(TooManyRequests) as refused:
            throttling.guard_password("user:3", "192.0.2.1")
        assert refused.value.reason == "ip"

    def test_the_pair_limit_leaves_other_addresses_their_own(self, throttle_cache, clock):
        for _ in range(3):
            fail(ALICE, "192.0.2.1")
        with pytest.raises(TooManyRequests) as refused:
            throttling.guard_password(ALICE, "192.0.2.1")
        assert refused.value.reason == "account_ip"
        throttling.guard_password(ALICE, "192.0.2.2").succeeded()  # the account (3 of 4) still has room

    def test_refund_takes_the_charge_back(self, throttle_cache, clock):
        for _ in range(2):
            fail()
        throttling.guard_password(ALICE, "192.0.2.1").refund()
        fail()  # the third failure, not the fourth
        with pytest.raises(TooManyRequests):
            throttling.guard_password(ALICE, "192.0.2.1")

    def test_counters_live_in_the_configured_cache(self, throttle_cache, clock):
        fail()
        c = throttling.counter("account", ALICE, "THROTTLE_ACCOUNT")
        assert throttle_cache.get(c.keys(int(clock()))[0]) == 1
        assert caches["default"].get(c.keys(int(clock()))[0]) is None

    def test_disabled_throttling_counts_nothing(self, throttle_cache, clock, settings, store_calls):
        at = int(clock())
        keys = [
            key
            for c in (
                throttling.counter("account", ALICE, "THROTTLE_ACCOUNT"),
                throttling.counter("ip", "192.0.2.1", "THROTTLE_IP"),
            )
            for key in c.keys(at)
        ]
        enabled = settings.FLEX_AUTH
        settings.FLEX_AUTH = {**enabled, "THROTTLE_ENABLED": False}
        for _ in range(10):  # far past every limit (3, 4, 5): never refused
            fail()
        assert store_calls == []  # the store is never read, charged or settled
        assert throttle_cache.get_many(keys) == {}  # no counter exists
        settings.FLEX_AUTH = enabled  # back on: the ten failures left nothing behind, the limit is whole
        for _ in range(3):
            fail()
        with pytest.raises(TooManyRequests):
            throttling.guard_password(ALICE, "192.0.2.1")


RACES = {
    # name: (account of thread n, address of thread n, the limit that binds)
    "one account, one address": (lambda n: ALICE, lambda n: "192.0.2.1", 3),  # THROTTLE_USERNAME
    "one account, 30 addresses": (lambda n: ALICE, lambda n: f"192.0.2.{n}", 4),  # THROTTLE_ACCOUNT
    "30 accounts, one address": (lambda n: f"user:{n}", lambda n: "192.0.2.1", 5),  # THROTTLE_IP
}


@pytest.mark.usefixtures("limits")
@pytest.mark.parametrize("race", list(RACES))
def test_concurrent_attempts_are_admitted_exactly_up_to_the_limit(throttle_cache, clock, race):
    """30 threads race for one counter with room for 3, 4 or 5: the atomic incr admits exactly that many."""
    account_of, address_of, limit = RACES[race]
    threads, barrier = 30, threading.Barrier(30)
    admitted, refused, errors = [], [], []

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            guard = throttling.guard_password(account_of(n), address_of(n))
            admitted.append(guard)
        except TooManyRequests:
            refused.append(n)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            caches.close_all()

    workers = [threading.Thread(target=attempt, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert errors == []
    assert len(admitted) == limit
    assert len(refused) == threads - limit


@pytest.mark.usefixtures("limits")
@pytest.mark.redis
def test_redis_counts_with_incr_and_expires_keys(redis_throttle_cache, clock):
    """On Redis a counter is a plain integer (INCR-able) with a TTL, so it never outlives its use."""
    fail()
    fail()
    c = throttling.counter("account", ALICE, "THROTTLE_ACCOUNT")
    key = redis_throttle_cache.make_and_validate_key(c.keys(int(clock()))[0])
    client = redis_throttle_cache._cache.get_client(key)
    assert client.get(key) == b"2"
    assert WINDOW < client.ttl(key) <= c.timeout


class TestCacheFailure:
    def test_closed_by_default_refuses_with_503(self, dead_throttle_cache, clock):
        with pytest.raises(TemporarilyUnavailable) as refused:
            throttling.guard_password(ALICE, "192.0.2.1")
        assert refused.value.status_code == 503
        assert "Retry-After" in refused.value.headers

    def test_open_lets_the_attempt_through(self, dead_throttle_cache, clock, settings):
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "THROTTLE_CACHE_FAILURE": "open"}
        guard = throttling.guard_password(ALICE, "192.0.2.1")
        guard.failed()
        guard.succeeded()  # settling against a dead cache does not raise either


class TestClientSecretsAreCountedOnFailure:
    """A right secret costs one counter read and no write; a wrong one adds one write."""

    @pytest.mark.django_db
    def test_right_secret_reads_once_and_writes_nothing(self, token_endpoint, integration_app, store_calls):
        response = token_endpoint.post(
            {
                "client_id": str(integration_app.client_id),
                "grant_type": "client_credentials",
                "client_secret": integration_app.secret,
            }
        )
        assert response.status_code == 200
        assert store_calls == ["read"]

    @pytest.mark.django_db
    def test_wrong_secret_reads_then_counts(self, token_endpoint, integration_app, store_calls):
        response = token_endpoint.post(
            {
                "client_id": str(integration_app.client_id),
                "grant_type": "client_credentials",
                "client_secret": "flxs_wrong",
            }
        )
        assert response.status_code == 401
        assert store_calls == ["read", "charge"]
