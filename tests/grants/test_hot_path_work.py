"""What the two client_credentials paths do per request, counted, never timed.

Anonymous: with its application already in memory (the per-process application state of
issue 19; patched in here, so this pins what the token path itself adds), no database
statement and no cache operation at all. Integration: the secret's digest, the refresh
token's digest and INSERT, one signature, and the client-secret throttle's read only while
its IP has failures on record (nothing else: no other query, save, hash or cache call).
"""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from flex_auth_django import applications
from flex_auth_django.tokens import digests
from flex_auth_django.tokens.formats import signed
from tests.helpers import TOKEN_URL, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached_application(monkeypatch):
    """applications.find answered from memory for the apps a test names, as the per-process state does."""
    known: dict[str, object] = {}
    real = applications.find

    def find(client_id):
        return known[client_id] if client_id in known else real(client_id)

    monkeypatch.setattr(applications, "find", find)

    def remember(application) -> None:
        known[str(application.client_id)] = application

    return remember


class Calls:
    """Counts calls of the functions that cost: statements, cache operations, HMACs, signatures."""

    def __init__(self, monkeypatch) -> None:
        self.cache: list[str] = []
        self._in_cache = False
        self.macs = 0
        self.signatures = 0
        cache = caches["default"]
        for name in ("get", "get_many", "set", "set_many", "add", "incr", "delete", "delete_many", "touch"):
            monkeypatch.setattr(cache, name, self._count_cache(name, getattr(cache, name)))
        real_mac, es256 = digests._mac, signed._ALGORITHMS["ES256"]

        def mac(key, value):
            self.macs += 1
            return real_mac(key, value)

        def sign(message, key):
            self.signatures += 1
            return type(es256).sign(es256, message, key)

        monkeypatch.setattr(digests, "_mac", mac)
        monkeypatch.setattr(es256, "sign", sign)
        self.queries = CaptureQueriesContext(connection)

    def _count_cache(self, name, method):
        def counted(*args, **kwargs):
            outermost = not self._in_cache  # a backend's get_many may call its own get per key
            if outermost:
                self.cache.append(name)
            self._in_cache = True
            try:
                return method(*args, **kwargs)
            finally:
                self._in_cache = not outermost

        return counted

    def __enter__(self):
        self.queries.__enter__()
        return self

    def __exit__(self, *exc):
        self.queries.__exit__(*exc)

    @property
    def sql(self) -> list[str]:
        return [q["sql"] for q in self.queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_an_anonymous_token_for_a_cached_application_costs_no_statement_and_no_cache_call(
    token_endpoint, marketplace_app, cached_application, monkeypatch
):
    cached_application(marketplace_app)
    body = {"grant_type": "client_credentials", "client_id": str(marketplace_app.client_id)}
    assert token_endpoint.post(body).status_code == 200  # warm: keys, registry
    with Calls(monkeypatch) as calls:
        response = token_endpoint.post(body)
    assert response.status_code == 200 and response.json()["scope"] == "public-read"
    assert calls.sql == [] and calls.cache == []
    assert calls.signatures == 1
    assert calls.macs == 0  # no secret sent, the client known: nothing to digest


def test_an_integration_token_costs_its_secret_check_its_refresh_insert_and_one_signature(
    token_endpoint, integration_app, cached_application, monkeypatch
):
    cached_application(integration_app)
    body = {
        "grant_type": "client_credentials",
        "client_id": str(integration_app.client_id),
        "client_secret": integration_app.secret,
    }
    assert token_endpoint.post(body).status_code == 200
    with Calls(monkeypatch) as calls:
        response = token_endpoint.post(body)
    assert response.status_code == 200 and "refresh_token" in response.json()
    assert len(calls.sql) == 1 and calls.sql[0].lstrip().upper().startswith("INSERT"), calls.sql
    assert "refreshtoken" in calls.sql[0]
    assert calls.signatures == 1
    assert calls.macs == 2  # the secret against its digest, the new refresh token's digest
    # The client-secret throttle's counter was read empty by the first request: trusted for
    # STATE_REFRESH_INTERVAL in this process, so no cache call, and no write on success.
    assert calls.cache == []


def test_an_integration_token_from_an_ip_with_failures_reads_its_counter_each_time(
    token_endpoint, integration_app, cached_application, monkeypatch
):
    cached_application(integration_app)
    body = {"grant_type": "client_credentials", "client_id": str(integration_app.client_id)}
    assert token_endpoint.post({**body, "client_secret": "flxs_wrong"}).status_code == 401
    for _ in range(2):
        with Calls(monkeypatch) as calls:
            assert token_endpoint.post({**body, "client_secret": integration_app.secret}).status_code == 200
        # Spec: an IP over its limit gets 429 even with the right secret, so one with
        # failures on record has its counter read on every request.
        assert calls.cache == ["get_many"]


def test_the_token_endpoint_needs_no_csrf_token(marketplace_app):
    client = Endpoint(Client(enforce_csrf_checks=True), TOKEN_URL)
    response = client.post({"grant_type": "client_credentials", "client_id": str(marketplace_app.client_id)})
    assert response.status_code == 200, response.content


def test_json_answers_keep_their_headers(token_endpoint, marketplace_app, client):
    ok = token_endpoint.post({"grant_type": "client_credentials", "client_id": str(marketplace_app.client_id)})
    refused = token_endpoint.post({"grant_type": "client_credentials", "client_id": "nope"})
    for response in (ok, refused):
        assert response["Content-Type"] == "application/json"
        assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"
    assert refused.status_code == 401
    jwks = client.get("/oauth/jwks.json")
    assert jwks["Content-Type"] == "application/jwk-set+json"
