"""A local identity provider on 127.0.0.1 for the tests: OpenID Connect and a fake of Facebook's Graph.

OpenID Connect: `/.well-known/openid-configuration` and `/jwks.json`, RS256 keys that can
be rotated (a new key published, old ones kept or withdrawn), ID tokens minted with any
claims or header (the tests' forgeries too), an outage mode (every path answers 503) and
a count of requests per path. Graph: `/graph/debug_token` and `/graph/me` for the user
access tokens registered with `facebook_token()`. Nothing here reaches the internet.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "local-client-id.apps.example"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


@dataclass
class FacebookAccount:
    user_id: str
    app_id: str
    email: str | None = None
    first_name: str = "Fay"
    last_name: str = "Book"
    is_valid: bool = True
    expires_at: int = field(default_factory=lambda: int(time.time()) + 3600)
    type: str = "USER"


class LocalProvider:
    def __init__(self, keys: list[rsa.RSAPrivateKey]) -> None:
        self._spare = list(keys)
        self.hits: Counter[str] = Counter()
        self.outage = False
        self.cache_control = "public, max-age=3600"
        self.graph_requests: list[dict[str, list[str]]] = []
        self.app_secret = "local-app-secret-" + secrets.token_hex(8)
        self.facebook: dict[str, FacebookAccount] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.jwks_uri = f"{self.issuer}/jwks.json"
        self.graph_url = f"{self.issuer}/graph"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.reset()

    # -- state -----------------------------------------------------------------------------
    def reset(self) -> None:
        self.signing: list[tuple[str, rsa.RSAPrivateKey]] = [("key-1", self._spare[0])]
        self.published: list[tuple[str, rsa.RSAPrivateKey]] = list(self.signing)
        self.extra_jwks: list[dict[str, Any]] = []
        self.discovery_issuer: str | None = None
        self.hits.clear()
        self.outage = False
        self.cache_control = "public, max-age=3600"
        self.graph_requests.clear()
        self.facebook.clear()

    def rotate(self, *, keep_old: bool = True) -> str:
        """Publish and sign with the next key; the old one stays published unless keep_old is False."""
        index = len({kid for kid, _ in self.published})
        kid, key = f"key-{index + 1}", self._spare[index % len(self._spare)]
        self.signing = [(kid, key)]
        self.published = [*self.published, (kid, key)] if keep_old else [(kid, key)]
        return kid

    @property
    def kid(self) -> str:
        return self.signing[0][0]

    @property
    def key(self) -> rsa.RSAPrivateKey:
        return self.signing[0][1]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(key, kid) for kid, key in self.published] + self.extra_jwks}

    # -- tokens ----------------------------------------------------------------------------
    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "sub-" + uuid.uuid4().hex[:12],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 3600,
            "email": "someone@example.com",
            "email_verified": True,
            "given_name": "Ida",
            "family_name": "Provider",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(
        self,
        *,
        key: Any = None,
        kid: str | None = "",
        algorithm: str = "RS256",
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """An ID token signed with the current key (or `key`); kid="" means the current key's, None none."""
        header = dict(headers or {})
        if kid == "":
            kid = self.kid
        if kid is not None:
            header["kid"] = kid
        return jwt.encode(self.claims(**claims), key if key is not None else self.key, algorithm, headers=header)

    def facebook_token(self, **fields: Any) -> str:
        token = "EAA" + secrets.token_urlsafe(40)
        self.facebook[token] = FacebookAccount(**fields)
        return token

    # -- the server ------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                provider.hits[url.path] += 1
                if provider.outage:
                    return self._send(503, {"error": "down"})
                query = parse_qs(url.query)
                if url.path == "/.well-known/openid-configuration":
                    return self._send(
                        200,
                        {
                            "issuer": provider.discovery_issuer or provider.issuer,
                            "jwks_uri": provider.jwks_uri,
                            "id_token_signing_alg_values_supported": ["RS256"],
                        },
                    )
                if url.path == "/jwks.json":
                    return self._send(200, provider.jwks(), cache_control=provider.cache_control)
                if url.path == "/graph/debug_token":
                    provider.graph_requests.append(query)
                    return self._send(*provider._debug_token(query))
                if url.path == "/graph/me":
                    provider.graph_requests.append(query)
                    return self._send(*provider._me(query))
                return self._send(404, {"error": "not found"})

            def _send(self, status: int, body: Any, cache_control: str | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if cache_control:
                    self.send_header("Cache-Control", cache_control)
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _debug_token(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        app_token = (query.get("access_token") or [""])[0]
        app_id, _, secret = app_token.partition("|")
        if not secrets.compare_digest(secret, self.app_secret):
            return 400, {"error": {"message": "Invalid OAuth access token signature.", "code": 190}}
        account = self.facebook.get((query.get("input_token") or [""])[0])
        if account is None:
            return 200, {"data": {"is_valid": False, "error": {"code": 190, "message": "Invalid token"}}}
        return 200, {
            "data": {
                "app_id": account.app_id,
                "type": account.type,
                "application": "Local app",
                "expires_at": account.expires_at,
                "is_valid": account.is_valid,
                "scopes": ["email", "public_profile"],
                "user_id": account.user_id,
            }
        }

    def _me(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        account = self.facebook.get((query.get("access_token") or [""])[0])
        if account is None or not account.is_valid:
            return 400, {"error": {"message": "Invalid OAuth access token.", "code": 190}}
        body = {"id": account.user_id, "first_name": account.first_name, "last_name": account.last_name}
        if account.email:
            body["email"] = account.email
        return 200, body

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
