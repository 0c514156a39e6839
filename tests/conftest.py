"""Shared fixtures: applications, users, a token-endpoint client, a clean cache per test."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
from django.core.cache import caches

from flex_auth_django.settings import flex_settings
from tests.factories import PASSWORD, ApplicationFactory, UserFactory

pytest_plugins = ["tests.cache_fixtures", "tests.hypothesis_profiles", "tests.idp_fixtures"]

TOKEN_URL = "/oauth/token"
SDK_TOKEN_URL = "/v1/auth/token"
REVOKE_URL = "/oauth/revoke"
INTROSPECT_URL = "/oauth/introspect"
FORM = "application/x-www-form-urlencoded"


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL (DATABASE_URL): on SQLite they are skipped, here only."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs DATABASE_URL pointing at PostgreSQL")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


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


def basic(client_id, secret) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


class Endpoint:
    """Posts form bodies the way the SDKs do, to one endpoint."""

    def __init__(self, client, url: str) -> None:
        self.client = client
        self.url = url

    def post(self, params=None, *, body: str | bytes | None = None, content_type: str = FORM, **headers):
        data = body if body is not None else urlencode(params or {}, doseq=True)
        return self.client.generic("POST", self.url, data, content_type=content_type, **headers)


@pytest.fixture
def token_endpoint(client):
    return Endpoint(client, TOKEN_URL)


@pytest.fixture
def revoke_endpoint(client):
    return Endpoint(client, REVOKE_URL)


@pytest.fixture
def introspect_endpoint(client):
    return Endpoint(client, INTROSPECT_URL)


def login(token_endpoint, app, user, password=PASSWORD) -> dict:
    response = token_endpoint.post(
        {"client_id": str(app.client_id), "grant_type": "password", "username": user.email, "password": password}
    )
    assert response.status_code == 200, response.content
    return response.json()


def exchange(app, subject_token, grant_type="token_exchange", **extra) -> dict:
    """A token-exchange request body for `app` (with its secret); None values are left out."""
    params = {
        "client_id": str(app.client_id),
        "client_secret": app.secret,
        "grant_type": grant_type,
        "subject_token": subject_token,
        **extra,
    }
    return {k: v for k, v in params.items() if v is not None}
