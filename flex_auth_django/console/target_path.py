"""The page a Login-as opens on the marketplace: an optional same-origin path the admin passes as `target_path`.

The web template's initiate-login-as keeps `target_path` in a cookie and its login-as
route redirects the browser there once signed in, without checking it, so anything but a
path on the marketplace's own origin would turn the admin's button into an open redirect
(`//evil.example`, `/\\evil.example` and `https:evil.example` all leave the site in a
browser). Accepted: one "/" then the rest of a path (with a query or fragment if wanted),
no "//" or backslash anywhere, no scheme, no whitespace or control characters, at most
MAX_LENGTH characters.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

MAX_LENGTH = 1024
MESSAGE = (
    "The page to open must be a path on the marketplace, such as /account/listings: it starts with"
    " one “/”, and has no “//”, backslash, spaces or control characters (at most %(max)d characters)."
)


class InvalidTargetPath(ValueError):
    """The value is not a same-origin path; str() is the message for the admin."""

    def __init__(self) -> None:
        super().__init__(MESSAGE % {"max": MAX_LENGTH})


def _unsafe_character(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def clean(value: object) -> str:
    """The path to pass on, "" for none; InvalidTargetPath for anything that could leave the marketplace."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > MAX_LENGTH:
        raise InvalidTargetPath()
    if not value.startswith("/") or "//" in value or "\\" in value or any(map(_unsafe_character, value)):
        raise InvalidTargetPath()
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        raise InvalidTargetPath()
    return value
