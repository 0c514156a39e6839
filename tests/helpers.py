"""The helpers every part's tests share: request bodies, headers and the endpoint poster, written once.

Fixtures live in tests/conftest.py (and the plugins it names); plain functions live here, so a
test module imports them by name (`from tests.helpers import bearer, login`).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from tests.factories import PASSWORD

TOKEN_URL = "/oauth/token"
SDK_TOKEN_URL = "/v1/auth/token"
REVOKE_URL = "/oauth/revoke"
INTROSPECT_URL = "/oauth/introspect"
FORM = "application/x-www-form-urlencoded"


def basic(client_id, secret) -> str:
    """An HTTP Basic Authorization header value for a client."""
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def bearer(token: Any, **headers: str) -> dict[str, str]:
    """Test-client keyword arguments that send `token` as a bearer token (a raw string or a row with `.raw`)."""
    raw = token if isinstance(token, str) else token.raw
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", **headers}


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JOSE writes it (for hand-made tokens)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def ids(messages: Iterable[Any]) -> list[str]:
    """The ids of system-check messages, in order."""
    return [m.id for m in messages]


class Endpoint:
    """Posts form bodies the way the SDKs do, to one endpoint."""

    def __init__(self, client, url: str) -> None:
        self.client = client
        self.url = url

    def post(self, params=None, *, body: str | bytes | None = None, content_type: str = FORM, **headers):
        data = body if body is not None else urlencode(params or {}, doseq=True)
        return self.client.generic("POST", self.url, data, content_type=content_type, **headers)


def client_credentials(app, **extra) -> dict:
    """A client_credentials request body for `app` (add client_secret=... for a confidential client)."""
    return {"client_id": str(app.client_id), "grant_type": "client_credentials", **extra}


def password_grant(app, username: str, password: str = PASSWORD, **extra) -> dict:
    """A password-grant request body for `app`."""
    return {
        "client_id": str(app.client_id),
        "grant_type": "password",
        "username": username,
        "password": password,
        **extra,
    }


def refresh_grant(app, token: str, **extra) -> dict:
    """A refresh_token request body for `app`."""
    return {"client_id": str(app.client_id), "grant_type": "refresh_token", "refresh_token": token, **extra}


def login(token_endpoint, app, user, password: str = PASSWORD) -> dict:
    """Sign `user` in with the password grant; the token response (asserted 200)."""
    response = token_endpoint.post(password_grant(app, user.email, password))
    assert response.status_code == 200, response.content
    return response.json()


def exchange(app, subject_token, grant_type="token_exchange", **extra) -> dict:
    """A token-exchange request body for `app` (with its secret); None values are left out."""
    params = {
        "client_id": str(app.client_id),
        "client_secret": app.secret,
        "grant_type": grant_type,
        "subject_token": subject_token,
        **extra,
    }
    return {k: v for k, v in params.items() if v is not None}
