"""The security log over a full run of every grant: one structured record per event, and no secret anywhere.

Every log record of every logger is captured (message, args and extra), and none may
contain a client secret, password, token, digest or Basic credential that was used,
right or wrong.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from flex_auth_django.models import RefreshToken
from flex_auth_django.tokens import digests
from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.helpers import INTROSPECT_URL, REVOKE_URL, Endpoint, basic

pytestmark = pytest.mark.django_db

URN = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TYPE = "urn:ietf:params:oauth:token-type:access_token"
WRONG_PASSWORD = "wrong-horse-battery-staple-81"
WRONG_SECRET = "flxs_wrong-secret-value-5d9e"
BOGUS_TOKEN = "flxr_" + "B" * 43


class Run:
    """Drives the endpoints and remembers every secret it sends or receives."""

    def __init__(self, client) -> None:
        self.token = Endpoint(client, "/oauth/token")
        self.revoke = Endpoint(client, REVOKE_URL)
        self.introspect = Endpoint(client, INTROSPECT_URL)
        self.secrets: set[str] = {PASSWORD, WRONG_PASSWORD, WRONG_SECRET, BOGUS_TOKEN}

    def remember(self, *values: str | None) -> None:
        self.secrets |= {v for v in values if v}

    def post(self, endpoint: Endpoint, params: dict, expect: int, **headers) -> dict:
        self.remember(params.get("client_secret"), params.get("password"), params.get("refresh_token"))
        self.remember(params.get("subject_token"), params.get("token"), headers.get("HTTP_AUTHORIZATION"))
        response = endpoint.post(params, **headers)
        assert response.status_code == expect, (params, response.content)
        body = response.json()
        self.remember(body.get("access_token"), body.get("refresh_token"))
        return body

    def haystack_needles(self) -> set[str]:
        needles = set(self.secrets)
        for secret in self.secrets:
            needles |= set(digests.candidates(secret))
            needles.add(digests.candidates(secret)[0].rsplit("$", 1)[1])  # the bare MAC
            if secret.startswith(("Basic ", "Bearer ")):
                needles.add(secret.split(" ", 1)[1])
        return needles


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler or formatter could write: message, raw msg and args, and every extra attribute."""
    parts = [record.getMessage(), str(record.msg), repr(record.args), record.exc_text or ""]
    parts.append(json.dumps(record.__dict__, default=repr, sort_keys=True))
    return "\n".join(parts)


