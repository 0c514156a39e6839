"""The resource-server side: the Bearer token a request presents, and whether it grants what a view needs.

Framework-neutral on purpose: the DRF classes (authentication.py, permissions.py) and the
plain-Django decorator and middleware (decorators.py, middleware.py) all decide here, so a
token gets the same answer from every kind of view.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from . import scopes, tokens
from .errors import DATABASE_OUTAGES, InsufficientScope, InvalidToken, MissingToken, OAuthError, TemporarilyUnavailable
from .models import AccessToken, ApiType, TokenKind

logger = logging.getLogger("flex_auth_django")

# The lookup result is kept on the HttpRequest, so middleware, DRF and decorators that all
# ask about one request cost one query between them.
_MEMO = "_flex_access_token"
_INVALID = object()

# What each kind of token can ever be used for, whatever its scope string says: a second
# line of defence so that a mislabelled row cannot cross from one API to the other.
_KIND_SCOPES = {
    TokenKind.ANONYMOUS: frozenset({scopes.PUBLIC_READ}),
    TokenKind.USER: frozenset({scopes.USER, scopes.PUBLIC_READ}),
    TokenKind.TRUSTED_USER: frozenset({scopes.TRUSTED_USER, scopes.USER, scopes.PUBLIC_READ}),
    TokenKind.INTEGRATION: frozenset({scopes.INTEG}),
}
_USER_SCOPES = frozenset({scopes.USER, scopes.TRUSTED_USER})
_API_LABEL = {ApiType.MARKETPLACE: "Marketplace API", ApiType.INTEGRATION: "Integration API"}


def bearer_token(request: HttpRequest) -> str | None:
    """The credentials of an `Authorization: Bearer ...` header, or None when there is no Bearer header.

    The scheme is case-insensitive (RFC 7235 section 2.1). Other schemes (Basic, a session)
    are not ours to judge, so they count as no token.
    """
    header = request.META.get("HTTP_AUTHORIZATION") or ""
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip()


def authenticate(request: HttpRequest) -> AccessToken | None:
    """The live access token `request` presents, with its application and user; None if it presents none.

    Raises InvalidToken for an unknown, malformed, expired or revoked token, or one whose
    application or user is inactive, and TemporarilyUnavailable when the database is down.
    One indexed query (tokens.live_access), made at most once per request.
    """
    found = getattr(request, _MEMO, None)
    if found is None:
        raw = bearer_token(request)
        if raw is None:
            return None
        try:
            found = tokens.live_access(raw) or _INVALID
        except DATABASE_OUTAGES as exc:
            logger.error("database unavailable while checking an access token: %s", type(exc).__name__)
            raise TemporarilyUnavailable() from exc
        setattr(request, _MEMO, found)
    if found is _INVALID:
        raise InvalidToken()
    return found


def user_of(token: AccessToken | None):
    """The user a token acts for: its user for user and trusted tokens, AnonymousUser otherwise."""
    return token.user if token is not None and token.user_id is not None else AnonymousUser()


def granted(token: AccessToken) -> frozenset[str]:
    """The scopes a live token may use: its scope and what that implies, limited to its kind and API."""
    usable = scopes.implied(token.scope) & _KIND_SCOPES.get(token.kind, frozenset())
    usable = frozenset(s for s in usable if scopes.API_TYPE[s] == token.application.api_type)
    return usable if token.user_id is not None else usable - _USER_SCOPES


def requirement(required: Iterable[str]) -> frozenset[str]:
    """Validate the scopes a view requires; a mistake here is the site's, so it fails loudly at import."""
    names = frozenset(required)
    if not names:
        raise ImproperlyConfigured("Name at least one scope a protected view requires.")
    unknown = sorted(names - set(scopes.API_TYPE))
    if unknown:
        raise ImproperlyConfigured(f"Unknown scopes {unknown}; use {sorted(scopes.API_TYPE)}.")
    if len({scopes.API_TYPE[name] for name in names}) > 1:
        raise ImproperlyConfigured("One view cannot require scopes of both the Marketplace and the Integration API.")
    return names


def denial(token: AccessToken | None, required: frozenset[str]) -> OAuthError | None:
    """Why `token` may not call a view that requires `required` (see requirement()), or None if it may."""
    if token is None:
        return MissingToken()
    if required <= granted(token):
        return None
    api = _API_LABEL[scopes.API_TYPE[next(iter(required))]]
    names = " ".join(sorted(required))
    return InsufficientScope(
        f"This request needs an access token of the {api} with scope '{names}'.", required=sorted(required)
    )


def check(request: HttpRequest, required: frozenset[str]) -> AccessToken:
    """The token of `request` if it grants `required`; raises the OAuthError to answer otherwise."""
    token = authenticate(request)
    error = denial(token, required)
    if error is not None or token is None:
        raise error or MissingToken()
    return token
