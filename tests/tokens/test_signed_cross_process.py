"""Revoking signed tokens across processes: two real example-site servers on one PostgreSQL database
and one Redis, and an operator's third process (manage.py shell). What one process revokes, the
other refuses within STATE_REFRESH_INTERVAL (1 s by default; the spec's "Revocation propagation"),
and the process that made the change at once."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.factories import ApplicationFactory
from tests.serving import ExampleSite

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.servers]

# Its own Redis database: the keys are per-application, so nothing else there is touched.
REDIS_URL = "redis://127.0.0.1:6379/9"


def call(url: str, *, params: dict | None = None, bearer: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    data = urllib.parse.urlencode(params).encode() if params is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def two_sites(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        ExampleSite(tmp_path / "a", share_test_database=True, REDIS_URL=REDIS_URL) as a,
        ExampleSite(tmp_path / "b", share_test_database=True, REDIS_URL=REDIS_URL) as b,
    ):
        a.start()
        b.start()
        yield a, b


def within_the_interval(check) -> bool:
    """True once `check()` is: polled for the interval plus a generous margin for a loaded machine."""
    deadline = time.monotonic() + 1 + 5
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def operator(site: ExampleSite, code: str) -> None:
    """What an operator does in another process (the admin's services, from a shell)."""
    site.manage("shell", "-c", f"from flex_auth_django import applications, tokens\n{code}")


def test_revoking_a_signed_anonymous_token_on_one_server_refuses_it_on_the_other(two_sites):
    a, b = two_sites
    app = ApplicationFactory()
    client_id = str(app.client_id)
    status, body = call(f"{a.base}/oauth/token", params={"client_id": client_id, "grant_type": "client_credentials"})
    assert status == 200 and body["access_token"].count(".") == 2
    raw = body["access_token"]
    assert call(f"{b.base}/v1/api/marketplace/show", bearer=raw)[0] == 200  # b verified it, and cached the app
    introspect = {"client_id": client_id, "client_secret": app.secret, "token": raw}
    assert call(f"{b.base}/oauth/introspect", params=introspect)[1]["active"] is True

    assert call(f"{a.base}/oauth/revoke", params={"client_id": client_id, "token": raw})[0] == 200

    assert call(f"{a.base}/v1/api/marketplace/show", bearer=raw)[0] == 401  # at once where it was made
    assert within_the_interval(lambda: call(f"{b.base}/v1/api/marketplace/show", bearer=raw)[0] == 401)
    assert call(f"{b.base}/oauth/introspect", params=introspect)[1] == {"active": False}


def test_an_operator_s_deactivation_and_revoke_all_reach_both_servers(two_sites):
    a, b = two_sites
    app = ApplicationFactory(integration=True)
    params = {"client_id": str(app.client_id), "client_secret": app.secret, "grant_type": "client_credentials"}
    raw = call(f"{a.base}/oauth/token", params=params)[1]["access_token"]
    url = "/v1/integration_api/marketplace/show"
    assert call(f"{a.base}{url}", bearer=raw)[0] == 200 and call(f"{b.base}{url}", bearer=raw)[0] == 200

    lookup = f"app = applications.find('{app.client_id}')\n"
    operator(a, lookup + "applications.set_active(app, False)")  # a third process: neither server made it
    for site in (a, b):
        assert within_the_interval(lambda site=site: call(f"{site.base}{url}", bearer=raw)[0] == 401)

    operator(a, lookup + "applications.set_active(app, True)")
    assert within_the_interval(lambda: call(f"{b.base}{url}", bearer=raw)[0] == 200)
    operator(a, lookup + "applications.revoke_tokens(app)")
    for site in (a, b):
        assert within_the_interval(lambda site=site: call(f"{site.base}{url}", bearer=raw)[0] == 401)


def test_logging_out_a_signed_session_on_one_server_ends_it_on_the_other(two_sites):
    a, b = two_sites
    app = ApplicationFactory(integration=True)
    params = {"client_id": str(app.client_id), "client_secret": app.secret, "grant_type": "client_credentials"}
    body = call(f"{a.base}/oauth/token", params=params)[1]
    url = f"{b.base}/v1/integration_api/marketplace/show"
    assert call(url, bearer=body["access_token"])[0] == 200
    revoke = {"client_id": str(app.client_id), "client_secret": app.secret, "token": body["refresh_token"]}
    assert call(f"{a.base}/oauth/revoke", params=revoke)[0] == 200
    assert call(f"{a.base}/v1/integration_api/marketplace/show", bearer=body["access_token"])[0] == 401
    assert within_the_interval(lambda: call(url, bearer=body["access_token"])[0] == 401)
