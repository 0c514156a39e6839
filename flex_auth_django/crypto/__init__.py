"""Primitives every part uses the same way: unpadded base64url, and keys derived from SECRET_KEY."""

from .base64url import b64url_decode, b64url_encode
from .derived_keys import derived_key

__all__ = ["b64url_decode", "b64url_encode", "derived_key"]
