"""`flex_settings`: the FLEX_AUTH dict over one table of defaults, read at call time.

Modelled on DRF's `api_settings`: every default lives in DEFAULTS, unknown keys fail
loudly, dotted paths in IMPORT_STRINGS are imported on first use, and the cache is
dropped on Django's `setting_changed` so `override_settings` works in tests.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

DEFAULTS: dict[str, Any] = {
    # Lifetimes, in seconds (spec: Lifetimes).
    "ACCESS_TOKEN_LIFETIME": 600,
    "TRUSTED_TOKEN_LIFETIME": 300,
    "REFRESH_TOKEN_LIFETIME": 30 * 24 * 3600,
    "SESSION_MAX_LIFETIME": 180 * 24 * 3600,
    # A retired refresh token presented again within this many seconds, and only the
    # immediately previous one, gets the same answer as its first redemption.
    "REFRESH_GRACE_PERIOD": 10,
    # 401 is what the Sharetribe SDKs need; 400 is RFC 6749 section 5.2.
    "INVALID_GRANT_STATUS": 401,
    # HMAC keys for token and secret digests: [(key_id, key), ...], current first.
    # None derives one key from SECRET_KEY (and one per SECRET_KEY_FALLBACKS entry).
    "DIGEST_KEYS": None,
    # Random bytes per token and client secret (>= 32, i.e. 256 bits).
    "TOKEN_BYTES": 32,
    # The grants the token endpoint serves; each class declares its grant_type names.
    "GRANT_CLASSES": [
        "flex_auth_django.grants.client_credentials.ClientCredentialsGrant",
        "flex_auth_django.grants.password.PasswordGrant",
        "flex_auth_django.grants.token_exchange.TokenExchangeGrant",
        "flex_auth_django.grants.refresh_token.RefreshTokenGrant",
    ],
    # Request limits: longer parameters or bodies are refused with invalid_request.
    "MAX_PARAMETER_LENGTH": 4096,
    "MAX_BODY_BYTES": 16384,
    # Application.last_used is written at most this often (seconds), so issuing a
    # token does not cost an UPDATE on every request.
    "LAST_USED_RESOLUTION": 300,
    # Client IDs allowed to introspect tokens of any application (RFC 7662); every
    # other confidential client may introspect only its own application's tokens.
    "INTROSPECTION_CLIENT_IDS": [],
    # Revoke a user's sessions when their password changes.
    "PASSWORD_CHANGE_REVOKES_SESSIONS": True,
    # Number of trusted reverse proxies in front of the site; None trusts REMOTE_ADDR only.
    "NUM_PROXIES": None,
    # Throttling (spec: Throttling): (failures, window seconds).
    "THROTTLE_ENABLED": True,
    "THROTTLE_CACHE": "default",
    "THROTTLE_USERNAME": (10, 15 * 60),
    "THROTTLE_IP": (50, 15 * 60),
    "THROTTLE_CLIENT_SECRET": (20, 15 * 60),
    # When the throttle cache is unreachable: "closed" answers 503, "open" lets requests through.
    "THROTTLE_CACHE_FAILURE": "closed",
    # Seconds a Retry-After header suggests on 503 temporarily_unavailable.
    "UNAVAILABLE_RETRY_AFTER": 5,
}

IMPORT_STRINGS = ("GRANT_CLASSES",)

SETTING_NAME = "FLEX_AUTH"


class FlexSettings:
    """Attribute access to FLEX_AUTH with defaults; cached until `reload()`."""

    def __init__(self, defaults: dict[str, Any] | None = None) -> None:
        self.defaults = defaults or DEFAULTS
        self._cached: dict[str, Any] = {}
        self._user: dict[str, Any] | None = None

    @property
    def user_settings(self) -> dict[str, Any]:
        if self._user is None:
            user = getattr(settings, SETTING_NAME, None) or {}
            unknown = sorted(set(user) - set(self.defaults))
            if unknown:
                raise ImproperlyConfigured(f"Unknown {SETTING_NAME} keys: {', '.join(unknown)}")
            self._user = dict(user)
        return self._user

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self.defaults:
            raise AttributeError(f"Invalid {SETTING_NAME} setting: {name!r}")
        if name in self._cached:
            return self._cached[name]
        value = self.user_settings.get(name, self.defaults[name])
        if name in IMPORT_STRINGS:
            value = [import_string(v) if isinstance(v, str) else v for v in value]
        self._cached[name] = value
        return value

    def reload(self) -> None:
        self._cached.clear()
        self._user = None
        for callback in list(_reload_callbacks):
            callback()


flex_settings = FlexSettings()

_reload_callbacks: list = []


def on_reload(callback):
    """Register a cache-dropping callback run whenever FLEX_AUTH (or SECRET_KEY) changes."""
    _reload_callbacks.append(callback)
    return callback


def _setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in (SETTING_NAME, "SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        flex_settings.reload()


setting_changed.connect(_setting_changed)
