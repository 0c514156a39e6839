"""JSON responses that are never cached (RFC 6749 section 5.1)."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse

from ..settings import flex_settings

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# One compact encoder for every body: json.dumps(separators=...) builds a new encoder per call.
compact_json = json.JSONEncoder(separators=(",", ":")).encode


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    body = data if isinstance(data, str | bytes) else compact_json(data)
    # `headers` may replace any of these, the Content-Type included (jwks.json's application/jwk-set+json).
    return HttpResponse(body, status=status, headers={**_JSON_NO_STORE, **headers} if headers else _JSON_NO_STORE)


_JSON_NO_STORE = {"Content-Type": "application/json", **NO_STORE}


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For behind FLEX_AUTH['NUM_PROXIES'] proxies.

    Only the entries added by the trusted proxies are believed; everything further
    left could have been written by the client.
    """
    return client_ip_from_meta(request.META)


def client_ip_from_meta(meta: Mapping[str, Any]) -> str | None:
    """client_ip() from a copy of a Django request's META (what oauthlib's request.headers holds under DOT)."""
    remote = meta.get("REMOTE_ADDR") or None
    proxies = flex_settings.NUM_PROXIES
    if not proxies:
        return remote
    forwarded = [part.strip() for part in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")]
    if len(forwarded) < proxies:
        return remote
    # The entry our nearest trusted proxy saw; it must be an address, so nothing else
    # (log injection, throttle-key games) can come through this header.
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote
