"""Settings of the example site: SQLite by default, DATABASE_URL and REDIS_URL when set."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from example_project import local_secret
from example_project.dev_keys import development_key

BASE_DIR = Path(__file__).resolve().parent.parent

# DJANGO_SECRET_KEY in production; otherwise a random key made for this checkout, in a file
# git ignores (never a fixed public string: tokens' digests and successors are keyed from it).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or local_secret.load_or_create(BASE_DIR / ".secret_key")
# Only `make demo` turns DEBUG on (DJANGO_DEBUG=1).
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
# Never "*": the host names the site answers to (the RFC 8414 metadata is built for them).
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",  # before flex_auth_django: its admin extends the UserAdmin registered here
    "django.contrib.contenttypes",
    "oauth2_provider",  # before flex_auth_django: our admin replaces DOT's registrations
    # Before django.contrib.admin: its admin/change_form_object_tools.html adds the
    # "Log in as user" button to the user's change page, whatever AUTH_USER_MODEL is.
    "flex_auth_django",
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "example_project.demo_api",
]

MIDDLEWARE = [
    # First, so a request's duration includes every other middleware (Prometheus; off: a no-op).
    "flex_auth_django.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # Off by default: a health check is one more round trip on every request, and the
        # endpoints drop a broken connection on the failure itself, so a database restart
        # costs each worker at most one 503 (with Retry-After) before it reconnects.
        conn_health_checks=os.environ.get("CONN_HEALTH_CHECKS", "0") == "1",
    )
}
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and os.environ.get("PG_SERVER_SIDE_BINDING", "1") == "1"
):
    # Server-side binding: psycopg sends the parameters apart from the SQL (the extended
    # protocol) instead of quoting them into it. Statements are not prepared: Django passes
    # prepare_threshold=None unless OPTIONS names one. Turn it off behind a transaction-pooling
    # PgBouncer (PG_SERVER_SIDE_BINDING=0), as the deployment guide says.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that drops packets must not hold a worker until its own timeout: after
    # this many seconds the connection attempt fails and the request is answered 503.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(os.environ.get("PG_CONNECT_TIMEOUT", "5"))

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # Fail fast when Redis is down (then FLEX_AUTH['THROTTLE_CACHE_FAILURE'] decides), never hang.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Both: EmailBackend signs users in by email (the password grant's `username`; first, so a
# right password costs one hash), and Django's ModelBackend keeps the admin's username login,
# also for users whose email is blank or shared with another account.
AUTHENTICATION_BACKENDS = [
    "flex_auth_django.backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# -- django-oauth-toolkit, extended by flex_auth_django --------------------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "flex_auth_django.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "flex_auth_django.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "flex_auth_django.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # unused, but DOT's migrations need it named
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER = {
    "OAUTH2_SERVER_CLASS": "flex_auth_django.dot.server.FlexServer",
    "OAUTH2_VALIDATOR_CLASS": "flex_auth_django.dot.validator.FlexValidator",
    # RFC 9700 flags for DOT's own code paths (authorization endpoint, its token storage):
    # none of them is used here, so the compliant values cost nothing and keep
    # `check --deploy` quiet. Tokens are digests and reuse detection is ours anyway.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# The password grant is deliberately on: it is how Sharetribe's Marketplace API signs
# users in (RFC 9700 section 2.4 discourages it for third-party clients).
SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W002"]

# -- flex_auth_django: every key, with its default -------------------------------------
FLEX_AUTH = {
    # "ACCESS_TOKEN_LIFETIME": 600,            # seconds
    # "TRUSTED_TOKEN_LIFETIME": 300,
    # "REFRESH_TOKEN_LIFETIME": 30 * 86400,
    # "SESSION_MAX_LIFETIME": 180 * 86400,
    # "REFRESH_GRACE_PERIOD": 10,
    # "INVALID_GRANT_STATUS": 401,             # 400 for strict RFC 6749 clients
    # "DIGEST_KEYS": None,                     # [("k2", "new key"), ("k1", "old key")]; None: from SECRET_KEY
    # "TOKEN_BYTES": 32,
    # "GRANT_CLASSES": [...],                  # see flex_auth_django/settings.py
    # "MAX_PARAMETER_LENGTH": 4096,
    # "MAX_BODY_BYTES": 16384,
    # "LAST_USED_RESOLUTION": 300,
    # "INTROSPECTION_CLIENT_IDS": [],
    # "PASSWORD_CHANGE_REVOKES_SESSIONS": True,
    # "NUM_PROXIES": None,
    # "THROTTLE_ENABLED": True,
    # "THROTTLE_CACHE": "default",
    # "THROTTLE_USERNAME": (10, 900),  # per (account, client IP)
    # "THROTTLE_ACCOUNT": (100, 900),  # per account, from all IPs
    # "THROTTLE_IP": (50, 900),
    # "THROTTLE_CLIENT_SECRET": (100, 900),  # per client IP, never per client ID
    # "THROTTLE_CACHE_FAILURE": "closed",
    # "UNAVAILABLE_RETRY_AFTER": 5,
    # "ACCESS_TOKEN_FORMATS": {},              # {"user": "signed"}; defaults: anonymous, integration signed
    # "SIGNING_KEYS": None,                    # set below
    # "ACCESS_TOKEN_AUDIENCES": {},            # {"marketplace": "https://api.example.com"}
    # "JWKS_MAX_AGE": 900,
    # "REVOCATION_CACHE": None,                # None: THROTTLE_CACHE
    # "STATE_REFRESH_INTERVAL": 1,             # seconds; FLEX_STATE_REFRESH_INTERVAL
    # "APPLICATION_CACHE_SIZE": 1000,
    # "KNOWN_CLIENT_IDS_MAX": 100000,
    # "UNKNOWN_CLIENT_IDS_CACHE_SIZE": 10000,
    # "REVOKED_TOKENS_CACHE_SIZE": 100000,
    # "ACCESS_TOKEN_CACHE_SIZE": 10000,
    # "LOGIN_AS_SCOPE": "user:limited",        # "user": operators get full rights (Sharetribe Dev/Test)
    # "LOGIN_AS_TOKEN_LIFETIME": 1800,
    # "LOGIN_AS_CODE_LIFETIME": 60,
    # "LOGIN_AS_INTENT_LIFETIME": 60,
    # "LOGIN_AS_INITIATE_PATH": "/api/initiate-login-as",
    # "LOGIN_AS_REDIRECT_PATH": "/api/login-as",
    # "USAGE_COUNTERS": True,                  # per-minute aggregates for the admin's charts
    # "USAGE_FLUSH_INTERVAL": 30,              # seconds between a process's writes (set below)
    # "USAGE_RETENTION_DAYS": 90,
    # "PROMETHEUS_METRICS": False,             # on below: /metrics (example_project/urls.py)
    # "METRICS_ALLOWED_IPS": ["127.0.0.1", "::1"],
    # "METRICS_TOKEN": None,                   # a bearer token a scraper elsewhere sends
}
# Signed access tokens (anonymous and integration by default): the key in
# FLEX_SIGNING_KEY_FILE, else a development key generated on first run in .dev-keys/
# (git-ignored). Production: `manage.py flex_generate_signing_key` and README, "Signed access tokens".
FLEX_AUTH["SIGNING_KEYS"] = [
    {
        "state": "active",
        "file": os.environ.get("FLEX_SIGNING_KEY_FILE")
        or str(development_key(BASE_DIR / ".dev-keys" / "signing-es256.pem")),
    }
]
if os.environ.get("FLEX_STATE_REFRESH_INTERVAL"):
    FLEX_AUTH["STATE_REFRESH_INTERVAL"] = float(os.environ["FLEX_STATE_REFRESH_INTERVAL"])
if os.environ.get("FLEX_ACCESS_TOKEN_FORMATS"):  # e.g. "user=signed,trusted_user=signed"
    FLEX_AUTH["ACCESS_TOKEN_FORMATS"] = dict(
        pair.split("=", 1) for pair in os.environ["FLEX_ACCESS_TOKEN_FORMATS"].split(",") if "=" in pair
    )
# Prometheus at /metrics, for 127.0.0.1 only (METRICS_ALLOWED_IPS): under several workers set
# PROMETHEUS_MULTIPROC_DIR before the server starts (deploy/serve.sh, deploy/gunicorn.conf.py).
FLEX_AUTH["PROMETHEUS_METRICS"] = os.environ.get("FLEX_PROMETHEUS_METRICS", "1") == "1"
if os.environ.get("FLEX_METRICS_ALLOWED_IPS"):
    FLEX_AUTH["METRICS_ALLOWED_IPS"] = [ip.strip() for ip in os.environ["FLEX_METRICS_ALLOWED_IPS"].split(",")]
if os.environ.get("FLEX_METRICS_TOKEN"):
    FLEX_AUTH["METRICS_TOKEN"] = os.environ["FLEX_METRICS_TOKEN"]
if os.environ.get("FLEX_USAGE_FLUSH_INTERVAL"):
    FLEX_AUTH["USAGE_FLUSH_INTERVAL"] = int(os.environ["FLEX_USAGE_FLUSH_INTERVAL"])
if os.environ.get("FLEX_ACCESS_TOKEN_LIFETIME"):
    FLEX_AUTH["ACCESS_TOKEN_LIFETIME"] = int(os.environ["FLEX_ACCESS_TOKEN_LIFETIME"])

REST_FRAMEWORK = {
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # A JSON body nested deeper than Python recurses is a 400 here, not DRF's 500.
    "DEFAULT_PARSER_CLASSES": [
        "example_project.demo_api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "flex_auth_django": {"handlers": ["console"], "level": os.environ.get("FLEX_LOG_LEVEL", "INFO")},
    },
}
