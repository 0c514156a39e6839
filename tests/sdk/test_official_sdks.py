"""The official Sharetribe SDKs, unchanged, against a real server of the example site (issues 2 and 5).

Starts `manage.py runserver` on a migrated temporary SQLite database, takes credentials from
`flex_demo --json` and runs tests/sdk/run.js, which drives sharetribe-flex-sdk and
sharetribe-flex-integration-sdk through login, token exchange, logout, resource calls and
their automatic recovery after tokens expire. The server runs with a 3-second access-token
lifetime so that expiry can be waited out. Set FLEX_SDK_TEST_PORT to choose the port.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.sdk

ROOT = Path(__file__).resolve().parents[2]
SDK_DIR = ROOT / "tests" / "sdk"
PACKAGES = ("sharetribe-flex-sdk", "sharetribe-flex-integration-sdk")
ACCESS_TOKEN_LIFETIME = 3  # seconds: the SDK steps before expiry take well under that
START_TIMEOUT = 30


def _free_port() -> int:
    if os.environ.get("FLEX_SDK_TEST_PORT"):
        return int(os.environ["FLEX_SDK_TEST_PORT"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _site_env(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DJANGO_SETTINGS_MODULE="example_project.settings",
        DATABASE_URL=f"sqlite:///{database}",
        FLEX_ACCESS_TOKEN_LIFETIME=str(ACCESS_TOKEN_LIFETIME),
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _wait_until_serving(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the example site exited with {server.returncode}:\n{_tail(log)}")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (a local http URL we built)
        except urllib.error.HTTPError:
            return  # any HTTP answer (here 401) means it is serving
        except OSError:
            time.sleep(0.2)
        else:
            return
    pytest.fail(f"the example site did not answer within {START_TIMEOUT} s:\n{_tail(log)}")


@pytest.fixture
def node() -> str:
    """The node executable, once the pinned SDKs are installed: a missing install fails, never skips."""
    missing = [name for name in PACKAGES if not (SDK_DIR / "node_modules" / name / "package.json").is_file()]
    if missing:
        pytest.fail(
            f"The official SDKs are not installed ({', '.join(missing)} missing in tests/sdk/node_modules): "
            "run `make sdk-deps` (`make test` installs them)."
        )
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js (`node`) is needed to run the official SDKs: install Node.js 18 or newer.")
    return node


@pytest.fixture
def example_site(tmp_path) -> Iterator[tuple[str, dict, Path]]:
    """A running example site: (base URL, flex_demo credentials, server log)."""
    env = _site_env(tmp_path / "sdk.sqlite3")
    _manage(env, "migrate", "--noinput", "-v", "0")
    credentials = json.loads(_manage(env, "flex_demo", "--json"))
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(server, f"{base_url}/v1/api/marketplace/show", log)
        yield base_url, credentials, log
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_official_sdks_against_the_running_example_site(node, example_site):
    base_url, credentials, log = example_site
    env = {
        **os.environ,
        "FLEX_BASE_URL": base_url,
        "FLEX_DEMO": json.dumps(credentials),
        "FLEX_ACCESS_TOKEN_LIFETIME": str(ACCESS_TOKEN_LIFETIME),
    }
    result = subprocess.run(
        [node, "run.js"], cwd=SDK_DIR, env=env, capture_output=True, text=True, timeout=90, check=False
    )
    assert result.returncode == 0, (
        f"tests/sdk/run.js failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}\n"
        f"--- server log (tail) ---\n{_tail(log)}"
    )
    assert "SDK steps passed" in result.stdout
