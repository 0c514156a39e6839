"""System checks for the abuse limits that hand outsiders no lever (spec: Throttling).

Kept apart from checks.py: these are about who can lock whom out, not whether a
setting is well formed.
"""

from __future__ import annotations

from django.apps import apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security)
def check_account_ceiling(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The per-account ceiling must stay above the per-(account, IP) limit, or a few addresses lock a user out."""
    from ..settings import flex_settings

    try:
        pair, account = flex_settings.THROTTLE_USERNAME[0], flex_settings.THROTTLE_ACCOUNT[0]
    except ImproperlyConfigured:
        return []  # reported by check_throttle_settings
    if account > 2 * pair:
        return []
    return [
        checks.Warning(
            f"FLEX_AUTH['THROTTLE_ACCOUNT'] allows {account} failures per account, hardly more than the {pair} "
            "per (account, client IP) of THROTTLE_USERNAME: guesses from a couple of addresses lock the user out.",
            hint="Keep THROTTLE_ACCOUNT well above THROTTLE_USERNAME (the defaults are 100 and 10).",
            id="flex_auth.W020",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_admin_login_throttled(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The default admin site's login form must go through the password throttle."""
    if not apps.is_installed("django.contrib.admin"):
        return []
    from django.contrib import admin

    from ..admin.login import ThrottledAdminAuthenticationForm

    form = admin.site.login_form
    if form is not None and issubclass(form, ThrottledAdminAuthenticationForm):
        return []
    return [
        checks.Warning(
            "The admin site's login form is not throttled: passwords can be guessed there without limit.",
            hint="Set admin.site.login_form (or your AdminSite's login_form) to "
            "flex_auth_django.admin.ThrottledAdminAuthenticationForm, or a subclass of it.",
            id="flex_auth.W021",
        )
    ]
