"""The token kinds in one table: which API each belongs to, the scope it carries, for how long, in which format.

Grants (the kind they issue per API type), the token service (lifetimes, refresh tokens,
formats), the resource side (what a kind may ever use) and the admin (which kinds have
sessions) read these rows. A new token kind is one row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import ApiType, TokenKind
from ..settings import flex_settings
from . import scopes

# Access token formats (spec: Token formats and signing keys), implemented in formats/.
SIGNED = "signed"  # an RFC 9068 JWT, verified by signature, never stored
OPAQUE = "opaque"  # a random string, stored as a digest


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


KINDS: tuple[Kind, ...] = (
    # Every visitor gets one: signed, so it costs no database write.
    Kind(
        TokenKind.ANONYMOUS,
        ApiType.MARKETPLACE,
        scopes.PUBLIC_READ,
        "ACCESS_TOKEN_LIFETIME",
        has_sessions=False,
        format=SIGNED,
    ),
    Kind(TokenKind.USER, ApiType.MARKETPLACE, scopes.USER, "ACCESS_TOKEN_LIFETIME", has_sessions=True),
    Kind(
        TokenKind.TRUSTED_USER, ApiType.MARKETPLACE, scopes.TRUSTED_USER, "TRUSTED_TOKEN_LIFETIME", has_sessions=False
    ),
    # Signed: integration back ends often verify in services of their own, without a round trip.
    Kind(
        TokenKind.INTEGRATION,
        ApiType.INTEGRATION,
        scopes.INTEG,
        "ACCESS_TOKEN_LIFETIME",
        has_sessions=True,
        format=SIGNED,
    ),
    Kind(
        TokenKind.LOGIN_AS,
        ApiType.MARKETPLACE,
        scopes.USER_LIMITED,
        "LOGIN_AS_TOKEN_LIFETIME",
        has_sessions=True,
        refreshable=False,
        scope_setting="LOGIN_AS_SCOPE",
    ),
)

_KINDS = {spec.kind: spec for spec in KINDS}


def kind(name: str) -> Kind:
    return _KINDS[name]


def issued_scope(spec: Kind) -> str:
    """The scope tokens of kind `spec` are issued with now (its scope setting, when it has one)."""
    return getattr(flex_settings, spec.scope_setting) if spec.scope_setting else spec.scope


def lifetime(spec: Kind) -> int:
    """Seconds an access token of kind `spec` lives."""
    return getattr(flex_settings, spec.lifetime_setting)


def usable(kind_name: str, api_type: str, *, with_user: bool) -> frozenset[str]:
    """What a token of `kind_name` may ever use, whatever its stored scope string says: a second
    line of defence, so that a mislabelled row cannot cross from one API to the other."""
    spec = _KINDS.get(kind_name)
    if spec is None or spec.api_type != api_type:
        return frozenset()
    names = scopes.implied(issued_scope(spec))
    return frozenset(n for n in names if with_user or not scopes.scope(n).needs_user)


def session_kinds() -> list[Kind]:
    return [spec for spec in KINDS if spec.has_sessions]


def api_types() -> tuple[str, ...]:
    """The API types some kind belongs to, in table order."""
    return tuple(dict.fromkeys(spec.api_type for spec in KINDS))


def granted(token) -> frozenset[str]:
    """The scopes a live token may use: its scope and what that implies, limited to what its kind
    may ever use on its application's API (usable())."""
    ceiling = usable(token.kind, token.application.api_type, with_user=token.user_id is not None)
    return scopes.implied(token.scope) & ceiling


def allows(token, names) -> bool:
    """Whether `token` has every scope in `names` (ours or LEGACY_SCOPES names): DOT's scope tools ask this.

    DOT's tools know no refused scopes (RequireFullUser's), so limited rights never pass for full
    ones there: a Login-as token (`user:limited`) does not count as `user` (nor as a legacy name
    mapped onto it); map a legacy name onto ["user", "user:limited"] to let operators through.
    """
    have = granted(token)
    if scopes.USER_LIMITED in scopes.implied(token.scope):  # as the token states it (access.denial)
        have = have - {scopes.USER}
    return all(scopes.meets(have, name) for name in names or ())
