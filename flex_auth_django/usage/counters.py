"""Counting in process memory: one dict increment under a lock per event; a timer per process writes them.

Nothing here touches the database on a request. Each process keeps its own counts, keyed by
the minute they happened in, and a daemon thread hands them to `store.write()` every
USAGE_FLUSH_INTERVAL seconds (one upsert for everything counted since the last flush), and
once more at exit. The timer starts lazily, on the first count in a process: threads made
before gunicorn forks its workers (`--preload`) do not survive the fork, so a worker starts
its own, and `os.register_at_fork` gives the child empty counts and a fresh lock (the
parent's pending counts are the parent's to write).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from ..settings import flex_settings

logger = logging.getLogger("flex_auth_django")

# (minute as epoch seconds, application pk or None, claimed client ID or None, API type,
#  event, detail, ip tag): a refusal names the client ID it claimed; store.write() resolves it.
Key = tuple[int, int | None, str | None, str, str, str, str]

# Counts kept when writes keep failing (the database is down): beyond this many keys, the
# oldest are dropped rather than growing without bound.
MAX_PENDING_KEYS = 50_000


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[Key, int] = {}
        self._pid: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(
        self,
        application_pk: int | None,
        client_id: str | None,
        api_type: str,
        event: str,
        detail: str = "",
        ip_tag: str = "",
    ) -> None:
        """Count one event now. The whole per-request cost of the counters."""
        key = (int(time.time()) // 60 * 60, application_pk, client_id, api_type, event, detail, ip_tag)
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1
        if self._pid is None:  # the first count in this process (a fork resets it: _after_fork_in_child)
            self._start()

    def take(self) -> dict[Key, int]:
        """Everything counted since the last take, and start again from nothing."""
        with self._lock:
            counts, self._counts = self._counts, {}
        return counts

    def give_back(self, counts: dict[Key, int]) -> None:
        """Counts a failed write could not store: kept for the next flush (bounded)."""
        with self._lock:
            for key, n in counts.items():
                self._counts[key] = self._counts.get(key, 0) + n
            excess = len(self._counts) - MAX_PENDING_KEYS
            if excess > 0:
                for key in sorted(self._counts)[:excess]:
                    del self._counts[key]

    def pending(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def flush(self) -> int:
        """Write what was counted (one upsert); returns the number of aggregate rows written."""
        from . import store

        counts = self.take()
        if not counts:
            return 0
        try:
            return store.write(counts)
        except Exception as exc:  # noqa: BLE001 - a flush must never kill its thread or the process's exit
            logger.warning("event=usage_flush_failed error=%s", type(exc).__name__)
            self.give_back(counts)
            return 0
        finally:
            store.release_connection()

    # -- the timer ------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()  # the timer belongs to this pid: see _at_exit
        interval = flex_settings.USAGE_FLUSH_INTERVAL
        if not interval:
            return  # no timer: the site (or a test) calls usage.flush() itself
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(interval, self._stop), name="flex-usage-flush", daemon=True
        )
        self._thread.start()
        atexit.register(self._at_exit)

    def _run(self, interval: float, stop: threading.Event) -> None:
        while not stop.wait(interval):
            self.flush()

    def _at_exit(self) -> None:
        if self._pid != os.getpid():
            return  # registered by the parent before a fork: its counts are not ours
        self._stop.set()
        self.flush()

    def _after_fork_in_child(self) -> None:
        self._lock = threading.Lock()
        self._counts = {}
        self._pid = None
        self._thread = None

    def without_timer(self) -> None:
        """Never start a timer in this process (tests; a site that calls flush() itself)."""
        with self._lock:
            self._pid = os.getpid()

    def stop(self) -> None:
        """Stop this process's timer (tests); counts stay until the next flush."""
        self._stop.set()
        self._pid = None


counters = Counters()
os.register_at_fork(after_in_child=counters._after_fork_in_child)


def flush() -> int:
    """Write this process's counts now (the timer does it every USAGE_FLUSH_INTERVAL seconds)."""
    return counters.flush()
