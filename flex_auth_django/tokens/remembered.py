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

from ..db import instances
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
    """digest -> (row values, user values or None, what it belongs to, when it was stored).

    A change is not looked for among the rows (that would cost each process a scan per
    logout): it is marked, by what it names, with the next number of a local counter, and a
    row stored before a mark on anything it belongs to is dropped when it is next presented.
    Marks outlive no row they could concern: past MAX_MARKS, rows and marks go together.
    """

    MAX_MARKS = 50_000

    def __init__(self) -> None:
        self.rows = BoundedLRU(lambda: flex_settings.ACCESS_TOKEN_CACHE_SIZE)
        self.marks: dict[tuple[str, Any], int] = {}
        self.counter = 0
        self.floor = 0  # rows read before the last time everything was dropped are never stored
        self.lock = threading.Lock()

    def apply(self, change: Change) -> None:
        kind = change[0]
        if kind in (TOKEN, FAMILY, USER):
            names = [(kind, change[1])]
        elif kind == held_applications.APP:
            names = [(kind, client_id) for client_id in change[1:] if client_id]
        else:
            return
        with self.lock:
            self.counter += 1
            if len(self.marks) + len(names) > self.MAX_MARKS:
                self._drop_all()
            for name in names:
                self.marks[name] = self.counter

    def forget(self) -> None:
        with self.lock:
            self.counter += 1
            self._drop_all()

    def _drop_all(self) -> None:
        self.floor = self.counter
        self.marks.clear()
        self.rows.clear()

    def stale(self, belongs: tuple, stored: int) -> bool:
        if stored <= self.floor:
            return True
        marks = self.marks
        return any(marks.get(name, 0) >= stored for name in belongs)


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
        if not _held.stale(entry[2], entry[3]):
            return _build(entry)
        _held.rows.pop(key)
    stored = _held.counter + 1  # a change marked from now on (even while the query runs) is newer
    token = by_digest(AccessToken, raw, ("application", "user"))
    if token is None:
        return None
    application = token.application
    user = token.user if token.user_id is not None else None
    belongs = [(TOKEN, token.pk)]
    if token.subject_id is not None:
        belongs.append((TOKEN, token.subject_id))
    if token.family:
        belongs.append((FAMILY, str(token.family)))
    if token.user_id is not None:
        belongs.append((USER, str(token.user_id)))
    client_ids = held_applications.change_of(application)[1:]
    belongs += [(held_applications.APP, client_id) for client_id in client_ids if client_id]
    entry = (
        _values(token, _FIELDS),
        _values(user, _user_fields()) if user is not None else None,
        tuple(belongs),
        stored,
        client_ids[0],
    )
    with _held.lock:
        if not _held.stale(entry[2], stored):
            _held.rows.put(key, entry)
    return token


def _build(entry: tuple[Any, ...]) -> AccessToken | None:
    values, user_values, _, _, client_id = entry
    application = held_applications.find(client_id)
    if application is None:
        return None
    token = instances.from_values(AccessToken, router.db_for_read(AccessToken), _FIELDS, values)
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
