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
    messages: list[checks.CheckMessage] = []
    messages += _lifetime_warnings(flex_settings)
    messages += _compatibility_warnings(flex_settings)
    if flex_settings.TOKEN_BYTES < 32:
        messages.append(checks.Error("FLEX_AUTH['TOKEN_BYTES'] must be at least 32 (256 bits).", id="flex_auth.E005"))
    keys = flex_settings.DIGEST_KEYS
    if keys is not None and any(len(k) < 32 for _, k in keys):
        messages.append(
            checks.Warning("FLEX_AUTH['DIGEST_KEYS'] has a key shorter than 32 characters.", id="flex_auth.W004")
        )
    if flex_settings.THROTTLE_CACHE_FAILURE not in ("open", "closed"):
        messages.append(
            checks.Error("FLEX_AUTH['THROTTLE_CACHE_FAILURE'] must be 'open' or 'closed'.", id="flex_auth.E006")
        )
    proxies = flex_settings.NUM_PROXIES
    if proxies is not None and (not _is_int(proxies) or proxies < 1):
        messages.append(
            checks.Error(
                "FLEX_AUTH['NUM_PROXIES'] must be None (trust REMOTE_ADDR) or the number of trusted proxies (>= 1).",
                id="flex_auth.E009",
            )
        )
    return messages


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# Sane ranges, in seconds. Outside them a setting is most likely a unit mistake (minutes
# for seconds) or a security regression (a day-long access token).
LIFETIME_RANGES = {
    "ACCESS_TOKEN_LIFETIME": (60, 3600),
    "TRUSTED_TOKEN_LIFETIME": (30, 900),
    "REFRESH_TOKEN_LIFETIME": (3600, 90 * 86400),
    "SESSION_MAX_LIFETIME": (86400, 365 * 86400),
    "REFRESH_GRACE_PERIOD": (0, 60),
}


def _lifetime_warnings(flex_settings) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for name, (low, high) in LIFETIME_RANGES.items():
        value = getattr(flex_settings, name)
        if not _is_int(value) or not low <= value <= high:
            messages.append(
                checks.Warning(
                    f"FLEX_AUTH[{name!r}] = {value!r} is outside the sane range {low}..{high} seconds.",
                    id="flex_auth.W002",
                )
            )
    refresh, session = flex_settings.REFRESH_TOKEN_LIFETIME, flex_settings.SESSION_MAX_LIFETIME
    if _is_int(refresh) and _is_int(session) and refresh > session:
        messages.append(
            checks.Warning("REFRESH_TOKEN_LIFETIME is longer than SESSION_MAX_LIFETIME.", id="flex_auth.W002")
        )
    trusted, access = flex_settings.TRUSTED_TOKEN_LIFETIME, flex_settings.ACCESS_TOKEN_LIFETIME
    if _is_int(trusted) and _is_int(access) and trusted > access:
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


def _compatibility_warnings(flex_settings) -> list[checks.CheckMessage]:
    """Settings changed from the values the Sharetribe SDKs need."""
    from .grants import get_registry

    messages: list[checks.CheckMessage] = []
    status = flex_settings.INVALID_GRANT_STATUS
    if status not in (400, 401):
        messages.append(checks.Error("FLEX_AUTH['INVALID_GRANT_STATUS'] must be 401 or 400.", id="flex_auth.E008"))
    elif status != 401:
        messages.append(
            checks.Warning(
                "FLEX_AUTH['INVALID_GRANT_STATUS'] is not 401: the Sharetribe SDKs keep a dead session "
                "on logout and do not refresh after a failed token exchange.",
                hint="Use 400 only if no client uses the Sharetribe SDKs.",
                id="flex_auth.W003",
            )
        )
    try:
        served = set(get_registry().names())
    except (ImportError, ImproperlyConfigured) as exc:
        return [*messages, checks.Error(f"FLEX_AUTH['GRANT_CLASSES']: {exc}", id="flex_auth.E007")]
    missing = [name for name in SDK_GRANT_TYPES if name not in served]
    if missing:
        messages.append(
            checks.Warning(
                f"FLEX_AUTH['GRANT_CLASSES'] does not serve {', '.join(missing)}, which the Sharetribe SDKs use.",
                id="flex_auth.W009",
            )
        )
    if flex_settings.REFRESH_GRACE_PERIOD == 0:
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
    "THROTTLE_USERNAME": (100, 60, 86400),
    "THROTTLE_IP": (10000, 60, 86400),
    "THROTTLE_CLIENT_SECRET": (1000, 60, 86400),
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
    messages: list[checks.CheckMessage] = []
    for name, (max_limit, min_window, max_window) in THROTTLE_RANGES.items():
        value = getattr(flex_settings, name)
        if not (isinstance(value, list | tuple) and len(value) == 2 and all(_is_int(v) and v >= 1 for v in value)):
            messages.append(
                checks.Error(f"FLEX_AUTH[{name!r}] must be (failures, window seconds), both >= 1.", id="flex_auth.E010")
            )
            continue
        limit, window = value
        if limit > max_limit or not min_window <= window <= max_window:
            messages.append(
                checks.Warning(
                    f"FLEX_AUTH[{name!r}] = {tuple(value)!r} is outside the sane range: at most {max_limit} "
                    f"failures per window of {min_window}..{max_window} seconds.",
                    id="flex_auth.W008",
                )
            )
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
