"""Revoking tokens, and the one place a `token_revoked` signal is sent from.

Every revocation an operator, a user or a kill switch asks for goes through a function
here that revokes and then announces what it ended; callers never send the signal.
Rows are marked revoked; signed tokens, which have no rows, are revoked by record
(standing.py): their session (`sid:<family>`), their jti, or their application's
"not before" moment.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import signals
from ..models import AccessToken, Application, RefreshToken, Session
from ..state import sync
from . import formats, kinds, remembered, standing
from .formats import signed
from .lookup import find_refresh, is_refresh_token
from .rows import revoke_all


def _session_horizon(now: datetime) -> datetime:
    """When the last signed token issued before `now` expires, whatever its kind."""
    longest = max(kinds.lifetime(spec) for spec in kinds.KINDS)
    return now + timedelta(seconds=longest + signed.CLOCK_SKEW)


def _record_sessions(pairs, now: datetime) -> None:
    """Mark sessions (application id, family) revoked for their signed tokens."""
    if not signed.verifiable():
        return
    by_application: dict[int, dict[str, datetime]] = {}
    for application_id, family in pairs:
        by_application.setdefault(application_id, {})[f"sid:{family}"] = _session_horizon(now)
    for application_id, refs in by_application.items():
        standing.record(application_id, refs)


def revoke_family(family: uuid.UUID | None, now: datetime | None = None) -> int:
    """Revoke a session: every refresh, access and trusted token that shares `family`.

    Sends no signal: callers that end a session on someone's behalf use revoke_session();
    reuse detection announces itself as refresh_reuse_detected.
    """
    if family is None:
        return 0
    now = now or timezone.now()
    with transaction.atomic():
        # Refresh tokens first: once they are revoked no rotation can add access tokens.
        count = revoke_all(RefreshToken.objects.filter(family=family), now)
        count += revoke_all(AccessToken.objects.filter(family=family), now)
        if count:
            sync.publish(remembered.family_revoked(family))  # opaque rows held by every process
        if count and signed.verifiable():
            owner = RefreshToken.objects.filter(family=family).values_list("application_id", flat=True).first()
            if owner is not None:
                _record_sessions([(owner, family)], now)
    return count


def revoke_session(session: RefreshToken, *, ip: str | None = None) -> int:
    """End the session `session` (a refresh token row) belongs to; announced when it was live."""
    count = revoke_family(session.family)
    if count:
        _announce(session.application, session.user, session.family, "session", ip)
    return count


def revoke_sessions(sessions: Iterable[Session], *, ip: str | None = None) -> int:
    """End each session (every token of its family), as the admin's sessions view does; how many were live."""
    with transaction.atomic():
        return sum(1 for session in sessions if revoke_session(session, ip=ip))


def revoke_for(*, application: Application | None = None, user=None, ip: str | None = None) -> int:
    """Revoke every live token of an application or of a user (admin actions, password change)."""
    if application is None and user is None:
        raise ValueError("name an application or a user")
    now = timezone.now()
    flt = Q()
    if application is not None:
        flt &= Q(application=application)
    if user is not None:
        flt &= Q(user=user)
    with transaction.atomic():
        sessions = set(RefreshToken.objects.filter(flt, revoked__isnull=True).values_list("application_id", "family"))
        count = revoke_all(RefreshToken.objects.filter(flt), now)
        count += revoke_all(AccessToken.objects.filter(flt), now)
        if application is not None and user is None:
            # Signed tokens have no rows: every one issued until now stops working.
            Application.objects.filter(pk=application.pk).update(tokens_not_before=now)
            application.tokens_not_before = now
            standing.publish(application)
        else:
            sync.publish(remembered.user_changed(user.pk))
            _record_sessions(sessions, now)
    if count:
        _announce(application, user, None, "application" if application is not None else "user", ip)
    return count


class _AnyUser:
    def __repr__(self) -> str:
        return "ANY_USER"


ANY_USER = _AnyUser()


def revoke_token(raw: str | None, *, application: Application, user=ANY_USER, ip: str | None = None) -> str | None:
    """RFC 7009 revocation of a token presented by `application` (and `user`, when a Bearer was).

    A refresh token ends its whole session; an access token ends itself and the trusted
    tokens exchanged from it. Tokens of other applications or users are left alone and
    the caller is told nothing either way. Returns what was revoked.
    """

    def owned(token) -> bool:
        if token is None or token.application_id != application.pk:
            return False
        return user is ANY_USER or token.user_id == (user.pk if user is not None else None)

    what = None
    if is_refresh_token(raw):
        row = find_refresh(raw)
        if owned(row) and revoke_family(row.family):
            what = "session"
    elif (fmt := formats.for_token(raw)) is not None:
        token = fmt.owned(raw)
        if owned(token):
            with transaction.atomic():
                if fmt.revoke(token, timezone.now()):
                    what = "access_token"
    if what is not None:
        _announce(application, None if user is ANY_USER else user, None, what, ip)
    return what


def _announce(application: Application | None, user, family: uuid.UUID | None, what: str, ip: str | None) -> None:
    signals.token_revoked.send(sender=RefreshToken, application=application, user=user, family=family, what=what, ip=ip)
