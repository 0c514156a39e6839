"""System checks for the django-oauth-toolkit seams: DOT pointed at our models, server and validator,
and a stock DOT database waiting for flex_adopt_dot."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.db import connections
from django.utils.module_loading import import_string

from .. import MOVED_MODULES
from .adoption.detect import MESSAGE, needs_adoption

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
                    hint="See https://flex-auth-django.readthedocs.io/en/latest/getting-started.html#adding-it-to-an-existing-site",
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
        elif isinstance(value, str) and value.rpartition(".")[0] in MOVED_MODULES:
            new = f"{MOVED_MODULES[value.rpartition('.')[0]]}.{value.rpartition('.')[2]}"
            errors.append(
                checks.Warning(
                    f"OAUTH2_PROVIDER[{key!r}] names {value!r}, an import path that moved and will stop working.",
                    hint=f"Use {new!r} (CHANGELOG, 'Upgrading').",
                    id="flex_auth.W012",
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
def check_dot_adoption(app_configs, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Names flex_adopt_dot when a stock DOT database waits to be adopted.

    Not tagged `database`: `manage.py check` must say it (a DOT site adding this app runs that
    first). It reads django_migrations only, and says nothing when the database cannot be read.
    """
    for alias in databases or ["default"]:
        if alias in connections and needs_adoption(alias):
            return [
                checks.Error(
                    MESSAGE,
                    hint="manage.py flex_adopt_dot && manage.py migrate",
                    id="flex_auth.E013",
                )
            ]
    return []
