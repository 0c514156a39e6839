"""System checks: DOT wired to our models and server, FLEX_AUTH sane for production."""

from __future__ import annotations

import os

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

EXPECTED_MODELS = {
    "OAUTH2_PROVIDER_APPLICATION_MODEL": "flex_auth_django.Application",
    "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL": "flex_auth_django.AccessToken",
    "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL": "flex_auth_django.RefreshToken",
}


@checks.register()
def check_dot_wiring(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from .server import FlexServer
    from .validator import FlexValidator

    errors: list[checks.CheckMessage] = []
    for name, expected in EXPECTED_MODELS.items():
        if getattr(settings, name, None) != expected:
            errors.append(
                checks.Error(
                    f"{name} must be {expected!r}.",
                    id="flex_auth.E001",
                    hint="See README, 'Adding it to an existing site'.",
                )
            )
    dot = getattr(settings, "OAUTH2_PROVIDER", {}) or {}
    for key, base in (("OAUTH2_SERVER_CLASS", FlexServer), ("OAUTH2_VALIDATOR_CLASS", FlexValidator)):
        value = dot.get(key)
        try:
            cls = import_string(value) if isinstance(value, str) else value
            ok = isinstance(cls, type) and issubclass(cls, base)
        except ImportError:
            ok = False
        if not ok:
            errors.append(
                checks.Error(
                    f"OAUTH2_PROVIDER[{key!r}] must be {base.__module__}.{base.__name__} or a subclass.",
                    id="flex_auth.E002",
                )
            )
    apps = list(settings.INSTALLED_APPS)
    if "oauth2_provider" not in apps:
        errors.append(checks.Error("'oauth2_provider' must be in INSTALLED_APPS.", id="flex_auth.E003"))
    elif "flex_auth_django" in apps and apps.index("oauth2_provider") > apps.index("flex_auth_django"):
        errors.append(
            checks.Error(
                "'oauth2_provider' must come before 'flex_auth_django' in INSTALLED_APPS "
                "(our admin replaces DOT's registrations).",
                id="flex_auth.E003",
            )
        )
    return errors


@checks.register()
def check_flex_settings(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from .settings import flex_settings

    try:
        _ = flex_settings.user_settings  # raises on unknown keys
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="flex_auth.E004")]
    problems = [p for p in flex_settings.problems() if p[0] not in THROTTLE_RANGES]  # those: check_throttle_settings
    messages: list[checks.CheckMessage] = [checks.Error(message, id=check_id) for _, message, check_id in problems]
    malformed = {name for name, _, _ in problems}
    messages += _lifetime_warnings(flex_settings, malformed)
    messages += _compatibility_warnings(flex_settings, malformed)
    keys = None if "DIGEST_KEYS" in malformed else flex_settings.DIGEST_KEYS
    if keys is not None and any(len(k) < 32 for _, k in keys):
        messages.append(
            checks.Warning("FLEX_AUTH['DIGEST_KEYS'] has a key shorter than 32 characters.", id="flex_auth.W004")
        )
    return messages


# Sane ranges, in seconds. Outside them a setting is most likely a unit mistake (minutes
# for seconds) or a security regression (a day-long access token).
LIFETIME_RANGES = {
    "ACCESS_TOKEN_LIFETIME": (60, 3600),
    "TRUSTED_TOKEN_LIFETIME": (30, 900),
    "REFRESH_TOKEN_LIFETIME": (3600, 90 * 86400),
    "SESSION_MAX_LIFETIME": (86400, 365 * 86400),
    "REFRESH_GRACE_PERIOD": (0, 60),
}


def _lifetime_warnings(flex_settings, malformed: set[str]) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for name, (low, high) in LIFETIME_RANGES.items():
        value = None if name in malformed else getattr(flex_settings, name)
        if value is not None and not low <= value <= high:
            messages.append(
                checks.Warning(
                    f"FLEX_AUTH[{name!r}] = {value!r} is outside the sane range {low}..{high} seconds.",
                    id="flex_auth.W002",
                )
            )
    if malformed & set(LIFETIME_RANGES):
        return messages
    refresh, session = flex_settings.REFRESH_TOKEN_LIFETIME, flex_settings.SESSION_MAX_LIFETIME
    if refresh > session:
        messages.append(
            checks.Warning("REFRESH_TOKEN_LIFETIME is longer than SESSION_MAX_LIFETIME.", id="flex_auth.W002")
        )
    if flex_settings.TRUSTED_TOKEN_LIFETIME > flex_settings.ACCESS_TOKEN_LIFETIME:
        messages.append(
            checks.Warning(
                "TRUSTED_TOKEN_LIFETIME is longer than ACCESS_TOKEN_LIFETIME: the privileged token should be "
                "the shorter-lived one.",
                id="flex_auth.W002",
            )
        )
    return messages


# What the Sharetribe SDKs send, by grant type name (spec: Grants).
SDK_GRANT_TYPES = ("client_credentials", "password", "refresh_token", "token_exchange")


def _compatibility_warnings(flex_settings, malformed: set[str]) -> list[checks.CheckMessage]:
    """Settings changed from the values the Sharetribe SDKs need."""
    from .grants import get_registry

    messages: list[checks.CheckMessage] = []
    if "INVALID_GRANT_STATUS" not in malformed and flex_settings.INVALID_GRANT_STATUS != 401:
        messages.append(
            checks.Warning(
                "FLEX_AUTH['INVALID_GRANT_STATUS'] is not 401: the Sharetribe SDKs keep a dead session "
                "on logout and do not refresh after a failed token exchange.",
                hint="Use 400 only if no client uses the Sharetribe SDKs.",
                id="flex_auth.W003",
            )
        )
    if "GRANT_CLASSES" in malformed:
        return messages
    try:
        served = set(get_registry().names())
    except ImproperlyConfigured as exc:
        return [*messages, checks.Error(f"FLEX_AUTH['GRANT_CLASSES']: {exc}", id="flex_auth.E007")]
    missing = [name for name in SDK_GRANT_TYPES if name not in served]
    if missing:
        messages.append(
            checks.Warning(
                f"FLEX_AUTH['GRANT_CLASSES'] does not serve {', '.join(missing)}, which the Sharetribe SDKs use.",
                id="flex_auth.W009",
            )
        )
    if "REFRESH_GRACE_PERIOD" not in malformed and flex_settings.REFRESH_GRACE_PERIOD == 0:
        messages.append(
            checks.Warning(
                "FLEX_AUTH['REFRESH_GRACE_PERIOD'] is 0: two browser tabs refreshing at once, or a retry after "
                "a lost response, will be taken for token theft and end the session.",
                id="flex_auth.W010",
            )
        )
    return messages


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
    from .settings import flex_settings

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
    from .settings import flex_settings

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
    from .settings import flex_settings

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


@checks.register(deploy=True)
def check_issuer(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: without ISSUER the metadata is built from the request's Host header."""
    from .settings import flex_settings

    try:
        issuer = flex_settings.ISSUER
    except ImproperlyConfigured:
        return []  # reported by check_flex_settings
    if issuer is None:
        return [
            checks.Warning(
                "FLEX_AUTH['ISSUER'] is not set: the RFC 8414 metadata takes its issuer and endpoint URLs from "
                "the request's Host header.",
                hint="Set FLEX_AUTH['ISSUER'] to the site's public https origin, e.g. 'https://auth.example.com'.",
                id="flex_auth.W011",
            )
        ]
    if not issuer.startswith("https://"):
        return [checks.Warning("FLEX_AUTH['ISSUER'] is not an https URL.", id="flex_auth.W011")]
    return []
