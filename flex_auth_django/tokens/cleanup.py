"""Deleting dead tokens in small batches, safe to run from cron under traffic.

Each batch selects at most `batch_size` primary keys through an index (expiry, or the
partial index on revoked rows) and deletes them in its own short transaction, so no
lock is held for long and memory stays bounded whatever the table size.

What is dead: access tokens that expired or were revoked; refresh tokens that expired
or were revoked; revocations of signed tokens whose tokens have all expired. Signed
access tokens themselves have no rows, so there is nothing of theirs to delete. A
*retired* (rotated) refresh token is kept until it expires, because presenting it
again is how reuse, and so theft, is detected. For the same reason a
Login-as code is kept until the longest session it can have started has ended. The usage
counters' per-minute aggregates go once they are older than USAGE_RETENTION_DAYS.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Model, Q
from django.utils import timezone

from ..db.cleanup import delete_batch, delete_in_batches
from ..models import AccessToken, AuthorizationCode, RefreshToken, SignedRevocation
from ..settings import flex_settings
from ..usage.cleanup import clear_old_usage


@dataclass
class ClearResult:
    deleted: dict[str, int] = field(
        default_factory=lambda: {"access tokens": 0, "refresh tokens": 0, "signed-token revocations": 0}
    )
    batches: int = 0

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def _passes(now: datetime) -> list[tuple[str, type[Model], Q]]:
    return [
        ("refresh tokens", RefreshToken, Q(expires__lt=now)),
        ("refresh tokens", RefreshToken, Q(revoked__isnull=False)),
        ("access tokens", AccessToken, Q(expires__lt=now)),
        ("access tokens", AccessToken, Q(revoked__isnull=False)),
        ("signed-token revocations", SignedRevocation, Q(expires__lt=now)),
    ]


def clear_dead_tokens(
    *,
    batch_size: int = 5000,
    pause: float = 0.0,
    dry_run: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> ClearResult:
    """Delete expired and revoked tokens; returns how many rows of each kind went, in how many batches.

    A dry run counts what each pass would delete after the passes before it (a row both
    expired and revoked goes in the expiry pass, so it is counted once) and the batches
    that would take, so its report is the one a real run would print.
    """
    now = timezone.now()
    result = ClearResult()
    earlier: dict[type[Model], Q] = {}
    codes, batches = _clear_codes(now, batch_size, dry_run)
    if codes:  # listed only when there were any: the summary line stays as it was otherwise
        result.deleted["authorization codes"] = codes
        result.batches += batches
    usage, batches = clear_old_usage(now, batch_size, dry_run)
    if usage:  # the usage counters' aggregates past USAGE_RETENTION_DAYS
        result.deleted["usage aggregates"] = usage
        result.batches += batches
    for label, model, condition in _passes(now):
        if dry_run:
            queryset = model.objects.filter(condition)
            if model in earlier:
                queryset = queryset.exclude(earlier[model])
            count = queryset.count()
            earlier[model] = earlier[model] | condition if model in earlier else condition
            result.deleted[label] += count
            result.batches += math.ceil(count / batch_size)
            continue
        while True:
            pks = list(model.objects.filter(condition).values_list("pk", flat=True)[:batch_size])
            if not pks:
                break
            if model is SignedRevocation:  # no links to clear
                SignedRevocation.objects.filter(pk__in=pks).delete()
            else:
                delete_batch(model, pks, "parent" if model is RefreshToken else "subject")
            result.deleted[label] += len(pks)
            result.batches += 1
            if progress is not None:
                progress(label, result.deleted[label])
            if pause:
                time.sleep(pause)
    return result


def _clear_codes(now: datetime, batch_size: int, dry_run: bool) -> tuple[int, int]:
    """Login-as codes whose every possible session is over (nothing refers to code rows): (rows, batches)."""
    dead = AuthorizationCode.objects.filter(expires__lt=now - timedelta(seconds=flex_settings.LOGIN_AS_TOKEN_LIFETIME))
    return delete_in_batches(dead, batch_size, dry_run)
