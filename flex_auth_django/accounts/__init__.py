"""Which account a sign-in name resolves to, before its password is checked: the key its throttle counts on.

Spec (Throttling): the per-account counters count on the account the username resolves
to, or, when there is none, on the username folded exactly as the user lookup folds it.
Keying on anything else (Python's lower(), say, where the database compares UPPER())
gives each look-alike spelling that signs in as the user its own budget of guesses.

The resolution is the backend's own lookup, done once: the first configured backend
with a `resolve_account(username)` method (EmailBackend has one) looks the user up, and
during `authenticate()` it finds that result through `current()` instead of querying
again. Without such a backend the username itself is the key: ModelBackend matches
USERNAME_FIELD exactly, so each spelling is its own account anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_backends


@dataclass(frozen=True)
class Account:
    """A username resolved: `key` names the account for the throttle; `matches` is what the lookup found."""

    username: str
    key: str
    matches: tuple[Any, ...] | None = None  # None: not looked up (no resolving backend)

    @property
    def user(self) -> Any | None:
        """The one user the name resolves to, or None (no match, or an ambiguous one)."""
        return self.matches[0] if self.matches is not None and len(self.matches) == 1 else None


def for_matches(username: str, matches: list[Any], folded: str) -> Account:
    """The Account for a lookup's result: the user's primary key when exactly one matched, else the folded name."""
    key = f"user:{matches[0].pk}" if len(matches) == 1 else f"name:{folded}"
    return Account(username, key, tuple(matches))


def resolve(username: str) -> Account:
    """The account `username` signs in as, by the first backend that can resolve names (one lookup)."""
    for backend in get_backends():
        resolver = getattr(backend, "resolve_account", None)
        if resolver is not None:
            return resolver(username)
    return Account(username, f"name:{username}")


_resolved: ContextVar[Account | None] = ContextVar("flex_auth_resolved_account", default=None)


@contextmanager
def resolved(account: Account) -> Iterator[None]:
    """While authenticate() runs: the account already resolved, so the backend need not look it up again."""
    token = _resolved.set(account)
    try:
        yield
    finally:
        _resolved.reset(token)


def current(username: str) -> Account | None:
    """The account resolved for exactly this username in the enclosing `resolved()` block, if any."""
    account = _resolved.get()
    return account if account is not None and account.username == username else None
