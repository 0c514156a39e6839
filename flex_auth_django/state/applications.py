"""Applications by client ID, held per process: the client lookup of every token request and of
every signed token's check, without a query.

Two things are held. The states (every column of an application, the secret's digest
included) of at most APPLICATION_CACHE_SIZE applications, least recently used first out;
each request gets its own model instance built from them. And the set of every client ID
that exists (one query loads it, when the first client ID that does not exist is presented;
at most KNOWN_CLIENT_IDS_MAX of them), so a client ID
that does not exist is refused without a query and without being stored: an attacker's
random client IDs cost nothing and hold no memory. A site with more applications than that
holds a bounded set of recently refused client IDs instead (UNKNOWN_CLIENT_IDS_CACHE_SIZE),
and a client ID beyond it costs a query again.

An application change of any kind (`changed()`: created, saved, deleted, deactivated,
"revoke all", a new secret) is announced through sync.publish: this process drops its
state at once, every other within STATE_REFRESH_INTERVAL. While the shared cache cannot be
reached, every lookup asks the database.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime

from django.db import router

from ..db import instances, statements
from ..models import Application
from ..protocol import client_ids
from ..settings import flex_settings
from . import sync
from .log import Change
from .lru import BoundedLRU

_FIELDS = tuple(f.attname for f in Application._meta.concrete_fields)
_LAST_USED = _FIELDS.index("last_used")
APP = "app"  # ("app", client ID, imported client ID or None)


def _query(key: str) -> Application | None:
    parsed = client_ids.client_uuid(key)
    if parsed is not None:
        return statements.get(Application, "client_id", parsed)
    return statements.get(Application, "legacy_client_id", key)


class _Applications:
    def __init__(self) -> None:
        self.states = BoundedLRU(lambda: flex_settings.APPLICATION_CACHE_SIZE)
        self.unknown = BoundedLRU(lambda: flex_settings.UNKNOWN_CLIENT_IDS_CACHE_SIZE)
        self.known: set[str] | None = None  # None: not loaded yet
        self.too_many = False  # more applications than KNOWN_CLIENT_IDS_MAX: `unknown` is used instead
        self.generation = 0  # moves on every change: a lookup that raced one is not stored
        self.lock = threading.Lock()

    # -- sync.Holder --------------------------------------------------------------
    def apply(self, change: Change) -> None:
        if change[0] != APP:
            return
        with self.lock:
            self.generation += 1
            for key in change[1:]:
                if key:
                    self.states.pop(key)
                    self.unknown.pop(key)
                    if self.known is not None:
                        self.known.add(key)  # created, or still there: a lookup tells

    def forget(self) -> None:
        with self.lock:
            self.generation += 1
            self.states.clear()
            self.unknown.clear()
            self.known = None
            self.too_many = False

    # -- lookups ------------------------------------------------------------------
    def _load_known(self) -> None:
        generation = self.generation
        limit = flex_settings.KNOWN_CLIENT_IDS_MAX
        rows = list(Application.objects.order_by().values_list("client_id", "legacy_client_id")[: limit + 1])
        known = {str(client_id) for client_id, _ in rows} | {legacy for _, legacy in rows if legacy}
        with self.lock:
            if generation != self.generation:
                return  # a change landed meanwhile: load again on the next lookup
            self.too_many = len(rows) > limit
            self.known = None if self.too_many else known

    def may_exist(self, key: str) -> bool:
        if self.too_many:
            return key not in self.unknown
        known = self.known
        return known is None or key in known  # None: not loaded (or a change raced the load)

    def find(self, key: str) -> Application | None:
        values = self.states.get(key)
        if values is not None:
            return _build(values)
        if not self.may_exist(key):
            return None
        generation = self.generation
        application = _query(key)
        with self.lock:
            if generation == self.generation:
                if application is not None:
                    self.states.put(key, tuple(getattr(application, name) for name in _FIELDS))
                elif self.too_many:
                    self.unknown.put(key, True)
                elif self.known is not None:
                    self.known.discard(key)
        if application is None and self.known is None and not self.too_many:
            # The first client ID that does not exist: from now on, one set tells them apart.
            self._load_known()
        return application

    def used(self, keys: tuple, when: datetime) -> None:
        with self.lock:
            for key in keys:
                values = self.states.get(key) if key else None
                if values is not None:
                    self.states.put(key, (*values[:_LAST_USED], when, *values[_LAST_USED + 1 :]))


def _build(values: tuple) -> Application:
    return instances.from_values(Application, router.db_for_read(Application), _FIELDS, values)


_held = sync.register(_Applications())


def find(client_id: str | None) -> Application | None:
    """The application with this client ID (active or not), or None; a query only the first time.

    A UUID in its canonical form (any letter case); any other string only if it has the
    shape of a client ID imported from django-oauth-toolkit, and then only among those.
    """
    if not sync.fresh():
        key = client_ids.canonical_client_id(client_id)
        return _query(key) if key is not None else None
    values = _held.states.get(client_id)  # held under its canonical form: this one is canonical
    if values is not None:
        return _build(values)
    key = client_ids.canonical_client_id(client_id)
    return _held.find(key) if key is not None else None


def changed(application: Application) -> None:
    """Announce that `application` changed (written already): every process reads it again."""
    sync.publish(change_of(application))


def change_of(application: Application) -> Change:
    client_id = application.client_id
    return (APP, str(client_id) if isinstance(client_id, uuid.UUID) else client_id, application.legacy_client_id)


def used(application: Application) -> None:
    """Application.last_used was just written: the held state follows, so the next request writes nothing."""
    _held.used(change_of(application)[1:], application.last_used)


def sizes() -> dict[str, int]:
    """How much is held (for tests and the docs' memory bound)."""
    known = _held.known
    return {"states": len(_held.states), "unknown": len(_held.unknown), "known": len(known) if known else 0}
