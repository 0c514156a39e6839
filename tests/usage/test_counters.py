"""The in-process counters: fork-safe, a timer started lazily once per process, counts kept when a write fails."""

from __future__ import annotations

import os
import threading

import pytest

from flex_auth_django.usage import counters as module
from flex_auth_django.usage.counters import Counters


class Recording(Counters):
    def __init__(self) -> None:
        super().__init__()
        self.flushed = threading.Event()
        self.taken: list[dict] = []

    def flush(self) -> int:
        self.taken.append(self.take())
        self.flushed.set()
        return len(self.taken[-1])


def test_a_forked_child_starts_from_nothing_and_the_parent_keeps_its_counts():
    counters = module.counters
    counters.take()
    counters.add(1, None, "marketplace", "issued", "client_credentials")
    pid = os.fork()
    if pid == 0:  # the child: the parent's pending count is the parent's to write
        os._exit(0 if counters.pending() == 0 and counters._pid is None else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert counters.pending() == 1
    counters.take()


def test_the_timer_starts_on_the_first_count_once_per_process(settings):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "USAGE_FLUSH_INTERVAL": 1}
    counters = Recording()
    try:
        assert counters._thread is None  # nothing runs before the first count (gunicorn forks after import)
        counters.add(1, None, "marketplace", "issued", "password")
        thread = counters._thread
        assert thread is not None and thread.daemon and thread.is_alive()
        counters.add(1, None, "marketplace", "issued", "password")
        assert counters._thread is thread  # one timer per process
        assert counters.flushed.wait(30), "the timer never flushed"
        assert sum(sum(t.values()) for t in counters.taken) == 2
    finally:
        counters.stop()


def test_no_timer_when_the_interval_is_zero(settings):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "USAGE_FLUSH_INTERVAL": 0}
    counters = Recording()
    counters.add(1, None, "marketplace", "issued", "password")
    assert counters._thread is None and counters.pending() == 1


@pytest.mark.django_db
def test_a_failed_write_keeps_the_counts_for_the_next_flush(monkeypatch):
    from flex_auth_django.usage import store

    counters = Counters()
    counters.add(1, None, "marketplace", "issued", "password")

    def down(counts):
        raise ConnectionError("database down")

    monkeypatch.setattr(store, "write", down)
    assert counters.flush() == 0
    assert counters.pending() == 1  # given back, not lost
    monkeypatch.undo()
    assert counters.flush() == 1 and counters.pending() == 0
