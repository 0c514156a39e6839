"""The identity-provider login service: which provider, is the token genuine, which user.

The endpoint (grants/idp_login.py) calls `account_key()` before anything is verified (to
throttle) and then `authenticate()`. Every refusal is a TokenRejected whose reason only
the audit log sees, so a caller cannot tell a bad token from an account nobody matches.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .facebook import verify_access_token
from .identity import Identity, TokenRejected
from .matching import burn, match
from .models import IdentityProvider, IdpKind
from .oidc import unverified_subject, verify_id_token


def find_provider(idp_id: str, idp_client_id: str) -> IdentityProvider | None:
    """The active provider `idp_id`, if `idp_client_id` is its client ID or one of its trusted IDs."""
    provider = IdentityProvider.objects.filter(idp_id=idp_id, is_active=True).first()
    if provider is None or idp_client_id not in provider.client_ids:
        return None
    return provider


def verify(provider: IdentityProvider, token: str) -> Identity:
    if provider.kind == IdpKind.FACEBOOK:
        return verify_access_token(provider, token)
    return verify_id_token(provider, token)


def account_key(idp_id: str, token: str) -> str:
    """The IdP account a token claims to be (unverified), for the per-account throttle.

    An ID token names its `sub`; a Facebook token is opaque, so the token itself (hashed)
    stands for its account.
    """
    subject = unverified_subject(token)
    if subject is not None:
        return f"{idp_id}\0sub\0{subject}"
    return f"{idp_id}\0token\0{hashlib.sha256(token.encode('utf-8', 'surrogatepass')).hexdigest()}"


def authenticate(idp_id: str, idp_client_id: str, token: str) -> Any:
    """The user the token signs in; raises TokenRejected, or ProviderUnreachable (no verdict)."""
    provider = find_provider(idp_id, idp_client_id)
    if provider is None:
        burn()
        raise TokenRejected("unknown_idp")
    try:
        identity = verify(provider, token)
    except TokenRejected:
        burn()
        raise
    user = match(provider, identity)
    if user is None:
        raise TokenRejected("no_match")
    return user
