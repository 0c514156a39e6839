"""Fuzzing the token, auth_with_idp, revoke and introspect endpoints against the OpenAPI document they serve.

schemathesis calls the Django app in-process (WSGI, no server) with its examples,
coverage (boundary and missing-parameter cases) and fuzzing phases, in positive and
negative modes, and checks every response: never a 5xx, always JSON, status, body
and headers as documented (so every `error` code is a documented one). Positive
cases are sometimes given real credentials and tokens, so the fuzzing reaches the
grants, rotation, revocation and throttling rather than stopping at invalid_client.
At least MIN_REQUESTS requests are made in all.
"""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from flex_auth_django.idp.verified_email import mark_verified
from flex_auth_django.models import IdentityProvider, IdpKind
from flex_auth_django.protocol import openapi
from tests.factories import PASSWORD, AccessTokenFactory, ApplicationFactory, RefreshTokenFactory, UserFactory
from tests.idp_provider import CLIENT_ID

pytestmark = pytest.mark.django_db

MIN_REQUESTS = 1000
# Fuzzing-phase examples per operation; the examples and coverage phases add their own.
# FLEX_FUZZ_EXAMPLES=5000 digs deeper locally.
MAX_EXAMPLES = int(os.environ.get("FLEX_FUZZ_EXAMPLES", "300"))
# Not positive_data_acceptance: some schema-valid requests are rightly 400 for reasons a
# schema cannot state (a scope another API type may use, a grant this app may not use,
# a body over MAX_BODY_BYTES in total).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


class World:
    """Real applications, a user and tokens for positive cases to borrow."""

    def __init__(self, idp) -> None:
        self.marketplace = ApplicationFactory()
        self.integration = ApplicationFactory(integration=True)
        self.inactive = ApplicationFactory(inactive=True)
        self.user = UserFactory()
        self.apps = [self.marketplace, self.integration, self.inactive]
        mark_verified(self.user)
        # An identity provider with static keys (no network), and an ID token for the user.
        self.idp = IdentityProvider.objects.create(
            idp_id="fuzz-idp", name="Fuzz", kind=IdpKind.OIDC, client_id=CLIENT_ID, issuer=idp.issuer, jwks=idp.jwks()
        )
        self.id_token = idp.mint(email=self.user.email)

    def refresh_token(self, app) -> str:
        if app.api_type == "integration":
            return RefreshTokenFactory(integration=True, application=app).raw
        return RefreshTokenFactory(application=app, user=self.user).raw

    def access_token(self, app) -> str:
        return AccessTokenFactory(application=app, user=self.user).raw


@pytest.fixture
def fuzz_world(settings, idp_server) -> World:
    # Room for the fuzzer to sign in again and again; the username and client limits stay.
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "THROTTLE_IP": (100_000, 900)}
    return World(idp_server)


@pytest.fixture
def wsgi_app():
    """The site as a WSGI callable, keeping the test's database connection (as Django's test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def load_schema():
    """The document the site serves at /oauth/openapi.json (tests/protocol/test_openapi.py checks they match)."""
    loaded = schemathesis.openapi.from_dict(openapi.document(server_url="/oauth"))
    loaded.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES)
    loaded.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    return loaded


schema = load_schema()
OPERATIONS = 4


@pytest.fixture(scope="module")
def tally():
    """Requests and statuses over the whole module; at the end, at least MIN_REQUESTS if every operation ran."""
    counts = {"requests": 0, "operations": set(), "statuses": {}}
    yield counts
    print(f"\nfuzzed requests: {counts['requests']}, statuses: {dict(sorted(counts['statuses'].items()))}")
    if len(counts["operations"]) == OPERATIONS:
        assert counts["requests"] >= MIN_REQUESTS, counts


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _pick(seed: int, options: list, salt: str):
    digest = hashlib.sha256(f"{seed}:{salt}".encode()).digest()
    return options[digest[0] % len(options)]


def borrow_real_values(case, world: World) -> None:
    """Rewrite some fields of a positive case with real ids, secrets and tokens (chosen by the case itself)."""
    body = case.body if isinstance(case.body, dict) else None
    if body is None:
        return
    seed = int.from_bytes(hashlib.sha256(repr(sorted(body.items())).encode()).digest()[:8], "big")
    if _pick(seed, [True, True, False], "use") is False:
        return
    app = _pick(seed, world.apps, "app")
    body["client_id"] = str(app.client_id)
    secret = _pick(seed, [app.secret, None, "keep"], "secret")
    if secret is None:
        body.pop("client_secret", None)
    elif secret != "keep":
        body["client_secret"] = secret
    operation = case.operation.label
    if operation.endswith("/token"):
        grant = body.get("grant_type")
        if grant == "password":
            body["username"] = _pick(seed, [world.user.email, "nobody@example.com", body["username"]], "user")
            body["password"] = _pick(seed, [PASSWORD, body["password"]], "password")
        elif grant == "refresh_token":
            body["refresh_token"] = _pick(seed, [world.refresh_token(app), body["refresh_token"]], "refresh")
        elif grant and "exchange" in grant:
            body["subject_token"] = _pick(seed, [world.access_token(app), body["subject_token"]], "subject")
    elif operation.endswith("/revoke"):
        body["token"] = _pick(seed, [world.refresh_token(app), world.access_token(app), body["token"]], "token")
        if _pick(seed, [True, False, False], "bearer"):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {world.access_token(app)}"}
            body.pop("client_id", None)
            body.pop("client_secret", None)
    elif operation.endswith("/auth_with_idp"):
        body["idp_id"] = _pick(seed, [world.idp.idp_id, body["idp_id"]], "idp")
        body["idp_client_id"] = _pick(seed, [CLIENT_ID, body["idp_client_id"]], "idp_client")
        body["idp_token"] = _pick(seed, [world.id_token, body["idp_token"]], "idp_token")
    elif operation.endswith("/introspect"):
        body["token"] = _pick(seed, [world.access_token(app), body["token"]], "token")
    if "client_secret" in body and _pick(seed, [True, False, False, False], "basic"):
        credentials = _basic(body.pop("client_id"), body.pop("client_secret"))
        case.headers = {**(case.headers or {}), "Authorization": credentials}


@schema.parametrize()
def test_endpoints_answer_every_request_as_documented(case, fuzz_world, wsgi_app, tally):
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        borrow_real_values(case, fuzz_world)
    response = case.call(app=wsgi_app)
    tally["requests"] += 1
    tally["operations"].add(case.operation.label)
    tally["statuses"][response.status_code] = tally["statuses"].get(response.status_code, 0) + 1
    case.validate_response(response, checks=CHECKS)
