"""The example site as deployed for the benchmark: DEBUG off, PostgreSQL, Redis, security log at INFO to a file.

Environment (set by bench/run.py): DATABASE_URL, REDIS_URL, BENCH_SECURITY_LOG, BENCH_AUDIT_ASYNC.
"""

import os

from example_project.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.flex_site.urls"
WSGI_APPLICATION = "bench.flex_site.wsgi.application"

# The throttle counters live in Redis (example_project reads REDIS_URL), as in production; a
# prefix keeps them apart from anything else in that database.
CACHES["default"]["KEY_PREFIX"] = "flexbench"  # noqa: F405

# example_project does not health-check persistent connections (one round trip a request);
# bench/run.py --health-checks turns them on for both sites, to show what they cost.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = os.environ.get("BENCH_CONN_HEALTH_CHECKS", "0") == "1"  # noqa: F405

# As settings_production: the security log written off the request thread (bench/run.py --audit-sync: on it),
# and one configured issuer (`check --deploy` requires it, flex_auth.E014) rather than one derived
# from each request's Host header. No scenario reads the metadata, so a placeholder origin will do.
FLEX_AUTH = {  # noqa: F405
    **FLEX_AUTH,  # noqa: F405
    "AUDIT_ASYNC": os.environ.get("BENCH_AUDIT_ASYNC", "1") == "1",
    "ISSUER": "https://auth.bench.example",
}

# Realistic logging: every token event is one INFO record on flex_auth_django.security, written to a file.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"}},
    "handlers": {
        "security": {
            "class": "logging.FileHandler",
            "filename": os.environ.get("BENCH_SECURITY_LOG", os.devnull),
            "formatter": "plain",
        },
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "loggers": {
        "flex_auth_django.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        "flex_auth_django": {"handlers": ["console"], "level": "WARNING"},
    },
}
