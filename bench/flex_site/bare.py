"""The bare signed-token view: the limit an anonymous token endpoint can reach on this stack.

It does only what an anonymous client_credentials request cannot do without: parse the
form, find the client in a dict, sign an ES256 JWT with the site's active signing key and
the same library our signed tokens use (PyJWT's algorithm over `cryptography`), and answer
JSON that is never cached. No client authentication rules, no throttling, no signals, no
audit line, no error order: `bench/run.py` reports our anonymous path as a ratio of it.
"""

from __future__ import annotations

import json
import secrets
import time
from base64 import urlsafe_b64encode
from urllib.parse import parse_qsl

import jwt
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from flex_auth_django.models import ApiType, Application
from flex_auth_django.signing.keys import keyring

_ES256 = jwt.algorithms.get_default_algorithms()["ES256"]
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_clients: dict[str, str] = {}  # client ID -> audience, loaded once per worker
_state: dict[str, object] = {}


def _b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _load() -> None:
    """Every Marketplace client ID, the key and the JWS header: once per worker, at its first request."""
    key = keyring().active
    if key is None or key.alg != "ES256":
        raise RuntimeError("the bare signed-token view needs an active ES256 signing key")
    header = {"alg": "ES256", "kid": key.kid, "typ": "at+jwt"}
    _state.update(key=key.private_key, header=_b64(json.dumps(header, separators=(",", ":")).encode()))
    for client_id in Application.objects.filter(api_type=ApiType.MARKETPLACE).values_list("client_id", flat=True):
        _clients[str(client_id)] = "urn:flex-bench:bare/marketplace-api"


def _refuse(status: int, error: str) -> HttpResponse:
    return HttpResponse(json.dumps({"error": error}), status=status, content_type="application/json", headers=_NO_STORE)


@csrf_exempt
def bare_token(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _refuse(405, "invalid_request")
    if not _state:
        _load()
    params = dict(parse_qsl(request.body.decode("utf-8")))
    client_id = params.get("client_id", "")
    audience = _clients.get(client_id)
    if audience is None or params.get("grant_type") != "client_credentials":
        return _refuse(401, "invalid_client")
    now = int(time.time())
    claims = {
        "iss": "urn:flex-bench:bare",
        "sub": client_id,
        "aud": audience,
        "client_id": client_id,
        "iat": now,
        "exp": now + 600,
        "jti": secrets.token_urlsafe(16),
        "scope": "public-read",
    }
    signing_input = f"{_state['header']}.{_b64(json.dumps(claims, separators=(',', ':')).encode())}"
    token = f"{signing_input}.{_b64(_ES256.sign(signing_input.encode(), _state['key']))}"
    body = {"access_token": token, "token_type": "bearer", "expires_in": 600, "scope": "public-read"}
    return HttpResponse(json.dumps(body, separators=(",", ":")), content_type="application/json", headers=_NO_STORE)
