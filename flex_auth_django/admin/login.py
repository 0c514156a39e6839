"""The Django admin's login form under the password throttle (spec: Throttling), the grant's limits.

The admin is where client secrets are regenerated and sessions revoked, so guessing a
staff password there must cost what it costs at the token endpoint. The form checks
the password through passwords.check(): the same counters, charged before any hash;
over a limit it refuses with a message saying when to try again, and no hash runs.

flex_auth_django.admin installs it on Django's default `admin.site` (unless that site
already has a login form of its own); a custom AdminSite sets
`login_form = ThrottledAdminAuthenticationForm` itself.
"""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..accounts import passwords
from ..protocol.errors import TemporarilyUnavailable, TooManyRequests
from ..protocol.http import client_ip


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """AdminAuthenticationForm whose password check is throttled like the password grant's."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "unavailable": _("Signing in is temporarily unavailable. Please try again in a few seconds."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = passwords.check(self.request, username, password, client_ip(self.request))
            except TooManyRequests as refused:
                raise self.throttled_error(int(refused.headers.get("Retry-After", "60"))) from None
            except TemporarilyUnavailable:
                raise ValidationError(self.error_messages["unavailable"], code="unavailable") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def throttled_error(self, retry_after: int) -> ValidationError:
        minutes = max(1, round(retry_after / 60))
        message = ngettext(
            "Too many failed sign-in attempts. Please try again in about %(minutes)d minute.",
            "Too many failed sign-in attempts. Please try again in about %(minutes)d minutes.",
            minutes,
        )
        return ValidationError(message, code="throttled", params={"minutes": minutes})
