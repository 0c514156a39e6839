"""`flex_settings`: the FLEX_AUTH dict over one table of defaults, read at call time.

Modelled on DRF's `api_settings`: every default lives in SETTINGS beside the shape its
value must have, unknown keys fail loudly, a malformed value raises ImproperlyConfigured
when read (and is a system check error), dotted paths in IMPORT_STRINGS are imported on
first use, and the cache is dropped on Django's `setting_changed` so `override_settings`
works in tests. Call sites get values of the right type and never convert them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string


class Shape:
    """What a setting's value must look like; `clean()` returns it normalised or raises ValueError."""

    def __init__(self, describe: str, clean: Callable[[Any], Any], check_id: str = "flex_auth.E012") -> None:
        self.describe = describe
        self._clean = clean
        self.check_id = check_id  # the system check's id when the value is malformed

    def clean(self, value: Any) -> Any:
        try:
            return self._clean(value)
        except (TypeError, ValueError):
            raise ValueError(f"must be {self.describe}, not {value!r}") from None


def _int(value: Any, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(value)
    return value


def integer(low: int = 0, check_id: str = "flex_auth.E012") -> Shape:
    return Shape(f"a whole number >= {low}", lambda v: _int(v, low), check_id)


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 3600:
        raise ValueError(value)
    return float(value)


SECONDS = Shape("a number of seconds from 0 to 3600", _seconds)


def one_of(*choices: Any, check_id: str = "flex_auth.E012") -> Shape:
    def clean(value: Any) -> Any:
        if value not in choices or isinstance(value, bool):
            raise ValueError(value)
        return value

    return Shape(" or ".join(repr(c) for c in choices), clean, check_id)


def _limit(value: Any) -> tuple[int, int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(value)
    return (_int(value[0], 1), _int(value[1], 1))


def _optional(inner: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else inner(value)


def _of_type(kind: type) -> Callable[[Any], Any]:
    def clean(value: Any) -> Any:
        if not isinstance(value, kind):
            raise ValueError(value)
        return value

    return clean


def _strings(value: Any) -> list[str]:
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise ValueError(value)
    return list(value)


def _digest_keys(value: Any) -> list[tuple[str, str | bytes]]:
    pairs = [tuple(pair) for pair in value]
    if not pairs or any(len(p) != 2 or not isinstance(p[0], str) or not isinstance(p[1], str | bytes) for p in pairs):
        raise ValueError(value)
    return pairs


def _grant_classes(value: Any) -> list[Any]:
    if isinstance(value, str) or not value:
        raise ValueError(value)
    return list(value)


def _path(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or value.endswith("/") or "?" in value or "#" in value:
        raise ValueError(value)
    return value


def _issuer(value: Any) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(value)
    return value.rstrip("/")


def _url(value: Any) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.fragment:
        raise ValueError(value)
    return value.rstrip("/")


def _dotted_or_callable(value: Any) -> Any:
    if value is None or callable(value) or (isinstance(value, str) and "." in value):
        return value
    raise ValueError(value)


def _formats(value: Any) -> dict[str, str]:
    from .models import TokenKind

    if not isinstance(value, dict) or any(
        k not in TokenKind.values or v not in ("signed", "opaque") for k, v in value.items()
    ):
        raise ValueError(value)
    return dict(value)


def _signing_keys(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str | bytes | dict) or not all(isinstance(entry, dict) for entry in value):
        raise ValueError(value)
    return list(value)


def _audiences(value: Any) -> dict[str, str]:
    from .models import ApiType

    if not isinstance(value, dict) or any(
        k not in ApiType.values or not isinstance(v, str) or not v for k, v in value.items()
    ):
        raise ValueError(value)
    return dict(value)


def _legacy_scopes(value: Any) -> dict[str, tuple[str, ...]]:
    """{legacy name: one of our scopes, or a list of them (any one grants it)}; names without spaces."""
    if not isinstance(value, dict):
        raise ValueError(value)
    cleaned = {}
    for name, targets in value.items():
        targets = (targets,) if isinstance(targets, str) else tuple(targets)
        if not isinstance(name, str) or not name or " " in name or not targets:
            raise ValueError(value)
        if not all(isinstance(t, str) and t for t in targets):
            raise ValueError(value)
        cleaned[name] = targets
    return cleaned


def _networks(value: Any) -> list[str]:
    import ipaddress

    for network in _strings(value):
        ipaddress.ip_network(network, strict=False)
    return list(value)


def _long_string(value: Any) -> str:
    if not isinstance(value, str) or len(value) < 16:
        raise ValueError(value)
    return value


LIMIT = Shape("(failures, window seconds), both whole numbers >= 1", _limit, "flex_auth.E010")
BOOLEAN = Shape("True or False", _of_type(bool))
PATH = Shape("a path starting with '/', without a trailing '/', query or fragment", _path)

# name: (default, shape). Every default and what its value must look like, in one place.
SETTINGS: dict[str, tuple[Any, Shape]] = {
    # Lifetimes, in seconds (spec: Lifetimes).
    "ACCESS_TOKEN_LIFETIME": (600, integer(1)),
    "TRUSTED_TOKEN_LIFETIME": (300, integer(1)),
    "REFRESH_TOKEN_LIFETIME": (30 * 24 * 3600, integer(1)),
    "SESSION_MAX_LIFETIME": (180 * 24 * 3600, integer(1)),
    # A retired refresh token presented again within this many seconds, and only the
    # immediately previous one, gets the same answer as its first redemption.
    "REFRESH_GRACE_PERIOD": (10, integer(0)),
    # 401 is what the Sharetribe SDKs need; 400 is RFC 6749 section 5.2.
    "INVALID_GRANT_STATUS": (401, one_of(401, 400, check_id="flex_auth.E008")),
    # HMAC keys for token and secret digests: [(key_id, key), ...], current first.
    # None derives one key from SECRET_KEY (and one per SECRET_KEY_FALLBACKS entry).
    "DIGEST_KEYS": (None, Shape("None or a non-empty list of (key id, key) pairs", _optional(_digest_keys))),
    # Random bytes per token and client secret (>= 32, i.e. 256 bits).
    "TOKEN_BYTES": (32, integer(32, check_id="flex_auth.E005")),
    # The grants served (by the token endpoint, or by an endpoint of their own: auth_with_idp);
    # each class declares its names.
    "GRANT_CLASSES": (
        [
            "flex_auth_django.grants.client_credentials.ClientCredentialsGrant",
            "flex_auth_django.grants.password.PasswordGrant",
            "flex_auth_django.grants.token_exchange.TokenExchangeGrant",
            "flex_auth_django.grants.refresh_token.RefreshTokenGrant",
            "flex_auth_django.grants.authorization_code.AuthorizationCodeGrant",
            # POST auth_with_idp (sdk.loginWithIdp), an endpoint of its own.
            "flex_auth_django.grants.idp_login.IdpLoginGrant",
        ],
        Shape("a non-empty list of grant classes or dotted paths", _grant_classes, "flex_auth.E007"),
    ),
    # Request limits: longer parameters or bodies are refused with invalid_request.
    "MAX_PARAMETER_LENGTH": (4096, integer(1)),
    "MAX_BODY_BYTES": (16384, integer(1)),
    # Application.last_used is written at most this often (seconds), so issuing a
    # token does not cost an UPDATE on every request.
    "LAST_USED_RESOLUTION": (300, integer(0)),
    # Client IDs allowed to introspect tokens of any application (RFC 7662); every
    # other confidential client may introspect only its own application's tokens.
    "INTROSPECTION_CLIENT_IDS": ([], Shape("a list of client ID strings", _strings)),
    # Revoke a user's sessions when their password changes.
    "PASSWORD_CHANGE_REVOKES_SESSIONS": (True, BOOLEAN),
    # Number of trusted reverse proxies in front of the site; None trusts REMOTE_ADDR only.
    "NUM_PROXIES": (
        None,
        Shape(
            "None (trust REMOTE_ADDR) or the number of trusted proxies (>= 1)",
            _optional(lambda v: _int(v, 1)),
            "flex_auth.E009",
        ),
    ),
    # The issuer URL (RFC 8414): the metadata's `issuer` and endpoint URLs are built from
    # it, never from the request's Host header. None: from the request (development only).
    "ISSUER": (None, Shape("None or an absolute http(s) URL without query or fragment", _optional(_issuer))),
    # Access token format per token kind, "signed" (RFC 9068 JWT, never stored) or "opaque"
    # (a random string, stored as a digest); kinds not named keep access_model's default.
    "ACCESS_TOKEN_FORMATS": (
        {},
        Shape('a dict of token kind -> "signed" or "opaque"', _formats, "flex_auth.E042"),
    ),
    # Private keys that sign signed access tokens (signing/keys.py): [{"state": "active",
    # "file": path | "env": variable | "pem": text}, ...]. None: every kind is opaque.
    "SIGNING_KEYS": (None, Shape("None or a list of key dicts", _optional(_signing_keys), "flex_auth.E043")),
    # The `aud` of signed tokens per API type; missing ones are "<issuer>/marketplace-api"
    # and "<issuer>/integration-api".
    "ACCESS_TOKEN_AUDIENCES": ({}, Shape("a dict of API type -> audience string", _audiences)),
    # Scope names a site's views still require from before the switch (django-oauth-toolkit's
    # `read`, `write`, ...) -> the scope of ours that grants each, or a list (any one grants it):
    # {"read": "user", "write": "user"}. Honoured by DOT's scope tools and by our permissions.
    "LEGACY_SCOPES": (
        {},
        Shape("a dict of legacy scope name -> a scope name or a list of them", _legacy_scopes, "flex_auth.E016"),
    ),
    # Seconds resource servers may cache the JWKS (its Cache-Control max-age). Publish a next
    # key at least this long before it signs; keep a retired one this long past its last token.
    "JWKS_MAX_AGE": (900, integer(0)),
    # The cache holding application state and revoked signed tokens, shared by every worker
    # and host. None: THROTTLE_CACHE's. The database stays the record of truth.
    "REVOCATION_CACHE": (None, Shape("None or a cache alias (a string)", _optional(_of_type(str)))),
    # Revocation propagation (spec: Token formats and signing keys): each process keeps what
    # the hot paths need in memory and reads the shared change log (in the revocation
    # cache) at most this often, so a change made in another process or host applies here
    # within this many seconds (0: on every request). The process making it applies it at once.
    "STATE_REFRESH_INTERVAL": (1, SECONDS),
    # Memory bounds of what each process holds: application states (about 1 KB each), the
    # client IDs that exist (beyond this many applications, a bounded set of refused client
    # IDs instead), live revoked signed tokens (beyond this many, each signed token is checked
    # in the revocation cache), opaque access token rows with their user (about 2 KB each).
    "APPLICATION_CACHE_SIZE": (1000, integer(0)),
    "KNOWN_CLIENT_IDS_MAX": (100_000, integer(0)),
    "UNKNOWN_CLIENT_IDS_CACHE_SIZE": (10_000, integer(0)),
    "REVOKED_TOKENS_CACHE_SIZE": (100_000, integer(0)),
    "ACCESS_TOKEN_CACHE_SIZE": (10_000, integer(0)),
    # Login as user (spec: Login as user). The scope of Login-as tokens: "user:limited", or
    # "user" to give operators full rights, as Sharetribe does in Dev and Test marketplaces.
    "LOGIN_AS_SCOPE": ("user:limited", one_of("user:limited", "user")),
    # Seconds: the Login-as access token (no refresh token), the authorization code, and
    # the intent the admin button records in the staff member's session.
    "LOGIN_AS_TOKEN_LIFETIME": (1800, integer(1)),
    "LOGIN_AS_CODE_LIFETIME": (60, integer(1)),
    "LOGIN_AS_INTENT_LIFETIME": (60, integer(1)),
    # The web template's two routes, under the application's Marketplace URL.
    "LOGIN_AS_INITIATE_PATH": ("/api/initiate-login-as", PATH),
    "LOGIN_AS_REDIRECT_PATH": ("/api/login-as", PATH),
    # Throttling (spec: Throttling): (failures, window seconds).
    "THROTTLE_ENABLED": (True, BOOLEAN),
    "THROTTLE_CACHE": ("default", Shape("a cache alias (a string)", _of_type(str))),
    # Passwords: failures per (account, client IP), per account from all IPs, per client IP.
    "THROTTLE_USERNAME": ((10, 15 * 60), LIMIT),
    "THROTTLE_ACCOUNT": ((100, 15 * 60), LIMIT),
    "THROTTLE_IP": ((50, 15 * 60), LIMIT),
    # Client secrets: failures per client IP (never per client ID: those are public).
    "THROTTLE_CLIENT_SECRET": ((100, 15 * 60), LIMIT),
    # Client IPs whose secret-failure counter a process read as empty, trusted for
    # STATE_REFRESH_INTERVAL without another read (about 200 bytes each; 0: read every time).
    "CLIENT_SECRET_CLEAN_IPS_CACHE_SIZE": (10_000, integer(0)),
    # When the throttle cache is unreachable: "closed" answers 503, "open" lets requests through.
    "THROTTLE_CACHE_FAILURE": ("closed", one_of("closed", "open", check_id="flex_auth.E006")),
    # The security log (flex_auth_django.security) written by a listener thread per process
    # instead of the request (audit/background.py). Off: a record queued when a process is
    # killed outright (SIGKILL, OOM) would be lost, and tests reading caplog would race.
    "AUDIT_ASYNC": (False, BOOLEAN),
    # Seconds a Retry-After header suggests on 503 temporarily_unavailable.
    "UNAVAILABLE_RETRY_AFTER": (5, integer(1)),
    # Identity-provider login (spec: Identity-provider login). Failed logins per (IdP account,
    # client IP), the IdP account being the IdP id + the subject the token claims, counted
    # before the token is verified. Like passwords, the account as a whole counts against
    # THROTTLE_ACCOUNT and the client IP against THROTTLE_IP (shared with password failures).
    "THROTTLE_IDP_ACCOUNT": ((10, 15 * 60), LIMIT),
    # Seconds an outbound call to a provider (discovery, JWKS, Graph) may take.
    "IDP_FETCH_TIMEOUT": (3, integer(1)),
    # An ID token older than this (its `iat`, seconds) is refused; clocks may differ by the leeway.
    "IDP_TOKEN_MAX_AGE": (600, integer(1)),
    "IDP_CLOCK_LEEWAY": (60, integer(0)),
    # Where discovery documents and JWKS are shared between processes (a cache alias).
    "IDP_CACHE": ("default", Shape("a cache alias (a string)", _of_type(str))),
    # Google's ID tokens: the issuers Google signs with and its keys (tests point them at a local provider).
    "IDP_GOOGLE_ISSUERS": (
        ["https://accounts.google.com", "accounts.google.com"],
        Shape("a list of issuer strings", _strings),
    ),
    "IDP_GOOGLE_JWKS_URI": ("https://www.googleapis.com/oauth2/v3/certs", Shape("an http(s) URL", _url)),
    # Facebook: Graph API's base URL (token debugging and /me), and whether the email Graph
    # returns counts as verified (Graph returns only a confirmed primary address).
    "IDP_FACEBOOK_GRAPH_URL": ("https://graph.facebook.com", Shape("an http(s) URL", _url)),
    "IDP_FACEBOOK_EMAILS_VERIFIED": (True, BOOLEAN),
    # Dotted path to a callable(user) -> bool: is this user's email address verified?
    # None: django-allauth's EmailAddress.verified when allauth is installed, else
    # flex_auth_django's VerifiedEmail rows (marked in the admin). Only verified users are
    # ever linked to an IdP account by email.
    "VERIFIED_EMAIL_CHECK": (
        None,
        Shape("None, a dotted path or a callable", _dotted_or_callable, "flex_auth.E131"),
    ),
    # Usage counters (docs/guides/monitoring.md): token events counted in process memory and
    # written as per-minute aggregates, one upsert per process per flush, for the admin's charts.
    "USAGE_COUNTERS": (True, BOOLEAN),
    # Seconds between a process's flushes (and one at exit); 0: no timer (call usage.flush()).
    "USAGE_FLUSH_INTERVAL": (30, integer(0)),
    # Days aggregates are kept; flex_clear_tokens deletes older ones.
    "USAGE_RETENTION_DAYS": (90, integer(1)),
    # Prometheus (the `metrics` extra): count into prometheus_client too and answer /metrics.
    "PROMETHEUS_METRICS": (False, BOOLEAN),
    # Who may scrape /metrics: client addresses or networks ("10.0.0.0/8"), as client_ip() sees
    # them (NUM_PROXIES), and/or a bearer token (None: none accepted).
    "METRICS_ALLOWED_IPS": (["127.0.0.1", "::1"], Shape("a list of IP addresses or networks", _networks)),
    "METRICS_TOKEN": (None, Shape("None or a string of at least 16 characters", _optional(_long_string))),
}

IMPORT_STRINGS = ("GRANT_CLASSES",)

SETTING_NAME = "FLEX_AUTH"


class FlexSettings:
    """Attribute access to FLEX_AUTH with defaults; cached until `reload()`."""

    def __init__(self, settings_table: dict[str, tuple[Any, Shape]] | None = None) -> None:
        self.table = settings_table or SETTINGS
        self.defaults = {name: default for name, (default, _) in self.table.items()}
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
        try:
            value = self.table[name][1].clean(value)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{SETTING_NAME}[{name!r}] {exc}.") from None
        if name in IMPORT_STRINGS:
            try:
                value = [import_string(v) if isinstance(v, str) else v for v in value]
            except ImportError as exc:
                raise ImproperlyConfigured(f"{SETTING_NAME}[{name!r}]: {exc}") from None
        self._cached[name] = value
        return value

    def problems(self) -> list[tuple[str, str, str]]:
        """(name, message, check id) for every malformed setting; for the system checks."""
        found = []
        for name, (_, shape) in self.table.items():
            try:
                getattr(self, name)
            except ImproperlyConfigured as exc:
                found.append((name, str(exc), shape.check_id))
        return found

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
