"""Client authentication at the token endpoints: HTTP Basic or body, never both.

RFC 6749 section 2.3.1. The SDKs send `client_id` (and for token exchange
`client_secret`) in the body; Basic is accepted for RFC clients. A secret that is
sent is always checked, even where it is not needed, and an unknown client costs the
same digest comparison as a known one.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote_plus

from django.utils import timezone

from . import fastsql, throttling
from .errors import InvalidClient, InvalidRequest, OAuthError, UnauthorizedClient
from .models import Application
from .settings import flex_settings
from .tokens import digests


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str | None
    client_secret: str | None
    via_basic: bool = False


def extract(headers: Mapping[str, str], params: Mapping[str, str]) -> ClientCredentials:
    """The credentials a request presents, from exactly one of Basic or the body."""
    body_id = params.get("client_id") or None
    body_secret = params.get("client_secret") or None
    authorization = headers.get("Authorization") or ""
    if authorization[:6].lower() != "basic ":
        return ClientCredentials(body_id, body_secret)
    if body_id is not None or body_secret is not None:
        raise InvalidRequest("Authenticate the client with HTTP Basic or with body parameters, not both.")
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        raw_id, raw_secret = decoded.split(":", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidClient("Malformed HTTP Basic credentials.", basic_challenge=True) from None
    # RFC 6749 2.3.1: both parts are form-urlencoded before base64.
    return ClientCredentials(unquote_plus(raw_id) or None, unquote_plus(raw_secret) or None, via_basic=True)


def parse_client_id(value: str | None) -> uuid.UUID | None:
    """The UUID in `value`, only in its canonical 36-character form."""
    if not value or len(value) != 36:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def load_application(client_id: str | None) -> Application | None:
    parsed = parse_client_id(client_id)
    if parsed is None:
        return None
    return fastsql.get(Application, "client_id", parsed)


def verify_secret(application: Application | None, secret: str | None) -> bool:
    """Constant-time secret check; runs the same digest work when there is no application."""
    stored = application.client_secret_digest if application is not None else ""
    return digests.verify(secret or "", stored) and application is not None and secret is not None


def authenticate(
    credentials: ClientCredentials,
    *,
    allowed: Callable[[Application], bool],
    needs_secret: Callable[[Application], bool],
) -> Application:
    """The application behind `credentials`, or an OAuth error.

    Order: unknown client or wrong secret (invalid_client), inactive application
    (invalid_client), grant not allowed for its API type (unauthorized_client), then a
    secret that this grant needs but was not sent (invalid_client). A secret is checked
    against the per-client-ID throttle before anything else, even the database lookup.
    Refusals are announced (signals, audit log) by the endpoint view, once per request.
    """

    def fail(description: str, reason: str) -> InvalidClient:
        return InvalidClient(description, basic_challenge=credentials.via_basic, reason=reason)

    if credentials.client_secret is not None:
        # 429 before any lookup or digest; only a failure is counted (nothing to refund).
        guard = throttling.guard_client_secret(credentials.client_id)
        application = load_application(credentials.client_id)
        if not verify_secret(application, credentials.client_secret):
            guard.failed()
            raise fail("Client authentication failed.", "client_secret" if application else "unknown_client")
    else:
        application = load_application(credentials.client_id)
        if application is None:
            verify_secret(None, "")  # the same work as a wrong secret: no timing oracle
    if application is None:
        raise fail("Client authentication failed.", "unknown_client")
    if not application.is_active:
        raise fail("Client authentication failed.", "inactive_client")
    if not allowed(application):
        raise UnauthorizedClient(
            f"A {application.get_api_type_display()} application may not use this grant type.",
            reason="grant_not_allowed",
        )
    if credentials.client_secret is None and needs_secret(application):
        raise fail("This grant requires the client secret.", "missing_secret")
    touch(application)
    return application


def claimed_client_id(authorization: str, params: Mapping[str, str]) -> str | None:
    """The client ID a request claims (Basic or body), canonical when it is a UUID; for logs only."""
    try:
        client_id = extract({"Authorization": authorization}, params).client_id
    except OAuthError:
        return None
    parsed = parse_client_id(client_id)
    if parsed is not None:
        return str(parsed)
    return "(malformed)" if client_id else None


def touch(application: Application) -> None:
    """Record use, at most once per LAST_USED_RESOLUTION so a token costs no extra UPDATE."""
    now = timezone.now()
    resolution = timedelta(seconds=flex_settings.LAST_USED_RESOLUTION)
    if application.last_used is None or now - application.last_used >= resolution:
        Application.objects.filter(pk=application.pk).update(last_used=now)
        application.last_used = now
