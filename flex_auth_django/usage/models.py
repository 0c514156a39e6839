"""Per-minute aggregates of token events, written by each process's flush and read by the admin's charts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UsageEvent(models.TextChoices):
    ISSUED = "issued", _("tokens issued")  # detail: the grant type (refresh_token for a refresh)
    REFUSED = "refused", _("requests refused")  # detail: the OAuth error code
    THROTTLED = "throttled", _("requests throttled")  # detail: the counter's scope; ip_tag set
    REFRESH_REUSE = "refresh_reuse", _("refresh token reuse detected")
    LOGIN_AS = "login_as", _("Login as user started")
    CODE_REUSE = "code_reuse", _("Login-as code reuse detected")
    REVOKED = "revoked", _("revocations")  # detail: session, access_token, application or user
    IDENTITY_LINKED = "identity_linked", _("identity-provider accounts linked")  # detail: how


class UsageCount(models.Model):
    """How many `event`s (of `detail`) an application had in one minute, summed over processes.

    No personal data: no user, no username, no token; a client address only as `ip_tag`, a
    keyed digest (as the throttle keys are), and only for throttled requests. `application_pk`
    is 0 when no application is known (a refusal for a client ID nobody has); it is no foreign
    key, so the history of a deleted application still counts in the totals.
    """

    minute = models.DateTimeField(_("minute"))
    application_pk = models.BigIntegerField(_("application"), default=0)
    api_type = models.CharField(_("API type"), max_length=16, blank=True, default="")
    event = models.CharField(_("event"), max_length=16, choices=UsageEvent.choices)
    detail = models.CharField(_("detail"), max_length=64, blank=True, default="")
    ip_tag = models.CharField(_("client address (keyed digest)"), max_length=16, blank=True, default="")
    count = models.BigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("usage count")
        verbose_name_plural = _("usage")  # the admin's index: "Usage", the dashboard
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["minute", "application_pk", "event", "detail", "api_type", "ip_tag"],
                name="flex_usage_count_key",
            )
        ]
        indexes = [models.Index(fields=["application_pk", "minute"], name="flex_usage_app_minute")]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.event} {self.detail} x{self.count}"
