"""Deleting aggregates older than USAGE_RETENTION_DAYS, in batches (run by flex_clear_tokens)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from ..settings import flex_settings
from .models import UsageCount


def clear_old_usage(now: datetime, batch_size: int, dry_run: bool = False) -> tuple[int, int]:
    """(rows deleted, batches): aggregates of minutes before the retention window."""
    old = UsageCount.objects.filter(minute__lt=now - timedelta(days=flex_settings.USAGE_RETENTION_DAYS))
    if dry_run:
        count = old.count()
        return count, math.ceil(count / batch_size)
    total = batches = 0
    while pks := list(old.values_list("pk", flat=True)[:batch_size]):
        UsageCount.objects.filter(pk__in=pks).delete()
        total += len(pks)
        batches += 1
    return total, batches
