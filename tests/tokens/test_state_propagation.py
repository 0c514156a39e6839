"""Revocation propagation (spec: Token formats and signing keys): two real servers on one PostgreSQL
database and one Redis, each holding applications and tokens in memory. Every revocation path is
refused at once by the process that made it and by the other within STATE_REFRESH_INTERVAL; with
Redis down, each request asks the database (fail closed), and never answers 500. The client-secret
throttle's memo of clean addresses is held to the same interval.

The bound polled is the interval plus two seconds of slack for a loaded machine: it checks the
contract (refused within the bound), never how fast anything is.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest

from tests.cache_fixtures import REDIS_URL, redis_reachable
from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.helpers import password_grant
from tests.serving import ExampleSite
from tests.tokens.test_signed_cross_process import call

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

INTERVAL = 1.0
BOUND = INTERVAL + 2.0
ANONYMOUS_API = "/v1/api/marketplace/show"
USER_API = "/v1/api/current_user/show"
INTEGRATION_API = "/v1/integration_api/marketplace/show"


def start_two(tmp_path, redis_url: str, **env: str) -> tuple[ExampleSite, ExampleSite]:
    sites = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        site = ExampleSite(
            tmp_path / name,
            share_test_database=True,
            REDIS_URL=redis_url,
            FLEX_STATE_REFRESH_INTERVAL=str(INTERVAL),
            **env,
        )
        sites.append(site)
    return sites[0], sites[1]


@pytest.fixture(params=["opaque", "signed"])
def two_sites(request, tmp_path):
    """Servers a and b; user tokens in the format of the parameter (anonymous, integration: signed)."""
    if not redis_reachable():
        pytest.skip(f"needs Redis at {REDIS_URL}")
    env = {"FLEX_ACCESS_TOKEN_FORMATS": "user=signed,trusted_user=signed"} if request.param == "signed" else {}
    a, b = start_two(tmp_path, REDIS_URL, **env)
    with a, b:
        a.start()
        b.start()
        yield a, b


def status(site: ExampleSite, path: str, raw: str) -> int:
    code = call(f"{site.base}{path}", bearer=raw)[0]
    assert code in (200, 401), code  # never a 500 or a 503 here
    return code


def refused_within(check: Callable[[], int], what: str, bound: float = BOUND) -> None:
    """`check()` answers 401 before `bound` seconds have passed (polled; 200 meanwhile is allowed)."""
    deadline = time.monotonic() + bound
    while True:
        code = check()
        if code == 401:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {code} after {bound} s")
        time.sleep(0.1)


def operator(site: ExampleSite, code: str) -> None:
    """An operator's own process (the admin's services, from a shell): what it changes it must
    refuse at once itself (the code asserts that)."""
    site.manage(
        "shell",
        "-c",
        "from flex_auth_django import applications, tokens\nfrom flex_auth_django.models import Session\n" + code,
    )


def site_user():
    """A user whose password the example site's own hashers check (the suite's are faster)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user = UserFactory()
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, uuid.uuid4().hex, iterations=1000)
    user.save(update_fields=["password"])
    return user


def site_login(site: ExampleSite, app, user) -> dict:
    """The password login (tests/helpers.py's body) against a live site."""
    code, body = site.token(**password_grant(app, user.email))
    assert code == 200, body
    return body


def anonymous(site: ExampleSite, app) -> str:
    code, body = site.token(client_id=str(app.client_id), grant_type="client_credentials")
    assert code == 200, body
    return body["access_token"]


def warm(a: ExampleSite, b: ExampleSite, path: str, raw: str) -> None:
    """Both servers accept the token first, so each holds what it needs to check it in memory."""
    assert status(a, path, raw) == 200 and status(b, path, raw) == 200


