"""RFC 7636 PKCE, S256 only (RFC 9700 section 2.1.1: `plain` protects nothing against a stolen code)."""

from __future__ import annotations

import hashlib
import re

from django.utils.crypto import constant_time_compare

from ..crypto import b64url_encode

METHOD = "S256"
# base64url without padding of a SHA-256 digest: exactly 43 characters.
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# Section 4.1: 43 to 128 unreserved characters.
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


def valid_challenge(value: str | None) -> bool:
    # fullmatch: with match(), "$" also matches before a trailing newline.
    return value is not None and _CHALLENGE.fullmatch(value) is not None


def valid_verifier(value: str | None) -> bool:
    return value is not None and _VERIFIER.fullmatch(value) is not None


def challenge_of(verifier: str) -> str:
    return b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def verifies(verifier: str, challenge: str) -> bool:
    """Section 4.6, compared in constant time."""
    return valid_verifier(verifier) and constant_time_compare(challenge_of(verifier), challenge)
