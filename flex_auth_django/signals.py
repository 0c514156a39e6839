"""Signals sent where token events happen. Receivers get ids, never secrets or tokens.

token_issued(application, kind, user, grant_type, family, ip)
token_refreshed(application, kind, user, family, replayed, ip)
refresh_reuse_detected(application, user, family, ip)
token_revoked(application, user, family, what, ip)  what: "session", "access_token", "application", "user"
auth_failed(reason, error, status, endpoint, client_id, username, grant_type, ip)
    sent once per refused request by the token, revoke and introspect views; client_id,
    username and grant_type are what the client claimed (username for receivers to mask,
    never to log raw); reason says why, e.g. "unknown_client", "client_secret", "password"
identity_linked(provider, user, how)
    an identity-provider account was linked to a user; how is "email" (a verified-email
    match at login) or "signup" (current_user/create_with_idp)
user_created_with_idp(user, provider, public_data, private_data, protected_data)
    current_user/create_with_idp created `user` (sender: the user model), linked to an
    account of `provider`. The three are the body's publicData, privateData and
    protectedData as parsed (JSON objects, {} when absent, each at most 50,000 characters
    of JSON; with a Transit parser also its types): store them where the site keeps
    profiles. Sent inside the sign-up's transaction: what a receiver writes commits or
    rolls back with the user, and a receiver that raises
    flex_auth_django.idp.signup.SignupRefused (or a subclass with its own status, code and
    title) refuses the sign-up with that JSON:API error and creates nobody.
login_as_started(application, user, staff, family, ip, client_ip)
    a staff member started a Login-as session as `user` (the code was redeemed); `ip` is the
    staff member's address at authorize-as, `client_ip` the marketplace server's at the token
    endpoint. Listen to it to tell the user, for instance.
code_reuse_detected(application, user, staff, ip)
    a Login-as authorization code was presented again: the session it started was revoked
throttled(scope, endpoint, client_id, username, grant_type, ip)
    sent instead of auth_failed when a request is refused with 429; scope names the
    counter: "account_ip", "account", "ip", "client", "idp_account_ip" or "idp_account"
"""

from django.dispatch import Signal

token_issued = Signal()
token_refreshed = Signal()
refresh_reuse_detected = Signal()
token_revoked = Signal()
auth_failed = Signal()
throttled = Signal()
identity_linked = Signal()
user_created_with_idp = Signal()
login_as_started = Signal()
code_reuse_detected = Signal()
