"""The security log off the request thread (FLEX_AUTH['AUDIT_ASYNC'], audit/background.py).

Every record, every field, in order, through the site's handlers; written by a listener thread
of the process that logged it (restarted in a forked child, never the parent's), and nothing
queued is lost when a process exits.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from flex_auth_django import audit
from flex_auth_django.audit import background as background_module
from flex_auth_django.audit.background import BackgroundLogger
from tests.helpers import Endpoint

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).with_name("logging_script.py")
ROOT = Path(__file__).resolve().parents[2]


class Collect(logging.Handler):
    """Keeps each record with the thread that handled it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[logging.LogRecord, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((record, threading.current_thread().name))


@pytest.fixture
def security_log():
    logger = logging.getLogger("flex_auth_django.security")
    handler = Collect()
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield handler
    audit.flush()
    logger.removeHandler(handler)
    logger.setLevel(level)


def run_requests(client, marketplace_app) -> None:
    token = Endpoint(client, "/oauth/token")
    mp = str(marketplace_app.client_id)
    for _ in range(5):
        assert token.post({"grant_type": "client_credentials", "client_id": mp}).status_code == 200
        assert token.post({"grant_type": "client_credentials", "client_id": "nope"}).status_code == 401
        assert token.post({"grant_type": "password", "client_id": mp}).status_code == 400


def test_async_writes_the_same_records_in_the_same_order_off_the_request_thread(
    client, marketplace_app, security_log, settings
):
    run_requests(client, marketplace_app)
    synchronous = list(security_log.seen)
    security_log.seen.clear()
    assert {thread for _, thread in synchronous} == {threading.current_thread().name}

    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "AUDIT_ASYNC": True}
    run_requests(client, marketplace_app)
    assert audit.flush(timeout=30)
    queued = list(security_log.seen)

    assert len(queued) == len(synchronous) == 15
    # Every field and the message, in order; only the handling thread changed.
    for (before, _), (after, thread) in zip(synchronous, queued, strict=True):
        assert after.flex_auth == before.flex_auth
        assert after.getMessage() == before.getMessage()
        assert (after.levelno, after.name, after.pathname, after.funcName) == (
            before.levelno,
            before.name,
            before.pathname,
            before.funcName,
        )
        assert thread == "flex-audit-log"
        # The record says when, where and by whom it was logged: the request's thread and process.
        assert after.threadName == threading.current_thread().name and after.process == before.process
    events = [record.flex_auth["event"] for record, _ in queued]
    assert events == ["issued", "refused", "refused"] * 5


def test_off_by_default_every_record_is_handled_before_the_call_returns(client, marketplace_app, security_log):
    run_requests(client, marketplace_app)
    assert len(security_log.seen) == 15  # no flush needed: caplog-style tests keep working
    assert {thread for _, thread in security_log.seen} == {threading.current_thread().name}


def test_records_logged_elsewhere_on_the_security_logger_keep_their_place(security_log, settings):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "AUDIT_ASYNC": True}
    logger = logging.getLogger("flex_auth_django.security")
    audit.emit("issued", seq=1)
    logger.warning("event=throttle_cache_unavailable error=%s", "ConnectionError")  # as throttling/guards.py logs
    audit.emit("issued", seq=2)
    assert audit.flush(timeout=30)
    messages = [record.getMessage() for record, _ in security_log.seen]
    assert messages == [
        "event=issued seq=1",
        "event=throttle_cache_unavailable error=ConnectionError",
        "event=issued seq=2",
    ]
    assert {thread for _, thread in security_log.seen} == {"flex-audit-log"}


def test_a_malformed_setting_never_makes_logging_raise(security_log, settings):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "AUDIT_ASYNC": "yes"}
    audit.emit("issued", seq=1)  # written synchronously; the system check reports the setting
    assert [record.getMessage() for record, _ in security_log.seen] == ["event=issued seq=1"]


# -- the listener itself, on a logger of its own -------------------------------------------------


