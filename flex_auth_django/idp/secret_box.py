"""The Facebook app secret at rest: AES-GCM under a key derived from SECRET_KEY, never in clear.

A database dump alone reveals nothing; SECRET_KEY_FALLBACKS still open values sealed
under an older SECRET_KEY, so rotating it does not lose the secrets (re-save to re-seal).
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "aesgcm1"
_INFO = b"flex-auth-django identity-provider secret v1"


def _derive(secret_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())


def _keys() -> list[tuple[str, bytes]]:
    """(key tag, key) for SECRET_KEY first, then each fallback."""
    keys = []
    for secret_key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        key = _derive(secret_key)
        keys.append((hashlib.sha256(key).hexdigest()[:8], key))
    return keys


def seal(plaintext: str) -> str:
    """`aesgcm1$<key tag>$<base64url(nonce | ciphertext)>` under the current key."""
    tag, key = _keys()[0]
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), PREFIX.encode())
    return f"{PREFIX}${tag}${base64.urlsafe_b64encode(sealed).decode()}"


def open_sealed(value: str) -> str | None:
    """The plaintext, or None when the value is empty, malformed or sealed under an unknown key."""
    try:
        prefix, tag, data = value.split("$")
        raw = base64.urlsafe_b64decode(data)
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
