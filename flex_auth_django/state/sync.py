"""This process's place in the shared change log, and whether its memory may answer right now.

The hot paths (applications by client ID, revoked signed tokens, opaque token rows) ask
`fresh()` before using what they hold. At most once per STATE_REFRESH_INTERVAL it reads
the log (log.py): one GET when nothing changed. Changes are handed to the registered
holders, which drop or mark what they hold; when the log cannot be replayed (first read,
a flushed cache, too far behind) every holder forgets everything and reloads lazily from
the database, and so it does every FULL_RELOAD_AFTER seconds in any case, which bounds the
effect of any change that never reached the log.

When the shared cache cannot be reached, `fresh()` is False until a read succeeds again,
at most one attempt per interval: meanwhile each request asks the database (fail closed),
and the first good read makes every holder forget what it held, since changes made
meanwhile may be in the database only.

`publish()` is the writer's side: the change applies in this process at once, goes to the
log now, and again after the surrounding transaction commits (so no process reloads the
state from before the commit and keeps it). The database write always comes first and
stays the record: no revocation depends on any process's memory or on the log.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from django.db import transaction

from ..settings import flex_settings, on_reload
from . import log
from .log import Change

logger = logging.getLogger("flex_auth_django")

# Seconds after which a process forgets all it holds even if the log says nothing changed.
FULL_RELOAD_AFTER = 300.0
# Changes kept for a retry while the shared cache cannot take them (beyond: the oldest go;
# every process reloads within FULL_RELOAD_AFTER, and the database has them all).
MAX_PENDING = 10_000


class Holder(Protocol):
    """Something a process keeps in memory for a hot path."""

    def apply(self, change: Change) -> None:
        """Drop or mark what `change` makes stale (changes are tuples whose first item names their kind)."""
        ...

    def forget(self) -> None:
        """Drop everything (reloaded lazily from the database)."""
        ...


_holders: list[Holder] = []
_lock = threading.Lock()


class _Place:
    position: int | None = None
    next_read = 0.0  # time.monotonic()
    reloaded = 0.0
    degraded = False
    pending: list[Change] = []


_place = _Place()


def register(holder: Holder) -> Holder:
    if holder not in _holders:
        _holders.append(holder)
    return holder


def fresh() -> bool:
    """Whether memory may answer now; False while the shared cache is unreachable (ask the database)."""
    if time.monotonic() < _place.next_read:
        return not _place.degraded
    return _read()


def _read() -> bool:
    with _lock:
        now = time.monotonic()
        if now < _place.next_read:
            return not _place.degraded
        interval = flex_settings.STATE_REFRESH_INTERVAL
        try:
            if _place.pending:
                log.append(list(_place.pending))
                _place.pending = []
            position, changes = log.read(_place.position)
        except Exception as exc:  # noqa: BLE001 - any cache backend error: the database answers meanwhile
            if not _place.degraded:
                logger.warning("state cache unavailable, checking the database on each request: %s", type(exc).__name__)
            _place.degraded = True
            _place.next_read = now + interval
            return False
        if changes is None or _place.degraded or now - _place.reloaded >= FULL_RELOAD_AFTER:
            _forget_all()
            _place.reloaded = now
        else:
            for change in changes:
                _apply(change)
        _place.position = position
        _place.degraded = False
        _place.next_read = now + interval
        return True


def _apply(change: Change) -> None:
    for holder in _holders:
        holder.apply(change)


def _forget_all() -> None:
    for holder in _holders:
        holder.forget()


def publish(*changes: Change) -> None:
    """Announce changes already written to the database: here at once, elsewhere within the interval."""
    if not changes:
        return
    _announce(changes)
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _announce(changes))


def _announce(changes: tuple[Change, ...]) -> None:
    for change in changes:
        _apply(change)
    try:
        log.append(list(changes))
    except Exception as exc:  # noqa: BLE001 - any cache backend error: retried on the next read
        logger.error("state cache unavailable while announcing a change: %s", type(exc).__name__)
        with _lock:
            _place.pending = (_place.pending + list(changes))[-MAX_PENDING:]


@on_reload
def reset() -> None:
    """Forget the place and everything held (settings changed; tests start from here)."""
    with _lock:
        _place.position = None
        _place.next_read = 0.0
        _place.reloaded = 0.0
        _place.degraded = False
        _place.pending = []
    _forget_all()
