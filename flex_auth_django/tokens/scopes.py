"""The scopes of the Authentication API (rows of access_model) and how a requested scope is resolved."""

from __future__ import annotations

from ..protocol.errors import InvalidScope
from .access_model import INTEG, PUBLIC_READ, SCOPES, TRUSTED_USER, USER, USER_LIMITED, implied

ALL = {scope.name: scope.description for scope in SCOPES}
# The API each scope belongs to (Application.api_type values).
API_TYPE = {scope.name: scope.api_type for scope in SCOPES}

__all__ = ["ALL", "API_TYPE", "INTEG", "PUBLIC_READ", "TRUSTED_USER", "USER", "USER_LIMITED", "implied", "resolve"]


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
