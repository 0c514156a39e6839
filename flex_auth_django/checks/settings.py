"""System checks of FLEX_AUTH: malformed values, lifetimes outside sane ranges, settings the SDKs cannot work with."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .throttling import THROTTLE_RANGES


@checks.register()
def check_flex_settings(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from ..settings import flex_settings

    try:
        _ = flex_settings.user_settings  # raises on unknown keys
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="flex_auth.E004")]
    problems = [p for p in flex_settings.problems() if p[0] not in THROTTLE_RANGES]  # those: check_throttle_settings
    messages: list[checks.CheckMessage] = [checks.Error(message, id=check_id) for _, message, check_id in problems]
    malformed = {name for name, _, _ in problems}
    messages += _lifetime_warnings(flex_settings, malformed)
    messages += _compatibility_warnings(flex_settings, malformed)
    if "LEGACY_SCOPES" not in malformed:
        messages += _legacy_scope_errors(flex_settings.LEGACY_SCOPES)
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
SDK_GRANT_TYPES = ("client_credentials", "password", "refresh_token", "token_exchange", "auth_with_idp")


def _compatibility_warnings(flex_settings, malformed: set[str]) -> list[checks.CheckMessage]:
    """Settings changed from the values the Sharetribe SDKs need."""
    from ..grants import get_registry

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
        served = set(get_registry().all_names())
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


def _legacy_scope_errors(mapping: dict[str, tuple[str, ...]]) -> list[checks.CheckMessage]:
    """LEGACY_SCOPES maps names that are not ours onto scopes that are (a typo would grant nothing)."""
    from ..tokens import scopes

    known = scopes.names()
    messages: list[checks.CheckMessage] = []
    for name, targets in mapping.items():
        if name in known:
            messages.append(
                checks.Error(
                    f"FLEX_AUTH['LEGACY_SCOPES'] maps {name!r}, which is one of this server's scopes.",
                    hint="Only legacy names (django-oauth-toolkit's 'read', 'write', ...) are mapped.",
                    id="flex_auth.E016",
                )
            )
        unknown = [t for t in targets if t not in known]
        if unknown:
            messages.append(
                checks.Error(
                    f"FLEX_AUTH['LEGACY_SCOPES'][{name!r}] names unknown scopes {unknown}.",
                    hint=f"Map it onto {', '.join(repr(k) for k in known)}.",
                    id="flex_auth.E016",
                )
            )
    return messages
