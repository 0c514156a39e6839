"""Unpadded base64url (RFC 4648 section 5; RFC 7515 section 2): tokens, digests, JWS, JWK, PKCE."""

from __future__ import annotations

import base64


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The bytes of unpadded (or padded) base64url text; binascii.Error (a ValueError) when it is not."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
