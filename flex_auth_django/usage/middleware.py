"""Request latency per endpoint for Prometheus; costs one settings read when PROMETHEUS_METRICS is off."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import prometheus

UNMATCHED = "(unmatched)"


class RequestMetricsMiddleware:
    """Observe each request's duration under its URL pattern's name (`flex_auth:token`, `admin:index`...).

    The label is the resolved pattern, never the path, so made-up URLs share one series.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not prometheus.enabled():
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        prometheus.observe_latency(match.view_name if match is not None else UNMATCHED, time.perf_counter() - started)
        return response
