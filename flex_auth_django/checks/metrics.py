"""System checks of the metrics: prometheus_client installed when /metrics is on, and one count for all workers."""

from __future__ import annotations

import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

GUIDE = "https://flex-auth-django.readthedocs.io/en/latest/guides/monitoring.html"


def _on() -> bool:
    from ..settings import flex_settings

    try:
        return bool(flex_settings.PROMETHEUS_METRICS)
    except ImproperlyConfigured:
        return False  # reported by the settings check


@checks.register()
def check_prometheus_installed(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from ..usage import prometheus

    if not _on() or prometheus.available():
        return []
    return [
        checks.Error(
            "FLEX_AUTH['PROMETHEUS_METRICS'] is on but prometheus_client is not installed: /metrics would answer 404.",
            hint=f"pip install 'flex-auth-django[metrics]', or turn the setting off ({GUIDE}).",
            id="flex_auth.E160",
        )
    ]


def _workers() -> int:
    try:
        return int(os.environ.get("WEB_CONCURRENCY", "1"))
    except ValueError:
        return 1


@checks.register(deploy=True)
def check_prometheus_multiprocess(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Several workers without multiprocess mode: each scrape reports one worker's counts."""
    if not _on() or os.environ.get("PROMETHEUS_MULTIPROC_DIR") or _workers() <= 1:
        return []
    return [
        checks.Warning(
            "FLEX_AUTH['PROMETHEUS_METRICS'] is on with several workers (WEB_CONCURRENCY) but "
            "PROMETHEUS_MULTIPROC_DIR is not set: each scrape reports the counts of whichever worker answers it.",
            hint=f"Set PROMETHEUS_MULTIPROC_DIR before the server starts, as deploy/serve.sh does ({GUIDE}).",
            id="flex_auth.W161",
        )
    ]
