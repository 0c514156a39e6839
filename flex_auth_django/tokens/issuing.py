"""Minting tokens: a new session's first pair, a token without a session, a trusted-user exchange,
a Login-as session (one access token, no refresh token)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ..db import statements
from ..models import AccessToken, Application, RefreshToken, TokenKind
from ..settings import flex_settings
from . import access_model, digests, generate
from .formats import signed
from .formats.signed import SignedAccessToken
from .lookup import by_digest


@dataclass(frozen=True)
class Issued:
    """What a token response carries, plus the stored rows.

    `extra` holds grant-specific response members (RFC 8693's `issued_token_type`);
    `replayed` is True when a refresh was answered again within its grace period.
    """

    access_token: str
    expires_in: int
    scope: str
    access: AccessToken | SignedAccessToken
    refresh_token: str | None = None
    refresh: RefreshToken | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    replayed: bool = False

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
    return timedelta(seconds=getattr(flex_settings, access_model.kind(kind).lifetime_setting))


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
    subject: AccessToken | None = None,
) -> Issued:
    """Mint an access token (and, for a new session, its first refresh token).

    A signed access token (signed.format_for) is written nowhere: an anonymous one costs
    no query at all, a token of a new session only its refresh token's INSERT. A token
    exchanged from a signed subject is signed too, so revoking the subject reaches it.
    """
    now = timezone.now()
    family = subject.family if subject is not None else (uuid.uuid4() if with_refresh else None)
    subject_signed = getattr(subject, "format", None) == access_model.SIGNED
    signs = subject_signed or signed.format_for(kind) == access_model.SIGNED
    if signs:
        access_raw, access = signed.mint(
            application,
            kind=kind,
            scope=scope,
            user=user,
            family=family,
            now=now,
            expires=subject.expires if subject is not None else None,
            subject=subject,
        )
    else:
        access_raw = generate.access_token()
        access = new_access(access_raw, application, kind, scope, user, family, now, subject=subject)
    if not with_refresh:
        if not signs:  # one INSERT: atomic on its own, no transaction (or savepoint) around it
            access = statements.insert(access)
        return Issued(access_raw, whole_seconds(access.expires - now), scope, access)
    refresh_raw = generate.refresh_token()
    refresh = new_refresh(refresh_raw, application, kind, scope, user, family, now, refresh_expiry(now, now))
    if signs:
        statements.insert(refresh)
    else:
        statements.insert_all(refresh, access)  # both rows or neither
    return Issued(access_raw, whole_seconds(access.expires - now), scope, access, refresh_raw, refresh)


def _row_fields(raw, application, kind, scope, user, family, now, acted_by=None) -> dict[str, object]:
    """What access and refresh token rows both record."""
    return {
        "digest": digests.make(raw),
        "application": application,
        "user": user,
        "acted_by": acted_by,
        "kind": kind,
        "scope": scope,
        "family": family,
        "created": now,
    }


def new_refresh(raw, application, kind, scope, user, family, now, expires, *, family_started=None, parent=None):
    """A refresh token row of session `family` (a new session starts now), not yet saved."""
    return RefreshToken(
        **_row_fields(raw, application, kind, scope, user, family, now),
        family_started=family_started or now,
        parent=parent,
        expires=expires,
    )


def new_access(raw, application, kind, scope, user, family, now, subject=None, acted_by=None) -> AccessToken:
    """An access token row, not yet saved.

    A token exchanged for a subject token never outlives it (spec: Lifetimes): otherwise
    a subject about to expire could be swapped for a fresh five minutes, again and again.
    """
    expires = now + access_lifetime(kind)
    if subject is not None:
        expires = min(expires, subject.expires)
    return AccessToken(
        **_row_fields(raw, application, kind, scope, user, family, now, acted_by),
        subject=subject,
        expires=expires,
    )


# The digest of a session row that stands for a session without a refresh token: it names no
# key, so no presented token can ever match it (digests.candidates all start "hmac-sha256$").
UNISSUED = "unissued"


def issue_without_refresh(
    application: Application, *, kind: str, scope: str, user, acted_by, family: uuid.UUID, now: datetime
) -> Issued:
    """A session of one access token and no refresh token (Login as user), listed and revocable in the admin.

    The session is a refresh-table row whose token was never generated (digest UNISSUED$family),
    expiring with the access token: the admin's sessions view, its counts and revocation by
    family then work for it as for any session, and the client gets no refresh token.
    """
    access_raw = generate.access_token()
    access = new_access(access_raw, application, kind, scope, user, family, now, acted_by=acted_by)
    anchor = RefreshToken(
        **_row_fields("", application, kind, scope, user, family, now, acted_by),
        family_started=now,
        expires=access.expires,
    )
    anchor.digest = f"{UNISSUED}${family.hex}"
    statements.insert_all(anchor, access)
    return Issued(access_raw, whole_seconds(access.expires - now), scope, access)


def exchange(raw_subject: str | None, application: Application, *, scope: str) -> Issued | None:
    """A trusted-user token for a live user token of `application`, or None.

    The subject row is locked while the trusted token is inserted, so a concurrent
    revocation of the subject or its session either waits for this insert (and then
    revokes it too) or wins first (and this answers None).
    """
    if signed.looks_signed(raw_subject):
        # No row to lock: a revocation of the subject or its session that lands after this
        # reaches the exchanged token through its jti and sid.
        subject = signed.live(raw_subject)
        if subject is None or subject.application_id != application.pk or subject.kind != TokenKind.USER:
            return None
        return issue(application, kind=TokenKind.TRUSTED_USER, scope=scope, user=subject.user, subject=subject)
    if not generate.looks_like(raw_subject, generate.ACCESS_PREFIX):
        return None
    with transaction.atomic():
        subject = by_digest(AccessToken, raw_subject, ("application", "user"), for_update=True)
        if (
            subject is None
            or not subject.is_live()
            or subject.application_id != application.pk
            or subject.kind != TokenKind.USER
            # A limited (Login-as) right never becomes a trusted one (spec: Login as user).
            or access_model.USER_LIMITED in access_model.implied(subject.scope)
        ):
            return None
        return issue(application, kind=TokenKind.TRUSTED_USER, scope=scope, user=subject.user, subject=subject)
