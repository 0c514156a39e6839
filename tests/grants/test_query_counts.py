"""Queries per request on the hot paths: deterministic budgets, not timings.

Budgets (issue 7, tightened since): anonymous <= 2, integration 2 (lookup + refresh INSERT),
refresh <= 5, token validation <= 1, password <= 3 plus the auth backend's own. Once a process
holds the application and the token (issue 19: state read per interval), anonymous tokens and
token validation take none and integration tokens only their refresh token's INSERT. Stock django-oauth-toolkit needs 5,
7 and 18 for client_credentials, password and refresh. Savepoints are the test
transaction's artifacts and are not counted as queries; the transaction budgets at the
end count them instead, because in production each transaction block is two more round
trips (BEGIN and COMMIT, or SAVEPOINT and RELEASE) that no query count shows.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from flex_auth_django import tokens
from tests.helpers import exchange, login

pytestmark = pytest.mark.django_db


class Queries:
    def __init__(self):
        self.ctx = CaptureQueriesContext(connection)
        self.transactions = 0  # blocks that cost round trips in production (see below)
        self._depth = 0
        original_enter, original_exit = transaction.Atomic.__enter__, transaction.Atomic.__exit__

        def enter(atomic):
            # Outermost in production (BEGIN/COMMIT), or a savepoint (SAVEPOINT/RELEASE); a nested
            # savepoint=False block costs nothing. The test's own transaction was opened before.
            if self._depth == 0 or atomic.savepoint:
                self.transactions += 1
            self._depth += 1
            return original_enter(atomic)

        def exit(atomic, *exc):
            self._depth -= 1
            return original_exit(atomic, *exc)

        self._patch = mock.patch.multiple(transaction.Atomic, __enter__=enter, __exit__=exit)

    def __enter__(self):
        self.ctx.__enter__()
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()
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


def test_signed_anonymous_token_takes_one_query_and_writes_nothing(token_endpoint, marketplace_app):
    with Queries() as q:
        response = token_endpoint.post(
            {"client_id": str(marketplace_app.client_id), "grant_type": "client_credentials"}
        )
    assert response.status_code == 200
    assert len(q.sql) == 1, q.sql  # the client lookup
    assert not [sql for sql in q.sql if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_signed_integration_token_writes_only_its_refresh_token(token_endpoint, integration_app):
    body = {
        "client_id": str(integration_app.client_id),
        "client_secret": integration_app.secret,
        "grant_type": "client_credentials",
    }
    with Queries() as q:
        assert token_endpoint.post(body).status_code == 200
    assert len(q.sql) <= 2, q.sql
    writes = [sql for sql in q.sql if sql.lstrip().upper().startswith("INSERT")]
    assert len(writes) == 1 and "refreshtoken" in writes[0], q.sql


def test_signed_token_validation_takes_no_query_once_its_application_is_cached(token_endpoint, marketplace_app):
    raw = token_endpoint.post({"client_id": str(marketplace_app.client_id), "grant_type": "client_credentials"}).json()[
        "access_token"
    ]
    with Queries() as first:
        assert tokens.live_access(raw).application == marketplace_app
    assert len(first.sql) <= 2, first.sql  # the application and its revocations, then cached
    with Queries() as q:
        token = tokens.live_access(raw)
        assert token.application == marketplace_app and token.kind == "anonymous"
    assert q.sql == []


def test_a_process_that_holds_the_application_issues_anonymous_tokens_without_a_query(token_endpoint, marketplace_app):
    body = {"client_id": str(marketplace_app.client_id), "grant_type": "client_credentials"}
    assert token_endpoint.post(body).status_code == 200  # the first request reads the application
    with Queries() as q:
        assert token_endpoint.post(body).status_code == 200
    assert q.sql == []


def test_a_held_integration_application_costs_only_its_refresh_token_insert(token_endpoint, integration_app):
    body = {
        "client_id": str(integration_app.client_id),
        "client_secret": integration_app.secret,
        "grant_type": "client_credentials",
    }
    assert token_endpoint.post(body).status_code == 200
    with Queries() as q:
        assert token_endpoint.post(body).status_code == 200
    assert len(q.sql) == 1 and q.sql[0].lstrip().upper().startswith("INSERT"), q.sql


def test_an_opaque_token_held_by_the_process_is_validated_without_a_query(token_endpoint, marketplace_app, user):
    session = login(token_endpoint, marketplace_app, user)
    assert tokens.live_access(session["access_token"]) is not None  # the first check reads the row
    with Queries() as q:
        token = tokens.live_access(session["access_token"])
        assert token.user == user and token.application == marketplace_app
    assert q.sql == []


def test_integration_client_credentials_takes_two_queries(token_endpoint, integration_app):
    with Queries() as q:
        response = token_endpoint.post(
            {
                "client_id": str(integration_app.client_id),
                "client_secret": integration_app.secret,
                "grant_type": "client_credentials",
            }
        )
    assert response.status_code == 200
    # The client lookup and the refresh token's INSERT: no UPDATE (last_used is recent, the
    # secret's digest current), no other read.
    assert len(q.sql) == 2, q.sql
    assert q.sql[0].lstrip().upper().startswith("SELECT") and q.sql[1].lstrip().upper().startswith("INSERT"), q.sql


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
        response = token_endpoint.post(exchange(marketplace_app, session["access_token"]))
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


# -- transaction blocks: two round trips each, invisible in the query counts ----------------
# On PostgreSQL a session's first tokens (refresh + access) go in as one statement, which
# needs no transaction; other databases wrap the two INSERTs in one.
PAIR = 0 if connection.vendor == "postgresql" else 1


def _client_credentials_queries(token_endpoint, marketplace_app, integration_app) -> tuple[Queries, Queries]:
    """The queries of one anonymous and one integration client_credentials request."""
    with Queries() as anonymous:
        token_endpoint.post({"client_id": str(marketplace_app.client_id), "grant_type": "client_credentials"})
    integration_body = {
        "client_id": str(integration_app.client_id),
        "client_secret": integration_app.secret,
        "grant_type": "client_credentials",
    }
    with Queries() as integration:
        assert token_endpoint.post(integration_body).status_code == 200
    return anonymous, integration


def test_anonymous_and_integration_tokens_need_no_transaction_on_postgresql(
    token_endpoint, marketplace_app, integration_app
):
    anonymous, integration = _client_credentials_queries(token_endpoint, marketplace_app, integration_app)
    assert anonymous.transactions == 0  # signed: nothing written at all
    assert integration.transactions == 0  # signed: the refresh token's INSERT alone


def test_opaque_anonymous_and_integration_tokens_need_no_transaction_on_postgresql(
    token_endpoint, marketplace_app, integration_app, all_opaque
):
    anonymous, integration = _client_credentials_queries(token_endpoint, marketplace_app, integration_app)
    assert anonymous.transactions == 0  # one INSERT is atomic by itself
    assert integration.transactions == PAIR


def test_password_login_needs_no_transaction_on_postgresql(token_endpoint, marketplace_app, user):
    with Queries() as q:
        login(token_endpoint, marketplace_app, user)
    assert q.transactions == PAIR


def test_refresh_and_exchange_take_one_transaction_each(token_endpoint, marketplace_app, user):
    session = login(token_endpoint, marketplace_app, user)
    with Queries() as refresh:
        refreshed = token_endpoint.post(
            {
                "client_id": str(marketplace_app.client_id),
                "grant_type": "refresh_token",
                "refresh_token": session["refresh_token"],
            }
        )
    assert refreshed.status_code == 200
    with Queries() as exchanging:
        exchanged = token_endpoint.post(exchange(marketplace_app, refreshed.json()["access_token"]))
    assert exchanged.status_code == 200
    # Refresh: retire the old token and insert its successors together. Exchange: lock the
    # subject while the trusted token goes in (no savepoint nested inside).
    assert refresh.transactions == 1
    assert exchanging.transactions == 1


def test_token_validation_needs_no_transaction(token_endpoint, marketplace_app, user):
    session = login(token_endpoint, marketplace_app, user)
    with Queries() as q:
        assert tokens.live_access(session["access_token"]) is not None
    assert q.transactions == 0
