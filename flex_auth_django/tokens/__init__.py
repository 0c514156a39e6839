"""The token service: the one place tokens are issued, looked up, rotated and revoked.

Grants, views and the DRF classes call these functions and never touch the token
tables themselves, so the transactional rules live here only: issuing.py mints,
rotation.py rotates refresh tokens, revocation.py revokes (and announces it),
lookup.py finds a presented token by its digest (or verifies a signed one); signed.py
mints and verifies signed (RFC 9068) access tokens, which have no rows; standing.py
keeps their revocations in the shared cache, with the database as the record of truth.
"""

from __future__ import annotations

from .codes import issue_code, login_as_scope, redeem_code
from .formats.signed import SignedAccessToken
from .issuing import Issued, access_lifetime, exchange, issue
from .lookup import find_access, find_refresh, introspect, live_access
from .revocation import ANY_USER, revoke_family, revoke_for, revoke_session, revoke_token
from .rotation import redeem_refresh
from .standing import publish as application_changed

__all__ = [
    "ANY_USER",
    "Issued",
    "SignedAccessToken",
    "application_changed",
    "access_lifetime",
    "exchange",
    "find_access",
    "find_refresh",
    "introspect",
    "issue",
    "issue_code",
    "login_as_scope",
    "live_access",
    "redeem_code",
    "redeem_refresh",
    "revoke_family",
    "revoke_for",
    "revoke_session",
    "revoke_token",
]
