"""The Login-as intent: what the admin button records in the staff member's session, and authorize-as takes.

An intent names the staff member, the user, the application and an expiry (about 60 s).
authorize-as issues a code only against a matching, unexpired intent, so a page on
another site cannot start a login-as with a link to authorize-as (the request is a plain
GET that carries the admin's session cookie). Each intent is used once.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass

from django.http import HttpRequest

from ..settings import flex_settings

SESSION_KEY = "_flex_login_as_intents"
# A few tabs at once; older intents are dropped first.
MAX_PENDING = 5


@dataclass(frozen=True)
class Intent:
    staff: str  # primary keys as text (any AUTH_USER_MODEL key type)
    user: str
    client_id: str
    expires: float  # a Unix time
    nonce: str

    def matches(self, staff_key: str, user_id: str | None, client_id: str) -> bool:
        return self.staff == staff_key and self.user == user_id and self.client_id == client_id


def _pending(request: HttpRequest) -> list[Intent]:
    raw = request.session.get(SESSION_KEY)
    if not isinstance(raw, list):
        return []
    found = []
    for item in raw:
        try:
            found.append(Intent(**item))
        except TypeError:
            continue  # written by another version: ignore it
    return found


def _store(request: HttpRequest, intents: list[Intent]) -> None:
    request.session[SESSION_KEY] = [asdict(intent) for intent in intents[-MAX_PENDING:]]


def record(request: HttpRequest, *, staff_key: str, user_key: str, client_id: str, now: float | None = None) -> Intent:
    """Remember that the signed-in staff member asked to log in as `user_key` through `client_id`."""
    now = time.time() if now is None else now
    live = [i for i in _pending(request) if i.expires > now and not (i.user == user_key and i.client_id == client_id)]
    intent = Intent(staff_key, user_key, client_id, now + flex_settings.LOGIN_AS_INTENT_LIFETIME, secrets.token_hex(8))
    _store(request, [*live, intent])
    return intent


def take(
    request: HttpRequest, *, staff_key: str, user_id: str | None, client_id: str, now: float | None = None
) -> tuple[Intent | None, str]:
    """The matching intent, removed from the session; or (None, why there is none)."""
    now = time.time() if now is None else now
    pending = _pending(request)
    matching = [i for i in pending if i.matches(staff_key, user_id, client_id)]
    if not matching:
        return None, "No login-as request for this user was started from the admin in this session."
    intent = matching[-1]
    _store(request, [i for i in pending if i is not intent and i.expires > now])
    if intent.expires <= now:
        return None, "The login-as request has expired; press “Log in as user” in the admin again."
    return intent, ""
