"""Default signal receivers: one structured record per token event on `flex_auth_django.security`.

Events: issued, refreshed, exchanged, revoked, refused, throttled, refresh_reuse_detected, identity_linked,
login_as_started (with staff_id), code_reuse_detected.
Every record has the same fields (`record.flex_auth`, a dict, for JSON formatters; the
message repeats them as key=value text): event, application_id, client_id, kind,
user_id, ip, plus a few per event. Ids, kinds and addresses only: never a secret,
password, token or digest. A username from a refused login is logged as a short keyed
hash, so attacks on one account can be correlated without writing the name (or a
password typed into the username field) to the log.

With FLEX_AUTH['AUDIT_ASYNC'] the request only makes each record; a listener thread per
process writes it through the site's handlers, in order, and drains the queue at exit
(background.py). `flush()` waits for what this process has queued (tests, before a hard exit).
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import receiver

from .. import signals
from ..crypto.derived_keys import AUDIT, derived_key
from ..protocol import client_ids
from ..settings import flex_settings, on_reload
from .background import EXIT_TIMEOUT, BackgroundLogger

logger = logging.getLogger("flex_auth_django.security")


def _async() -> bool:
    try:
        return flex_settings.AUDIT_ASYNC
    except ImproperlyConfigured:  # a malformed FLEX_AUTH is a system check error; logging never raises
        return False


log_queue = BackgroundLogger(logger, enabled=_async)
flush = log_queue.flush
# Switched off (override_settings, a reload): what is queued is written before the next synchronous line.
on_reload(lambda: log_queue.flush(EXIT_TIMEOUT))

FIELDS = ("event", "application_id", "client_id", "kind", "user_id", "ip")


def _app(application) -> dict[str, object]:
    if application is None:
        return {}
    return {"application_id": application.pk, "client_id": application.public_client_id}


def emit(event: str, level: int = logging.INFO, **fields: object) -> None:
    """Log one event record: the common fields first (None when unknown), then the rest."""
    if not logger.isEnabledFor(level):
        return
    record = {name: None for name in FIELDS} | fields | {"event": event}
    text = " ".join(f"{k}={v}" for k, v in record.items() if v is not None)
    # As logger.log() would, without walking the stack for a caller that is always this line.
    logger.handle(
        logger.makeRecord(logger.name, level, __file__, _LINE, "%s", (text,), None, "emit", {"flex_auth": record})
    )


_LINE = emit.__code__.co_firstlineno


def username_tag(username: str | None) -> str | None:
    if not username:
        return None
    return hmac.new(
        derived_key(AUDIT), username.strip().lower().encode("utf-8", "surrogatepass"), hashlib.sha256
    ).hexdigest()[:12]


def _client_id(value: str | None) -> str | None:
    """A canonical client ID (a UUID, or an imported DOT ID: letters, digits and ._~- only), or
    "(malformed)": client text of any other shape is never logged."""
    if not value:
        return None
    return client_ids.canonical_client_id(value) or "(malformed)"


def _grant_type(name: str | None) -> str | None:
    """A registered grant type name, or "(other)": client text is never logged as is."""
    from ..grants import get_registry

    if name is None:
        return None
    return name if get_registry().get(name) is not None else "(other)"


@receiver(signals.token_issued, dispatch_uid="flex_audit_issued")
def _issued(sender, application, kind, user, grant_type, family, ip, **kwargs) -> None:
    cls = _grant_type(grant_type)
    event = "exchanged" if cls is not None and "exchange" in cls else "issued"
    emit(event, **_app(application), kind=kind, user_id=getattr(user, "pk", None), ip=ip, grant_type=cls)


@receiver(signals.token_refreshed, dispatch_uid="flex_audit_refreshed")
def _refreshed(sender, application, kind, user, family, replayed, ip, **kwargs) -> None:
    emit(
        "refreshed",
        **_app(application),
        kind=kind,
        user_id=getattr(user, "pk", None),
        ip=ip,
        grant_type="refresh_token",
        replayed=bool(replayed),
    )


@receiver(signals.refresh_reuse_detected, dispatch_uid="flex_audit_reuse")
def _reuse(sender, application, user, family, ip, **kwargs) -> None:
    emit("refresh_reuse_detected", logging.WARNING, **_app(application), user_id=getattr(user, "pk", None), ip=ip)


@receiver(signals.login_as_started, dispatch_uid="flex_audit_login_as")
def _login_as(sender, application, user, staff, family, ip, client_ip=None, **kwargs) -> None:
    # A WARNING: an operator now acts as a user; the log is the record of who did it.
    emit(
        "login_as_started",
        logging.WARNING,
        **_app(application),
        kind="login_as",
        user_id=getattr(user, "pk", None),
        ip=ip,
        staff_id=getattr(staff, "pk", None),
        client_ip=client_ip,
        session=family,
    )


@receiver(signals.code_reuse_detected, dispatch_uid="flex_audit_code_reuse")
def _code_reuse(sender, application, user, staff, ip, **kwargs) -> None:
    emit(
        "code_reuse_detected",
        logging.WARNING,
        **_app(application),
        kind="login_as",
        user_id=getattr(user, "pk", None),
        ip=ip,
        staff_id=getattr(staff, "pk", None),
    )


@receiver(signals.token_revoked, dispatch_uid="flex_audit_revoked")
def _revoked(sender, application, user, family, what, ip, **kwargs) -> None:
    emit("revoked", **_app(application), user_id=getattr(user, "pk", None), ip=ip, what=what)


@receiver(signals.auth_failed, dispatch_uid="flex_audit_refused")
def _refused(sender, reason, client_id, username, ip, **kwargs) -> None:
    emit(
        "refused",
        client_id=_client_id(client_id),
        ip=ip,
        endpoint=kwargs.get("endpoint"),
        grant_type=_grant_type(kwargs.get("grant_type")),
        error=kwargs.get("error"),
        status=kwargs.get("status"),
        reason=reason,
        username_tag=username_tag(username),
    )


@receiver(signals.throttled, dispatch_uid="flex_audit_throttled")
def _throttled(sender, scope, ip, **kwargs) -> None:
    emit(
        "throttled",
        logging.WARNING,
        client_id=_client_id(kwargs.get("client_id")),
        ip=ip,
        endpoint=kwargs.get("endpoint"),
        grant_type=_grant_type(kwargs.get("grant_type")),
        scope=scope,
        username_tag=username_tag(kwargs.get("username")),
    )


@receiver(signals.identity_linked, dispatch_uid="flex_audit_identity_linked")
def _identity_linked(sender, provider, user, how, **kwargs) -> None:
    emit("identity_linked", user_id=getattr(user, "pk", None), idp_id=provider.idp_id, how=how)
