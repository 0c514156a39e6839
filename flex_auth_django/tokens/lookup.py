"""Finding stored token rows by the string a client presents: one indexed query, whatever the digest keys."""

from __future__ import annotations

from collections.abc import Callable

from ..db import statements
from ..models import AccessToken, RefreshToken
from . import digests, generate


def by_digest(model, raw: str, related: tuple[str, ...] = (), *, for_update: bool = False):
    """The row whose digest matches `raw` under any digest key, with `related` loaded: one query.

    One key or several (while keys rotate) take the same statement, `digest IN (...)`.
    """
    return statements.get_any(model, "digest", digests.candidates(raw), related=related, for_update=for_update)


def find_access(raw: str | None) -> AccessToken | None:
    """The stored access token for `raw` (live or not), with its application and user: one query."""
    if not generate.looks_like(raw, generate.ACCESS_PREFIX):
        return None
    return by_digest(AccessToken, raw, ("application", "user"))


# Refresh tokens that are not ours but name stored rows (imported ones: django-oauth-toolkit's
# wing registers its lookup). Each returns what to look the string up by, or None if it is
# not one of its tokens; a string shaped like ours never reaches them.
RefreshLookup = Callable[[str | None], str | None]
_refresh_lookups: list[RefreshLookup] = []


def register_refresh_lookup(lookup: RefreshLookup) -> None:
    if lookup not in _refresh_lookups:
        _refresh_lookups.append(lookup)


def _legacy_refresh_value(raw: str | None) -> str | None:
    if not raw or raw.startswith(generate.PREFIX):
        return None
    for lookup in _refresh_lookups:
        value = lookup(raw)
        if value is not None:
            return value
    return None


def is_refresh_token(raw: str | None) -> bool:
    """Whether `raw` has the shape of a refresh token we could have stored (ours or an imported one)."""
    return generate.looks_like(raw, generate.REFRESH_PREFIX) or _legacy_refresh_value(raw) is not None


def find_refresh(raw: str | None) -> RefreshToken | None:
    """The stored refresh token for `raw`, ours or an imported one: one query."""
    if generate.looks_like(raw, generate.REFRESH_PREFIX):
        return by_digest(RefreshToken, raw, ("user",))
    imported = _legacy_refresh_value(raw)
    if imported is None:
        return None
    return by_digest(RefreshToken, imported, ("user",))
