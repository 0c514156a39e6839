"""Minting tokens: a new session's first pair, a token without a session, a trusted-user exchange,
a Login-as session (one access token, no refresh token); and the one place an Issued is built.

The format of every access token comes from formats.for_kind(); the service announces what
it issued (token_issued), so every caller, a grant or a site's own code, is heard alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .. import signals
from ..db import statements
from ..models import AccessToken, Application, RefreshToken, TokenKind
from ..settings import flex_settings
from . import formats, generate, kinds, scopes
from .formats.signed import SignedAccessToken
from .rows import common_fields


@dataclass(frozen=True)
class Issued:
    """What a token response carries, plus the stored rows.

    `extra` holds grant-specific response members (RFC 8693's `issued_token_type`);
    `replayed` is True when a refresh was answered again within its grace period.
    """

    access_token: str
    expires_in: int
    scope: str
    access: AccessToken | SignedAccessToken | None
    refresh_token: str | None = None
    refresh: RefreshToken | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    replayed: bool = False

    @classmethod
    def of(
        cls,
        access_raw: str,
        access: AccessToken | SignedAccessToken | None,
        *,
        now: datetime,
        scope: str,
        refresh_raw: str | None = None,
        refresh: RefreshToken | None = None,
        replayed: bool = False,
    ) -> Issued:
        """The one constructor: `expires_in` is what is left of the access token at `now`
        (0 for a replayed token whose row is gone)."""
        expires = access.expires if access is not None else now
        return cls(access_raw, whole_seconds(expires - now), scope, access, refresh_raw, refresh, replayed=replayed)

    def as_response(self) -> dict[str, object]:
        body: dict[str, object] = {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        body.update(self.extra)
        return body


def access_lifetime(kind: str) -> timedelta:
    return timedelta(seconds=kinds.lifetime(kinds.kind(kind)))


def refresh_expiry(now: datetime, family_started: datetime) -> datetime:
    return min(
        now + timedelta(seconds=flex_settings.REFRESH_TOKEN_LIFETIME),
        family_started + timedelta(seconds=flex_settings.SESSION_MAX_LIFETIME),
    )


def whole_seconds(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds()))


def issue(
    application: Application,
    *,
    kind: str,
    scope: str,
    user=None,
    with_refresh: bool = False,
    grant_type: str | None = None,
    ip: str | None = None,
) -> Issued:
    """Mint an access token (and, for a new session, its first refresh token); announced as token_issued.

    A signed access token is written nowhere: an anonymous one costs no query at all, a
    token of a new session only its refresh token's INSERT.
    """
    issued = _mint(application, kind=kind, scope=scope, user=user, with_refresh=with_refresh)
    announce_issued(issued, application, grant_type=grant_type, ip=ip)
    return issued


def _mint(application, *, kind, scope, user=None, with_refresh=False, subject=None) -> Issued:
    now = timezone.now()
    family = subject.family if subject is not None else (uuid.uuid4() if with_refresh else None)
    fmt = formats.for_kind(kind, subject=subject)
    not_after = subject.expires if subject is not None else None  # never outlives its subject (spec: Lifetimes)
    access_raw, access = fmt.issue(
        application, kind=kind, scope=scope, user=user, family=family, now=now, not_after=not_after, subject=subject
    )
    if not with_refresh:
        if fmt.stored:  # one INSERT: atomic on its own, no transaction (or savepoint) around it
            access = statements.insert(access)
        return Issued.of(access_raw, access, now=now, scope=scope)
    refresh_raw = generate.refresh_token()
    refresh = new_refresh(refresh_raw, application, kind, scope, user, family, now, refresh_expiry(now, now))
    if fmt.stored:
        statements.insert_all(refresh, access)  # both rows or neither
    else:
        statements.insert(refresh)
    return Issued.of(access_raw, access, now=now, scope=scope, refresh_raw=refresh_raw, refresh=refresh)


def announce_issued(issued: Issued, application: Application, *, grant_type: str | None, ip: str | None) -> None:
    signals.token_issued.send(
        sender=Issued,
        application=application,
        kind=issued.access.kind,
        user=issued.access.user,
        grant_type=grant_type,
        family=issued.access.family,
        ip=ip,
    )


def new_refresh(
    raw, application, kind, scope, user, family, now, expires, *, family_started=None, parent=None, acted_by=None
) -> RefreshToken:
    """A refresh token row of session `family` (a new session starts now), not yet saved."""
    fields = common_fields(raw, application, kind, scope, user, family, now, acted_by)
    return RefreshToken(**fields, family_started=family_started or now, parent=parent, expires=expires)


# The digest of a session row that stands for a session without a refresh token: it names no
# key, so no presented token can ever match it (digests.candidates all start "hmac-sha256$").
UNISSUED = "unissued"


def issue_session_without_refresh(
    application: Application, *, kind: str, scope: str, user, acted_by, family: uuid.UUID, now: datetime
) -> Issued:
    """A session of one access token and no refresh token (Login as user), listed and revocable in the admin.

    The session is a refresh-table row whose token was never generated (digest UNISSUED$family),
    expiring with the access token: the admin's sessions view, its counts and revocation by
    family then work for it as for any session, and the client gets no refresh token. The
    access token takes the kind's format like any other (a signed one names the staff member
    in `act`). Not announced here: the caller (the code redemption) announces it.
    """
    fmt = formats.for_kind(kind)
    access_raw, access = fmt.issue(
        application, kind=kind, scope=scope, user=user, family=family, now=now, acted_by=acted_by
    )
    anchor = new_refresh("", application, kind, scope, user, family, now, access.expires, acted_by=acted_by)
    anchor.digest = f"{UNISSUED}${family.hex}"
    if fmt.stored:
        statements.insert_all(anchor, access)
    else:
        statements.insert(anchor)
    return Issued.of(access_raw, access, now=now, scope=scope)


def exchange(
    raw_subject: str | None, application: Application, *, scope: str, grant_type: str | None, ip: str | None
) -> Issued | None:
    """A trusted-user token for a live user token of `application`, or None; announced as token_issued.

    A stored subject's row is locked while the trusted token is inserted, so a concurrent
    revocation of the subject or its session either waits for this insert (and then revokes
    it too) or wins first (and this answers None). A signed subject has no row: a revocation
    landing after this reaches the exchanged token through its jti and sid.
    """
    fmt = formats.for_token(raw_subject)
    if fmt is None:
        return None
    with transaction.atomic() if fmt.stored else nullcontext():
        subject = fmt.live(raw_subject, lock=True)
        if (
            subject is None
            or subject.application_id != application.pk
            or subject.kind != TokenKind.USER
            # A limited (Login-as) right never becomes a trusted one (spec: Login as user).
            or scopes.USER_LIMITED in scopes.implied(subject.scope)
        ):
            return None
        issued = _mint(application, kind=TokenKind.TRUSTED_USER, scope=scope, user=subject.user, subject=subject)
    announce_issued(issued, application, grant_type=grant_type, ip=ip)
    return issued
