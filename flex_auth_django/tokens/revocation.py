"""Revoking tokens, and the one place a `token_revoked` signal is sent from.

Every revocation an operator, a user or a kill switch asks for goes through a function
here that revokes and then announces what it ended; callers never send the signal.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import signals
from ..models import AccessToken, Application, RefreshToken
from ..settings import flex_settings
from ..signing.keys import keyring
from . import access_model, generate, standing
from .formats import signed
from .lookup import find_access, find_refresh, is_refresh_token


def _signed_tokens_possible() -> bool:
    """Whether any signed token could verify here: with no key published, none can."""
    return bool(keyring().keys)


def _session_horizon(now: datetime) -> datetime:
    """When the last signed token issued before `now` expires, whatever its kind."""
    longest = max(getattr(flex_settings, spec.lifetime_setting) for spec in access_model.KINDS)
    return now + timedelta(seconds=longest + signed.CLOCK_SKEW)


def _record_sessions(pairs, now: datetime) -> None:
    """Mark sessions (application id, family) revoked for their signed tokens."""
    if not _signed_tokens_possible():
        return
    by_application: dict[int, dict[str, datetime]] = {}
    for application_id, family in pairs:
        by_application.setdefault(application_id, {})[f"sid:{family}"] = _session_horizon(now)
    for application_id, refs in by_application.items():
        standing.record(application_id, refs)


def _revoke_all(queryset, now: datetime) -> int:
    """UPDATE ... SET revoked until nothing is left to revoke.

    Under READ COMMITTED one UPDATE does not see rows that a concurrent rotation or
    token exchange inserts while it waits for their row locks; those transactions
    commit before the next statement starts, so repeating until zero rows change
    leaves no live member behind (tested on PostgreSQL in tests/postgres/).
    """
    total = 0
    while changed := queryset.filter(revoked__isnull=True).update(revoked=now):
        total += changed
    return total


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
        count = _revoke_all(RefreshToken.objects.filter(family=family), now)
        count += _revoke_all(AccessToken.objects.filter(family=family), now)
        if count and _signed_tokens_possible():
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


def _revoke_access(token: AccessToken, now: datetime | None = None) -> int:
    """Revoke one access token and any trusted token exchanged from it."""
    now = now or timezone.now()
    with transaction.atomic():
        count = _revoke_all(AccessToken.objects.filter(Q(pk=token.pk) | Q(subject_id=token.pk)), now)
        if count and _signed_tokens_possible():
            # Signed tokens exchanged from it name it in their jti (signed.subject_ref).
            standing.record(token.application_id, {signed.subject_ref(token): token.expires})
    return count


def _revoke_signed(token: signed.SignedAccessToken) -> int:
    """Revoke a signed access token (and what was exchanged from it): its jti until it expires."""
    if token.expires <= timezone.now():
        return 0
    standing.record(token.application_id, {token.jti.split(".")[0]: token.expires})
    return 1


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
        count = _revoke_all(RefreshToken.objects.filter(flt), now)
        count += _revoke_all(AccessToken.objects.filter(flt), now)
        if application is not None and user is None:
            # Signed tokens have no rows: every one issued until now stops working.
            Application.objects.filter(pk=application.pk).update(tokens_not_before=now)
            application.tokens_not_before = now
            standing.publish(application)
        else:
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

    def owned(row) -> bool:
        if row is None or row.application_id != application.pk:
            return False
        return user is ANY_USER or row.user_id == (user.pk if user is not None else None)

    what = None
    if is_refresh_token(raw):
        row = find_refresh(raw)
        if owned(row) and revoke_family(row.family):
            what = "session"
    elif generate.looks_like(raw, generate.ACCESS_PREFIX):
        access = find_access(raw)
        if owned(access) and _revoke_access(access):
            what = "access_token"
    elif signed.looks_signed(raw):
        token = signed.owned_token(raw)
        if owned(token) and _revoke_signed(token):
            what = "access_token"
    if what is not None:
        _announce(application, None if user is ANY_USER else user, None, what, ip)
    return what


def _announce(application: Application | None, user, family: uuid.UUID | None, what: str, ip: str | None) -> None:
    signals.token_revoked.send(sender=RefreshToken, application=application, user=user, family=family, what=what, ip=ip)
