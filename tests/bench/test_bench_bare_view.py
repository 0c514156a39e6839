"""The bench's bare signed-token view (bench/flex_site/bare.py) and the target row that compares our
anonymous path with it: the view must really sign a token the site's key verifies, or the ratio means nothing."""

from __future__ import annotations

import jwt
import pytest

from bench import run
from bench.flex_site import bare
from flex_auth_django.signing.keys import keyring
from tests.helpers import FORM

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.flex_site.urls")]


@pytest.fixture(autouse=True)
def _fresh_view():
    bare._clients.clear()
    bare._state.clear()
    yield
    bare._clients.clear()
    bare._state.clear()


def post(client, body: str):
    return client.post("/bench/bare-token", body, content_type=FORM)


def test_it_signs_an_es256_token_with_the_sites_active_key(client, marketplace_app):
    response = post(client, f"grant_type=client_credentials&client_id={marketplace_app.client_id}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store" and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["token_type"] == "bearer" and body["scope"] == "public-read" and body["expires_in"] == 600
    key = keyring().active
    header = jwt.get_unverified_header(body["access_token"])
    assert header == {"alg": "ES256", "kid": key.kid, "typ": "at+jwt"}
    claims = jwt.decode(
        body["access_token"], key.public_key, algorithms=["ES256"], audience="urn:flex-bench:bare/marketplace-api"
    )
    assert claims["client_id"] == claims["sub"] == str(marketplace_app.client_id)


def test_an_unknown_client_or_another_grant_is_refused(client, marketplace_app, integration_app):
    assert post(client, f"grant_type=client_credentials&client_id={integration_app.client_id}").status_code == 401
    assert post(client, f"grant_type=password&client_id={marketplace_app.client_id}").status_code == 401
    assert client.get("/bench/bare-token").status_code == 405


def test_the_targets_compare_anonymous_client_credentials_with_the_bare_view():
    rows = {label: (a, b, minimum) for label, a, b, minimum in run.TARGETS}
    assert rows["anonymous client_credentials vs bare signed-token view"] == ("flex_anon", "flex_bare", 0.70)
    empty = {"client_id": "", "client_secret": ""}
    flex = {
        "marketplace": empty,
        "integration": empty,
        "pools": dict.fromkeys(("anonymous", "access", "users", "refresh", "refresh_warm"), ""),
    }
    dot = {k: empty for k in ("cc_plain", "cc_hashed", "pw_plain", "pw_hashed")}
    dot["pools"] = dict.fromkeys(
        ("refresh_plain", "refresh_plain_warm", "refresh_hashed", "refresh_hashed_warm", "access", "users"), ""
    )
    scenarios = {s.key: s for s in run.build_scenarios(flex, dot, True)}
    # Measured in the same interleaved group as hello-world and the anonymous grant.
    assert scenarios["flex_bare"].group == scenarios["flex_anon"].group == scenarios["flex_hello"].group


def test_the_ratio_row_is_printed_and_written_to_the_results(capsys):
    results = [
        run.Result(run.Scenario(key, key, "flex", "GET", "/"), rps=rps)
        for key, rps in (("flex_anon", 700.0), ("flex_bare", 1000.0))
    ]
    by_key = {r.scenario.key: r for r in results}
    run.print_summary(results, by_key)
    printed = [line for line in capsys.readouterr().out.splitlines() if "vs bare signed-token view" in line]
    assert len(printed) == 1 and "0.70x" in printed[0] and "met" in printed[0]
    text = run.render(run.parse_args([]), {}, (0.0, 0.0), results, None, 60.0)
    assert "| anonymous client_credentials vs bare signed-token view | 0.70x | >= 0.7x | met |" in text
