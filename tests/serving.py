"""A real server process of the example site, for tests that talk to it over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment for manage.py and a server process.

    On PostgreSQL the server shares the test database pytest-django created (use it from
    a `django_db(transaction=True)` test, which empties it afterwards); SQLite test
    databases live in memory, so there the server gets a fresh file of its own.
    """
    from django.db import connection

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "example_project.settings", **extra}
    if connection.vendor == "postgresql":
        from urllib.parse import quote

        params = connection.settings_dict
        auth = quote(params["USER"] or "", safe="")
        if params.get("PASSWORD"):
            auth += ":" + quote(params["PASSWORD"], safe="")
        env["DATABASE_URL"] = (
            f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    if result.returncode:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextmanager
def running_site(env: dict[str, str]) -> Iterator[str]:
    """Migrate, then serve the example site with runserver on a free port; yields its base URL."""
    manage(env, "migrate", "--noinput")
    port = free_port()
    log = open(env.get("SERVER_LOG", os.devnull), "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/.well-known/oauth-authorization-server", timeout=1)  # noqa: S310
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the example site did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
