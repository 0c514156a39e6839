"""Token rows: what access and refresh token rows both record, and marking rows revoked so none stays live."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from . import digests


def common_fields(
    raw: str, application, kind: str, scope: str, user, family, now: datetime, acted_by=None
) -> dict[str, Any]:
    """The fields access and refresh token rows both record; the digest of `raw` ("" for none)."""
    return {
        "digest": digests.make(raw) if raw else "",
        "application": application,
        "user": user,
        "acted_by": acted_by,
        "kind": kind,
        "scope": scope,
        "family": family,
        "created": now,
    }


def revoke_all(queryset: QuerySet, now: datetime) -> int:
    """UPDATE ... SET revoked until nothing is left to revoke.

    Under READ COMMITTED one UPDATE does not see rows that a concurrent rotation or
    token exchange inserts while it waits for their row locks; those transactions
    commit before the next statement starts, so repeating until zero rows change
    leaves no live member behind (tested on PostgreSQL in tests/tokens/test_races.py).
    """
    total = 0
    while changed := queryset.filter(revoked__isnull=True).update(revoked=now):
        total += changed
    return total
