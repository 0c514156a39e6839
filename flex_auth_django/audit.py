"""Default signal receivers: one structured record per token event on `flex_auth_django.security`.

Records carry ids, kinds and client IPs only: never a secret, password, token or
digest. Usernames from failed logins are logged as a short keyed hash so repeated
attacks on one account can be correlated without writing the name (or a mistyped
password) to the log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings
from django.dispatch import receiver

from . import signals

logger = logging.getLogger("flex_auth_django.security")

_EVENT_BY_GRANT = {"refresh_token": "refreshed", "token_exchange": "exchanged"}


def _app(application) -> dict[str, object]:
    if application is None:
        return {"application_id": None, "client_id": None}
    return {"application_id": application.pk, "client_id": str(application.client_id)}


def _emit(event: str, **fields: object) -> None:
    fields = {"event": event, **fields}
    text = " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
    logger.info(text, extra={"flex_auth": fields})


def username_tag(username: str | None) -> str | None:
    if not username:
        return None
    key = hashlib.sha256(b"flex-auth audit" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, username.strip().lower().encode(), hashlib.sha256).hexdigest()[:12]


@receiver(signals.token_issued, dispatch_uid="flex_audit_issued")
def _issued(sender, application, kind, user, grant_type, family, ip, **kwargs) -> None:
    if grant_type and grant_type.endswith("token-exchange"):
        event = "exchanged"
    else:
        event = _EVENT_BY_GRANT.get(grant_type, "issued")
    _emit(event, **_app(application), kind=kind, user_id=getattr(user, "pk", None), grant_type=grant_type, ip=ip)


@receiver(signals.token_refreshed, dispatch_uid="flex_audit_refreshed")
def _refreshed(sender, application, kind, user, family, replayed, ip, **kwargs) -> None:
    _emit(
        "refreshed", **_app(application), kind=kind, user_id=getattr(user, "pk", None), replayed=bool(replayed), ip=ip
    )


@receiver(signals.refresh_reuse_detected, dispatch_uid="flex_audit_reuse")
def _reuse(sender, application, user, family, ip, **kwargs) -> None:
    logger.warning(
        "event=refresh_reuse_detected application_id=%s user_id=%s",
        getattr(application, "pk", None),
        getattr(user, "pk", None),
        extra={
            "flex_auth": {
                "event": "refresh_reuse_detected",
                **_app(application),
                "user_id": getattr(user, "pk", None),
                "ip": ip,
            }
        },
    )


@receiver(signals.token_revoked, dispatch_uid="flex_audit_revoked")
def _revoked(sender, application, user, family, what, ip, **kwargs) -> None:
    _emit("revoked", **_app(application), what=what, user_id=getattr(user, "pk", None), ip=ip)


@receiver(signals.auth_failed, dispatch_uid="flex_audit_refused")
def _refused(sender, reason, client_id, username, ip, **kwargs) -> None:
    _emit(
        "refused",
        reason=reason,
        client_id=client_id if _is_uuid(client_id) else "(malformed)",
        username_tag=username_tag(username),
        ip=ip,
    )


@receiver(signals.throttled, dispatch_uid="flex_audit_throttled")
def _throttled(sender, scope, ip, **kwargs) -> None:
    _emit("throttled", scope=scope, ip=ip)


def _is_uuid(value: str | None) -> bool:
    from .client_auth import parse_client_id

    return parse_client_id(value) is not None
