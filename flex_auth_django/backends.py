"""An authentication backend that signs users in by email (the password grant's `username`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from . import accounts

_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def simple_upper(value: str) -> str:
    """Upper case one character at a time, as PostgreSQL's UPPER() does ("ß" stays, "ı" becomes "I")."""
    return "".join(upper if len(upper := c.upper()) == 1 else c for c in value)


def fold_like_lookup(value: str, vendor: str) -> str:
    """`value` folded as the database folds it in `email__iexact`, so equal folds are what that lookup equates.

    PostgreSQL (and Oracle, MySQL) compare UPPER(email) = UPPER(%s), which maps single
    characters ("ı" and "ſ" to "I" and "S", not the Kelvin sign or full-width letters);
    SQLite's LIKE folds ASCII letters only.
    """
    if vendor == "sqlite":
        return value.translate(_ASCII_UPPER)
    return simple_upper(value)


class EmailBackend(ModelBackend):
    """ModelBackend keyed on a case-insensitive email instead of USERNAME_FIELD.

    Like ModelBackend, it runs the password hasher when no single user matches, so an
    unknown email takes as long as a wrong password. A blank email never matches, and an
    email two accounts share matches neither: with ModelBackend listed beside it in
    AUTHENTICATION_BACKENDS, such users still sign in by username (README).

    `resolve_account()` is its lookup, run by the throttle before any hash
    (flex_auth_django.accounts); `authenticate()` then reuses that result, so the
    lookup still costs one query.

    The case-insensitive match (UPPER(email) = UPPER(%s)) cannot use a plain index on
    email; on a large user table add an index on Upper("email") to the user model, or use
    a user model whose USERNAME_FIELD is a unique, normalised email.
    """

    def lookup(self, email: str) -> list[Any]:
        """Up to two users whose email matches case-insensitively (two: the match is ambiguous).

        A blank email matches no one: users without an email sign in by username (ModelBackend).
        """
        if not email.strip():
            return []
        User = get_user_model()
        return list(User._default_manager.filter(email__iexact=email)[:2])

    def resolve_account(self, email: str) -> accounts.Account:
        """The account `email` signs in as: the user when exactly one matches, else the email as the lookup folds it."""
        vendor = connections[router.db_for_read(get_user_model())].vendor
        return accounts.for_matches(email, self.lookup(email), fold_like_lookup(email, vendor))

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username if username is not None else kwargs.get("email")
        if email is None or password is None:
            return None
        account = accounts.current(email)
        matches = list(account.matches) if account is not None and account.matches is not None else self.lookup(email)
        if len(matches) != 1:
            get_user_model()().set_password(password)  # same hashing cost as a real check
            return None
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
