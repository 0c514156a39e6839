"""What each process holds in memory for the hot paths stays under its bounds, whatever clients send;
the memory answers without queries, follows the shared change log within the interval, and while
the shared cache cannot be reached every check asks the database (fail closed)."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from flex_auth_django import applications, tokens
from flex_auth_django.models import Application
from flex_auth_django.state import applications as held_applications
from flex_auth_django.state import log, sync
from flex_auth_django.tokens import remembered, standing
from flex_auth_django.tokens.formats import signed
from tests.cache_fixtures import closed_port
from tests.factories import ApplicationFactory, UserFactory
from tests.helpers import login

pytestmark = pytest.mark.django_db


def selects(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]


def anonymous_token(app: Application) -> str:
    return signed.mint(app, kind="anonymous", scope="public-read")[0]


class _KeyedMac:
    """HMAC-SHA256 in place of ECDSA's arithmetic, for the million-token test only: ECDSA would take
    minutes for a million signatures and checks; every other step of minting and checking runs as
    in production (parsing, claims, the per-process caches, the revocation check)."""

    def sign(self, message: bytes, key) -> bytes:
        return hmac.new(b"test", message, hashlib.sha256).digest()

    def verify(self, message: bytes, key, signature: bytes) -> bool:
        return hmac.compare_digest(self.sign(message, key), signature)


def test_a_million_distinct_signed_tokens_leave_every_holding_under_its_bound(settings):
    if connection.vendor != "sqlite":
        # What it holds is memory, not rows (its only writes are the 100 revocations), and it
        # takes a minute: once per CI run is enough, as for the faults test.
        pytest.skip("runs in the SQLite pass of make test")
    app = ApplicationFactory()
    fast = _KeyedMac()
    revoked: list[str] = []
    # The periodic full reload (every 300 s) would read the application again on a slow machine.
    with (
        mock.patch.dict(signed._ALGORITHMS, {"ES256": fast, "RS256": fast}),
        mock.patch.object(sync, "FULL_RELOAD_AFTER", 10**9),
    ):
        assert tokens.live_access(anonymous_token(app)) is not None  # warm: the application is held
        with CaptureQueriesContext(connection) as checks:
            for round_ in range(100):
                for _ in range(10_000):
                    assert tokens.live_access(anonymous_token(app)) is not None
                raw = anonymous_token(app)
                signed.SignedFormat().revoke(tokens.live_access(raw), timezone.now())
                revoked.append(raw)
                assert len(signed._verified) <= signed.VERIFIED_CACHE_SIZE
                assert held_applications.sizes()["states"] == 1
                assert standing.sizes()["revoked"] == round_ + 1
        assert all(tokens.live_access(raw) is None for raw in revoked)
    # A million checks, a hundred revocations: only the revocations' own statements ran.
    assert [sql for sql in selects(checks) if "signedrevocation" not in sql] == [], selects(checks)[:5]
    assert len(signed._verified) <= signed.VERIFIED_CACHE_SIZE
    assert standing.sizes() == {"revoked": 100, "overflow": 0}


def test_a_hundred_thousand_unknown_client_ids_cost_no_query_and_hold_nothing():
    app = ApplicationFactory()
    assert applications.find(str(app.client_id)) == app
    assert applications.find(str(uuid.uuid4())) is None  # the first one loads the set of client IDs
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(100_000):
            assert applications.find(str(uuid.uuid4())) is None
    assert ctx.captured_queries == []
    assert held_applications.sizes() == {"states": 1, "unknown": 0, "known": 1}


def test_unknown_client_ids_at_the_token_endpoint_cost_no_query(token_endpoint, marketplace_app):
    body = {"client_id": str(marketplace_app.client_id), "grant_type": "client_credentials"}
    assert token_endpoint.post(body).status_code == 200
    assert token_endpoint.post({**body, "client_id": str(uuid.uuid4())}).status_code == 401
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(200):
            response = token_endpoint.post({**body, "client_id": str(uuid.uuid4())})
            assert response.status_code == 401 and response.json()["error"] == "invalid_client"
        assert token_endpoint.post(body).status_code == 200
    assert ctx.captured_queries == []


def test_a_new_application_is_found_at_once_by_the_process_that_made_it():
    ApplicationFactory()
    assert applications.find(str(uuid.uuid4())) is None  # the set of client IDs is loaded now
    app = ApplicationFactory()
    assert applications.find(str(app.client_id)) == app


def test_beyond_known_client_ids_max_refused_ids_are_remembered_up_to_their_bound(settings):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "KNOWN_CLIENT_IDS_MAX": 1, "UNKNOWN_CLIENT_IDS_CACHE_SIZE": 100}
    first, second = ApplicationFactory(), ApplicationFactory()
    ids = [str(uuid.uuid4()) for _ in range(1000)]
    for client_id in ids:
        assert applications.find(client_id) is None
    assert held_applications.sizes()["unknown"] == 100
    with CaptureQueriesContext(connection) as ctx:
        for client_id in ids[-100:]:  # the most recent ones are remembered: no query
            assert applications.find(client_id) is None
    assert ctx.captured_queries == []
    assert applications.find(str(first.client_id)) == first and applications.find(str(second.client_id)) == second


def test_application_states_are_bounded_and_least_recently_used_go_first(settings):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "APPLICATION_CACHE_SIZE": 5}
    apps = [ApplicationFactory() for _ in range(20)]
    for app in apps:
        assert applications.find(str(app.client_id)) == app
    assert held_applications.sizes()["states"] == 5
    with CaptureQueriesContext(connection) as ctx:
        for app in apps[-5:]:
            assert applications.find(str(app.client_id)) == app
    assert ctx.captured_queries == []


def test_each_lookup_gets_its_own_instance():
    app = ApplicationFactory()
    found = applications.find(str(app.client_id))
    found.is_active = False  # a caller's change to its instance is not what the next request sees
    assert applications.find(str(app.client_id)).is_active is True


def test_opaque_token_rows_are_bounded_and_answer_without_a_query(settings, token_endpoint, marketplace_app):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "ACCESS_TOKEN_CACHE_SIZE": 10}
    users = [UserFactory() for _ in range(30)]
    raws = [login(token_endpoint, marketplace_app, user)["access_token"] for user in users]
    for raw in raws:
        assert tokens.live_access(raw) is not None
    assert remembered.size() == 10
    with CaptureQueriesContext(connection) as ctx:
        for raw, user in zip(raws[-10:], users[-10:], strict=True):
            token = tokens.live_access(raw)
            assert token.user == user and token.application == marketplace_app
    assert ctx.captured_queries == []


def test_revocations_beyond_their_bound_are_checked_in_the_shared_cache(settings, marketplace_app):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "REVOKED_TOKENS_CACHE_SIZE": 3}
    raws = [anonymous_token(marketplace_app) for _ in range(6)]
    for raw in raws[:5]:
        tokens.revoke_token(raw, application=marketplace_app)
    assert standing.sizes() == {"revoked": 0, "overflow": 1}
    assert [tokens.live_access(raw) is None for raw in raws] == [True] * 5 + [False]
    sync.reset()  # a new process: more live revocations than it may hold, from the start
    assert [tokens.live_access(raw) is None for raw in raws] == [True] * 5 + [False]
    assert standing.sizes()["overflow"] == 1


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    fake = Clock()
    with mock.patch.object(sync.time, "monotonic", fake):
        yield fake


def test_another_process_s_change_applies_here_within_the_interval(clock, marketplace_app):
    """What another process announces (its database write, then the log) is not seen before this
    process's next read of the log, and is seen right after it."""
    raw = anonymous_token(marketplace_app)
    assert tokens.live_access(raw) is not None
    Application.objects.filter(pk=marketplace_app.pk).update(is_active=False)  # the other process's write
    log.append([held_applications.change_of(marketplace_app)])  # ... and its announcement
    clock.now += 0.5
    assert tokens.live_access(raw) is not None  # within the interval: this process has not read yet
    clock.now += 0.5
    assert tokens.live_access(raw) is None
    assert applications.find(str(marketplace_app.client_id)).is_active is False


