"""The Facebook app secret at rest: AES-GCM under a key derived from SECRET_KEY, never in clear.

A database dump alone reveals nothing; SECRET_KEY_FALLBACKS still open values sealed
under an older SECRET_KEY, so rotating it does not lose the secrets (re-save to re-seal).
Values sealed by 0.1 (`aesgcm1`, an HKDF-derived key) were re-sealed by migration 0010.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from ..crypto import b64url_decode, b64url_encode
from ..crypto.derived_keys import IDP_SECRET_BOX, derived_key

PREFIX = "aesgcm2"


def _keys() -> list[tuple[str, bytes]]:
    """(key tag, key) for SECRET_KEY first, then each fallback."""
    keys = []
    for secret_key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        key = derived_key(IDP_SECRET_BOX, secret_key)
        keys.append((hashlib.sha256(key).hexdigest()[:8], key))
    return keys


def seal(plaintext: str) -> str:
    """`aesgcm2$<key tag>$<base64url(nonce | ciphertext)>` under the current key."""
    tag, key = _keys()[0]
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), PREFIX.encode())
    return f"{PREFIX}${tag}${b64url_encode(sealed)}"


def open_sealed(value: str) -> str | None:
    """The plaintext, or None when the value is empty, malformed or sealed under an unknown key."""
    try:
        prefix, tag, data = value.split("$")
        raw = b64url_decode(data)
    except ValueError:
        return None
    if prefix != PREFIX or len(raw) < 13:
        return None
    for key_tag, key in _keys():
        if key_tag == tag:
            try:
                return AESGCM(key).decrypt(raw[:12], raw[12:], PREFIX.encode()).decode()
            except (InvalidTag, UnicodeDecodeError):
                return None
    return None
