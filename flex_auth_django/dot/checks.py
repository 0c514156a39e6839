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


# DOT's views that cannot run here (they query fields our models do not have); its generic
# resource-protection base classes (oauth2_provider.views.generic, .mixins) work and are fine.
_DOT_VIEWS = "oauth2_provider.views"
_DOT_TOOLS = ("oauth2_provider.views.generic", "oauth2_provider.views.mixins")


@checks.register(checks.Tags.urls)
def check_dot_urls(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Names flex_auth_django.dot.urls while the URLconf still mounts django-oauth-toolkit's own views.

    DOT's token, revoke, introspect and management views answer 500 on our models, on every
    request (tests/dot/test_dot_site.py): an error, so `migrate` and `runserver` stop before
    a deploy serves them.
    """
    from django.urls import get_resolver

    try:
        found = sorted(set(_dot_routes(get_resolver().url_patterns, "")))
    except Exception:  # noqa: BLE001 - a URLconf that does not import is Django's own check's to report
        return []
    if not found:
        return []
    shown = ", ".join(found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
    return [
        checks.Error(
            f"The URLconf serves django-oauth-toolkit's own views ({shown}); they cannot run on "
            "flex-auth-django's models and answer 500.",
            hint='Replace include("oauth2_provider.urls") with include("flex_auth_django.dot.urls"): the same '
            "paths and URL names, served by our endpoints (Switching from django-oauth-toolkit).",
            id="flex_auth.E015",
        )
    ]


def _dot_routes(patterns, prefix: str):
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            module = entry.urlconf_name
            name = module if isinstance(module, str) else getattr(module, "__name__", "")
            if name == "oauth2_provider.urls":
                yield f"include('oauth2_provider.urls') at '{route}'"
            else:
                yield from _dot_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            view = getattr(entry.callback, "view_class", None)
            module = getattr(view, "__module__", "") or ""
            if module.startswith(_DOT_VIEWS) and not module.startswith(_DOT_TOOLS):
                yield f"{view.__name__} at '{route}'"
