"""Digest keys rotating under live tokens: one lookup path, whichever key a token was stored under.

Runs on SQLite and, with DATABASE_URL, on PostgreSQL: the statement that finds a token is
the same `digest IN (...)` for one key or several, so the path that runs while keys
rotate is the one every request runs.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flex_auth_django import tokens
from flex_auth_django.models import AccessToken, RefreshToken
from tests.helpers import login

pytestmark = pytest.mark.django_db

OLD = ("k-old", "o" * 40)
NEW = ("k-new", "n" * 40)


def test_tokens_stored_under_the_old_key_keep_working_after_rotation(settings, token_endpoint, marketplace_app, user):
    settings.FLEX_AUTH = {"DIGEST_KEYS": [OLD]}
    session = login(token_endpoint, marketplace_app, user)
    assert AccessToken.objects.get().digest.startswith("hmac-sha256$k-old$")

    settings.FLEX_AUTH = {"DIGEST_KEYS": [NEW, OLD]}
    with CaptureQueriesContext(connection) as queries:
        found = tokens.live_access(session["access_token"])
    assert found is not None and found.user == user
    assert len(queries) == 1 and " IN (" in queries[0]["sql"]

    refreshed = token_endpoint.post(
        {
            "grant_type": "refresh_token",
            "client_id": str(marketplace_app.client_id),
            "refresh_token": session["refresh_token"],
        }
    )
    assert refreshed.status_code == 200
    # The successor is stored under the new key; the old key still finds the retired row.
    successor = RefreshToken.objects.get(retired__isnull=True)
    assert successor.digest.startswith("hmac-sha256$k-new$")
    assert tokens.live_access(refreshed.json()["access_token"]) is not None

    # A replay within the grace period finds the successor derived under the new key.
    again = token_endpoint.post(
        {
            "grant_type": "refresh_token",
            "client_id": str(marketplace_app.client_id),
            "refresh_token": session["refresh_token"],
        }
    )
    assert again.status_code == 200 and again.json()["refresh_token"] == refreshed.json()["refresh_token"]


def test_a_dropped_key_no_longer_finds_its_tokens(settings, token_endpoint, marketplace_app, user):
    settings.FLEX_AUTH = {"DIGEST_KEYS": [OLD]}
    session = login(token_endpoint, marketplace_app, user)
    settings.FLEX_AUTH = {"DIGEST_KEYS": [NEW]}
    assert tokens.live_access(session["access_token"]) is None
    response = token_endpoint.post(
        {
            "grant_type": "refresh_token",
            "client_id": str(marketplace_app.client_id),
            "refresh_token": session["refresh_token"],
        }
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_grant"


# -- client secrets move to the current key on use (as Django's check_password(setter=...)) --


def _integration_token(token_endpoint, app) -> int:
    return token_endpoint.post(
        {"grant_type": "client_credentials", "client_id": str(app.client_id), "client_secret": app.secret}
    ).status_code


def _store_secret_under_the_current_key(app) -> None:
    from flex_auth_django.models import Application
    from flex_auth_django.tokens import digests

    Application.objects.filter(pk=app.pk).update(client_secret_digest=digests.make(app.secret))


def _stored_digest(app) -> str:
    from flex_auth_django.models import Application

    return Application.objects.get(pk=app.pk).client_secret_digest


def test_a_secret_under_a_retired_key_is_stored_again_under_the_current_key_on_use(
    settings, token_endpoint, integration_app
):
    settings.FLEX_AUTH = {"DIGEST_KEYS": [OLD]}
    _store_secret_under_the_current_key(integration_app)
    settings.FLEX_AUTH = {"DIGEST_KEYS": [NEW, OLD]}
    assert _integration_token(token_endpoint, integration_app) == 200
    assert _stored_digest(integration_app).startswith("hmac-sha256$k-new$")
    # The old key can go now: the secret still works, and a wrong one still does not.
    settings.FLEX_AUTH = {"DIGEST_KEYS": [NEW]}
    assert _integration_token(token_endpoint, integration_app) == 200
    integration_app.secret = "flxs_" + "W" * 43
    assert _integration_token(token_endpoint, integration_app) == 401


def test_a_wrong_secret_changes_nothing_stored(settings, token_endpoint, integration_app):
    settings.FLEX_AUTH = {"DIGEST_KEYS": [OLD]}
    _store_secret_under_the_current_key(integration_app)
    settings.FLEX_AUTH = {"DIGEST_KEYS": [NEW, OLD]}
    before = _stored_digest(integration_app)
    right, integration_app.secret = integration_app.secret, "flxs_" + "W" * 43
    assert _integration_token(token_endpoint, integration_app) == 401
    assert _stored_digest(integration_app) == before
    integration_app.secret = right
    assert _integration_token(token_endpoint, integration_app) == 200
    assert _stored_digest(integration_app).startswith("hmac-sha256$k-new$")


def test_a_secret_moves_to_a_new_secret_key_on_use(settings, token_endpoint, integration_app):
    """Without DIGEST_KEYS the keys derive from SECRET_KEY; after rotating it (old one in
    SECRET_KEY_FALLBACKS) a secret's next use re-stores it under the new SECRET_KEY's key."""
    old_key_id = _stored_digest(integration_app).split("$")[1]
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x9Q2" * 12
    assert _integration_token(token_endpoint, integration_app) == 200
    assert _stored_digest(integration_app).split("$")[1] != old_key_id
    settings.SECRET_KEY_FALLBACKS = []  # the old SECRET_KEY can go
    assert _integration_token(token_endpoint, integration_app) == 200
