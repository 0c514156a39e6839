"""The one client-ID canonicaliser: the UUIDs we issue, and the IDs applications imported from DOT kept."""

from __future__ import annotations

import re
import uuid


def client_uuid(value: str | None) -> uuid.UUID | None:
    """The UUID in `value`, only in its canonical 36-character form (any letter case)."""
    if not value or len(value) != 36:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# A client ID imported from django-oauth-toolkit (flex_adopt_dot): DOT's column holds up to
# 100 characters and its generator uses letters and digits; RFC 3986's unreserved set covers
# IDs sites chose themselves. Anything else is not a client ID we could have issued.
_LEGACY_CLIENT_ID = re.compile(r"[A-Za-z0-9._~-]{1,100}")


def legacy_client_id(value: str | None) -> str | None:
    """`value` if it has the shape of an imported DOT client ID (and is not a UUID), else None.

    Exact, case-sensitive (DOT compares client IDs exactly); looked up only among imported
    applications, so a new application is still found by its canonical UUID alone.
    """
    if not value or client_uuid(value) is not None or not _LEGACY_CLIENT_ID.fullmatch(value):
        return None
    return value


def canonical_client_id(value: str | None) -> str | None:
    """`value` as the canonical lower-case UUID string, or an imported DOT client ID as it is;
    None when it is neither."""
    parsed = client_uuid(value)
    return str(parsed) if parsed is not None else legacy_client_id(value)
