"""The token service: the one place tokens are issued, looked up, rotated and revoked.

Grants, views and the DRF classes call these functions and never touch the token
tables themselves, so the transactional rules live here only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import fastsql
from ..errors import InvalidGrant
from ..models import AccessToken, Application, RefreshToken, TokenKind
from ..settings import flex_settings
from . import digests, generate


@dataclass(frozen=True)
class Issued:
    """What a token response carries, plus the stored rows."""

    access_token: str
    expires_in: int
    scope: str
    access: AccessToken
    refresh_token: str | None = None
    refresh: RefreshToken | None = None

    def as_response(self) -> dict[str, object]:
        body: dict[str, object] = {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        return body


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=int(getattr(flex_settings, name)))


def access_lifetime(kind: str) -> timedelta:
    return _seconds("TRUSTED_TOKEN_LIFETIME" if kind == TokenKind.TRUSTED_USER else "ACCESS_TOKEN_LIFETIME")


def _refresh_expiry(now: datetime, family_started: datetime) -> datetime:
    return min(now + _seconds("REFRESH_TOKEN_LIFETIME"), family_started + _seconds("SESSION_MAX_LIFETIME"))


def _digest_filter(raw: str) -> Q:
    found = digests.candidates(raw)
    return Q(digest=found[0]) if len(found) == 1 else Q(digest__in=found)


def _by_digest(model, raw: str, related: tuple[str, ...], *, for_update: bool = False):
    """The row whose digest matches `raw` under any key, with `related` loaded: one query."""
    found = digests.candidates(raw)
    if len(found) == 1:  # one key: the usual case, a prepared statement (see fastsql)
        return fastsql.get(model, "digest", found[0], related=related, for_update=for_update)
    queryset = model.objects.select_related(*related)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.filter(digest__in=found).first()


# -- issuing --------------------------------------------------------------------------


def issue(
    application: Application,
    *,
    kind: str,
    scope: str,
    user=None,
    with_refresh: bool = False,
    subject: AccessToken | None = None,
) -> Issued:
    """Mint an access token (and, for a new session, its first refresh token)."""
    now = timezone.now()
    refresh_raw = refresh = None
    family = subject.family if subject is not None else None
    access_raw = generate.access_token()
    if not with_refresh:  # one INSERT: atomic on its own, no transaction (or savepoint) around it
        access = _create_access(access_raw, application, kind, scope, user, family, now, subject=subject)
        return Issued(access_raw, _whole_seconds(access.expires - now), scope, access)
    family = uuid.uuid4()
    refresh_raw = generate.refresh_token()
    refresh = _new_refresh(refresh_raw, application, kind, scope, user, family, now, _refresh_expiry(now, now))
    access = _new_access(access_raw, application, kind, scope, user, family, now, subject=subject)
    fastsql.insert_all(refresh, access)  # both rows or neither
    return Issued(access_raw, _whole_seconds(access.expires - now), scope, access, refresh_raw, refresh)


def _new_refresh(raw, application, kind, scope, user, family, now, expires, *, family_started=None, parent=None):
    """A refresh token row of session `family` (a new session starts now), not yet saved."""
    return RefreshToken(
        digest=digests.make(raw),
        application=application,
        user=user,
        kind=kind,
        scope=scope,
        family=family,
        family_started=family_started or now,
        parent=parent,
        created=now,
        expires=expires,
    )


def _new_access(raw, application, kind, scope, user, family, now, subject=None) -> AccessToken:
    return AccessToken(
        digest=digests.make(raw),
        application=application,
        user=user,
        kind=kind,
        scope=scope,
        family=family,
        subject=subject,
        created=now,
        expires=now + access_lifetime(kind),
    )


def _create_access(raw, application, kind, scope, user, family, now, subject=None) -> AccessToken:
    return fastsql.insert(_new_access(raw, application, kind, scope, user, family, now, subject=subject))


def _whole_seconds(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds()))


# -- looking up -----------------------------------------------------------------------


def find_access(raw: str | None) -> AccessToken | None:
    """The stored access token for `raw` (live or not), with its application and user: one query."""
    if not generate.looks_like(raw, generate.ACCESS_PREFIX):
        return None
    return _by_digest(AccessToken, raw, ("application", "user"))


def live_access(raw: str | None) -> AccessToken | None:
    """The access token for `raw` if it may be used right now, else None."""
    token = find_access(raw)
    return token if token is not None and token.is_live() else None


def exchange(raw_subject: str | None, application: Application, *, scope: str) -> Issued | None:
    """A trusted-user token for a live user token of `application`, or None.

    The subject row is locked while the trusted token is inserted, so a concurrent
    revocation of the subject or its session either waits for this insert (and then
    revokes it too) or wins first (and this answers None).
    """
    if not generate.looks_like(raw_subject, generate.ACCESS_PREFIX):
        return None
    with transaction.atomic():
        subject = _by_digest(AccessToken, raw_subject, ("application", "user"), for_update=True)
        if (
            subject is None
            or not subject.is_live()
            or subject.application_id != application.pk
            or subject.kind != TokenKind.USER
        ):
            return None
        return issue(application, kind=TokenKind.TRUSTED_USER, scope=scope, user=subject.user, subject=subject)


def find_refresh(raw: str | None) -> RefreshToken | None:
    if not generate.looks_like(raw, generate.REFRESH_PREFIX):
        return None
    return _by_digest(RefreshToken, raw, ("user",))


# -- rotating -------------------------------------------------------------------------


@dataclass(frozen=True)
class Redeemed:
    issued: Issued
    row: RefreshToken
    replayed: bool  # True when answered again within the grace period


def redeem_refresh(raw: str | None, application: Application, *, ip: str | None = None) -> Redeemed:
    """Rotate a refresh token: retire it and mint its successor, exactly once.

    The successor is derived from the presented token (digests.derive), so a client
    that retries within REFRESH_GRACE_PERIOD gets the very same answer; any other reuse
    of a retired token revokes the whole session (RFC 9700 section 4.14.2).
    Concurrency: the conditional UPDATE below lets one request win; the others block on
    its row lock (PostgreSQL) or the database lock (SQLite) and then take the replay path.
    """
    row = find_refresh(raw)
    if row is None or row.application_id != application.pk:
        raise InvalidGrant("The refresh token is invalid, expired or revoked.")
    now = timezone.now()
    if row.revoked is not None or (row.user_id is not None and not row.user.is_active):
        raise InvalidGrant("The refresh token is invalid, expired or revoked.")
    if row.retired is None:
        if now >= row.expires:
            raise InvalidGrant("The refresh token is invalid, expired or revoked.")
        with transaction.atomic():
            won = fastsql.update_unset(RefreshToken, row.pk, {"retired": now}, unset=("retired", "revoked"))
            if won:
                return Redeemed(_mint_successor(row, raw, application, now), row, replayed=False)
        row.refresh_from_db(fields=["retired", "revoked"])
    return Redeemed(_replay(row, raw, application, now, ip), row, replayed=True)


def _mint_successor(row: RefreshToken, raw: str, application: Application, now: datetime) -> Issued:
    expires = _refresh_expiry(now, row.family_started)
    if expires <= now:  # the session reached SESSION_MAX_LIFETIME
        raise InvalidGrant("The session has ended; sign in again.")
    refresh_raw = generate.derived(generate.REFRESH_PREFIX, raw, "successor")
    access_raw = generate.derived(generate.ACCESS_PREFIX, raw, "successor-access")
    successor = _new_refresh(
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
    access = _new_access(access_raw, application, row.kind, row.scope, row.user, row.family, now)
    fastsql.insert_all(successor, access)
    return Issued(access_raw, _whole_seconds(access.expires - now), row.scope, access, refresh_raw, successor)


def _replay(row: RefreshToken, raw: str, application: Application, now: datetime, ip: str | None = None) -> Issued:
    """A retired token again: the first answer within grace, otherwise revoke the session."""
    grace = _seconds("REFRESH_GRACE_PERIOD")
    if row.revoked is None and row.retired is not None and now - row.retired <= grace:
        successor = RefreshToken.objects.filter(parent=row, retired__isnull=True, revoked__isnull=True).first()
        if successor is not None:
            for index in range(len(digests.keyring())):
                refresh_raw = generate.derived(generate.REFRESH_PREFIX, raw, "successor", index)
                if digests.verify(refresh_raw, successor.digest):
                    access_raw = generate.derived(generate.ACCESS_PREFIX, raw, "successor-access", index)
                    access = AccessToken.objects.filter(_digest_filter(access_raw)).first()
                    expires = access.expires if access is not None else now
                    return Issued(access_raw, _whole_seconds(expires - now), row.scope, access, refresh_raw, successor)
    if row.revoked is None:
        revoke_family(row.family, now=now)
        from .. import signals

        signals.refresh_reuse_detected.send(
            sender=RefreshToken, application=application, user=row.user, family=row.family, ip=ip
        )
    raise InvalidGrant("The refresh token is invalid, expired or revoked.")


# -- revoking -------------------------------------------------------------------------


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
    """Revoke a session: every refresh, access and trusted token that shares `family`."""
    if family is None:
        return 0
    now = now or timezone.now()
    with transaction.atomic():
        # Refresh tokens first: once they are revoked no rotation can add access tokens.
        count = _revoke_all(RefreshToken.objects.filter(family=family), now)
        count += _revoke_all(AccessToken.objects.filter(family=family), now)
    return count


def revoke_access(token: AccessToken, now: datetime | None = None) -> int:
    """Revoke one access token and any trusted token exchanged from it."""
    now = now or timezone.now()
    with transaction.atomic():
        return _revoke_all(AccessToken.objects.filter(Q(pk=token.pk) | Q(subject_id=token.pk)), now)


def revoke_for(*, application: Application | None = None, user=None) -> int:
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
        count = _revoke_all(RefreshToken.objects.filter(flt), now)
        count += _revoke_all(AccessToken.objects.filter(flt), now)
    return count


class _AnyUser:
    def __repr__(self) -> str:
        return "ANY_USER"


ANY_USER = _AnyUser()


def revoke_token(raw: str | None, *, application: Application, user=ANY_USER) -> str | None:
    """RFC 7009 revocation of a token presented by `application` (and `user`, when a Bearer was).

    A refresh token ends its whole session; an access token ends itself and the trusted
    tokens exchanged from it. Tokens of other applications or users are left alone and
    the caller is told nothing either way. Returns what was revoked, for signals only.
    """

    def owned(row) -> bool:
        if row is None or row.application_id != application.pk:
            return False
        return user is ANY_USER or row.user_id == (user.pk if user is not None else None)

    if generate.looks_like(raw, generate.REFRESH_PREFIX):
        row = find_refresh(raw)
        if owned(row) and revoke_family(row.family):
            return "session"
    elif generate.looks_like(raw, generate.ACCESS_PREFIX):
        access = find_access(raw)
        if owned(access) and revoke_access(access):
            return "access_token"
    return None


def introspect(raw: str | None, application: Application, *, any_application: bool = False) -> dict[str, object]:
    """RFC 7662 section 2.2: details of a live access token, else only {"active": false}."""
    access = live_access(raw)
    if access is None or not (any_application or access.application_id == application.pk):
        return {"active": False}
    info: dict[str, object] = {
        "active": True,
        "scope": access.scope,
        "client_id": str(access.application.client_id),
        "token_type": "access_token",
        "exp": int(access.expires.timestamp()),
        "iat": int(access.created.timestamp()),
    }
    if access.user_id is not None:
        info["sub"] = str(access.user_id)
    return info
