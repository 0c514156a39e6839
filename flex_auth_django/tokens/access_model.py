"""The access model in one table: which scopes exist, which API each belongs to, which token
kinds carry them and for how long.

Grants (the default scope of what they issue), the resource side (what a token may use),
the admin (which kinds have sessions) and the OpenAPI and metadata documents read these
rows; none of them spells a scope, a kind or an API type again. A new scope or token
kind is one row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import ApiType, TokenKind
from ..settings import flex_settings

PUBLIC_READ = "public-read"
USER = "user"
USER_LIMITED = "user:limited"
TRUSTED_USER = "trusted:user"
INTEG = "integ"

# Access token formats (spec: Token formats and signing keys).
SIGNED = "signed"  # an RFC 9068 JWT, verified by signature, never stored
OPAQUE = "opaque"  # a random string, stored as a digest


@dataclass(frozen=True)
class Scope:
    name: str
    api_type: str
    description: str
    # Scopes a token with this scope may also use (Sharetribe's access levels nest).
    implies: tuple[str, ...] = ()
    # Only meaningful with a user behind the token: never granted to a token without one.
    needs_user: bool = False


@dataclass(frozen=True)
class Kind:
    kind: str
    api_type: str
    scope: str  # the one scope tokens of this kind are issued with
    lifetime_setting: str  # the FLEX_AUTH setting with the access token's lifetime, in seconds
    # Its tokens form sessions the admin lists and can end.
    has_sessions: bool
    # The access token format unless FLEX_AUTH['ACCESS_TOKEN_FORMATS'] names this kind.
    format: str = OPAQUE
    # The client gets a refresh token with it (Login-as sessions have none: they end when
    # their one access token expires, or when the admin revokes them).
    refreshable: bool = True
    # The FLEX_AUTH setting that may replace `scope` (Login-as: `user` as in Sharetribe's Dev and Test).
    scope_setting: str | None = None


SCOPES: tuple[Scope, ...] = (
    Scope(PUBLIC_READ, ApiType.MARKETPLACE, "Read public marketplace data (anonymous token)."),
    Scope(USER, ApiType.MARKETPLACE, "Act as the signed-in marketplace user.", (PUBLIC_READ,), needs_user=True),
    Scope(
        TRUSTED_USER,
        ApiType.MARKETPLACE,
        "Act as the user in a trusted, server-side context (privileged operations).",
        (USER,),
        needs_user=True,
    ),
    Scope(
        USER_LIMITED,
        ApiType.MARKETPLACE,
        "Act as the user with limited rights (an operator's Login as user): "
        "no payout details, payment methods, messages, or starting or moving transactions.",
        (USER,),
        needs_user=True,
    ),
    Scope(INTEG, ApiType.INTEGRATION, "Full access to the Integration API."),
)

KINDS: tuple[Kind, ...] = (
    # Every visitor gets one: signed, so it costs no database write.
    Kind(
        TokenKind.ANONYMOUS,
        ApiType.MARKETPLACE,
        PUBLIC_READ,
        "ACCESS_TOKEN_LIFETIME",
        has_sessions=False,
        format=SIGNED,
    ),
    Kind(TokenKind.USER, ApiType.MARKETPLACE, USER, "ACCESS_TOKEN_LIFETIME", has_sessions=True),
    Kind(TokenKind.TRUSTED_USER, ApiType.MARKETPLACE, TRUSTED_USER, "TRUSTED_TOKEN_LIFETIME", has_sessions=False),
    # Signed: integration back ends often verify in services of their own, without a round trip.
    Kind(TokenKind.INTEGRATION, ApiType.INTEGRATION, INTEG, "ACCESS_TOKEN_LIFETIME", has_sessions=True, format=SIGNED),
    Kind(
        TokenKind.LOGIN_AS,
        ApiType.MARKETPLACE,
        USER_LIMITED,
        "LOGIN_AS_TOKEN_LIFETIME",
        has_sessions=True,
        refreshable=False,
        scope_setting="LOGIN_AS_SCOPE",
    ),
)

API_LABELS = {ApiType.MARKETPLACE: "Marketplace API", ApiType.INTEGRATION: "Integration API"}

_SCOPES = {scope.name: scope for scope in SCOPES}
_KINDS = {kind.kind: kind for kind in KINDS}


def scope(name: str) -> Scope | None:
    return _SCOPES.get(name)


def kind(name: str) -> Kind:
    return _KINDS[name]


def issued_scope(spec: Kind) -> str:
    """The scope tokens of kind `spec` are issued with now (its scope setting, when it has one)."""
    return getattr(flex_settings, spec.scope_setting) if spec.scope_setting else spec.scope


def scope_names() -> list[str]:
    return list(_SCOPES)


def implied(scope_string: str) -> frozenset[str]:
    """Every scope a token issued with `scope_string` (space-separated) may use, transitively."""
    granted: set[str] = set()
    pending = [name for name in scope_string.split() if name in _SCOPES]
    while pending:
        name = pending.pop()
        if name not in granted:
            granted.add(name)
            pending.extend(_SCOPES[name].implies)
    return frozenset(granted)


def usable(kind_name: str, api_type: str, *, with_user: bool) -> frozenset[str]:
    """What a token of `kind_name` may ever use, whatever its stored scope string says: a second
    line of defence, so that a mislabelled row cannot cross from one API to the other."""
    spec = _KINDS.get(kind_name)
    if spec is None or spec.api_type != api_type:
        return frozenset()
    names = implied(issued_scope(spec))
    return frozenset(n for n in names if with_user or not _SCOPES[n].needs_user)


def configured_format(kind_name: str) -> str:
    """The format FLEX_AUTH asks for tokens of `kind_name` (whether keys exist is formats.py's concern)."""
    return flex_settings.ACCESS_TOKEN_FORMATS.get(kind_name, _KINDS[kind_name].format)


def session_kinds() -> list[Kind]:
    return [spec for spec in KINDS if spec.has_sessions]
