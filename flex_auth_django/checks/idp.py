"""System checks for identity-provider login (registered from apps.ready)."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..settings import flex_settings


@checks.register()
def check_verified_email_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """VERIFIED_EMAIL_CHECK must import to a callable: at start-up, not on a user's first IdP login."""
    try:
        configured = flex_settings.VERIFIED_EMAIL_CHECK
    except ImproperlyConfigured:
        return []  # a malformed value is already reported by the settings check
    if configured is None or callable(configured):
        return []
    try:
        target = import_string(configured)
    except ImportError as exc:
        return [checks.Error(f"FLEX_AUTH['VERIFIED_EMAIL_CHECK'] cannot be imported: {exc}", id="flex_auth.E132")]
    if not callable(target):
        return [checks.Error("FLEX_AUTH['VERIFIED_EMAIL_CHECK'] must name a callable(user).", id="flex_auth.E132")]
    return []
