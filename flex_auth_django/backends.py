"""An authentication backend that signs users in by email (the password grant's `username`)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """ModelBackend keyed on a case-insensitive email instead of USERNAME_FIELD.

    Like ModelBackend, it runs the password hasher when no single user matches, so an
    unknown email takes as long as a wrong password.

    The case-insensitive match (UPPER(email) = UPPER(%s)) cannot use a plain index on
    email; on a large user table add an index on Upper("email") to the user model, or use
    a user model whose USERNAME_FIELD is a unique, normalised email.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username if username is not None else kwargs.get("email")
        if email is None or password is None:
            return None
        User = get_user_model()
        matches = list(User._default_manager.filter(email__iexact=email)[:2])
        if len(matches) != 1:
            User().set_password(password)  # same hashing cost as a real check
            return None
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
