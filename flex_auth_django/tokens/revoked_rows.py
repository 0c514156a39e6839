"""Marking token rows revoked so that none stays live, under concurrent rotations and exchanges."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet


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
