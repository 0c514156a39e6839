"""Keyed digests of tokens and client secrets: `hmac-sha256$<key id>$<mac>`.

Tokens and secrets are >= 256-bit random strings, so a fast keyed MAC is enough (no
slow password hash): a leaked table yields nothing usable without the key. Digests
are deterministic, so lookups use the unique index; the stored value names its key,
so keys can rotate while retired keys (listed after the current one) still verify.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import constant_time_compare

from ..crypto import b64url_encode
from ..crypto.derived_keys import DIGESTS, derived_key
from ..settings import flex_settings, on_reload

ALGORITHM = "hmac-sha256"
_DOMAIN_DIGEST = b"flex-auth/digest\x00"
_DOMAIN_DERIVE = b"flex-auth/derive\x00"


def _derived_key(secret: str) -> tuple[str, bytes]:
    key = derived_key(DIGESTS, secret)
    key_id = "s" + hmac.new(key, b"key id", hashlib.sha256).hexdigest()[:8]
    return key_id, key


@lru_cache(maxsize=1)
def keyring() -> tuple[tuple[str, bytes], ...]:
    """The (key id, key) pairs, current first."""
    configured = flex_settings.DIGEST_KEYS
    if configured is None:
        secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        return tuple(_derived_key(s) for s in secrets if s)
    keys = []
    for key_id, key in configured:
        if not key_id or "$" in key_id or len(key_id) > 16:
            raise ImproperlyConfigured("FLEX_AUTH['DIGEST_KEYS'] ids must be 1-16 characters without '$'")
        keys.append((key_id, key.encode() if isinstance(key, str) else bytes(key)))
    if not keys:
        raise ImproperlyConfigured("FLEX_AUTH['DIGEST_KEYS'] must name at least one key")
    return tuple(keys)


on_reload(keyring.cache_clear)


def _mac(key: bytes, value: str) -> str:
    return b64url_encode(
        hmac.new(key, _DOMAIN_DIGEST + value.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
    )


def make(value: str) -> str:
    """The digest of `value` under the current key."""
    key_id, key = keyring()[0]
    return f"{ALGORITHM}${key_id}${_mac(key, value)}"


def candidates(value: str) -> list[str]:
    """The digest of `value` under every key, for an indexed `digest__in` lookup."""
    return [f"{ALGORITHM}${key_id}${_mac(key, value)}" for key_id, key in keyring()]


# Verified against when the stored digest is missing or names an unknown key, so that
# answering "no" costs the same as a real comparison (no timing oracle).
_DUMMY = f"{ALGORITHM}$dummy${'A' * 43}"


def verify(value: str, stored: str) -> bool:
    """Constant-time check of `value` against a stored digest."""
    keys = dict(keyring())
    try:
        algorithm, key_id, _mac_value = (stored or _DUMMY).split("$", 2)
    except ValueError:
        algorithm, key_id = ALGORITHM, "dummy"
    key = keys.get(key_id)
    if algorithm != ALGORITHM or key is None:
        constant_time_compare(f"{ALGORITHM}$dummy${_mac(keyring()[0][1], value)}", _DUMMY)
        return False
    return constant_time_compare(f"{ALGORITHM}${key_id}${_mac(key, value)}", stored)


def must_update(stored: str) -> bool:
    """True when `stored` was made with a key other than the current one."""
    return not stored.startswith(f"{ALGORITHM}${keyring()[0][0]}$")


def derive(value: str, label: str, key_index: int = 0) -> bytes:
    """32 pseudorandom bytes bound to `value` and `label` under a server key.

    Used to mint a refresh token's successor from the token itself, so the same
    successor can be answered again within the grace period without storing it.
    """
    key = keyring()[key_index][1]
    return hmac.new(key, _DOMAIN_DERIVE + label.encode() + b"\x00" + value.encode(), hashlib.sha256).digest()
