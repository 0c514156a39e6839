"""The shared change log: what changed (a revocation, an application's state), in the revocation cache.

One counter key holds the log's head; each append takes the next number with an atomic
INCR and stores its changes under that number for ENTRY_TTL seconds. A process reads the
head (one GET) once per interval, and only when it moved, the entries since its position
(one GET_MANY). The counter starts at a random point of a huge range, so a cache that was
flushed or restarted (or evicted the counter) starts a sequence no reader mistakes for the
old one: its position is far from the new head, and it reloads everything instead.

Only Django's cache API is used (incr, add, get, get_many, set), so any shared backend
works; Redis is what production uses.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.cache import caches

from ..settings import flex_settings

_HEAD = "flex:state:head"
_ENTRY = "flex:state:log:"
# Seconds an entry stays readable: a process further behind than that (or than MAX_BEHIND
# entries) reloads all it holds from the database instead of replaying the log.
ENTRY_TTL = 3600
MAX_BEHIND = 1000
# Where a new sequence starts: anywhere in [2**40, 2**60), far from any other sequence.
_START_LOW, _START_SPAN = 2**40, 2**60 - 2**40


def cache_alias() -> str:
    """The cache shared by every worker and host: REVOCATION_CACHE, else THROTTLE_CACHE."""
    return flex_settings.REVOCATION_CACHE or flex_settings.THROTTLE_CACHE


def _cache():
    return caches[cache_alias()]


Change = tuple[Any, ...]


def append(changes: list[Change]) -> int:
    """Add `changes` as one entry; returns its number. Raises whatever the cache raises."""
    cache = _cache()
    try:
        number = cache.incr(_HEAD)
    except ValueError:  # no head yet (a new or flushed cache): start a sequence of our own
        _start(cache)
        number = cache.incr(_HEAD)
    cache.set(f"{_ENTRY}{number}", changes, ENTRY_TTL)
    return number


def _start(cache) -> int | None:
    """Start a sequence unless another process just did (add is atomic); its head."""
    cache.add(_HEAD, _START_LOW + secrets.randbelow(_START_SPAN), None)
    value = cache.get(_HEAD)
    return value if isinstance(value, int) else None


def head() -> int | None:
    """The number of the newest entry, None when the cache holds no log."""
    value = _cache().get(_HEAD)
    return value if isinstance(value, int) else None


def read(position: int | None) -> tuple[int | None, list[Change] | None]:
    """(the head, the changes after `position`), or (the head, None) when they cannot all be
    read: no position yet, a new sequence, too far behind, or an entry missing (expired, or
    numbered but not yet written). None means: forget everything and reload. Raises whatever
    the cache raises (the caller then asks the database)."""
    current = head()
    if current is None:
        # No log yet (nothing announced since the cache started) or a flushed one: a reader
        # starts the sequence itself, so that it has a position to keep. Without one, a site
        # where nothing was ever announced would forget all it holds on every read, and a
        # flush could not be told from "still no log".
        return _start(_cache()), None
    if position is None:
        return current, None
    if current == position:
        return current, []
    if current < position or current - position > MAX_BEHIND:
        return current, None
    keys = [f"{_ENTRY}{number}" for number in range(position + 1, current + 1)]
    found = _cache().get_many(keys)
    if len(found) != len(keys):
        return current, None
    changes: list[Change] = []
    for key in keys:
        entry = found[key]
        if not isinstance(entry, list):
            return current, None
        changes.extend(entry)
    return current, changes
