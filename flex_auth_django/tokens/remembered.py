"""Opaque access token rows held per process: a protected API call with an opaque token, without a query.

The row of each opaque access token presented recently (at most ACCESS_TOKEN_CACHE_SIZE,
least recently used first out), with its user, keyed by the token's digest (never the
token itself). Each request gets its own model instances built from the held values; its
application comes from state/applications.py, so an application's change reaches its
tokens with it. Expiry is checked on every use (AccessToken.is_live), so a held row needs
no timer.

What makes a held row stale is announced through the shared change log (state/sync.py)
by the service that did it: a token revoked (and the trusted tokens exchanged from it), a
session (family) revoked, every token of a user revoked or the user saved (deactivated,
deleted), an application changed. This process drops the rows at once, every other within
STATE_REFRESH_INTERVAL. While the shared cache cannot be reached, each request asks the
database.
"""

from __future__ import annotations

import threading
from typing import Any

from django.contrib.auth import get_user_model
from django.db import router

from ..models import AccessToken
from ..settings import flex_settings
from ..state import applications as held_applications
from ..state import sync
from ..state.log import Change
from ..state.lru import BoundedLRU
from . import digests
from .lookup import by_digest

TOKEN, FAMILY, USER = "token", "family", "user"  # (TOKEN, pk), (FAMILY, family), (USER, user pk)
_FIELDS = tuple(f.attname for f in AccessToken._meta.concrete_fields)
_APPLICATION = AccessToken._meta.get_field("application")
_USER = AccessToken._meta.get_field("user")


class _Held:
    """digest -> (row values, user values or None, (pk, subject pk, family, user pk, client IDs))."""

    def __init__(self) -> None:
        self.rows = BoundedLRU(lambda: flex_settings.ACCESS_TOKEN_CACHE_SIZE)
        self.generation = 0
        self.lock = threading.Lock()

    def apply(self, change: Change) -> None:
        kind = change[0]
        if kind == TOKEN:
            pk = change[1]

            def stale(key, entry) -> bool:
                return entry[2][0] == pk or entry[2][1] == pk
        elif kind == FAMILY:
            family = change[1]

            def stale(key, entry) -> bool:
                return entry[2][2] == family
        elif kind == USER:
            user = change[1]

            def stale(key, entry) -> bool:
                return entry[2][3] == user
        elif kind == held_applications.APP:
            client_ids = {client_id for client_id in change[1:] if client_id}

            def stale(key, entry) -> bool:
                return bool(client_ids & set(entry[2][4]))
        else:
            return
        with self.lock:
            self.generation += 1
        self.rows.discard_where(stale)

    def forget(self) -> None:
        with self.lock:
            self.generation += 1
        self.rows.clear()


_held = sync.register(_Held())


def _values(instance, fields: tuple[str, ...]) -> tuple:
    return tuple(getattr(instance, name) for name in fields)


def _user_fields() -> tuple[str, ...]:
    return tuple(f.attname for f in get_user_model()._meta.concrete_fields)


def find(raw: str) -> AccessToken | None:
    """The stored access token for `raw` (live or not) with its application and user: a query the first time."""
    if not sync.fresh() or flex_settings.ACCESS_TOKEN_CACHE_SIZE == 0:
        return by_digest(AccessToken, raw, ("application", "user"))
    key = digests.make(raw)
    entry = _held.rows.get(key)
    if entry is not None:
        return _build(entry)
    generation = _held.generation
    token = by_digest(AccessToken, raw, ("application", "user"))
    if token is None:
        return None
    application = token.application
    user = token.user if token.user_id is not None else None
    entry = (
        _values(token, _FIELDS),
        _values(user, _user_fields()) if user is not None else None,
        (
            token.pk,
            token.subject_id,
            str(token.family) if token.family else None,
            str(token.user_id) if token.user_id is not None else None,
            held_applications.change_of(application)[1:],
        ),
    )
    with _held.lock:
        if generation == _held.generation:
            _held.rows.put(key, entry)
    return token


def _build(entry: tuple[Any, ...]) -> AccessToken | None:
    values, user_values, meta = entry
    application = held_applications.find(meta[4][0])
    if application is None:
        return None
    token = AccessToken.from_db(router.db_for_read(AccessToken), list(_FIELDS), list(values))
    _APPLICATION.set_cached_value(token, application)
    user = None
    if user_values is not None:
        model = get_user_model()
        user = model.from_db(router.db_for_read(model), list(_user_fields()), list(user_values))
    _USER.set_cached_value(token, user)
    return token


def size() -> int:
    """How many rows are held (for tests and the docs' memory bound)."""
    return len(_held.rows)


def token_revoked(pk: int) -> Change:
    return (TOKEN, pk)


def _row_changed(row: AccessToken) -> None:
    sync.publish(token_revoked(row.pk))


if _row_changed not in AccessToken.changed_hooks:
    AccessToken.changed_hooks.append(_row_changed)


def family_revoked(family) -> Change:
    return (FAMILY, str(family))


def user_changed(pk) -> Change:
    return (USER, str(pk))
