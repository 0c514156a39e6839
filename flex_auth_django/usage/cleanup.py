"""Deleting aggregates older than USAGE_RETENTION_DAYS, in batches (run by flex_clear_tokens)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..db.cleanup import delete_in_batches
from ..settings import flex_settings
from .models import UsageCount


def clear_old_usage(now: datetime, batch_size: int, dry_run: bool = False) -> tuple[int, int]:
    """(rows deleted, batches): aggregates of minutes before the retention window."""
    old = UsageCount.objects.filter(minute__lt=now - timedelta(days=flex_settings.USAGE_RETENTION_DAYS))
    return delete_in_batches(old, batch_size, dry_run)
