"""A hook for parts of the app that adjust the admin site once its registrations exist.

Outside the admin package on purpose: registering a hook (from AppConfig.ready) must not
import the admin module before django.contrib.admin discovers it.

django-oauth-toolkit's wing hides DOT's own model admins through it (dot/admin.py), so the
admin package imports nothing of DOT's. A hook registered after the admin module was
imported (an app order that loads the admin first) runs at once.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.admin import AdminSite

AdminHook = Callable[[AdminSite], None]

_hooks: list[AdminHook] = []
_sites: list[AdminSite] = []


def on_admin_site(hook: AdminHook) -> None:
    """Run `hook(site)` for the admin site, now if it is set up already, else when it is."""
    if hook in _hooks:
        return
    _hooks.append(hook)
    for site in _sites:
        hook(site)


def set_up(site: AdminSite) -> None:
    """Called once the app's own registrations are on `site`."""
    if site not in _sites:
        _sites.append(site)
    for hook in _hooks:
        hook(site)
