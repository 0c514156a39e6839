"""Helpers for the signed-token tests: keys, hand-made JWTs, and one probe of every place a token is checked."""

from __future__ import annotations

import json
import time
from functools import cache
from urllib.parse import urlencode

import jwt

from flex_auth_django.signing.keys import generate_pem, load_key
from tests.helpers import FORM, INTROSPECT_URL, TOKEN_URL, b64url

ISSUER = "https://auth.example.test"


def pem(name: str, alg: str = "ES256") -> str:
    """A private key per (name, alg), generated once per test run."""
    return _pem(name, alg)


@cache
def _pem(name: str, alg: str) -> str:
    return generate_pem(alg, 2048) if alg == "RS256" else generate_pem(alg)


def kid(name: str, alg: str = "ES256") -> str:
    return load_key({"pem": pem(name, alg)}).kid


def use_keys(settings, *entries: tuple[str, str] | tuple[str, str, str], **flex) -> None:
    """FLEX_AUTH['SIGNING_KEYS'] from (name, state[, alg]) triples, plus other FLEX_AUTH values."""
    keys = [{"state": entry[1], "pem": pem(entry[0], *entry[2:])} for entry in entries]
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "SIGNING_KEYS": keys, "ISSUER": ISSUER, **flex}


def header_and_claims(raw: str) -> tuple[dict, dict]:
    return jwt.get_unverified_header(raw), jwt.decode(raw, options={"verify_signature": False})


def forge(claims: dict, *, key_name: str = "a", alg: str = "ES256", **header) -> str:
    """A token signed with one of the test keys, with whatever header and claims a test wants."""
    headers = {"kid": kid(key_name, alg), "typ": "at+jwt", **header}
    return jwt.encode(claims, load_key({"pem": pem(key_name, alg)}).private_key, algorithm=alg, headers=headers)


def b64(data: dict) -> str:
    """A JOSE segment (header or claims) as written on the wire."""
    return b64url(json.dumps(data).encode())


def claims_like(raw: str, **changes) -> dict:
    claims = header_and_claims(raw)[1]
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def now() -> int:
    return int(time.time())


def form(client, url: str, params: dict):
    return client.post(url, urlencode(params), content_type=FORM)


def token(client, **params) -> dict:
    response = form(client, TOKEN_URL, params)
    assert response.status_code == 200, response.content
    return response.json()


class Probe:
    """Asks every checker whether a token is live: introspection, the DRF class, the decorator and
    the middleware. They must always agree; `live()` says what they said."""

    SCOPE_URL = {"public-read": "public-read", "integ": "integ", "user": "user", "trusted:user": "trusted:user"}

    def __init__(self, client, settings, introspector) -> None:
        self.client = client
        self.settings = settings
        self.introspector = introspector  # an application with .secret allowed to see every token
        settings.FLEX_AUTH = {
            **settings.FLEX_AUTH,
            "INTROSPECTION_CLIENT_IDS": [str(introspector.client_id)],
        }
        middleware = list(settings.MIDDLEWARE)
        after = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
        middleware.insert(after + 1, "flex_auth_django.resource.middleware.BearerTokenMiddleware")
        settings.MIDDLEWARE = middleware

    def answers(self, raw: str, scope: str) -> dict[str, bool]:
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        introspected = form(
            self.client,
            INTROSPECT_URL,
            {"client_id": str(self.introspector.client_id), "client_secret": self.introspector.secret, "token": raw},
        ).json()
        drf = self.client.get("/drf/open", **bearer)
        plain = self.client.get(f"/plain/{self.SCOPE_URL[scope]}", **bearer)
        middleware = self.client.get("/plain-open", **bearer)
        return {
            "introspection": introspected["active"],
            "drf": drf.status_code == 200,
            "decorator": plain.status_code == 200,
            "middleware": middleware.json()["kind"] is not None,
        }

    def live(self, raw: str, scope: str) -> bool:
        answers = self.answers(raw, scope)
        assert len(set(answers.values())) == 1, answers  # every checker gives the same answer
        return next(iter(answers.values()))
