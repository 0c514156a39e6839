"""Shared fixtures: applications, users, a token-endpoint client, a clean cache per test (helpers: tests/helpers.py)."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from flex_auth_django.settings import flex_settings
from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.helpers import INTROSPECT_URL, REVOKE_URL, TOKEN_URL, Endpoint

pytest_plugins = ["tests.cache_fixtures", "tests.hypothesis_profiles", "tests.idp_fixtures"]


def pytest_collection_modifyitems(config, items):
    """The environment marks that skip (pyproject.toml, tests/README.md): `postgres` on SQLite, `redis` when
    the test Redis does not answer. Decided here only, once per run."""
    from django.conf import settings

    from tests.cache_fixtures import REDIS_URL, redis_reachable

    on_postgres = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    needs_redis = any(item.get_closest_marker("redis") for item in items)
    redis_up = needs_redis and redis_reachable()
    no_postgres = pytest.mark.skip(reason="needs DATABASE_URL pointing at PostgreSQL")
    no_redis = pytest.mark.skip(reason=f"needs Redis at {REDIS_URL} (FLEX_TEST_REDIS_URL)")
    for item in items:
        if not on_postgres and item.get_closest_marker("postgres"):
            item.add_marker(no_postgres)
        if needs_redis and not redis_up and item.get_closest_marker("redis"):
            item.add_marker(no_redis)


@pytest.fixture(autouse=True, scope="session")
def _no_usage_timer():
    """No usage-counter timer in the test process, whatever a test sets FLEX_AUTH to: it would
    write from its own thread and connection, outside the tests' transactions. Tests that want
    the aggregates call usage.counters.flush()."""
    from flex_auth_django.usage.counters import counters

    counters.without_timer()


@pytest.fixture(autouse=True)
def _clean_cache():
    for alias in ("default",):
        caches[alias].clear()
    flex_settings.reload()
    yield
    caches["default"].clear()


@pytest.fixture
def token_formats(settings):
    """Set FLEX_AUTH['ACCESS_TOKEN_FORMATS'] for one test: token_formats(anonymous="opaque")."""

    def use(**formats: str) -> None:
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "ACCESS_TOKEN_FORMATS": formats}

    return use


@pytest.fixture
def all_opaque(token_formats):
    """Every kind opaque (stored as a digest), as before signed tokens existed."""
    token_formats(anonymous="opaque", user="opaque", trusted_user="opaque", integration="opaque")


@pytest.fixture
def all_signed(token_formats):
    """Every kind signed (never stored)."""
    token_formats(anonymous="signed", user="signed", trusted_user="signed", integration="signed")


@pytest.fixture
def marketplace_app(db):
    return ApplicationFactory()


@pytest.fixture
def integration_app(db):
    return ApplicationFactory(integration=True)


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def token_endpoint(client):
    return Endpoint(client, TOKEN_URL)


@pytest.fixture
def revoke_endpoint(client):
    return Endpoint(client, REVOKE_URL)


@pytest.fixture
def introspect_endpoint(client):
    return Endpoint(client, INTROSPECT_URL)
