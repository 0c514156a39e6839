"""Stock django-oauth-toolkit, as its tutorial and DRF guide set it up.

Nothing here comes from flex_auth_django: DOT's own models, validator, server and
views; Django's default password hasher (so client secrets are hashed by default);
OAuth2Authentication for DRF. Deployment settings (DEBUG off, PostgreSQL, connection
reuse, middleware) match bench/flex_site so the two differ only in the OAuth code.
Environment (set by bench/run.py): DATABASE_URL.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "stock-dot-bench-insecure-key-0123456789-abcdefghijklmnop")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "oauth2_provider",
    "rest_framework",
]

# The same stack as example_project (Django's startproject default).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bench.stock_dot.urls"
WSGI_APPLICATION = "bench.stock_dot.wsgi.application"

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

# As example_project: persistent connections (health-checked only with --health-checks) and
# server-side binding, so both sites' drivers talk to PostgreSQL alike.
DATABASES = {
    "default": dj_database_url.config(
        default="postgres://root@127.0.0.1:5432/flex_bench_dot",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=os.environ.get("BENCH_CONN_HEALTH_CHECKS", "0") == "1",
    )
}
DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/admin/login/"

# DOT's "Getting started" and "Django Rest Framework" pages.
OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read scope", "write": "Write scope", "groups": "Access to your groups"},
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ("oauth2_provider.contrib.rest_framework.OAuth2Authentication",),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
}
