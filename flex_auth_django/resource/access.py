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

from .. import tokens
from ..db.outages import DATABASE_OUTAGES
from ..models import AccessToken, ApiType
from ..protocol import headers
from ..protocol.errors import InsufficientScope, InvalidToken, MissingToken, OAuthError, TemporarilyUnavailable
from ..tokens import kinds, scopes
from ..tokens.formats.signed import SignedAccessToken

Token = AccessToken | SignedAccessToken

logger = logging.getLogger("flex_auth_django")

# The lookup result is kept on the HttpRequest, so middleware, DRF and decorators that all
# ask about one request cost one query between them.
_MEMO = "_flex_access_token"
_INVALID = object()


def bearer_token(request: HttpRequest) -> str | None:
    """The credentials of an `Authorization: Bearer ...` header, or None when there is no Bearer header.

    Other schemes (Basic, a session) are not ours to judge, so they count as no token.
    """
    return headers.bearer(headers.header(request.META))


def authenticate(request: HttpRequest) -> Token | None:
    """The live access token `request` presents, with its application and user; None if it presents none.

    Raises InvalidToken for an unknown, malformed, expired or revoked token, or one whose
    application or user is inactive, and TemporarilyUnavailable when the database is down.
    Made at most once per request (tokens.live_access): for an opaque token one indexed query
    the first time this process sees it, for a signed one its signature; then what the process
    holds in memory (state/sync.py), with no query or round trip.
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


def user_of(token: Token | None):
    """The user a token acts for: its user for user and trusted tokens, AnonymousUser otherwise."""
    return token.user if token is not None and token.user_id is not None else AnonymousUser()


def granted(token: Token) -> frozenset[str]:
    """The scopes a live token may use: its scope and what that implies, limited to what its kind
    may ever use on its application's API (kinds.usable)."""
    return kinds.granted(token)


def requirement(required: Iterable[str]) -> frozenset[str]:
    """Validate the scopes a view requires; a mistake here is the site's, so it fails loudly at import.

    A name may be a legacy one FLEX_AUTH['LEGACY_SCOPES'] maps onto ours (a view from before the
    switch that still requires `read`): it is met by any of its targets.
    """
    names = frozenset(required)
    if not names:
        raise ImproperlyConfigured("Name at least one scope a protected view requires.")
    known = scopes.names()
    unknown = sorted(name for name in names if not scopes.targets(name))
    if unknown:
        raise ImproperlyConfigured(
            f"Unknown scopes {unknown}; use {sorted(known)}, or map legacy names in FLEX_AUTH['LEGACY_SCOPES']."
        )
    apis = [{scopes.scope(target).api_type for target in scopes.targets(name)} for name in names]
    if len(set().union(*(api for api in apis if len(api) == 1))) > 1:
        raise ImproperlyConfigured("One view cannot require scopes of both the Marketplace and the Integration API.")
    return names


def denial(token: Token | None, required: frozenset[str], refused: frozenset[str] = frozenset()) -> OAuthError | None:
    """Why `token` may not call a view that requires `required` (see requirement()) and refuses
    `refused`, or None if it may."""
    if token is None:
        return MissingToken()
    have = granted(token)
    # Refused scopes count as the token states them, even beyond what its kind could use.
    limits = refused & (have | scopes.implied(token.scope))
    if limits:
        names = " ".join(sorted(limits))
        return InsufficientScope(
            f"This request cannot be made with a token of scope '{names}' (limited rights, e.g. Login as user).",
            required=sorted(required),
        )
    if all(scopes.meets(have, name) for name in required):
        return None
    # Named by our scopes (a legacy name by its targets): what a client can ask a token for.
    ours = sorted({target for name in required for target in scopes.targets(name)})
    apis = {ApiType(scopes.scope(name).api_type).label for name in ours}
    api = apis.pop() if len(apis) == 1 else "Marketplace or Integration API"
    names = " ".join(ours)
    return InsufficientScope(f"This request needs an access token of the {api} with scope '{names}'.", required=ours)


def check(request: HttpRequest, required: frozenset[str], refused: frozenset[str] = frozenset()) -> Token:
    """The token of `request` if it grants `required` and none of `refused`; raises the OAuthError otherwise."""
    token = authenticate(request)
    error = denial(token, required, refused)
    if error is not None or token is None:
        raise error or MissingToken()
    return token
