"""Access tokens as clients present them: the live one behind a string, and RFC 7662 introspection."""

from __future__ import annotations

from ..models import AccessToken, Application
from . import formats, issuer
from .formats.signed import SignedAccessToken


def live_access(raw: str | None) -> AccessToken | SignedAccessToken | None:
    """The access token for `raw` if it may be used right now, else None.

    Opaque: its row from memory, one indexed query the first time. Signed: verified here, then
    checked against the revocations and application this process holds (no round trip).
    """
    fmt = formats.for_token(raw)
    return fmt.live(raw) if fmt is not None else None


def introspect(raw: str | None, application: Application, *, any_application: bool = False) -> dict[str, object]:
    """RFC 7662 section 2.2: details of a live access token, else only {"active": false}."""
    access = live_access(raw)
    if access is None or not (any_application or access.application_id == application.pk):
        return {"active": False}
    info: dict[str, object] = {
        "active": True,
        "scope": access.scope,
        "client_id": access.application.public_client_id,
        "token_type": "access_token",
        "exp": int(access.expires.timestamp()),
        "iat": int(access.created.timestamp()),
        # A signed token's own `iss`; an opaque one's the issuer this request is answered with.
        "iss": access.claims["iss"] if isinstance(access, SignedAccessToken) else issuer.current(),
    }
    if access.user_id is not None:
        info["sub"] = str(access.user_id)
    if access.acted_by_id is not None:  # Login as user: the staff member acting (RFC 8693 section 4.1)
        info["act"] = {"sub": str(access.acted_by_id)}
    return info
