"""Production settings of the example site: every secret and host from the environment, nothing open by default.

Required: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL (PostgreSQL), REDIS_URL,
FLEX_ISSUER (the public https URL the metadata names), FLEX_SIGNING_KEY_FILE (the active
signing key, `manage.py flex_generate_signing_key`; FLEX_SIGNING_KEY_NEXT_FILES and
FLEX_SIGNING_KEY_RETIRED_FILES, comma-separated, for rotation). Optional: FLEX_NUM_PROXIES
(default 1, one reverse proxy such as nginx in front), FLEX_CORS_ALLOWED_ORIGINS (browser
clients' origins, comma-separated), FLEX_DIGEST_KEYS ("k2:KEY,k1:OLDKEY", current first),
DJANGO_STATIC_ROOT, FLEX_SECURITY_LOG (a file for the security events; stdout otherwise),
DJANGO_HSTS_SECONDS. The docs: guides/deployment.md.

Every check here runs before the base settings are imported: those make development defaults
(a `.secret_key`, a signing key in `.dev-keys/`) for whatever is unset, and a production
process must never write or use one.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

REQUIRED = (
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "FLEX_ISSUER",
    "FLEX_SIGNING_KEY_FILE",
)
# What the error says beyond the name, for variables whose value an operator has to make first.
HOW_TO_SET = {
    "FLEX_SIGNING_KEY_FILE": (
        "FLEX_SIGNING_KEY_FILE names the private key that signs access tokens, the same file on every host; "
        "make one with `manage.py flex_generate_signing_key --state active --out PATH` "
        "(https://flex-auth-django.readthedocs.io/en/latest/guides/deployment.html). "
        "No development key is made in production."
    ),
}
_missing = [name for name in REQUIRED if not os.environ.get(name)]
if _missing:  # before the base settings run, so nothing falls back to a development default
    raise ImproperlyConfigured(
        " ".join(
            [
                f"Production settings need these environment variables: {', '.join(_missing)}.",
                *(HOW_TO_SET[name] for name in _missing if name in HOW_TO_SET),
            ]
        )
    )

from example_project.settings import *  # noqa: E402, F403
from example_project.settings import BASE_DIR, FLEX_AUTH, INSTALLED_APPS, MIDDLEWARE  # noqa: E402


def _csv(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = _csv("DJANGO_ALLOWED_HOSTS")
# DATABASES and CACHES come from DATABASE_URL and REDIS_URL in the base settings.

# -- HTTPS behind a reverse proxy -------------------------------------------------------
# The proxy terminates TLS and sets X-Forwarded-Proto; it must overwrite (never pass on) a
# client's own X-Forwarded-Proto, or anyone could claim https.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# Prometheus scrapes http://127.0.0.1:8000/metrics on this host, past nginx (which answers the
# public /metrics with 404): no redirect to https for it (docs/guides/monitoring.md).
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 86400)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = False  # a deliberate, hard-to-undo choice: leave it to the site
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Only needed when the admin's Origin differs from the Host the proxy passes on.
CSRF_TRUSTED_ORIGINS = _csv("DJANGO_CSRF_TRUSTED_ORIGINS")

# -- Static files: collectstatic into STATIC_ROOT, served by WhiteNoise ------------------
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# -- CORS for browser clients (the Sharetribe browser SDK on another origin) -------------
# Only the auth endpoints, only the listed origins, no cookies: tokens travel in the body
# and the Authorization header.
CORS_ALLOWED_ORIGINS = _csv("FLEX_CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/(oauth|v1/auth)/(token|revoke)$"
CORS_ALLOW_CREDENTIALS = False
CORS_PREFLIGHT_MAX_AGE = 86400

INSTALLED_APPS = [*INSTALLED_APPS, "corsheaders"]
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
MIDDLEWARE = [
    *MIDDLEWARE[: _security + 1],
    "whitenoise.middleware.WhiteNoiseMiddleware",  # right after SecurityMiddleware
    "corsheaders.middleware.CorsMiddleware",  # before CommonMiddleware, so preflights answer early
    *MIDDLEWARE[_security + 1 :],
]

# -- flex_auth_django -----------------------------------------------------------------------
FLEX_AUTH = {
    **FLEX_AUTH,
    # The metadata's issuer and endpoint URLs; never taken from the request's Host.
    "ISSUER": os.environ["FLEX_ISSUER"],
    # One proxy (nginx, a load balancer) appends the client's address to X-Forwarded-For;
    # only that entry is believed. 0 when clients connect to the app server directly.
    "NUM_PROXIES": int(os.environ.get("FLEX_NUM_PROXIES", "1")) or None,
    # The security log is written by a listener thread per worker, not by the request
    # (drained at exit; docs: Deployment, "The security log off the request thread").
    "AUDIT_ASYNC": os.environ.get("FLEX_AUDIT_ASYNC", "1") == "1",
}
if os.environ.get("FLEX_DIGEST_KEYS"):
    FLEX_AUTH["DIGEST_KEYS"] = [tuple(pair.split(":", 1)) for pair in _csv("FLEX_DIGEST_KEYS")]
# Signed access tokens: the same key files on every host (`manage.py flex_generate_signing_key`),
# never the example's per-checkout development key. Required (above) rather than optional: without
# a key every anonymous visitor would cost a database row, and the spec makes anonymous tokens
# signed so that they do not. A site that wants every token opaque says so in its own settings
# (FLEX_AUTH['ACCESS_TOKEN_FORMATS']), not by leaving a variable out.
FLEX_AUTH["SIGNING_KEYS"] = [
    {"state": "active", "file": os.environ["FLEX_SIGNING_KEY_FILE"]},
    *({"state": "next", "file": path} for path in _csv("FLEX_SIGNING_KEY_NEXT_FILES")),
    *({"state": "retired", "file": path} for path in _csv("FLEX_SIGNING_KEY_RETIRED_FILES")),
]

# DOT's oauth2_provider.W006 ("tokens are stored in plaintext") is about DOT's own token
# tables. This site stores every token and secret only as a keyed digest (flex_auth_django's
# models, whatever DOT's flag says); the base settings set COMPLIANT_BCP_RFC9700_TOKEN_STORAGE
# anyway, which keeps W006 quiet without silencing it.

# -- Logging: the security events (flex_auth_django.security) to stdout or a file -------
_security_handler = (
    {"class": "logging.handlers.WatchedFileHandler", "filename": os.environ["FLEX_SECURITY_LOG"], "formatter": "plain"}
    if os.environ.get("FLEX_SECURITY_LOG")
    else {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "security": _security_handler,
    },
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING"},
        "flex_auth_django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # INFO: every issued, refreshed, revoked and refused token; WARNING: throttling, reuse.
        "flex_auth_django.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
    },
}
