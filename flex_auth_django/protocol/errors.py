"""Error classes (RFC 6749 section 5.2, RFC 6750, RFC 8693): a code, a status, a description, headers.

Every refusal the app makes, at the token endpoints, in the resource-side classes, in the
console and in the Marketplace API's create_with_idp, is one of these; protocol/failures.py
turns any exception into one (outages into 503, bugs into 500) and renders it in the
surface's envelope, in one place.
"""

from __future__ import annotations

from django.http import HttpResponse

from ..settings import flex_settings
from .http import json_response


class OAuthError(Exception):
    error = "invalid_request"
    status_code = 400
    description = "The request is invalid."
    # Why, for the audit log only (e.g. "unknown_client", "password"); never sent to the client.
    reason: str | None = None

    def __init__(
        self,
        description: str | None = None,
        *,
        basic_challenge: bool = False,
        retry_after: int | None = None,
        headers: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        if description is not None:
            self.description = description
        super().__init__(self.description)
        if reason is not None:
            self.reason = reason
        self.basic_challenge = basic_challenge
        self.retry_after = retry_after
        self.extra_headers = headers or {}

    def challenge(self) -> str | None:
        """The WWW-Authenticate value, if this error carries one.

        RFC 6749 2.3.1 / 5.2: Basic only when the client used Basic; a Basic challenge to
        a browser's fetch() would pop up a password dialog. Resource-server errors
        override this with their RFC 6750 Bearer challenge.
        """
        return 'Basic realm="flex-auth"' if self.basic_challenge and self.status_code == 401 else None

    @property
    def headers(self) -> dict[str, str]:
        headers = dict(self.extra_headers)
        challenge = self.challenge()
        if challenge is not None:
            headers["WWW-Authenticate"] = challenge
        if self.retry_after is not None:
            headers["Retry-After"] = str(int(self.retry_after))
        return headers

    def as_dict(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}

    def to_response(self) -> HttpResponse:
        return json_response(self.as_dict(), status=self.status_code, headers=self.headers)


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    error = "invalid_client"
    status_code = 401
    description = "Client authentication failed."


class InvalidGrant(OAuthError):
    error = "invalid_grant"
    description = "The provided grant is invalid, expired or revoked."

    # Read at call time: FLEX_AUTH['INVALID_GRANT_STATUS'] (401 for the SDKs, 400 for RFC clients).
    @property
    def status_code(self) -> int:  # type: ignore[override]
        return flex_settings.INVALID_GRANT_STATUS


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"
    description = "This application may not use this grant type."


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"
    description = "The grant type is not supported."


class InvalidScope(OAuthError):
    error = "invalid_scope"
    description = "The requested scope is not allowed."


class InvalidToken(OAuthError):
    """RFC 6750 section 3.1: the Bearer token is missing a live counterpart."""

    error = "invalid_token"
    status_code = 401
    description = "The access token is invalid, expired or revoked."

    def challenge(self) -> str:
        return f'Bearer error="invalid_token", error_description="{self.description}"'


class MissingToken(OAuthError):
    """No Bearer token at all. RFC 6750 section 3.1: the challenge then names no error code;
    the body still says what is missing, in our own word (RFC 6750 has none for this case)."""

    error = "missing_token"
    status_code = 401
    description = "This request needs an access token: send Authorization: Bearer <token>."

    def challenge(self) -> str:
        return 'Bearer realm="flex-auth"'


class InsufficientScope(OAuthError):
    error = "insufficient_scope"
    status_code = 403
    description = "The access token does not grant the scope this request needs."

    def __init__(self, description: str | None = None, *, required: list[str] | None = None, **kwargs) -> None:
        super().__init__(description, **kwargs)
        self.required = required or []

    def challenge(self) -> str:
        challenge = 'Bearer error="insufficient_scope"'
        if self.required:
            challenge += f', scope="{" ".join(self.required)}"'
        return challenge


class TooManyRequests(OAuthError):
    error = "too_many_requests"
    status_code = 429
    description = "Too many attempts; try again later."


class TemporarilyUnavailable(OAuthError):
    error = "temporarily_unavailable"
    status_code = 503
    description = "The service is temporarily unavailable; try again shortly."

    def __init__(self, description: str | None = None, **kwargs) -> None:
        kwargs.setdefault("retry_after", flex_settings.UNAVAILABLE_RETRY_AFTER)
        super().__init__(description, **kwargs)


class MethodNotAllowed(OAuthError):
    error = "invalid_request"
    status_code = 405

    def __init__(self, method: str, allowed: tuple[str, ...] = ("POST",)) -> None:
        super().__init__(
            f"Method {method[:16]} is not allowed here; use {', '.join(allowed)}.",
            headers={"Allow": ", ".join(allowed)},
        )


class LengthRequired(OAuthError):
    """RFC 9110 section 15.5.12: a body without Content-Length that this server cannot read."""

    error = "invalid_request"
    status_code = 411


class ServerError(OAuthError):
    error = "server_error"
    status_code = 500
    description = "The server could not complete the request."


class ApiError(OAuthError):
    """A Marketplace API refusal (e.g. create_with_idp's 409 `email-taken`): its JSON:API code and title."""

    def __init__(self, status: int, api_code: str, title: str, **kwargs) -> None:
        super().__init__(title, **kwargs)
        self.status_code = status
        self.error = self.api_code = api_code
