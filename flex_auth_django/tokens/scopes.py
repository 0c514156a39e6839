"""The scopes of the Authentication API in one table, what each implies, and how a requested scope is resolved.

Grants (the default scope of what they issue), the resource side (what a token may use),
and the OpenAPI and metadata documents read these rows; none of them spells a scope again.
A new scope is one row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import ApiType
from ..protocol.errors import InvalidScope
from ..settings import flex_settings

PUBLIC_READ = "public-read"
USER = "user"
USER_LIMITED = "user:limited"
TRUSTED_USER = "trusted:user"
INTEG = "integ"


@dataclass(frozen=True)
class Scope:
    name: str
    api_type: str
    description: str
    # Scopes a token with this scope may also use (Sharetribe's access levels nest).
    implies: tuple[str, ...] = ()
    # Only meaningful with a user behind the token: never granted to a token without one.
    needs_user: bool = False


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

_SCOPES = {scope.name: scope for scope in SCOPES}


def scope(name: str) -> Scope | None:
    return _SCOPES.get(name)


def names() -> list[str]:
    return list(_SCOPES)


def legacy(name: str) -> tuple[str, ...]:
    """The scopes of ours that grant a legacy scope name (FLEX_AUTH['LEGACY_SCOPES']); () if none."""
    if name in _SCOPES:
        return ()
    return tuple(t for t in flex_settings.LEGACY_SCOPES.get(name, ()) if t in _SCOPES)


def meets(granted: frozenset[str], name: str) -> bool:
    """Whether a token that may use `granted` has `name`: one of ours, or a legacy name one of its targets grants."""
    return name in granted or any(target in granted for target in legacy(name))


def targets(name: str) -> tuple[str, ...]:
    """Our scopes that stand for a required `name`: itself, or its legacy targets."""
    return (name,) if name in _SCOPES else legacy(name)


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


def resolve(requested: str | None, default: str, allowed: frozenset[str] | set[str] | None = None) -> str:
    """The single scope a grant issues: `default` when none was asked for.

    Every token of this API carries exactly one scope, so a request naming anything
    else, or several scopes, is invalid_scope (RFC 6749 section 3.3). An empty value
    counts as absent (section 3.1).
    """
    if requested is None or not requested.strip(" "):
        return default
    requested_names = set(requested.split(" ")) - {""}
    allowed = allowed or {default}
    if len(requested_names) != 1 or not requested_names <= allowed:
        raise InvalidScope(f"This grant issues only the scope '{default}'.")
    return requested_names.pop()
