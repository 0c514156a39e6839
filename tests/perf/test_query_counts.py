"""Queries per request on the hot paths: deterministic budgets, not timings.

Budgets (issue 7): anonymous <= 2, integration <= 3, refresh <= 5, token validation
<= 1, password <= 3 plus the auth backend's own. Stock django-oauth-toolkit needs 5,
7 and 18 for client_credentials, password and refresh. Savepoints are the test
transaction's artifacts and are not counted.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flex_auth_django import tokens
from tests.conftest import login

pytestmark = pytest.mark.django_db


class Queries:
    def __init__(self):
        self.ctx = CaptureQueriesContext(connection)

    def __enter__(self):
        self.ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self.ctx.__exit__(*exc)

    @property
    def sql(self) -> list[str]:
        return [q["sql"] for q in self.ctx.captured_queries if "SAVEPOINT" not in q["sql"]]

    def on(self, table: str) -> list[str]:
        return [q for q in self.sql if table in q]


def test_anonymous_client_credentials_takes_two_queries(token_endpoint, marketplace_app):
    with Queries() as q:
        response = token_endpoint.post(
            {"client_id": str(marketplace_app.client_id), "grant_type": "client_credentials"}
        )
    assert response.status_code == 200
    assert len(q.sql) <= 2, q.sql


def test_integration_client_credentials_takes_three_queries(token_endpoint, integration_app):
    with Queries() as q:
        response = token_endpoint.post(
            {
                "client_id": str(integration_app.client_id),
                "client_secret": integration_app.secret,
                "grant_type": "client_credentials",
            }
        )
    assert response.status_code == 200
    assert len(q.sql) <= 3, q.sql


def test_password_takes_three_queries_plus_the_backends(token_endpoint, marketplace_app, user):
    with Queries() as q:
        login(token_endpoint, marketplace_app, user)
    backend = q.on('"auth_user"')
    assert len(backend) == 1  # the EmailBackend's user lookup
    assert len(q.sql) - len(backend) <= 3, q.sql


def test_refresh_takes_five_queries(token_endpoint, marketplace_app, user):
    session = login(token_endpoint, marketplace_app, user)
    with Queries() as q:
        response = token_endpoint.post(
            {
                "client_id": str(marketplace_app.client_id),
                "grant_type": "refresh_token",
                "refresh_token": session["refresh_token"],
            }
        )
    assert response.status_code == 200
    assert len(q.sql) <= 5, q.sql


def test_token_exchange_takes_three_queries(token_endpoint, marketplace_app, user):
    session = login(token_endpoint, marketplace_app, user)
    with Queries() as q:
        response = token_endpoint.post(
            {
                "client_id": str(marketplace_app.client_id),
                "client_secret": marketplace_app.secret,
                "grant_type": "token_exchange",
                "subject_token": session["access_token"],
            }
        )
    assert response.status_code == 200
    assert len(q.sql) <= 3, q.sql


def test_token_validation_takes_one_query(token_endpoint, marketplace_app, user):
    session = login(token_endpoint, marketplace_app, user)
    with Queries() as q:
        token = tokens.live_access(session["access_token"])
        assert token.user == user and token.application == marketplace_app
    assert len(q.sql) == 1, q.sql


def test_garbage_tokens_cost_no_query():
    with Queries() as q:
        assert tokens.live_access("not-a-token") is None
        assert tokens.find_refresh("flxa_wrong-prefix") is None
    assert q.sql == []
