"""What /metrics answers: every worker's counters (multiprocess mode) and the database's live sessions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from django.db.models import Count
from django.utils import timezone

from ..models import Session


class LiveSessions:
    """A gauge read from the database at scrape time, in the scraping process (not a worker's file)."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        gauge = GaugeMetricFamily(
            "flex_auth_live_sessions", "Live sessions (refresh-token families) per application", labels=["client_id"]
        )
        rows = (
            Session.objects.live(timezone.now())
            .order_by()
            .values("application__client_id", "application__legacy_client_id")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            gauge.add_metric([row["application__legacy_client_id"] or str(row["application__client_id"])], row["n"])
        yield gauge


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_LATEST

    from . import prometheus

    prometheus.metrics()  # every metric exists (at 0) even before its first event
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:  # one process (runserver, a single worker): its own registry
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    registry.register(LiveSessions())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Forward:
    """The process's default registry as a collector of a per-scrape registry."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Any]:
        yield from self.registry.collect()
