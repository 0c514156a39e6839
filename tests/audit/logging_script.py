"""Run as a script by test_background.py: the security log with AUDIT_ASYNC in a process of its own.

    python tests/audit/logging_script.py exit|fork OUT_FILE COUNT

Every line records who wrote it (pid and thread at handling time) and who logged it (the
record's pid), so the test can tell which process's listener wrote what. The handler is slow,
so records are still queued when the process ends or forks.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from flex_auth_django import audit  # noqa: E402
from flex_auth_django.settings import flex_settings  # noqa: E402


class Lines(logging.Handler):
    """One unbuffered O_APPEND write per record: forked processes never copy half a line."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def emit(self, record: logging.LogRecord) -> None:
        time.sleep(0.0002)
        who = f"{os.getpid()} {threading.current_thread().name} {record.process}"
        os.write(self.fd, f"{who} {record.getMessage()}\n".encode())


def log(what: str, count: int) -> None:
    for seq in range(count):
        audit.emit("issued", kind=what, seq=seq)


def main(mode: str, out: str, count: int) -> None:
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "AUDIT_ASYNC": True}
    flex_settings.reload()
    logger = logging.getLogger("flex_auth_django.security")
    logger.handlers[:] = [Lines(out)]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    if mode == "exit":
        log("main", count)
        print(f"queued_at_exit={audit.log_queue.queued()}", flush=True)
        return  # the interpreter exits now: atexit must write the rest
    log("parent", count)  # the parent's listener runs and has a backlog when it forks
    print(f"queued_at_fork={audit.log_queue.queued()}", flush=True)
    pid = os.fork()
    if pid == 0:
        log("child", count)
        sys.exit(0)  # as a gunicorn worker ends
    import multiprocessing

    worker = multiprocessing.get_context("fork").Process(target=log, args=("mpchild", count))
    worker.start()  # ends with os._exit(): only multiprocessing's exit hook runs there
    worker.join()
    _, status = os.waitpid(pid, 0)
    assert status == 0 and worker.exitcode == 0, (status, worker.exitcode)
    log("parent-after", 10)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