def test_a_revocation_by_another_process_reaches_the_opaque_rows_held_here(
    clock, token_endpoint, marketplace_app, user
):
    raw = login(token_endpoint, marketplace_app, user)["access_token"]
    token = tokens.live_access(raw)
    from flex_auth_django.models import AccessToken

    AccessToken.objects.filter(pk=token.pk).update(revoked=timezone.now())
    log.append([remembered.token_revoked(token.pk)])
    assert tokens.live_access(raw) is not None
    clock.now += 1
    assert tokens.live_access(raw) is None


def test_a_lost_log_makes_every_process_reload_from_the_database(clock, marketplace_app):
    raw = anonymous_token(marketplace_app)
    assert tokens.live_access(raw) is not None
    Application.objects.filter(pk=marketplace_app.pk).update(is_active=False)
    from django.core.cache import caches

    caches[log.cache_alias()].clear()  # a flushed or restarted Redis: the announcement is gone with it
    log.append([("nothing", "of this test")])  # a new sequence started meanwhile
    clock.now += 1
    assert tokens.live_access(raw) is None


def test_with_nothing_ever_announced_what_a_process_holds_outlives_each_read_of_the_log(
    clock, token_endpoint, marketplace_app, user
):
    """A new site (or a new Redis) where nothing was announced yet has no log: its processes keep
    what they hold across their reads of it, rather than reloading from the database each interval."""
    from django.core.cache import caches

    raw = login(token_endpoint, marketplace_app, user)["access_token"]
    caches[log.cache_alias()].clear()
    sync.reset()  # a new process, on a cache that holds no log
    for _ in range(2):  # its first read of the log; the row, then its application, one query each
        assert tokens.live_access(raw) is not None
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            clock.now += 1
            assert tokens.live_access(raw) is not None
    assert ctx.captured_queries == []


