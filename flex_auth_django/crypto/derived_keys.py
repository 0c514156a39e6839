"""The one derivation of keys from SECRET_KEY: HMAC-SHA-256 of a purpose string under the secret.

Each use names its purpose, so no two uses share a key and none reveals another:
token and secret digests, throttle-counter keys, the audit log's username tags, the
identity-provider secret box, the usage aggregates' address tags. A derived key changes when
SECRET_KEY does; SECRET_KEY_FALLBACKS entries derive the keys that still open values made under
an older SECRET_KEY.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

# The purposes. Digests keep the label their keys were first derived with, so every stored
# digest stays valid; the others were unified in 0.2 (README, Upgrading).
DIGESTS = "flex_auth_django digest key"
THROTTLE = "flex_auth_django throttle key"
AUDIT = "flex_auth_django audit key"
IDP_SECRET_BOX = "flex_auth_django identity-provider secret box"
USAGE = "flex_auth_django usage key"  # the usage aggregates' client-address tags


def derived_key(purpose: str, secret: str | None = None) -> bytes:
    """32 bytes for `purpose` under `secret` (default: the current SECRET_KEY, read at call time)."""
    key = settings.SECRET_KEY if secret is None else secret
    return hmac.new(key.encode(), purpose.encode(), hashlib.sha256).digest()
