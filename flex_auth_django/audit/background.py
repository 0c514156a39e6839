"""The security log off the request thread (FLEX_AUTH['AUDIT_ASYNC']).

The thread that logs a record only makes it and puts it on a queue; one listener thread per
process hands it to the logger's own `handle()`, in the order logged. So every handler,
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
import queue
import sys
import threading
import traceback
from collections.abc import Callable

# Records queued beyond this wait for the listener (back-pressure, never loss): a handler
# slower than the request rate costs the requests what it costs synchronously, no memory.
MAX_QUEUED = 10_000
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
        self._queue: queue.SimpleQueue | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- the request's side ----------------------------------------------------------------
    def handle(self, record: logging.LogRecord) -> None:
        if self._closed or not self.enabled():
            logging.Logger.handle(self.logger, record)
            return
        q = self._queue
        if q is None or (record.process or os.getpid()) != self._pid:
            q = self._start()
            if q is None:  # no thread can start (the interpreter is shutting down): write it now
                logging.Logger.handle(self.logger, record)
                return
        if q.qsize() >= MAX_QUEUED:
            self.flush()
        q.put(record)

    def _start(self) -> queue.SimpleQueue | None:
        with self._lock:
            pid = os.getpid()
            if self._pid == pid and self._queue is not None:
                return self._queue
            q: queue.SimpleQueue = queue.SimpleQueue()
            thread = threading.Thread(target=self._run, args=(q,), name="flex-audit-log", daemon=True)
            try:
                thread.start()
            except RuntimeError:
                return None
            self._queue, self._thread, self._pid = q, thread, pid
            if not self._exit_hook:
                atexit.register(self.stop)
                self._exit_hook = True
            multiprocessing = sys.modules.get("multiprocessing")
            if multiprocessing is not None:
                # A multiprocessing child ends with os._exit(), after its finalizers, never atexit.
                from multiprocessing import util

                util.Finalize(None, self.stop, exitpriority=100)
            return q

    # -- the listener ------------------------------------------------------------------------
    def _run(self, q: queue.SimpleQueue) -> None:
        while True:
            item = q.get()
            if item is _STOP:
                return
            if isinstance(item, threading.Event):
                item.set()  # a flush() waiting for everything queued before it
                continue
            self._write(item)

    def _write(self, record: logging.LogRecord) -> None:
        try:
            logging.Logger.handle(self.logger, record)
        except Exception:  # noqa: BLE001 - a site's filter raised: report it as logging does, keep the log going
            traceback.print_exc(file=sys.stderr)

    # -- control -------------------------------------------------------------------------------
    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every record queued so far in this process is handled; False on timeout."""
        q, thread = self._queue, self._thread
        if q is None or thread is None or self._pid != os.getpid() or not thread.is_alive():
            return True
        if threading.current_thread() is thread:
            return True  # a handler logging to this logger: its record is behind us
        done = threading.Event()
        q.put(done)
        return done.wait(timeout)

    def stop(self, timeout: float = EXIT_TIMEOUT) -> None:
        """Write everything queued and end the listener; later records are written synchronously."""
        with self._lock:
            q, thread, pid = self._queue, self._thread, self._pid
            self._closed = True
        if q is None or thread is None or pid != os.getpid():
            return
        q.put(_STOP)
        thread.join(timeout)
        if thread.is_alive():
            return  # a stuck handler: the rest of the queue cannot be written in order
        # A record another thread queued after the stop marker, while this was stopping.
        while True:
            try:
                item = q.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, logging.LogRecord):
                self._write(item)
            elif isinstance(item, threading.Event):
                item.set()
