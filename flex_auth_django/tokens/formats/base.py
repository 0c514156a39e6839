"""The access-token format interface (fosite's AccessTokenStrategy): issue, look up, revoke.

Two implementations: opaque.py (a random string; only its digest is stored) and signed.py
(an RFC 9068 JWT, never stored). formats/__init__.py chooses one per token kind, once;
nothing else asks whether a token is signed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..kinds import OPAQUE, SIGNED

if TYPE_CHECKING:
    from ...models import AccessToken, Application
    from .signed import SignedAccessToken

    Token = AccessToken | SignedAccessToken

__all__ = ["OPAQUE", "SIGNED", "AccessTokenFormat"]


class AccessTokenFormat(Protocol):
    name: str
    # Whether a token of this format is a row the caller must save (opaque) or nothing at all (signed).
    stored: bool

    def owns(self, raw: str | None) -> bool:
        """Whether `raw` has this format's shape (cheap: no lookup, no signature check)."""
        ...

    def issue(
        self,
        application: Application,
        *,
        kind: str,
        scope: str,
        user: Any,
        family: uuid.UUID | None,
        now: datetime,
        not_after: datetime | None = None,
        subject: Token | None = None,
        acted_by: Any = None,
        seed: str | None = None,
    ) -> tuple[str, Token]:
        """A new token string and its token object (an unsaved row when `stored`).

        `not_after` caps its expiry (a subject's); `seed` derives an opaque string from a
        refresh token, so that `replay()` can answer with it again.
        """
        ...

    def live(self, raw: str | None, *, lock: bool = False) -> Token | None:
        """The token `raw` if it may be used right now, else None (`lock`: its row, for update)."""
        ...

    def owned(self, raw: str | None) -> Token | None:
        """The token `raw` live or not (expired, revoked), for revocation; None if not one of ours."""
        ...

    def revoke(self, token: Token, now: datetime) -> int:
        """Revoke `token` and what was exchanged from it; how many tokens that ended."""
        ...

    def replay(self, seed: str, key_index: int) -> tuple[str, Token | None] | None:
        """The token issued with `seed` under digest key `key_index`, again; None when this format
        cannot answer with the same token twice (the caller then issues a fresh one)."""
        ...
