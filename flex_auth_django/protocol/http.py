"""JSON responses that are never cached (RFC 6749 section 5.1)."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse

from ..settings import flex_settings

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    body = data if isinstance(data, str | bytes) else json.dumps(data, separators=(",", ":"))
    response = HttpResponse(body, status=status, content_type="application/json")
    for name, value in NO_STORE.items():
        response[name] = value
    for name, value in (headers or {}).items():
        response[name] = value
    return response


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
