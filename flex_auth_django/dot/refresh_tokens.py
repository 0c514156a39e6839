"""Refresh tokens imported from django-oauth-toolkit (flex_adopt_dot), as the strings clients hold.

DOT's refresh tokens are random strings without our prefix; DOT 3 stores their SHA-256
(`token_checksum`) and, unless COMPLIANT_BCP_RFC9700_TOKEN_STORAGE is on, the token itself.
We keep neither: the imported row's digest is our keyed digest of a labelled checksum, so it
can be made from DOT's checksum alone and matches no token of ours. A presented string is
taken down this path only when it has DOT's shape and not our prefix: a string that starts
like ours and is not exactly shaped like ours is still refused before any digest or query.
A legacy token works until it rotates (its successor is ours) or expires.
"""

from __future__ import annotations

import hashlib
import re

from ..tokens import digests

# oauthlib's generate_token: 30 letters and digits by default; sites' own generators stay in
# the URL-safe set. Never our "flx" prefix.
_DOT_SHAPE = re.compile(r"[A-Za-z0-9._~+/=-]{16,255}")
_LABEL = "dot-refresh\x00"


def checksum(raw: str) -> str:
    """DOT's token_checksum of a token string."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def lookup_value(raw: str | None) -> str | None:
    """What to look an imported DOT refresh token up by (see by_digest), or None when `raw` is not one."""
    if not raw or raw.startswith("flx") or not _DOT_SHAPE.fullmatch(raw):
        return None
    return _LABEL + checksum(raw)


def digest_of_checksum(dot_checksum: str) -> str:
    """The digest an imported row stores, from DOT's checksum of the token."""
    return digests.make(_LABEL + dot_checksum)
