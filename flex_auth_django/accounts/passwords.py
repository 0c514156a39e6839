"""Checking a password under the throttle: resolve the account, charge its counters, hash, settle.

Shared by the password grant and the Django admin's login form (admin/login.py), so
both have the same limits (spec: Throttling). Over a limit TooManyRequests (429) is
raised before any hash runs; the answer is the same for existing and unknown users.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest

from .. import accounts, throttling
from ..db.outages import DATABASE_OUTAGES


def check(request: HttpRequest | None, username: str, password: str, ip: str | None) -> Any | None:
    """The active user `username` and `password` sign in as, or None; 429 (TooManyRequests) over a limit.

    Every configured backend must hash for unknown users too (ModelBackend and
    EmailBackend do; tests/accounts/test_timing.py counts the work), so the time taken does
    not reveal whether the account exists.
    """
    account = accounts.resolve(username)  # every backend's lookup, before the charge; no hash yet
    # Every account the name resolves to is charged. When it resolves to two different users
    # (one's username is the other's email), a success must not start the pairs over: whoever
    # knows one account's password could otherwise reset the other's counter at will.
    guard = throttling.guard_password(account.keys, ip, reset_pairs=len(account.users) < 2)  # 429 before any hash
    try:
        with accounts.resolved(account):
            user = authenticate(request, username=username, password=password)
    except DATABASE_OUTAGES:
        guard.refund()  # an outage is no verdict on the password
        raise
    if user is None or not getattr(user, "is_active", True):
        guard.failed()
        return None
    guard.succeeded()
    return user
