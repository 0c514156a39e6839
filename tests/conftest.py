"""Shared fixtures: applications, users, a token-endpoint client, a clean cache per test (helpers: tests/helpers.py)."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from flex_auth_django.settings import flex_settings
from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.helpers import INTROSPECT_URL, REVOKE_URL, TOKEN_URL, Endpoint

pytest_plugins = ["tests.cache_fixtures", "tests.hypothesis_profiles", "tests.idp_fixtures"]


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL (DATABASE_URL): on SQLite they are skipped, here only."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs DATABASE_URL pointing at PostgreSQL")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


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
