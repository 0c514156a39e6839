"""System checks: DOT wired to our models and server, FLEX_AUTH sane for production."""

from __future__ import annotations

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
    lifetimes = {
        "ACCESS_TOKEN_LIFETIME": (60, 3600),
        "TRUSTED_TOKEN_LIFETIME": (30, 900),
        "REFRESH_TOKEN_LIFETIME": (3600, 90 * 86400),
        "SESSION_MAX_LIFETIME": (86400, 365 * 86400),
        "REFRESH_GRACE_PERIOD": (0, 60),
    }
    for name, (low, high) in lifetimes.items():
        value = getattr(flex_settings, name)
        if not isinstance(value, int) or not low <= value <= high:
            messages.append(
                checks.Warning(
                    f"FLEX_AUTH[{name!r}] = {value!r} is outside the sane range {low}..{high} seconds.",
                    id="flex_auth.W002",
                )
            )
    if flex_settings.REFRESH_TOKEN_LIFETIME > flex_settings.SESSION_MAX_LIFETIME:
        messages.append(
            checks.Warning("REFRESH_TOKEN_LIFETIME is longer than SESSION_MAX_LIFETIME.", id="flex_auth.W002")
        )
    if flex_settings.INVALID_GRANT_STATUS != 401:
        messages.append(
            checks.Warning(
                "FLEX_AUTH['INVALID_GRANT_STATUS'] is not 401: the Sharetribe SDKs keep a dead session "
                "on logout and do not refresh after a failed token exchange.",
                id="flex_auth.W003",
            )
        )
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
    return messages


@checks.register(checks.Tags.caches, deploy=True)
def check_throttle_cache(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from .settings import flex_settings

    if not flex_settings.THROTTLE_ENABLED:
        return [
            checks.Warning("FLEX_AUTH['THROTTLE_ENABLED'] is off: password guessing is unlimited.", id="flex_auth.W005")
        ]
    alias = flex_settings.THROTTLE_CACHE
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    per_process = ("LocMemCache", "DummyCache")
    if any(backend.endswith(name) for name in per_process):
        return [
            checks.Warning(
                f"Throttling counts in the per-process cache {alias!r} ({backend.rsplit('.', 1)[-1]}): "
                "with several worker processes each keeps its own counters, multiplying the limits.",
                hint="Point FLEX_AUTH['THROTTLE_CACHE'] at a shared cache such as Redis.",
                id="flex_auth.W001",
            )
        ]
    return []
