"""The verified-email hook: "is this user's email address verified?", and marking one verified.

Django has no such notion, so FLEX_AUTH['VERIFIED_EMAIL_CHECK'] names a callable(user) ->
bool. The default asks django-allauth's EmailAddress (verified, for the user's current
address) when allauth is installed, and otherwise our VerifiedEmail rows. It never says
yes for an address nobody verified: linking an IdP account by email to an unverified
account would hand the account to whoever registered that address first. A verification
counts for the user's current address only when it is the same mailbox (mailbox.py),
never a look-alike the database's case-insensitive match would equate.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..settings import flex_settings, on_reload
from .mailbox import same_mailbox
from .models import VerifiedEmail

ALLAUTH = "allauth.account"


def user_email(user: Any) -> str:
    return getattr(user, get_user_model().get_email_field_name(), "") or ""


def default_check(user: Any) -> bool:
    email = user_email(user)
    if not email:
        return False
    if apps.is_installed(ALLAUTH):
        EmailAddress = apps.get_model("account", "EmailAddress")
        verified = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    else:
        verified = VerifiedEmail.objects.filter(user=user).values_list("email", flat=True)
    return any(same_mailbox(address, email) for address in verified)


@lru_cache(maxsize=1)
def _check() -> Callable[[Any], bool]:
    configured = flex_settings.VERIFIED_EMAIL_CHECK
    if configured is None:
        return default_check
    if callable(configured):
        return configured
    try:
        return import_string(configured)
    except ImportError as exc:
        raise ImproperlyConfigured(f"FLEX_AUTH['VERIFIED_EMAIL_CHECK']: {exc}") from None


on_reload(_check.cache_clear)


def is_verified(user: Any) -> bool:
    return bool(_check()(user))


def mark_verified(user: Any) -> None:
    """Record the user's current address as verified where the default check looks (allauth or ours)."""
    email = user_email(user)
    if not email:
        return
    if apps.is_installed(ALLAUTH):
        EmailAddress = apps.get_model("account", "EmailAddress")
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return
    VerifiedEmail.objects.update_or_create(user=user, defaults={"email": email})
