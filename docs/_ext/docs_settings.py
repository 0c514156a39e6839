"""The Django settings the docs build imports the package with (autodoc, the OpenAPI copy).

A minimal site as docs/getting-started.md sets one up: nothing here is served or stored.
"""

SECRET_KEY = "docs-build-only-never-served"  # noqa: S105
DEBUG = False
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oauth2_provider",
    "flex_auth_django",
    "django.contrib.admin",
    "rest_framework",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "flex_auth_django.urls"
OAUTH2_PROVIDER_APPLICATION_MODEL = "flex_auth_django.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "flex_auth_django.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "flex_auth_django.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER = {
    "OAUTH2_SERVER_CLASS": "flex_auth_django.dot.server.FlexServer",
    "OAUTH2_VALIDATOR_CLASS": "flex_auth_django.dot.validator.FlexValidator",
}
FLEX_AUTH = {"ISSUER": "https://auth.example.com"}
