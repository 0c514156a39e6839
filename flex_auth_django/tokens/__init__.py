"""The token service: the one place tokens are issued, looked up, rotated and revoked.

Grants, views and the DRF classes call these functions and never touch the token tables
themselves, so the transactional rules live here only: issuing.py mints (and announces),
rotation.py rotates refresh tokens, revocation.py revokes (and announces), presented.py
finds the live token behind a presented string, lookup.py finds stored rows by digest,
codes.py mints and redeems Login-as codes. formats/ holds the two access-token formats
(opaque rows, signed RFC 9068 JWTs) behind one interface; standing.py holds the
revocations of signed tokens per process and remembered.py opaque token rows, kept true by the
shared change log (state/), with the database as the record of truth.
scopes.py and kinds.py are the access model: which scopes and token kinds exist.
"""

from __future__ import annotations

from .codes import issue_code, login_as_scope, redeem_code
from .formats.signed import SignedAccessToken
from .issuing import Issued, access_lifetime, exchange, issue
from .lookup import find_access, find_refresh
from .presented import introspect, live_access
from .revocation import ANY_USER, revoke_family, revoke_for, revoke_session, revoke_sessions, revoke_token
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
    "revoke_sessions",
    "revoke_token",
]
