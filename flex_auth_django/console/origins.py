"""A Marketplace URL's validation: an absolute http(s) origin, stored without a trailing slash.

Kept apart from marketplace_url.py (which reads settings) so the model field can use it
without an import cycle. Stored as an origin, `redirect_uri` can be compared with
`<marketplace URL>/api/login-as` as exact strings (RFC 9700 section 4.1.3).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# http is for local development only, as the spec allows (Sharetribe documents localhost:4000).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")

MESSAGE = _(
    "Enter the marketplace's origin, e.g. https://my-marketplace.example.com: https (http only for "
    "localhost and 127.0.0.1), a host and optionally a port, no path, query or fragment."
)


def secure_enough(scheme: str, host: str | None) -> bool:
    return scheme == "https" or (scheme == "http" and host in LOCAL_HOSTS)


def clean(value: str) -> str:
    """`value` as stored: an absolute http(s) origin without a trailing slash; ValidationError otherwise."""
    value = (value or "").strip()
    if not value:
        return ""
    if value.endswith("/"):
        value = value[:-1]
    if any(ch.isspace() or ord(ch) < 0x21 or ord(ch) > 0x7E for ch in value) or "\\" in value:
        raise ValidationError(MESSAGE, code="invalid")
    try:
        parts = urlsplit(value)
        port = parts.port  # ValueError for a port out of range or not a number
    except ValueError:
        raise ValidationError(MESSAGE, code="invalid") from None
    host = parts.hostname
    if (
        parts.scheme not in ("http", "https")
        or not host
        or not _HOST.match(host)
        or parts.username is not None
        or parts.password is not None
        or parts.path
        or parts.query
        or parts.fragment
        or "?" in value
        or "#" in value
        or (port is None and parts.netloc.endswith(":"))
        or value != f"{parts.scheme}://{parts.netloc}"
    ):
        raise ValidationError(MESSAGE, code="invalid")
    if not secure_enough(parts.scheme, host):
        raise ValidationError(_("Use https: http is allowed only for localhost and 127.0.0.1."), code="insecure")
    return value


def validate(value: str) -> None:
    """Model-field validator: the stored value must already be clean (no trailing slash)."""
    if value and clean(value) != value:
        raise ValidationError(_("Leave out the trailing slash."), code="trailing_slash")
