"""Choosing the access-token format: once per kind (ACCESS_TOKEN_FORMATS), by shape for a presented token.

The token service asks here and nowhere else whether a token is signed or opaque: `for_kind`
for a new token, `for_token` for a string a client presents, `of` for a token object.
"""

from __future__ import annotations

from ...settings import flex_settings
from .. import kinds
from .base import OPAQUE, SIGNED, AccessTokenFormat
from .opaque import OpaqueFormat
from .signed import SignedAccessToken, SignedFormat, available

__all__ = [
    "OPAQUE",
    "SIGNED",
    "AccessTokenFormat",
    "SignedAccessToken",
    "configured_format",
    "for_kind",
    "for_token",
    "of",
]

_BY_NAME: dict[str, AccessTokenFormat] = {OPAQUE: OpaqueFormat(), SIGNED: SignedFormat()}


def configured_format(kind_name: str) -> str:
    """The format FLEX_AUTH asks for tokens of `kind_name` (whether a key can sign is for_kind's concern)."""
    return flex_settings.ACCESS_TOKEN_FORMATS.get(kind_name, kinds.kind(kind_name).format)


def for_kind(kind_name: str, *, subject=None) -> AccessTokenFormat:
    """The format a new token of `kind_name` gets: the configured one, opaque while no key can sign.

    A token exchanged from a signed subject is signed too: it has no row a revocation of the
    subject could reach, so it names the subject in its jti instead.
    """
    if subject is not None and of(subject).name == SIGNED:
        return _BY_NAME[SIGNED]
    wanted = configured_format(kind_name)
    return _BY_NAME[SIGNED if wanted == SIGNED and available() else OPAQUE]


def for_token(raw: str | None) -> AccessTokenFormat | None:
    """The format whose shape `raw` has, or None (not an access token of ours)."""
    for candidate in _BY_NAME.values():
        if candidate.owns(raw):
            return candidate
    return None


def of(token) -> AccessTokenFormat:
    """The format of an issued or found token object."""
    return _BY_NAME[token.format]
