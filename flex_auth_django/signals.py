"""Signals sent where token events happen. Receivers get ids, never secrets or tokens.

token_issued(application, kind, user, grant_type, family, ip)
token_refreshed(application, kind, user, family, replayed, ip)
refresh_reuse_detected(application, user, family, ip)
token_revoked(application, user, family, what, ip)  what: "session", "access_token", "application", "user"
auth_failed(reason, client_id, username, ip)     username is passed for receivers to mask, never to log raw
throttled(scope, ip)
"""

from django.dispatch import Signal

token_issued = Signal()
token_refreshed = Signal()
refresh_reuse_detected = Signal()
token_revoked = Signal()
auth_failed = Signal()
throttled = Signal()
