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
from tests.conftest import login

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
