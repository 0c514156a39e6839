"""Opaque access tokens: a random string with our prefix; only its keyed digest is stored, in an AccessToken row."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from ...models import AccessToken
from ...state import sync
from .. import generate, kinds, remembered, standing
from ..kinds import OPAQUE
from ..lookup import by_digest, find_access
from ..rows import common_fields, revoke_all
from . import signed


class OpaqueFormat:
    """formats.base.AccessTokenFormat for opaque tokens: one row each, found by one indexed query."""

    name = OPAQUE
    stored = True

    def owns(self, raw: str | None) -> bool:
        return generate.looks_like(raw, generate.ACCESS_PREFIX)

    def issue(
        self,
        application,
        *,
        kind,
        scope,
        user,
        family,
        now: datetime,
        not_after=None,
        subject=None,
        acted_by=None,
        seed: str | None = None,
    ) -> tuple[str, AccessToken]:
        raw = generate.derived(generate.ACCESS_PREFIX, seed, "successor-access") if seed else generate.access_token()
        expires = now + timedelta(seconds=kinds.lifetime(kinds.kind(kind)))
        if not_after is not None:
            expires = min(expires, not_after)
        fields = common_fields(raw, application, kind, scope, user, family, now, acted_by)
        row = AccessToken(**fields, subject=subject, expires=expires)
        return raw, row

    def live(self, raw: str | None, *, lock: bool = False) -> AccessToken | None:
        if not self.owns(raw):
            return None
        # The row held in memory (remembered.py); locked, always the database's.
        token = by_digest(AccessToken, raw, ("application", "user"), for_update=True) if lock else remembered.find(raw)
        return token if token is not None and token.is_live() else None

    def owned(self, raw: str | None) -> AccessToken | None:
        return find_access(raw)

    def revoke(self, token: AccessToken, now: datetime) -> int:
        """The row and the trusted tokens exchanged from it; signed ones name it in their jti (a<pk>)."""
        count = revoke_all(AccessToken.objects.filter(Q(pk=token.pk) | Q(subject_id=token.pk)), now)
        if count:
            sync.publish(remembered.token_revoked(token.pk))  # the rows held by every process
        if count and signed.verifiable():
            standing.record(token.application_id, {signed.subject_ref(token): token.expires})
        return count

    def replay(self, seed: str, key_index: int) -> tuple[str, AccessToken | None]:
        raw = generate.derived(generate.ACCESS_PREFIX, seed, "successor-access", key_index)
        return raw, by_digest(AccessToken, raw)
