"""An authentication backend that signs users in by email (the password grant's `username`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from . import accounts

# The database's fold, for keys (re-exported: the throttle's keys live in accounts).
simple_upper = accounts.simple_upper
fold_like_lookup = accounts.fold_like_lookup


class EmailBackend(ModelBackend):
    """ModelBackend keyed on a case-insensitive email instead of USERNAME_FIELD.

    Like ModelBackend, it runs the password hasher when no single user matches, so an
    unknown email takes as long as a wrong password. A blank email never matches, and an
    email two accounts share matches neither: with ModelBackend listed beside it in
    AUTHENTICATION_BACKENDS, such users still sign in by username (README).

    `account_lookup()` tells the throttle (flex_auth_django.accounts) how it looks a name
    up; the throttle runs that lookup with the other backends' in one query before any
    hash, and `authenticate()` then reuses the result, so a login still costs one query.

    The case-insensitive match (UPPER(email) = UPPER(%s)) cannot use a plain index on
    email; on a large user table add an index on Upper("email") to the user model, or use
    a user model whose USERNAME_FIELD is a unique, normalised email.
    """

    def _where(self, email: str) -> Q:
        return Q(**{f"{get_user_model().get_email_field_name()}__iexact": email})

    def lookup(self, email: str) -> list[Any]:
        """Up to two users whose email matches case-insensitively (two: the match is ambiguous).

        A blank email matches no one: users without an email sign in by username (ModelBackend).
        """
        if not email.strip():
            return []
        return list(get_user_model()._default_manager.filter(self._where(email))[: accounts.PER_LOOKUP])

    def account_lookup(self, email: str) -> accounts.Lookup | None:
        """This backend's lookup of `email` for the throttle, with the email folded as the database folds it."""
        if not email.strip():
            return None
        return accounts.Lookup(self._where(email), accounts.folded(email), reused=True)

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username if username is not None else kwargs.get("email")
        if email is None or password is None:
            return None
        account = accounts.current(email)
        found = account.matches(self) if account is not None else None
        matches = list(found) if found is not None else self.lookup(email)
        if len(matches) != 1:
            get_user_model()().set_password(password)  # same hashing cost as a real check
            return None
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
