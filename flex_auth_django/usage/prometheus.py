"""The same events as prometheus_client counters, plus request latency: FLEX_AUTH["PROMETHEUS_METRICS"].

Under several worker processes (gunicorn, granian) the values must live in files every
process writes and the scraping one reads: prometheus_client's multiprocess mode, on when
PROMETHEUS_MULTIPROC_DIR is in the environment before the server starts (deploy/serve.sh and
deploy/gunicorn.conf.py create and empty it; docs/guides/monitoring.md). The metrics are
made on first use, in the worker, after the fork. prometheus_client is the `metrics` extra;
nothing here imports it while the setting is off.
"""

from __future__ import annotations

import threading
from typing import Any

from ..settings import flex_settings, on_reload

# Seconds: the token endpoint answers in milliseconds; a slow hash or database shows above.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

_lock = threading.Lock()
_metrics: dict[str, Any] = {}
_enabled: bool | None = None


def available() -> bool:
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        return False
    return True


def enabled() -> bool:
    """PROMETHEUS_METRICS is on and prometheus_client importable (checked once per settings change)."""
    global _enabled
    if _enabled is None:
        _enabled = bool(flex_settings.PROMETHEUS_METRICS) and available()
    return _enabled


@on_reload
def _settings_changed() -> None:
    global _enabled
    _enabled = None


def metrics() -> dict[str, Any]:
    """The metric objects, made once per process (after the fork: see the module docstring)."""
    if _metrics:
        return _metrics
    from prometheus_client import Counter, Histogram

    with _lock:
        if not _metrics:
            made = {
                "issued": Counter(
                    "flex_auth_tokens_issued", "Access tokens issued, by grant type and API type", ["grant", "api_type"]
                ),
                "refused": Counter(
                    "flex_auth_tokens_refused",
                    "Requests refused by the token, revoke, introspect and IdP endpoints, by OAuth error code",
                    ["error", "endpoint"],
                ),
                "throttled": Counter(
                    "flex_auth_throttled", "Requests refused with 429, by throttle counter", ["scope", "endpoint"]
                ),
                "security": Counter(
                    "flex_auth_security_events",
                    "Refresh-token reuse detected, Login as user started, Login-as code reuse",
                    ["event", "api_type"],
                ),
                "revoked": Counter("flex_auth_revocations", "Revocations, by what was revoked", ["what"]),
                "idp": Counter("flex_auth_idp_logins", "Identity-provider logins, by outcome", ["result"]),
                "latency": Histogram(
                    "flex_auth_request_duration_seconds",
                    "Time to answer a request, by endpoint (URL pattern name)",
                    ["endpoint"],
                    buckets=LATENCY_BUCKETS,
                ),
            }
            _metrics.update(made)
    return _metrics


IDP_LOGIN = "auth_with_idp"

# (metric, label values) -> the labelled child: prometheus_client's labels() validates and locks on
# every call; a dict read is what a request should pay. Filling it twice in a race is harmless
# (labels() returns the same child).
_children: dict[tuple[str, ...], Any] = {}


def _child(metric: str, *values: str) -> Any:
    key = (metric, *values)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metrics()[metric].labels(*values)
    return child


def issued(grant: str, api_type: str) -> None:
    _child("issued", grant, api_type).inc()
    if grant == IDP_LOGIN:
        _child("idp", "ok").inc()


def refused(error: str, endpoint: str) -> None:
    _child("refused", error, endpoint).inc()
    if endpoint == IDP_LOGIN:
        _child("idp", "refused").inc()


def throttled(scope: str, endpoint: str) -> None:
    _child("throttled", scope, endpoint).inc()


def security_event(event: str, api_type: str) -> None:
    _child("security", str(event), api_type).inc()


def revoked(what: str) -> None:
    _child("revoked", what).inc()


def observe_latency(endpoint: str, seconds: float) -> None:
    _child("latency", endpoint).observe(seconds)
