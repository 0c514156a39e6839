"""The security log off the request thread (FLEX_AUTH['AUDIT_ASYNC']).

The thread that logs a record only makes it and appends it to a queue; one listener thread per
process hands it to the logger's own `handle()`, in the order logged. The listener is woken
once per batch, never per record: woken by the first record, it lets the others of the
next BATCH_DELAY gather and writes them together. A wake-up per record (a blocking
queue.get()) costs each request two thread switches, which measured more CPU than the line
itself (bench/hotpaths.py --audit-line, "paced"). So every handler,
filter and formatter a site configured in LOGGING (and propagation to the parent loggers)
sees exactly the records it saw synchronously, with the time, thread and process of the
request that logged them; only the file write, the formatting and the flush leave the request.

Why not LOGGING's QueueHandler: in Python 3.11 dictConfig cannot build its listener, and in
3.12 it starts the listener when LOGGING is configured, which under gunicorn `--preload` is
the master, whose thread the workers do not inherit. Here the listener starts lazily in each
process, at its first record (the record's pid tells a forked worker from its parent), and is
drained at exit (atexit, and multiprocessing's exit hook for its forked children): a process
that exits normally has written every line it queued. Only a process killed outright (SIGKILL,
the OOM killer) loses what was still queued, milliseconds' worth; that is why it is a setting.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable

# Records queued beyond this wait for the listener (back-pressure, never loss): a handler
# slower than the request rate costs the requests what it costs synchronously, no memory.
MAX_QUEUED = 10_000
# Seconds a woken listener waits for more records before writing what it has (flush() and
# stop() cut it short): how far the log file may lag behind the requests.
BATCH_DELAY = 0.05
# Seconds a process at exit waits for its queue to be written before giving up on a stuck handler.
EXIT_TIMEOUT = 10.0

_STOP = object()


class BackgroundLogger:
    """Routes every record of `logger` through a per-process queue while `enabled()` says so.

    Installed by shadowing the logger's `handle()` (the one method every record of a logger
    passes through, whoever logs it), so records logged elsewhere on the same logger keep
    their place in the order.
    """

    def __init__(self, logger: logging.Logger, enabled: Callable[[], bool]) -> None:
        self.logger = logger
        self.enabled = enabled
        self._exit_hook = False  # atexit's registration survives a fork, so it is made once
        self._reset()
        os.register_at_fork(after_in_child=self._reset)
        logger.handle = self.handle  # type: ignore[method-assign]

    def _reset(self) -> None:
        """A fresh state: at start, and in a forked child (the parent's thread is not there, and its
        queued records are the parent's to write)."""
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._pending: deque | None = None
        self._wake = threading.Event()  # set: something is queued
        self._hurry = threading.Event()  # set: a flush() or stop() waits, write without delay
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- the request's side ----------------------------------------------------------------
    def handle(self, record: logging.LogRecord) -> None:
        if self._closed or not self.enabled():
            logging.Logger.handle(self.logger, record)
            return
        pending = self._pending
        if pending is None or (record.process or os.getpid()) != self._pid:
            pending = self._start()
            if pending is None:  # no thread can start (the interpreter is shutting down): write it now
                logging.Logger.handle(self.logger, record)
                return
        if len(pending) >= MAX_QUEUED:
            self.flush()
        pending.append(record)  # deque.append is atomic: no lock, and no thread woken if already
        if not self._wake.is_set():
            self._wake.set()

    def queued(self) -> int:
        """Records (and flush markers) this process has queued and not written yet."""
        pending = self._pending
        return len(pending) if pending is not None and self._pid == os.getpid() else 0

    def _start(self) -> deque | None:
        with self._lock:
            pid = os.getpid()
            if self._pid == pid and self._pending is not None:
                return self._pending
            pending: deque = deque()
            events = (self._wake, self._hurry)  # this process's own, made by _reset()
            thread = threading.Thread(target=self._run, args=(pending, *events), name="flex-audit-log", daemon=True)
            try:
                thread.start()
            except RuntimeError:
                return None
            self._pending, self._thread, self._pid = pending, thread, pid
            if not self._exit_hook:
                atexit.register(self.stop)
                self._exit_hook = True
            multiprocessing = sys.modules.get("multiprocessing")
            if multiprocessing is not None:
                # A multiprocessing child ends with os._exit(), after its finalizers, never atexit.
                from multiprocessing import util

                util.Finalize(None, self.stop, exitpriority=100)
            return pending

    def _enqueue_urgent(self, pending: deque, item: object) -> None:
        pending.append(item)
        self._hurry.set()
        self._wake.set()

    # -- the listener ------------------------------------------------------------------------
    def _run(self, pending: deque, wake: threading.Event, hurry: threading.Event) -> None:
        while True:
            wake.wait()
            hurry.wait(BATCH_DELAY)  # let the records of a busy moment gather: one wake-up for them all
            # Cleared before the queue is read: whatever is appended from now on sets them again.
            wake.clear()
            hurry.clear()
            if self._drain(pending):
                return

    def _drain(self, pending: deque) -> bool:
        """Write what is queued, in order, releasing the flush() calls waiting on their markers;
        True once the stop marker is reached (what follows it is left for stop())."""
        while pending:
            item = pending.popleft()
            if item is _STOP:
                return True
            if isinstance(item, threading.Event):
                item.set()  # a flush() waiting for everything queued before it
            else:
                self._write(item)
        return False

    def _write(self, record: logging.LogRecord) -> None:
        try:
            logging.Logger.handle(self.logger, record)
        except Exception:  # noqa: BLE001 - a site's filter raised: report it as logging does, keep the log going
            traceback.print_exc(file=sys.stderr)

    # -- control -------------------------------------------------------------------------------
    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every record queued so far in this process is handled; False on timeout."""
        pending, thread = self._pending, self._thread
        if pending is None or thread is None or self._pid != os.getpid() or not thread.is_alive():
            return True
        if threading.current_thread() is thread:
            return True  # a handler logging to this logger: its record is behind us
        done = threading.Event()
        self._enqueue_urgent(pending, done)
        return done.wait(timeout)

    def stop(self, timeout: float = EXIT_TIMEOUT) -> None:
        """Write everything queued and end the listener; later records are written synchronously."""
        with self._lock:
            pending, thread, pid = self._pending, self._thread, self._pid
            self._closed = True
        if pending is None or thread is None or pid != os.getpid():
            return
        self._enqueue_urgent(pending, _STOP)
        thread.join(timeout)
        if thread.is_alive():
            return  # a stuck handler: the rest of the queue cannot be written in order
        # A record another thread queued after the stop marker, while this was stopping.
        self._drain(pending)
