"""Client authentication at every endpoint: HTTP Basic or body, never both; throttled secret checks.

RFC 6749 section 2.3.1. The SDKs send `client_id` (and for token exchange
`client_secret`) in the body; Basic is accepted for RFC clients. A secret that is
sent is always checked, even where it is not needed, and an unknown client costs the
same digest comparison as a known one. The token, revoke and introspect endpoints and
DOT's ClientProtectedResourceView (through FlexValidator) all authenticate here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .. import applications, throttling
from ..models import Application
from . import client_ids, headers
from .errors import InvalidClient, InvalidRequest, OAuthError, UnauthorizedClient


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str | None
    client_secret: str | None
    via_basic: bool = False


def extract(authorization_header: str, params: Mapping[str, str]) -> ClientCredentials:
    """The credentials a request presents, from exactly one of Basic or the body."""
    body_id = params.get("client_id") or None
    body_secret = params.get("client_secret") or None
    parsed = headers.parse(authorization_header)
    if parsed is None or not parsed.is_basic:
        return ClientCredentials(body_id, body_secret)
    if body_id is not None or body_secret is not None:
        raise InvalidRequest("Authenticate the client with HTTP Basic or with body parameters, not both.")
    try:
        client_id, secret = headers.basic(parsed)
    except headers.MalformedBasic:
        raise InvalidClient("Malformed HTTP Basic credentials.", basic_challenge=True) from None
    return ClientCredentials(client_id, secret, via_basic=True)


def _with_article(noun: str) -> str:
    """'An Integration API', 'A Marketplace API': the article by the noun's first letter."""
    return f"{'An' if noun[:1].lower() in 'aeiou' else 'A'} {noun}"


def _always(application: Application) -> bool:
    return True


def authenticate(
    credentials: ClientCredentials,
    *,
    ip: str | None,
    allowed: Callable[[Application], bool] = _always,
    needs_secret: Callable[[Application], bool] = _always,
    when_missing: str = "This grant requires the client secret.",
) -> Application:
    """The application behind `credentials`, or an OAuth error.

    Order: unknown client or wrong secret (invalid_client), inactive application
    (invalid_client), grant not allowed for its API type (unauthorized_client), then a
    secret that is needed but was not sent (invalid_client, saying `when_missing`). A
    secret is checked against the throttle of the client's address `ip` (never of the
    client ID, which anyone may know) before anything else, even the database lookup.
    Refusals are announced (signals, audit log) by the endpoint view, once per request.
    """

    def fail(description: str, reason: str) -> InvalidClient:
        return InvalidClient(description, basic_challenge=credentials.via_basic, reason=reason)

    if credentials.client_secret is not None:
        # 429 before any lookup or digest; only a failure is counted (nothing to refund).
        guard = throttling.guard_client_secret(ip)
        application = applications.find(credentials.client_id)
        if not applications.verify_secret(application, credentials.client_secret):
            guard.failed()
            raise fail("Client authentication failed.", "client_secret" if application else "unknown_client")
    else:
        application = applications.find(credentials.client_id)
        if application is None:
            applications.verify_secret(None, "")  # the same work as a wrong secret: no timing oracle
    if application is None:
        raise fail("Client authentication failed.", "unknown_client")
    if not application.is_active:
        raise fail("Client authentication failed.", "inactive_client")
    if not allowed(application):
        raise UnauthorizedClient(
            f"{_with_article(application.get_api_type_display())} application may not use this grant type.",
            reason="grant_not_allowed",
        )
    if credentials.client_secret is None and needs_secret(application):
        raise fail(when_missing, "missing_secret")
    applications.touch(application)
    return application


def claimed_client_id(authorization_header: str, params: Mapping[str, str]) -> str | None:
    """The client ID a request claims (Basic or body), canonical when it is a UUID; for logs only."""
    try:
        client_id = extract(authorization_header, params).client_id
    except OAuthError:
        return None
    return client_ids.canonical_client_id(client_id) or ("(malformed)" if client_id else None)
