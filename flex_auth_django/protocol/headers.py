"""The one parser of the Authorization header (Basic and Bearer).

Client authentication, resource access, revocation and the audit context all read the
header through here, so its edge cases (scheme case, whitespace, RFC 6749 2.3.1's
form-encoding inside Basic) are decided once.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus


@dataclass(frozen=True)
class Authorization:
    """An Authorization header split into its scheme (lower case) and credentials."""

    scheme: str
    credentials: str

    @property
    def is_basic(self) -> bool:
        return self.scheme == "basic"

    @property
    def is_bearer(self) -> bool:
        return self.scheme == "bearer"


class MalformedBasic(ValueError):
    """A Basic header whose credentials are not base64 of UTF-8 `id:secret`."""


def header(meta: Mapping[str, str]) -> str:
    """The raw Authorization header of a request's META (or oauthlib-style headers)."""
    return meta.get("HTTP_AUTHORIZATION") or meta.get("Authorization") or ""


def parse(value: str | None) -> Authorization | None:
    """The header's scheme and credentials, or None when there is no header.

    The scheme is case-insensitive (RFC 7235 section 2.1).
    """
    scheme, _, credentials = (value or "").strip().partition(" ")
    if not scheme:
        return None
    return Authorization(scheme.lower(), credentials.strip())


def bearer(value: str | None) -> str | None:
    """The token of a Bearer header; None for no header or another scheme (not ours to judge)."""
    parsed = parse(value)
    return parsed.credentials if parsed is not None and parsed.is_bearer else None


def basic(authorization: Authorization) -> tuple[str | None, str | None]:
    """(client ID, secret) of a Basic header, each form-decoded (RFC 6749 2.3.1); empty parts are None."""
    try:
        decoded = base64.b64decode(authorization.credentials, validate=True).decode("utf-8")
        raw_id, raw_secret = decoded.split(":", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise MalformedBasic from None
    return unquote_plus(raw_id) or None, unquote_plus(raw_secret) or None
