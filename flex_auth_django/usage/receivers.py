"""Signal receivers that count token events: each is a dict increment (and, with Prometheus on, a counter's).

No user, username or token is counted: applications, grant types, error codes and throttle
scopes only, and for a throttled request its client address as a keyed digest (the throttle
keys' kind of tag), so the admin can tell one address hammering from many.
"""

from __future__ import annotations

import hashlib
import hmac

from django.dispatch import receiver

from .. import signals
from ..crypto.derived_keys import USAGE, derived_key
from ..protocol import client_ids
from ..settings import flex_settings, on_reload
from . import prometheus
from .counters import counters
from .models import UsageEvent

# Plain strings: an enum member in the counters' key would be hashed by Python code on every count.
ISSUED, REFUSED, THROTTLED = UsageEvent.ISSUED.value, UsageEvent.REFUSED.value, UsageEvent.THROTTLED.value
REFRESH_REUSE, LOGIN_AS, CODE_REUSE = (
    UsageEvent.REFRESH_REUSE.value,
    UsageEvent.LOGIN_AS.value,
    UsageEvent.CODE_REUSE.value,
)
REVOKED, IDENTITY_LINKED = UsageEvent.REVOKED.value, UsageEvent.IDENTITY_LINKED.value


def ip_tag(ip: str | None) -> str:
    """16 hex digits of HMAC-SHA-256 of the address under the usage key: comparable, not reversible."""
    if not ip:
        return ""
    return hmac.new(derived_key(USAGE), ip.encode(), hashlib.sha256).hexdigest()[:16]


_counting: bool | None = None


def counting() -> bool:
    """USAGE_COUNTERS, read once per settings change: a flex_settings read costs more than the count."""
    global _counting
    if _counting is None:
        _counting = bool(flex_settings.USAGE_COUNTERS)
    return _counting


@on_reload
def _settings_changed() -> None:
    global _counting
    _counting = None


def _count(application, event: str, detail: str = "", *, client_id: str | None = None, tag: str = "") -> None:
    if not counting():
        return
    if application is not None:
        counters.add(application.pk, None, application.api_type, event, detail, tag)
    else:
        counters.add(None, client_ids.canonical_client_id(client_id), "", event, detail, tag)


def _api_type(application) -> str:
    return getattr(application, "api_type", "") or ""


@receiver(signals.token_issued, dispatch_uid="flex_usage_issued")
def _issued(sender, application, grant_type, **kwargs) -> None:
    _count(application, ISSUED, grant_type or "")
    if prometheus.enabled():
        prometheus.issued(grant_type or "", _api_type(application))


@receiver(signals.token_refreshed, dispatch_uid="flex_usage_refreshed")
def _refreshed(sender, application, **kwargs) -> None:
    _count(application, ISSUED, "refresh_token")
    if prometheus.enabled():
        prometheus.issued("refresh_token", _api_type(application))


@receiver(signals.auth_failed, dispatch_uid="flex_usage_refused")
def _refused(sender, error, client_id=None, endpoint=None, **kwargs) -> None:
    _count(None, REFUSED, error or "", client_id=client_id)
    if prometheus.enabled():
        prometheus.refused(error or "", endpoint or "")


@receiver(signals.throttled, dispatch_uid="flex_usage_throttled")
def _throttled(sender, scope, ip=None, client_id=None, endpoint=None, **kwargs) -> None:
    _count(None, THROTTLED, scope or "", client_id=client_id, tag=ip_tag(ip))
    if prometheus.enabled():
        prometheus.throttled(scope or "", endpoint or "")


@receiver(signals.refresh_reuse_detected, dispatch_uid="flex_usage_reuse")
def _reuse(sender, application, **kwargs) -> None:
    _count(application, REFRESH_REUSE)
    if prometheus.enabled():
        prometheus.security_event(REFRESH_REUSE, _api_type(application))


@receiver(signals.login_as_started, dispatch_uid="flex_usage_login_as")
def _login_as(sender, application, **kwargs) -> None:
    _count(application, LOGIN_AS)
    if prometheus.enabled():
        prometheus.security_event(LOGIN_AS, _api_type(application))


@receiver(signals.code_reuse_detected, dispatch_uid="flex_usage_code_reuse")
def _code_reuse(sender, application, **kwargs) -> None:
    _count(application, CODE_REUSE)
    if prometheus.enabled():
        prometheus.security_event(CODE_REUSE, _api_type(application))


@receiver(signals.token_revoked, dispatch_uid="flex_usage_revoked")
def _revoked(sender, application, what, **kwargs) -> None:
    _count(application, REVOKED, what or "")
    if prometheus.enabled():
        prometheus.revoked(what or "")


@receiver(signals.identity_linked, dispatch_uid="flex_usage_identity_linked")
def _identity_linked(sender, how, **kwargs) -> None:
    _count(None, IDENTITY_LINKED, how or "")


def answered_with_5xx(error: str) -> None:
    """The error renderer's hook (protocol/failures.py): an outage or a bug answered a request."""
    _count(None, REFUSED, error)
    if prometheus.enabled():
        prometheus.refused(error, "")