def test_every_revocation_path_reaches_the_other_server_within_the_interval(two_sites):
    a, b = two_sites

    # Logout as the SDK does it: the refresh token, with the access token as Bearer, on a.
    app, user = ApplicationFactory(), site_user()
    session = site_login(a, app, user)
    warm(a, b, USER_API, session["access_token"])
    revoke = {"token": session["refresh_token"]}
    assert call(f"{a.base}/v1/auth/revoke", params=revoke, bearer=session["access_token"])[0] == 200
    assert status(a, USER_API, session["access_token"]) == 401  # at once where it was made
    refused_within(lambda: status(b, USER_API, session["access_token"]), "logout")

    # Revoking one access token (RFC 7009, client credentials), on a.
    session = site_login(a, app, user)
    warm(a, b, USER_API, session["access_token"])
    revoke = {"client_id": str(app.client_id), "client_secret": app.secret, "token": session["access_token"]}
    assert call(f"{a.base}/oauth/revoke", params=revoke)[0] == 200
    assert status(a, USER_API, session["access_token"]) == 401
    refused_within(lambda: status(b, USER_API, session["access_token"]), "token revoke")

    # Refresh token reuse: the token two rotations back presented again ends the session.
    first = site_login(a, app, user)
    refresh = {"client_id": str(app.client_id), "grant_type": "refresh_token"}
    second = a.token(**refresh, refresh_token=first["refresh_token"])[1]
    third = a.token(**refresh, refresh_token=second["refresh_token"])[1]
    warm(a, b, USER_API, third["access_token"])
    assert a.token(**refresh, refresh_token=first["refresh_token"])[0] == 401
    assert status(a, USER_API, third["access_token"]) == 401
    refused_within(lambda: status(b, USER_API, third["access_token"]), "refresh reuse detection")

    # An operator ends a user's session (the admin's sessions page) in a process of its own.
    session = site_login(a, app, user)
    warm(a, b, USER_API, session["access_token"])
    raw = session["access_token"]
    operator(
        a,
        f"assert tokens.live_access({raw!r}) is not None\n"
        f"assert tokens.revoke_sessions(Session.objects.live().filter(user_id={user.pk}))\n"
        f"assert tokens.live_access({raw!r}) is None\n",
    )
    refused_within(lambda: status(a, USER_API, raw), "session revoke (a)")
    refused_within(lambda: status(b, USER_API, raw), "session revoke (b)")

    # Deactivating the application: its anonymous and user tokens, and its client ID.
    app, user = ApplicationFactory(), site_user()
    visitor, session = anonymous(a, app), site_login(a, app, user)
    warm(a, b, ANONYMOUS_API, visitor)
    warm(a, b, USER_API, session["access_token"])
    operator(
        a,
        f"app = applications.find('{app.client_id}')\n"
        f"assert tokens.live_access({visitor!r}) is not None\n"
        "applications.set_active(app, False)\n"
        f"assert tokens.live_access({visitor!r}) is None\n"
        "assert applications.find(str(app.client_id)).is_active is False\n",
    )
    for site in (a, b):
        refused_within(lambda site=site: status(site, ANONYMOUS_API, visitor), f"deactivation ({site.base})")
        refused_within(lambda site=site: status(site, USER_API, session["access_token"]), "deactivation, user")
        refused_within(
            lambda site=site: site.token(client_id=str(app.client_id), grant_type="client_credentials")[0],
            "deactivation, client_credentials",
        )

    # "Revoke all tokens" of an application.
    app, user = ApplicationFactory(), site_user()
    visitor, session = anonymous(a, app), site_login(a, app, user)
    warm(a, b, ANONYMOUS_API, visitor)
    warm(a, b, USER_API, session["access_token"])
    operator(
        a,
        f"app = applications.find('{app.client_id}')\n"
        f"assert tokens.live_access({visitor!r}) is not None\n"
        "applications.revoke_tokens(app)\n"
        f"assert tokens.live_access({visitor!r}) is None\n"
        f"assert tokens.live_access({session['access_token']!r}) is None\n",
    )
    for site in (a, b):
        refused_within(lambda site=site: status(site, ANONYMOUS_API, visitor), "revoke all, anonymous")
        refused_within(lambda site=site: status(site, USER_API, session["access_token"]), "revoke all, user")
    # Tokens issued afterwards work: a signed token's iat is whole seconds, so one issued in the
    # same second as "revoke all" cannot be told from one issued just before it and is refused.
    time.sleep(1.05)
    assert status(b, ANONYMOUS_API, anonymous(b, app)) == 200

    # A new client secret: the old one is refused (integration client_credentials).
    integ = ApplicationFactory(integration=True)
    grant = {"client_id": str(integ.client_id), "grant_type": "client_credentials"}
    for site in (a, b):
        code, body = site.token(**grant, client_secret=integ.secret)
        assert code == 200, body
        assert status(site, INTEGRATION_API, body["access_token"]) == 200
    operator(
        a,
        f"app = applications.find('{integ.client_id}')\n"
        f"assert applications.verify_secret(app, {integ.secret!r})\n"
        "applications.regenerate_secret(app)\n"
        f"assert not applications.verify_secret(applications.find('{integ.client_id}'), {integ.secret!r})\n",
    )
    for site in (a, b):
        refused_within(lambda site=site: site.token(**grant, client_secret=integ.secret)[0], "secret regenerated")


