"""The example site as a real server process, for tests that talk to it over HTTP.

One implementation for the README, SDK and browser tests: a fresh SQLite file by
default (or, on PostgreSQL, the test database pytest-django created), migrations,
`runserver --noreload` on a free port, a log to show when something fails.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60


def free_port() -> int:
    """A free port; FLEX_TEST_PORTS="low-high" limits the range (for shared machines)."""
    ports = os.environ.get("FLEX_TEST_PORTS")
    candidates = range(*(lambda lo, hi: (lo, hi + 1))(*map(int, ports.split("-")))) if ports else [0]
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"no free port in {ports}")


def test_database_url() -> str:
    """DATABASE_URL of the PostgreSQL test database pytest-django created."""
    from django.db import connection

    params = connection.settings_dict
    auth = quote(params["USER"] or "", safe="")
    if params.get("PASSWORD"):
        auth += ":" + quote(params["PASSWORD"], safe="")
    return f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"


class ExampleSite:
    """`manage.py` and `runserver` of the example project, with its own environment."""

    def __init__(self, workdir: Path, *, share_test_database: bool = False, **env: str) -> None:
        """`share_test_database` serves pytest-django's PostgreSQL test database when the
        suite runs on PostgreSQL (use it from a django_db(transaction=True) test); otherwise,
        and always on SQLite whose test database lives in memory, a fresh file in `workdir`."""
        from django.db import connection

        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
        self.env.update(DJANGO_SETTINGS_MODULE="example_project.settings", PYTHONUNBUFFERED="1")
        if share_test_database and connection.vendor == "postgresql":
            self.env["DATABASE_URL"] = test_database_url()
        else:
            self.env["DATABASE_URL"] = f"sqlite:///{workdir / 'site.sqlite3'}"
        self.env.update(env)
        self.log_path = workdir / "server.log"
        self.process: subprocess.Popen | None = None
        self.base = ""

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, ready_path: str = "/.well-known/oauth-authorization-server") -> str:
        """Migrate and serve; returns the base URL once `ready_path` answers."""
        self.manage("migrate", "--noinput", "-v", "0")
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                self.serve_command(port),
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the example site exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                urllib.request.urlopen(self.base + ready_path, timeout=2)  # noqa: S310 (local URL we built)
                return self.base
            except urllib.error.HTTPError:
                return self.base  # any HTTP answer means it is serving
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the example site did not answer within {START_TIMEOUT} s:\n{self.log_tail()}")

    def serve_command(self, port: int) -> list[str]:
        return [sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{port}"]

    def stop(self) -> None:
        stop_process(self.process)

    def __enter__(self) -> ExampleSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def token(self, **params: str) -> tuple[int, dict]:
        """POST /oauth/token as a server-side client does (plain HTTP)."""
        request = urllib.request.Request(  # noqa: S310
            f"{self.base}/oauth/token",
            data=urllib.parse.urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


class GunicornSite(ExampleSite):
    """The example site under gunicorn (one sync worker), as the production docs serve it."""

    def serve_command(self, port: int) -> list[str]:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        return [gunicorn, "--workers", "1", "--bind", f"127.0.0.1:{port}", "example_project.wsgi:application"]


def stop_process(process: subprocess.Popen | None, timeout: float = 10) -> None:
    """Terminate a server process the test started, killing it if it does not exit in time."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
