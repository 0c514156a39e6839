"""Outbound HTTP to identity providers: GET JSON with short timeouts, no redirects, a size cap.

Only this module talks to providers, so tests and operators have one place that decides
what an unreachable provider is: any network error, timeout, 5xx or non-JSON answer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from ..settings import flex_settings

MAX_BYTES = 512 * 1024  # a JWKS or discovery document is a few KB


class ProviderUnreachable(Exception):
    """The provider did not answer usefully (network, timeout, 5xx, not JSON): no verdict on the token."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    cache_control: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        return None  # a redirect is an answer we do not follow (and report as unreachable)


_opener = urllib.request.build_opener(_NoRedirects)


def get_json(url: str, params: dict[str, str] | None = None) -> Answer:
    """GET `url` (with `params` as its query); 2xx and 4xx JSON answers are returned, anything else raises."""
    if params:
        url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, headers={"Accept": "application/json"}, method="GET")  # noqa: S310
    try:
        with _opener.open(request, timeout=flex_settings.IDP_FETCH_TIMEOUT) as response:
            status, headers, raw = response.status, response.headers, response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        status, headers = error.code, error.headers
        try:
            raw = error.read(MAX_BYTES + 1)
        except OSError:
            raw = b""
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, bad URLs
        raise ProviderUnreachable(type(exc).__name__) from None
    if status >= 500 or status < 200 or 300 <= status < 400 or len(raw) > MAX_BYTES:
        raise ProviderUnreachable(f"HTTP {status}")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ProviderUnreachable("not JSON") from None
    return Answer(status, body, headers.get("Cache-Control", "") if headers else "")
