"""Random token and secret strings: a type prefix and >= 256 bits of entropy, base64url."""

from __future__ import annotations

import re
import secrets

from ..crypto import b64url_encode
from ..settings import flex_settings
from .digests import derive

# Every string we generate starts "flx"; a type letter and "_" follow.
PREFIX = "flx"
ACCESS_PREFIX = "flxa_"
REFRESH_PREFIX = "flxr_"
SECRET_PREFIX = "flxs_"
CODE_PREFIX = "flxc_"

# Prefix + base64url without padding of >= 32 bytes; anything else is not ours and is
# rejected before any digest is computed or query sent.
_SHAPE = re.compile(r"^flx[arsc]_[A-Za-z0-9_-]{43,172}$")


def _random(prefix: str) -> str:
    return prefix + b64url_encode(secrets.token_bytes(flex_settings.TOKEN_BYTES))


def access_token() -> str:
    return _random(ACCESS_PREFIX)


def refresh_token() -> str:
    return _random(REFRESH_PREFIX)


def client_secret() -> str:
    return _random(SECRET_PREFIX)


def authorization_code() -> str:
    return _random(CODE_PREFIX)


def derived(prefix: str, source: str, label: str, key_index: int = 0) -> str:
    """A token string derived from `source` (see digests.derive)."""
    return prefix + b64url_encode(derive(source, label, key_index))


def looks_like(value: str | None, prefix: str) -> bool:
    # fullmatch: with match(), "$" also matches before a trailing newline.
    return bool(value) and value.startswith(prefix) and _SHAPE.fullmatch(value) is not None