@pytest.fixture
def private():
    logger = logging.getLogger(f"tests.audit.background.{id(object())}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = Collect()
    logger.addHandler(handler)
    queued = BackgroundLogger(logger, enabled=lambda: True)
    yield logger, handler, queued
    queued.stop()


def test_a_full_queue_makes_the_caller_wait_and_loses_nothing(private, monkeypatch):
    logger, handler, queued = private
    monkeypatch.setattr(background_module, "MAX_QUEUED", 3)
    entered, gate = threading.Event(), threading.Event()

    class Gate(logging.Filter):
        def filter(self, record):
            if record.getMessage() == "0":
                entered.set()
                gate.wait(30)
            return True

    logger.addFilter(Gate())
    logger.info("0")
    assert entered.wait(30)  # the listener holds record 0; 1-3 fill the queue
    for n in (1, 2, 3):
        logger.info(str(n))
    late = threading.Thread(target=logger.info, args=("4",))
    late.start()
    late.join(0.2)
    assert late.is_alive()  # record 4 waits for room instead of growing the queue
    gate.set()
    late.join(30)
    assert queued.flush(timeout=30)
    assert [record.getMessage() for record, _ in handler.seen] == ["0", "1", "2", "3", "4"]


def test_a_raising_filter_does_not_stop_the_listener(private, capsys):
    logger, handler, queued = private

    class Broken(logging.Filter):
        def filter(self, record):
            if record.getMessage() == "bad":
                raise RuntimeError("a site's filter is broken")
            return True

    logger.addFilter(Broken())
    logger.info("bad")
    logger.info("good")
    assert queued.flush(timeout=30)
    assert [record.getMessage() for record, _ in handler.seen] == ["good"]
    assert "a site's filter is broken" in capsys.readouterr().err


def test_after_stop_records_are_written_synchronously(private):
    logger, handler, queued = private
    logger.info("queued")
    queued.stop()
    logger.info("after")
    assert [(record.getMessage(), thread) for record, thread in handler.seen] == [
        ("queued", "flex-audit-log"),
        ("after", threading.current_thread().name),
    ]


# -- processes: exit and fork -------------------------------------------------------------------


def run_script(*args: str) -> str:
    done = subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def lines(path: Path) -> list[list[str]]:
    """Each line as [writer pid, writer thread, logging pid, message words...]."""
    return [line.split() for line in path.read_text().splitlines()]


def test_every_line_queued_when_the_process_exits_reaches_the_file(tmp_path):
    out = tmp_path / "security.log"
    printed = run_script("exit", str(out), "2000")
    assert int(printed.split("queued_at_exit=")[1]) > 0  # the exit really had a backlog to write
    written = lines(out)
    assert [words[-1] for words in written] == [f"seq={n}" for n in range(2000)]  # all, in order
    assert {words[1] for words in written} == {"flex-audit-log"}


def test_a_forked_child_starts_its_own_listener_and_never_writes_the_parents_lines(tmp_path):
    out = tmp_path / "security.log"
    printed = run_script("fork", str(out), "500")
    assert int(printed.split("queued_at_fork=")[1]) > 0  # the parent had records queued at the fork
    written = lines(out)
    kinds: dict[str, list[list[str]]] = {}
    for words in written:
        kinds.setdefault(words[4].removeprefix("kind="), []).append(words)
    assert {kind: len(rows) for kind, rows in kinds.items()} == {
        "parent": 500,
        "child": 500,  # os.fork() and sys.exit(), as a gunicorn worker
        "mpchild": 500,  # multiprocessing's fork context, which ends with os._exit()
        "parent-after": 10,
    }
    for rows in kinds.values():
        # Each process wrote its own lines, with its own listener, in the order it logged them.
        assert len({(writer, thread, logged) for writer, thread, logged, *_ in rows}) == 1
        writer, thread, logged = rows[0][:3]
        assert writer == logged and thread == "flex-audit-log"
        assert [words[-1] for words in rows] == [f"seq={n}" for n in range(len(rows))]
    pids = Counter(rows[0][0] for rows in kinds.values())
    assert pids[kinds["parent"][0][0]] == 2 and len(pids) == 3  # parent (before and after), child, mp child
