"""The provider-key cache over HTTP: rotation, the refetch cooldown, stale-if-error, outages, TTLs, sharing."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from flex_auth_django.idp import documents
from flex_auth_django.idp.documents import document_cache, ttl_from
from tests.factories import ApplicationFactory
from tests.helpers import Endpoint
from tests.idp_fixtures import IDP_URL, idp_params

pytestmark = pytest.mark.django_db

JWKS = "/jwks.json"
DISCOVERY = "/.well-known/openid-configuration"


class Clock:
    def __init__(self, monkeypatch) -> None:
        import time

        self.now = time.time()
        monkeypatch.setattr(documents, "clock", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def signin(client, oidc_idp, local_idp, verified_user):
    app = ApplicationFactory()
    user = verified_user()
    endpoint = Endpoint(client, IDP_URL)

    def post(**claims):
        kid = claims.pop("kid", "")
        return endpoint.post(idp_params(app, oidc_idp, local_idp.mint(kid=kid, email=user.email, **claims))).status_code

    return post


def test_keys_and_discovery_are_fetched_once_for_many_requests(signin, local_idp):
    assert [signin(sub=f"s{n}") for n in range(5)] == [200] * 5
    assert (local_idp.hits[DISCOVERY], local_idp.hits[JWKS]) == (1, 1)


def test_a_rotated_key_is_fetched_once_and_the_old_key_keeps_working(signin, local_idp):
    assert signin() == 200
    local_idp.rotate()
    assert signin() == 200  # new kid: one refetch
    assert signin() == 200
    assert local_idp.hits[JWKS] == 2
    assert signin(kid="key-1", key=local_idp.published[0][1]) == 200
    assert local_idp.hits[JWKS] == 2


def test_unknown_kids_refetch_at_most_once_per_30_seconds(signin, local_idp, clock):
    assert signin() == 200
    assert [signin(kid=f"made-up-{n}") for n in range(5)] == [401] * 5
    assert local_idp.hits[JWKS] == 2  # the first fetch and one refetch
    clock.advance(20)
    assert signin(kid="made-up-again") == 401
    assert local_idp.hits[JWKS] == 2
    clock.advance(11)
    assert signin(kid="made-up-later") == 401
    assert local_idp.hits[JWKS] == 3


def test_a_key_rotated_within_the_cooldown_is_picked_up_after_it(signin, local_idp, clock):
    assert signin() == 200
    local_idp.rotate()
    assert signin() == 200  # the forced refetch: the cooldown runs from here
    local_idp.rotate()
    assert signin() == 401  # another new kid under 30 s later: no refetch
    clock.advance(31)
    assert signin() == 200
    assert local_idp.hits[JWKS] == 3


def test_expired_keys_keep_working_when_the_refetch_fails(signin, local_idp, clock):
    assert signin() == 200
    clock.advance(3600 + 1)  # past the max-age
    local_idp.outage = True
    assert signin() == 200  # stale-if-error
    assert signin() == 200  # and no second attempt within the cooldown
    assert local_idp.hits[JWKS] == 2
    local_idp.outage = False
    clock.advance(31)
    assert signin() == 200
    assert local_idp.hits[JWKS] == 3


def test_the_provider_down_with_nothing_cached_is_503_then_recovers(signin, local_idp, clock):
    local_idp.outage = True
    assert signin() == 503
    assert signin() == 503
    assert local_idp.hits[DISCOVERY] == 1  # backed off: the second 503 did not wait for a fetch
    local_idp.outage = False
    clock.advance(documents.FAILURE_BACKOFF + 1)
    assert signin() == 200


def test_cache_control_max_age_is_bounded_below(signin, local_idp, clock):
    local_idp.cache_control = "public, max-age=10"
    assert signin() == 200
    clock.advance(200)
    assert signin() == 200
    assert local_idp.hits[JWKS] == 1
    clock.advance(101)  # 301 s: past the 5-minute floor
    assert signin() == 200
    assert local_idp.hits[JWKS] == 2


def test_other_processes_share_the_documents_through_djangos_cache(signin, local_idp):
    assert signin() == 200
    document_cache._documents.clear()  # a new process: nothing in its memory
    assert signin() == 200
    assert (local_idp.hits[DISCOVERY], local_idp.hits[JWKS]) == (1, 1)
    caches["default"].clear()
    document_cache.clear()
    assert signin() == 200
    assert local_idp.hits[JWKS] == 2


@pytest.mark.parametrize(
    ("header", "ttl"),
    [
        ("public, max-age=3600", 3600),
        ("max-age=10", 300),
        ("max-age=99999999", 86400),
        ('max-age="1200", must-revalidate', 1200),
        ("no-store", 300),
        ("no-cache, max-age=5000", 300),
        ("", 3600),
        ("s-maxage=100", 3600),
        ("Cache-Control: max-age=600", 600),
    ],
)
def test_ttl_from_cache_control(header, ttl):
    assert ttl_from(header) == ttl
