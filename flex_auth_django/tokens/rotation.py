"""Refresh token rotation: each use retires the token and mints its successor, exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .. import signals
from ..db import statements
from ..models import Application, RefreshToken
from ..protocol.errors import InvalidGrant
from ..settings import flex_settings
from . import digests, formats, generate, kinds
from .issuing import Issued, new_refresh, refresh_expiry
from .lookup import find_refresh
from .revocation import revoke_family

_INVALID = "The refresh token is invalid, expired or revoked."


def redeem_refresh(raw: str | None, application: Application, *, ip: str | None = None) -> Issued:
    """Rotate a refresh token: retire it and mint its successor, exactly once; announced as token_refreshed.

    The successor is derived from the presented token (digests.derive), so a client
    that retries within REFRESH_GRACE_PERIOD gets the very same answer (`replayed`);
    any other reuse of a retired token revokes the whole session (RFC 9700 section 4.14.2).
    Concurrency: the conditional UPDATE below lets one request win; the others block on
    its row lock (PostgreSQL) or the database lock (SQLite) and then take the replay path.
    """
    issued = _redeem(raw, application, ip)
    refresh = issued.refresh
    signals.token_refreshed.send(
        sender=Issued,
        application=application,
        kind=refresh.kind,
        user=refresh.user,
        family=refresh.family,
        replayed=issued.replayed,
        ip=ip,
    )
    return issued


def _redeem(raw: str | None, application: Application, ip: str | None) -> Issued:
    row = find_refresh(raw)
    if row is None or row.application_id != application.pk or not kinds.kind(row.kind).refreshable:
        raise InvalidGrant(_INVALID)
    now = timezone.now()
    if row.revoked is not None or (row.user_id is not None and not row.user.is_active):
        raise InvalidGrant(_INVALID)
    if row.retired is None:
        if now >= row.expires:
            raise InvalidGrant(_INVALID)
        with transaction.atomic():
            won = statements.update_unset(RefreshToken, row.pk, {"retired": now}, unset=("retired", "revoked"))
            if won:
                return _mint_successor(row, raw, application, now)
        row.refresh_from_db(fields=["retired", "revoked"])
    return _replay(row, raw, application, now, ip)


def _mint_successor(row: RefreshToken, raw: str, application: Application, now: datetime) -> Issued:
    expires = refresh_expiry(now, row.family_started)
    if expires <= now:  # the session reached SESSION_MAX_LIFETIME
        raise InvalidGrant("The session has ended; sign in again.")
    refresh_raw = generate.derived(generate.REFRESH_PREFIX, raw, "successor")
    successor = new_refresh(
        refresh_raw,
        application,
        row.kind,
        row.scope,
        row.user,
        row.family,
        now,
        expires,
        family_started=row.family_started,
        parent=row,
    )
    fmt = formats.for_kind(row.kind)
    access_raw, access = fmt.issue(
        application, kind=row.kind, scope=row.scope, user=row.user, family=row.family, now=now, seed=raw
    )
    if fmt.stored:
        statements.insert_all(successor, access)
    else:
        statements.insert(successor)
    return Issued.of(access_raw, access, now=now, scope=row.scope, refresh_raw=refresh_raw, refresh=successor)


def _replay(row: RefreshToken, raw: str, application: Application, now: datetime, ip: str | None) -> Issued:
    """A retired token again: the first answer within grace, otherwise revoke the session."""
    grace = timedelta(seconds=flex_settings.REFRESH_GRACE_PERIOD)
    if row.revoked is None and row.retired is not None and now - row.retired <= grace:
        successor = RefreshToken.objects.filter(parent=row, retired__isnull=True, revoked__isnull=True).first()
        if successor is not None:
            # The successor was derived under whichever digest key was current then.
            for index in range(len(digests.keyring())):
                refresh_raw = generate.derived(generate.REFRESH_PREFIX, raw, "successor", index)
                if digests.verify(refresh_raw, successor.digest):
                    return _answer_again(row, raw, application, now, refresh_raw, successor, index)
    if row.revoked is None:
        revoke_family(row.family, now=now)
        signals.refresh_reuse_detected.send(
            sender=RefreshToken, application=application, user=row.user, family=row.family, ip=ip
        )
    raise InvalidGrant(_INVALID)


def _answer_again(row, raw, application, now, refresh_raw, successor, key_index) -> Issued:
    """The grace-period answer: the same refresh token, and the same access token where it can be found again."""
    fmt = formats.for_kind(row.kind)
    again = fmt.replay(raw, key_index)
    if again is None:  # e.g. signed: nothing stored to answer with, so a fresh token of the same session
        access_raw, access = fmt.issue(
            application, kind=row.kind, scope=row.scope, user=row.user, family=row.family, now=now
        )
    else:
        access_raw, access = again
    return Issued.of(
        access_raw, access, now=now, scope=row.scope, refresh_raw=refresh_raw, refresh=successor, replayed=True
    )