def test_a_full_run_logs_one_record_per_event_and_no_secret(client, caplog, settings):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "THROTTLE_USERNAME": (3, 900), "THROTTLE_CLIENT_SECRET": (3, 900)}
    run = Run(client)
    marketplace = ApplicationFactory()
    integration = ApplicationFactory(integration=True)
    user = UserFactory()
    run.remember(marketplace.secret, integration.secret, marketplace.client_secret_digest)
    run.remember(integration.client_secret_digest, user.password)  # the stored password hash too
    mp, integ = str(marketplace.client_id), str(integration.client_id)

    with caplog.at_level(logging.DEBUG):
        caplog.clear()
        # client_credentials: anonymous, integration (body and Basic)
        run.post(run.token, {"client_id": mp, "grant_type": "client_credentials"}, 200)
        run.post(
            run.token,
            {"client_id": integ, "client_secret": integration.secret, "grant_type": "client_credentials"},
            200,
        )
        integ_tokens = run.post(
            run.token, {"grant_type": "client_credentials"}, 200, HTTP_AUTHORIZATION=basic(integ, integration.secret)
        )
        # password: success, wrong password, unknown user
        login = {"client_id": mp, "grant_type": "password", "username": user.email, "password": PASSWORD}
        session = run.post(run.token, login, 200)
        run.post(run.token, {**login, "password": WRONG_PASSWORD}, 401)
        run.post(run.token, {**login, "username": "nobody@example.com", "password": WRONG_PASSWORD}, 401)
        # refresh: rotation, a retry within grace, reuse after grace (theft: the session is revoked)
        refresh = {"client_id": mp, "grant_type": "refresh_token", "refresh_token": session["refresh_token"]}
        rotated = run.post(run.token, refresh, 200)
        run.post(run.token, refresh, 200)
        RefreshToken.objects.filter(retired__isnull=False).update(retired=timezone.now() - timedelta(minutes=5))
        run.post(run.token, refresh, 401)
        run.post(run.token, {**refresh, "refresh_token": BOGUS_TOKEN}, 401)
        # token exchange: Sharetribe's name, the RFC 8693 form, a dead subject token
        session = run.post(run.token, login, 200)
        exchange = {
            "client_id": mp,
            "client_secret": marketplace.secret,
            "grant_type": "token_exchange",
            "subject_token": session["access_token"],
        }
        trusted = run.post(run.token, exchange, 200)
        run.post(run.token, {**exchange, "grant_type": URN, "subject_token_type": ACCESS_TYPE}, 200)
        run.post(run.token, {**exchange, "subject_token": rotated["access_token"]}, 401)
        # introspection, right and wrong secret
        run.post(
            run.introspect,
            {"client_id": mp, "client_secret": marketplace.secret, "token": trusted["access_token"]},
            200,
        )
        run.post(
            run.introspect, {"client_id": mp, "client_secret": WRONG_SECRET, "token": trusted["access_token"]}, 401
        )
        # revocation: SDK logout with a Bearer, RFC 7009 with client credentials, a dead Bearer
        bearer = f"Bearer {session['access_token']}"
        run.post(run.revoke, {"token": session["refresh_token"]}, 200, HTTP_AUTHORIZATION=bearer)
        run.post(
            run.revoke,
            {"token": integ_tokens["refresh_token"]},
            200,
            HTTP_AUTHORIZATION=basic(integ, integration.secret),
        )
        run.post(run.revoke, {"token": BOGUS_TOKEN}, 401, HTTP_AUTHORIZATION=bearer)
        # throttling: by (account, IP), then by client IP (the introspection above failed once from it)
        for expect in (401, 401, 401, 429):  # the last login reset the (account, IP) counter
            run.post(run.token, {**login, "password": WRONG_PASSWORD}, expect)
        wrong_basic = basic(integ, WRONG_SECRET)
        for expect in (401, 401, 429):
            run.post(run.token, {"grant_type": "client_credentials"}, expect, HTTP_AUTHORIZATION=wrong_basic)
        records = list(caplog.records)

    security = [r for r in records if r.name == "flex_auth_django.security"]
    events = [r.flex_auth["event"] for r in security]
    assert events == [
        "issued",
        "issued",
        "issued",
        "issued",
        "refused",
        "refused",
        "refreshed",
        "refreshed",
        "refresh_reuse_detected",
        "refused",
        "refused",
        "issued",
        "exchanged",
        "exchanged",
        "refused",
        "refused",  # introspect, wrong secret (the successful introspection is not a token event)
        "revoked",
        "revoked",
        "refused",
        "refused",
        "refused",
        "refused",
        "throttled",
        "refused",
        "refused",
        "throttled",
    ]
    for record in security:
        fields = record.flex_auth
        assert {"event", "application_id", "client_id", "kind", "user_id", "ip"} <= set(fields)
        assert fields["ip"] == "127.0.0.1"
        if fields["event"] in ("issued", "refreshed", "exchanged"):
            assert fields["client_id"] in (mp, integ) and fields["application_id"] is not None
            assert fields["kind"] in ("anonymous", "integration", "user", "trusted_user")
        if fields["kind"] in ("user", "trusted_user"):
            assert fields["user_id"] == user.pk
    throttled = [r.flex_auth for r in security if r.flex_auth["event"] == "throttled"]
    assert [t["scope"] for t in throttled] == ["account_ip", "client"]
    assert throttled[1]["client_id"] == integ

    needles = run.haystack_needles()
    assert len(needles) > 30
    for record in records:
        text = record_text(record)
        leaked = [needle for needle in needles if needle in text]
        assert leaked == [], (record.name, record.getMessage())
        assert user.email not in text  # a failed login's username is logged as a keyed hash only
        assert base64.b64encode(f"{integ}:{integration.secret}".encode()).decode() not in text
