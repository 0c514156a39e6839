"""Test settings: the example site on SQLite (in memory), or PostgreSQL when DATABASE_URL is set."""

from example_project.settings import *  # noqa: F403

DEBUG = False
# Fast hashing keeps the suite quick; the timing tests switch the real hasher back on.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "flex-tests"}}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"flex_auth_django": {"level": "INFO", "propagate": True}},
}
# No flush timer in the test process: tests write the usage counters with usage.counters.flush().
FLEX_AUTH = {**FLEX_AUTH, "USAGE_FLUSH_INTERVAL": 0}  # noqa: F405