def test_a_flushed_cache_makes_a_process_reload_even_when_nothing_was_announced_since(clock, marketplace_app):
    from django.core.cache import caches

    raw = anonymous_token(marketplace_app)
    assert tokens.live_access(raw) is not None
    clock.now += 1
    assert tokens.live_access(raw) is not None  # a read of the log: this process has its place
    Application.objects.filter(pk=marketplace_app.pk).update(is_active=False)
    caches[log.cache_alias()].clear()  # the announcement of that write is lost, and no one writes again
    clock.now += 1
    assert tokens.live_access(raw) is None


def test_with_the_shared_cache_down_every_check_asks_the_database(
    clock, settings, token_endpoint, marketplace_app, user
):
    visitor = anonymous_token(marketplace_app)
    session = login(token_endpoint, marketplace_app, user)
    assert tokens.live_access(visitor) is not None and tokens.live_access(session["access_token"]) is not None
    settings.CACHES = {
        **settings.CACHES,
        "dead": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    with mock.patch.object(log, "cache_alias", return_value="dead"):
        clock.now += 1
        # Another process revokes while nothing can be announced: only the database knows.
        Application.objects.filter(pk=marketplace_app.pk).update(is_active=False)
        with CaptureQueriesContext(connection) as ctx:
            assert tokens.live_access(visitor) is None
            assert tokens.live_access(session["access_token"]) is None
            assert applications.find(str(marketplace_app.client_id)).is_active is False
        assert len(selects(ctx)) >= 3  # each asked the database
        Application.objects.filter(pk=marketplace_app.pk).update(is_active=True)
        assert tokens.live_access(visitor) is not None  # the database says live: live (never a 500)
        # A revocation made here while the cache is down applies here, and goes out once it is back.
        tokens.revoke_token(visitor, application=marketplace_app)
        assert tokens.live_access(visitor) is None
    clock.now += 1
    assert tokens.live_access(visitor) is None  # back: everything held was dropped and reloaded
    assert tokens.live_access(session["access_token"]) is not None


def test_a_revocation_announced_while_a_row_is_read_is_not_lost(token_endpoint, marketplace_app, user):
    from flex_auth_django.models import AccessToken

    raw = login(token_endpoint, marketplace_app, user)["access_token"]
    original = remembered.by_digest

    def racing(*args, **kwargs):
        found = original(*args, **kwargs)  # read live; then another thread revokes and announces it
        AccessToken.objects.filter(pk=found.pk).update(revoked=timezone.now())
        sync.publish(remembered.token_revoked(found.pk))
        return found

    with mock.patch.object(remembered, "by_digest", racing):
        assert tokens.live_access(raw) is not None  # this request read it before the revocation
    assert tokens.live_access(raw) is None  # what it read was not kept
    assert remembered.size() == 1  # the row as it is now
