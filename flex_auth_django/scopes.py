"""The scopes of the Authentication API and how a requested scope is resolved."""

from __future__ import annotations

from .errors import InvalidScope

PUBLIC_READ = "public-read"
USER = "user"
TRUSTED_USER = "trusted:user"
INTEG = "integ"

ALL = {
    PUBLIC_READ: "Read public marketplace data (anonymous token).",
    USER: "Act as the signed-in marketplace user.",
    TRUSTED_USER: "Act as the user in a trusted, server-side context (privileged operations).",
    INTEG: "Full access to the Integration API.",
}


# Sharetribe's access levels nest: a trusted:user token may do whatever a user token may,
# and a user token whatever an anonymous (public-read) one may. Integration scopes stand apart.
IMPLIES = {
    TRUSTED_USER: frozenset({TRUSTED_USER, USER, PUBLIC_READ}),
    USER: frozenset({USER, PUBLIC_READ}),
    PUBLIC_READ: frozenset({PUBLIC_READ}),
    INTEG: frozenset({INTEG}),
}

# The API each scope belongs to (Application.api_type values): a token of one API never
# grants a scope of the other.
API_TYPE = {PUBLIC_READ: "marketplace", USER: "marketplace", TRUSTED_USER: "marketplace", INTEG: "integration"}


def implied(scope: str) -> frozenset[str]:
    """Every scope a token issued with `scope` (space-separated) may use."""
    granted: set[str] = set()
    for name in scope.split():
        granted |= IMPLIES.get(name, frozenset())
    return frozenset(granted)


def resolve(requested: str | None, default: str, allowed: frozenset[str] | set[str] | None = None) -> str:
    """The single scope a grant issues: `default` when none was asked for.

    Every token of this API carries exactly one scope, so a request naming anything
    else, or several scopes, is invalid_scope (RFC 6749 section 3.3). An empty value
    counts as absent (section 3.1).
    """
    if requested is None or not requested.strip(" "):
        return default
    names = set(requested.split(" ")) - {""}
    allowed = allowed or {default}
    if len(names) != 1 or not names <= allowed:
        raise InvalidScope(f"This grant issues only the scope '{default}'.")
    return names.pop()
