"""System checks of the throttle: sane limits, and a shared, atomic cache for its counters."""

from __future__ import annotations

import os

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# Sane throttling: (largest limit, shortest and longest window) per setting.
THROTTLE_RANGES = {
    "THROTTLE_USERNAME": (100, 60, 86400),  # per (account, client IP)
    "THROTTLE_ACCOUNT": (10000, 60, 86400),  # per account, from all IPs
    "THROTTLE_IP": (10000, 60, 86400),
    "THROTTLE_CLIENT_SECRET": (10000, 60, 86400),  # per client IP
}
PER_PROCESS_CACHES = ("LocMemCache",)
# incr() is a read then a write: concurrent attempts can be lost, so limits leak.
NON_ATOMIC_CACHES = ("FileBasedCache", "DatabaseCache")


def _throttle_backend(settings) -> str:
    from ..settings import flex_settings

    return settings.CACHES.get(flex_settings.THROTTLE_CACHE, {}).get("BACKEND", "")


def _workers() -> int:
    """Worker processes, when the environment says (WEB_CONCURRENCY, read by gunicorn and most platforms)."""
    try:
        return int(os.environ.get("WEB_CONCURRENCY", "1"))
    except ValueError:
        return 1


def _per_process_warning(alias: str, backend: str) -> checks.Warning:
    return checks.Warning(
        f"Throttling counts in the per-process cache {alias!r} ({backend.rsplit('.', 1)[-1]}): "
        "with several worker processes each keeps its own counters, multiplying the limits.",
        hint="Point FLEX_AUTH['THROTTLE_CACHE'] at a shared cache such as Redis (RedisCache).",
        id="flex_auth.W001",
    )


@checks.register(checks.Tags.caches)
def check_throttle_settings(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Throttle settings that are wrong in any deployment."""
    from ..settings import flex_settings

    try:
        _ = flex_settings.user_settings
    except ImproperlyConfigured:
        return []  # reported as flex_auth.E004
    problems = {name: (message, check_id) for name, message, check_id in flex_settings.problems()}
    messages: list[checks.CheckMessage] = []
    for name, (max_limit, min_window, max_window) in THROTTLE_RANGES.items():
        if name in problems:
            messages.append(checks.Error(problems[name][0], id=problems[name][1]))
            continue
        limit, window = getattr(flex_settings, name)
        if limit > max_limit or not min_window <= window <= max_window:
            messages.append(
                checks.Warning(
                    f"FLEX_AUTH[{name!r}] = {(limit, window)!r} is outside the sane range: at most {max_limit} "
                    f"failures per window of {min_window}..{max_window} seconds.",
                    id="flex_auth.W008",
                )
            )
    if any(name in problems for name in ("THROTTLE_ENABLED", "THROTTLE_CACHE")):
        return messages
    if not flex_settings.THROTTLE_ENABLED:
        return messages
    alias = flex_settings.THROTTLE_CACHE
    if alias not in settings.CACHES:
        return [
            *messages,
            checks.Error(f"FLEX_AUTH['THROTTLE_CACHE'] names no cache in CACHES: {alias!r}.", id="flex_auth.E011"),
        ]
    backend = _throttle_backend(settings)
    if backend.endswith("DummyCache"):
        messages.append(
            checks.Warning(
                f"Throttling counts in {alias!r}, a DummyCache that stores nothing: no attempt is ever refused.",
                id="flex_auth.W006",
            )
        )
    elif _workers() > 1 and any(backend.endswith(name) for name in PER_PROCESS_CACHES):
        messages.append(_per_process_warning(alias, backend))
    return messages


@checks.register(checks.Tags.caches, deploy=True)
def check_throttle_cache(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: a production site runs several processes and needs shared, atomic counters."""
    from ..settings import flex_settings

    if not flex_settings.THROTTLE_ENABLED:
        return [
            checks.Warning("FLEX_AUTH['THROTTLE_ENABLED'] is off: password guessing is unlimited.", id="flex_auth.W005")
        ]
    alias = flex_settings.THROTTLE_CACHE
    backend = _throttle_backend(settings)
    if any(backend.endswith(name) for name in PER_PROCESS_CACHES):
        # With WEB_CONCURRENCY > 1 check_throttle_settings has said so already.
        return [] if _workers() > 1 else [_per_process_warning(alias, backend)]
    if any(backend.endswith(name) for name in NON_ATOMIC_CACHES):
        return [
            checks.Warning(
                f"Throttling counts in {alias!r} ({backend.rsplit('.', 1)[-1]}), whose incr() is not atomic: "
                "concurrent attempts can be lost from the counts.",
                hint="Use RedisCache or a memcached backend for FLEX_AUTH['THROTTLE_CACHE'].",
                id="flex_auth.W007",
            )
        ]
    return []
