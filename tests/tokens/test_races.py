"""Rotation and revocation under real concurrency on PostgreSQL (spec: Refresh token rotation).

Each test starts its threads at a barrier; every thread makes real requests through the
token endpoint with its own database connection.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client

from flex_auth_django.models import AccessToken, RefreshToken
from tests import helpers
from tests.factories import ApplicationFactory, UserFactory
from tests.helpers import REVOKE_URL, TOKEN_URL, Endpoint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FORM = "application/x-www-form-urlencoded"
THREADS = 16


def _post(url, body, **headers):
    try:
        return Client().post(url, body, content_type=FORM, **headers)
    finally:
        connections.close_all()


def run_at_once(calls):
    """Run the callables in parallel threads released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def go(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(go, calls))


def threaded_login(app, user) -> dict:
    """The one password login (tests/helpers.py), through a Client and connection of the calling thread's own."""
    try:
        return helpers.login(Endpoint(Client(), TOKEN_URL), app, user)
    finally:
        connections.close_all()


def refresh_body(app, token):
    return f"client_id={app.client_id}&grant_type=refresh_token&refresh_token={token}"


def test_parallel_refreshes_with_one_token_leave_exactly_one_successor():
    app, user = ApplicationFactory(), UserFactory()
    session = threaded_login(app, user)
    responses = run_at_once([lambda: _post(TOKEN_URL, refresh_body(app, session["refresh_token"]))] * THREADS)
    assert all(r.status_code < 500 for r in responses)
    assert all(r.status_code == 200 for r in responses), [r.content for r in responses]
    # every caller got the same successor (the first answer, again), so no family forks
    assert len({r.json()["refresh_token"] for r in responses}) == 1
    assert len({r.json()["access_token"] for r in responses}) == 1
    live = RefreshToken.objects.filter(retired__isnull=True, revoked__isnull=True)
    assert live.count() == 1
    assert RefreshToken.objects.count() == 2
    assert AccessToken.objects.count() == 2


def test_parallel_refreshes_beyond_grace_are_refused_without_a_successor(settings):
    settings.FLEX_AUTH = {"REFRESH_GRACE_PERIOD": 0}
    app, user = ApplicationFactory(), UserFactory()
    session = threaded_login(app, user)
    responses = run_at_once([lambda: _post(TOKEN_URL, refresh_body(app, session["refresh_token"]))] * THREADS)
    assert all(r.status_code in (200, 401) for r in responses)
    winners = [r for r in responses if r.status_code == 200]
    assert 1 <= len(winners)
    # a late loser is reuse: the session is revoked, and never are two successors live
    assert RefreshToken.objects.filter(retired__isnull=True, revoked__isnull=True).count() <= 1
    assert RefreshToken.objects.filter(parent__isnull=False).count() == 1


def test_reuse_of_an_old_generation_racing_the_newest_revokes_everything(settings):
    app, user = ApplicationFactory(), UserFactory()
    first = threaded_login(app, user)
    second = _post(TOKEN_URL, refresh_body(app, first["refresh_token"])).json()
    third = _post(TOKEN_URL, refresh_body(app, second["refresh_token"])).json()
    calls = [lambda: _post(TOKEN_URL, refresh_body(app, first["refresh_token"]))] * 8
    calls += [lambda: _post(TOKEN_URL, refresh_body(app, third["refresh_token"]))] * 8
    responses = run_at_once(calls)
    assert all(r.status_code in (200, 401) for r in responses)
    assert all(r.status_code == 401 for r in responses[:8])
    assert not RefreshToken.objects.filter(revoked__isnull=True, retired__isnull=True).exists()
    assert not AccessToken.objects.filter(revoked__isnull=True).exists()


def test_logout_racing_refreshes_leaves_no_live_token():
    app, user = ApplicationFactory(), UserFactory()
    for _ in range(3):
        RefreshToken.objects.all().delete()
        session = threaded_login(app, user)
        refresh = refresh_body(app, session["refresh_token"])
        logout = (f"token={session['refresh_token']}", f"Bearer {session['access_token']}")
        calls = [lambda body=refresh: _post(TOKEN_URL, body)] * (THREADS - 1)
        calls.append(lambda req=logout: _post(REVOKE_URL, req[0], HTTP_AUTHORIZATION=req[1]))
        responses = run_at_once(calls)
        assert all(r.status_code in (200, 401) for r in responses)
        assert responses[-1].status_code == 200
        assert not RefreshToken.objects.filter(revoked__isnull=True, retired__isnull=True).exists()
        assert not AccessToken.objects.filter(revoked__isnull=True).exists()


def test_logout_racing_token_exchanges_leaves_no_live_trusted_token():
    app, user = ApplicationFactory(), UserFactory()
    session = threaded_login(app, user)
    exchange = (
        f"client_id={app.client_id}&client_secret={app.secret}&grant_type=token_exchange"
        f"&subject_token={session['access_token']}"
    )
    calls = [lambda: _post(TOKEN_URL, exchange)] * (THREADS - 1)
    calls.append(
        lambda: _post(
            REVOKE_URL, f"token={session['refresh_token']}", HTTP_AUTHORIZATION=f"Bearer {session['access_token']}"
        )
    )
    responses = run_at_once(calls)
    assert all(r.status_code in (200, 401) for r in responses)
    assert not AccessToken.objects.filter(revoked__isnull=True).exists()


def test_parallel_logins_each_get_their_own_session():
    app, user = ApplicationFactory(), UserFactory()
    responses = run_at_once([lambda: threaded_login(app, user)] * 8)
    assert len({r["refresh_token"] for r in responses}) == 8
    assert RefreshToken.objects.values("family").distinct().count() == 8
