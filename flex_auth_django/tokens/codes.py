"""Login-as authorization codes: minted by authorize-as, redeemed once by the authorization_code grant.

Codes are stored only as keyed digests and live LOGIN_AS_CODE_LIFETIME seconds (60). The
one redemption that wins the conditional UPDATE on `redeemed` issues the token in the same
transaction and writes its session family onto the code; any later presentation of the
code (or a concurrent loser) is a replay and revokes that session (RFC 6749 section 4.1.2,
RFC 9700 section 4.2.4).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .. import signals
from ..console import pkce
from ..db import statements
from ..models import Application, AuthorizationCode, TokenKind
from ..protocol.errors import InvalidGrant
from ..settings import flex_settings
from . import digests, generate, kinds
from .issuing import Issued, announce_issued, issue_session_without_refresh
from .lookup import by_digest
from .revocation import revoke_family

_INVALID = "The authorization code is invalid, expired or already used."


def issue_code(application: Application, *, user, staff, redirect_uri: str, code_challenge: str, ip: str | None) -> str:
    """A new single-use code bound to everything authorize-as checked; the raw value, for the redirect only."""
    raw = generate.authorization_code()
    now = timezone.now()
    statements.insert(
        AuthorizationCode(
            digest=digests.make(raw),
            application=application,
            user=user,
            staff=staff,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            ip=ip,
            created=now,
            expires=now + timedelta(seconds=flex_settings.LOGIN_AS_CODE_LIFETIME),
        )
    )
    return raw


def redeem_code(
    raw: str | None,
    application: Application,
    *,
    redirect_uri: str,
    code_verifier: str,
    scope: str,
    ip: str | None,
    grant_type: str | None = "authorization_code",
) -> Issued:
    """The Login-as token for a live code of `application`, exactly once; InvalidGrant otherwise.

    Announces login_as_started (`ip` there is the staff member's address at authorize-as,
    kept on the code; `client_ip` the caller's here, the marketplace's server), then
    token_issued."""
    if not generate.looks_like(raw, generate.CODE_PREFIX):
        raise InvalidGrant(_INVALID, reason="authorization_code")
    code = by_digest(AuthorizationCode, raw, ("user", "staff"))
    if code is None or code.application_id != application.pk:
        raise InvalidGrant(_INVALID, reason="authorization_code")
    if code.redeemed is not None:
        raise _replayed(code, application, ip)
    now = timezone.now()
    if now >= code.expires:
        raise InvalidGrant(_INVALID, reason="authorization_code")
    # RFC 6749 section 4.1.3: the very redirect_uri the code was issued for, as an exact string.
    if redirect_uri != code.redirect_uri:
        raise InvalidGrant("redirect_uri does not match the one the code was issued for.", reason="redirect_uri")
    if not pkce.verifies(code_verifier, code.code_challenge):
        raise InvalidGrant("The code_verifier does not match the code_challenge.", reason="code_verifier")
    if not code.user.is_active or not code.staff.is_active:
        raise InvalidGrant(_INVALID, reason="authorization_code")
    family = uuid.uuid4()
    issued = None
    with transaction.atomic():
        won = statements.update_unset(
            AuthorizationCode, code.pk, {"redeemed": now, "family": family}, unset=("redeemed",)
        )
        if won:
            issued = issue_session_without_refresh(
                application,
                kind=TokenKind.LOGIN_AS,
                scope=scope,
                user=code.user,
                acted_by=code.staff,
                family=family,
                now=now,
            )
    if issued is not None:
        _started(code, application, issued, ip)
        announce_issued(issued, application, grant_type=grant_type, ip=ip)
        return issued
    # A concurrent redemption won: it committed its token with the claim, so it can be revoked.
    code.refresh_from_db(fields=["redeemed", "family"])
    raise _replayed(code, application, ip)


def _started(code: AuthorizationCode, application: Application, issued: Issued, client_ip: str | None) -> None:
    signals.login_as_started.send(
        sender=AuthorizationCode,
        application=application,
        user=code.user,
        staff=code.staff,
        family=issued.access.family,
        ip=code.ip,
        client_ip=client_ip,
    )


def _replayed(code: AuthorizationCode, application: Application, ip: str | None) -> InvalidGrant:
    """A used code again: revoke what it issued and announce it; returns the refusal to raise."""
    if code.family is not None and revoke_family(code.family):
        signals.code_reuse_detected.send(
            sender=AuthorizationCode, application=application, user=code.user, staff=code.staff, ip=ip
        )
    return InvalidGrant(_INVALID, reason="code_reuse")


def login_as_scope() -> str:
    return kinds.issued_scope(kinds.kind(TokenKind.LOGIN_AS))
