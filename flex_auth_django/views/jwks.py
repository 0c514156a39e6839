"""GET jwks.json: the public keys that verify signed access tokens (RFC 7517), for resource servers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ..protocol.endpoint import EndpointView
from ..protocol.http import json_response
from ..settings import flex_settings
from ..signing.keys import keyring


class JWKSView(EndpointView):
    allowed_methods = ("GET", "HEAD")

    def handle(self, request: HttpRequest) -> HttpResponse:
        # Active, next and retired keys: a verifier that caches this document for max-age
        # already knows a next key when it starts signing, and still knows a retired one
        # while tokens it signed live (README, "Rotating signing keys").
        response = json_response(keyring().jwks(), headers={"Content-Type": "application/jwk-set+json"})
        del response["Pragma"]
        response["Cache-Control"] = f"public, max-age={flex_settings.JWKS_MAX_AGE}"
        return response