def test_a_revocation_made_on_one_server_is_refused_at_once_there_and_soon_on_the_other_with_no_query_before(
    two_sites,
):
    """The anonymous (signed) path: nobody revoked anything, then one token is revoked on a."""
    a, b = two_sites
    app = ApplicationFactory()
    tokens = [anonymous(a, app) for _ in range(3)]
    for raw in tokens:
        warm(a, b, ANONYMOUS_API, raw)
    revoke = {"client_id": str(app.client_id), "token": tokens[0]}
    assert call(f"{a.base}/oauth/revoke", params=revoke)[0] == 200
    assert status(a, ANONYMOUS_API, tokens[0]) == 401
    refused_within(lambda: status(b, ANONYMOUS_API, tokens[0]), "anonymous token revoke")
    assert [status(site, ANONYMOUS_API, raw) for site in (a, b) for raw in tokens[1:]] == [200] * 4


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own on a free port, which the test stops (never the machine's)."""
    from bench.instances import InstanceError, Redis

    redis = Redis(tmp_path)
    try:
        redis.start()
    except (InstanceError, FileNotFoundError) as exc:
        pytest.skip(f"cannot start redis-server: {exc}")
    yield redis
    redis.stop()


def test_with_redis_down_each_request_asks_the_database_and_fails_closed(tmp_path, own_redis):
    a, b = start_two(tmp_path, own_redis.url)
    with a, b:
        a.start()
        b.start()
        app, user = ApplicationFactory(), site_user()
        doomed, kept = anonymous(a, app), anonymous(a, app)
        session = site_login(a, app, user)
        for raw in (doomed, kept):
            warm(a, b, ANONYMOUS_API, raw)
        warm(a, b, USER_API, session["access_token"])

        own_redis.stop()

        # Revoked while nothing can be told through Redis: the database has it, and both refuse it.
        assert call(f"{a.base}/oauth/revoke", params={"client_id": str(app.client_id), "token": doomed})[0] == 200
        assert status(a, ANONYMOUS_API, doomed) == 401
        refused_within(lambda: status(b, ANONYMOUS_API, doomed), "revoked with Redis down")
        # The operator's session revoke, from a third process that cannot reach Redis either.
        operator(a, f"assert tokens.revoke_sessions(Session.objects.live().filter(user_id={user.pk}))\n")
        for site in (a, b):
            refused_within(lambda site=site: status(site, USER_API, session["access_token"]), "session, Redis down")
            assert status(site, ANONYMOUS_API, kept) == 200  # what nobody revoked still works
        # A client ID that does not exist is still refused (no secret: no throttle counter needed).
        assert a.token(client_id=str(uuid.uuid4()), grant_type="client_credentials")[0] == 401
        assert b.token(client_id=str(app.client_id), grant_type="client_credentials")[0] == 200

        # Redis back, empty: what was revoked meanwhile stays refused; the rest works.
        own_redis.start()
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:  # let both notice Redis is back (their next read)
            time.sleep(0.2)
        for site in (a, b):
            assert status(site, ANONYMOUS_API, doomed) == 401
            assert status(site, USER_API, session["access_token"]) == 401
            assert status(site, ANONYMOUS_API, kept) == 200
        # And propagation works again through the new Redis.
        revoke = {"client_id": str(app.client_id), "token": kept}
        assert call(f"{b.base}/oauth/revoke", params=revoke)[0] == 200
        assert status(b, ANONYMOUS_API, kept) == 401
        refused_within(lambda: status(a, ANONYMOUS_API, kept), "after Redis came back")


def test_secret_failures_counted_on_one_server_throttle_the_other_within_the_interval(tmp_path):
    """The clean-address memo of the client-secret throttle (CLIENT_SECRET_CLEAN_IPS_CACHE_SIZE):
    a server that read an address's counter empty skips that read for STATE_REFRESH_INTERVAL,
    so failures counted by another server reach it within the interval, and never later."""
    if not redis_reachable():
        pytest.skip(f"needs Redis at {REDIS_URL}")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match="*:client:*"):  # earlier tests' secret failures from 127.0.0.1
        client.delete(key)
    a, b = start_two(tmp_path, REDIS_URL)
    with a, b:
        a.start()
        b.start()
        integ = ApplicationFactory(integration=True)
        grant = {"client_id": str(integ.client_id), "grant_type": "client_credentials"}
        assert a.token(**grant, client_secret=integ.secret)[0] == 200  # a now holds 127.0.0.1 as clean
        codes = []
        while len(codes) <= 100 and (not codes or codes[-1] == 401):
            codes.append(b.token(**grant, client_secret="flxs_wrong")[0])
        assert codes == [401] * 100 + [429]  # b counted them in Redis and refuses
        deadline = time.monotonic() + BOUND
        while (code := a.token(**grant, client_secret=integ.secret)[0]) == 200:
            assert time.monotonic() < deadline, f"a still answers 200 after {BOUND} s"
            time.sleep(0.1)
        assert code == 429
