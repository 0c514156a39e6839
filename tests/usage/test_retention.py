"""flex_clear_tokens deletes aggregates older than USAGE_RETENTION_DAYS and keeps the rest."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from flex_auth_django.models import UsageCount

pytestmark = pytest.mark.django_db


def row(days_ago: float, **fields) -> UsageCount:
    minute = (timezone.now() - timedelta(days=days_ago)).replace(second=0, microsecond=0)
    return UsageCount.objects.create(minute=minute, event="issued", detail=f"d{days_ago}", count=3, **fields)


def test_old_aggregates_go_and_recent_ones_stay(settings):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "USAGE_RETENTION_DAYS": 30}
    keep = [row(0), row(29)]
    row(31)
    row(400)
    out = StringIO()
    call_command("flex_clear_tokens", "--dry-run", stdout=out)
    assert "2 usage aggregates" in out.getvalue() and UsageCount.objects.count() == 4
    call_command("flex_clear_tokens", stdout=out)
    assert sorted(UsageCount.objects.values_list("pk", flat=True)) == sorted(r.pk for r in keep)


def test_nothing_to_delete_keeps_the_summary_as_it_was():
    row(1)
    out = StringIO()
    call_command("flex_clear_tokens", stdout=out)
    assert "usage" not in out.getvalue() and UsageCount.objects.count() == 1
