"""Client secrets imported hashed from django-oauth-toolkit: Django password hashes, until first use.

DOT (hash_client_secret=True, its default) keeps `make_password(secret)`; that cannot become
our digest without the secret, so flex_adopt_dot stores the hash as it is, and this verifier
(registered into applications.secrets) checks it the way DOT does; the first success
re-stores the secret as our digest. The stored value names its hasher, as ours names its
algorithm.
"""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, identify_hasher

from ..tokens.digests import ALGORITHM


def is_dot_hash(stored: str) -> bool:
    """True for a Django password hash (a DOT-hashed secret), False for our digests and the empty value."""
    if not stored or stored.startswith(f"{ALGORITHM}$"):
        return False
    try:
        identify_hasher(stored)
    except ValueError:
        return False
    return True


class DotHashedSecret:
    """applications.secrets.SecretVerifier for DOT's hashed secrets (OAuth2Validator._check_secret's check)."""

    def handles(self, stored: str) -> bool:
        return is_dot_hash(stored)

    def verify(self, secret: str, stored: str) -> bool:
        return check_password(secret, stored)  # constant time in the hasher
