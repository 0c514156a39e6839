"""Outages, really caused: the database connection cut or unreachable, the throttle cache unreachable.

Database: 503 temporarily_unavailable with Retry-After, JSON, no stack trace, and the
site recovers by itself once the database is back; in-process against PostgreSQL
(pg_terminate_backend, a dead port) and with a real server process whose database
connection runs through a TCP proxy the test cuts and restores. Cache: the
THROTTLE_CACHE_FAILURE setting, with a RedisCache pointed at a closed port.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from django.db import connection

from flex_auth_django.accounts import passwords
from tests.cache_fixtures import closed_port
from tests.factories import PASSWORD, ApplicationFactory
from tests.helpers import client_credentials, password_grant

ROOT = Path(__file__).resolve().parents[2]
SERVER_APP_NAME = "flex-outage-test-server"


def integration(app) -> dict:
    """A token request that must write (its refresh token): it needs the database whatever is held."""
    return {"client_id": str(app.client_id), "client_secret": app.secret, "grant_type": "client_credentials"}


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": "temporarily_unavailable",
        "error_description": response.json()["error_description"],
    }
    assert int(response["Retry-After"]) >= 1
    assert b"Traceback" not in response.content


def _admin_connection():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(autocommit=True, **params)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestDatabaseInProcess:
    def test_a_terminated_connection_gives_503_then_recovers(self, token_endpoint, caplog):
        app, integ = ApplicationFactory(), ApplicationFactory(integration=True)
        assert token_endpoint.post(client_credentials(app)).status_code == 200
        assert token_endpoint.post(integration(integ)).status_code == 200
        pid = connection.connection.info.backend_pid
        with _admin_connection() as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0] is True
        # An anonymous token of an application this process holds needs no database at all.
        assert token_endpoint.post(client_credentials(app)).status_code == 200
        with caplog.at_level(logging.ERROR, logger="flex_auth_django"):
            assert_unavailable(token_endpoint.post(integration(integ)))
        assert "event=database_unavailable" in caplog.text
        assert "Traceback" not in caplog.text
        # No restart, no intervention: the next request gets a new connection.
        assert token_endpoint.post(integration(integ)).status_code == 200

    def test_an_unreachable_database_gives_503_until_it_returns(self, token_endpoint):
        app, integ = ApplicationFactory(), ApplicationFactory(integration=True)
        original = connection.settings_dict["PORT"]
        connection.close()
        connection.settings_dict["PORT"] = closed_port()
        try:
            for _ in range(3):
                assert_unavailable(token_endpoint.post(client_credentials(app)))  # not held yet: it must be read
                assert_unavailable(token_endpoint.post(integration(integ)))
        finally:
            connection.settings_dict["PORT"] = original
        assert token_endpoint.post(client_credentials(app)).status_code == 200
        assert token_endpoint.post(integration(integ)).status_code == 200

    @pytest.mark.parametrize("where", ["resolve", "authenticate"])
    def test_a_cut_during_the_password_grant_refunds_the_throttle(
        self, token_endpoint, user, monkeypatch, settings, where
    ):
        """An outage is no verdict on the password: it must not count towards the lock-out.

        The EmailBackend looks the account up before the throttle charges it (a cut there
        charges nothing); ModelBackend looks it up inside authenticate(), after the charge
        (a cut there must be refunded).
        """
        app = ApplicationFactory()
        if where == "authenticate":
            settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
            user.username = user.email
            user.save()
        target = passwords.accounts if where == "resolve" else passwords
        name = "resolve" if where == "resolve" else "authenticate"
        real = getattr(target, name)

        def cut_then_authenticate(*args, **kwargs):
            connection.ensure_connection()  # a held application answers without one (issue 19)
            with _admin_connection() as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
            return real(*args, **kwargs)

        monkeypatch.setattr(target, name, cut_then_authenticate)
        body = {"client_id": str(app.client_id), "grant_type": "password", "username": user.email, "password": "x"}
        for _ in range(12):
            assert_unavailable(token_endpoint.post(body))
            token_endpoint.post(client_credentials(app))  # reconnect
        monkeypatch.setattr(target, name, real)
        assert token_endpoint.post({**body, "password": PASSWORD}).status_code == 200


class TcpProxy:
    """A loopback TCP relay the test can cut (closing every open connection) and restore."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = closed_port()
        self.listener: socket.socket | None = None
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() thread; close() alone would not
            except OSError:
                pass
            listener.close()
        with self.lock:
            for sock in self.open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.close()
                except OSError:
                    pass


def free_server_port() -> int:
    """A free port in this worktree's range (8200-8249), else any free one."""
    for port in range(8200, 8250):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    return closed_port()


@pytest.fixture
def proxied_server(transactional_db, tmp_path):
    settings_dict = connection.settings_dict
    proxy = TcpProxy(int(settings_dict.get("PORT") or 5432))
    proxy.start()
    port = free_server_port()
    name = settings_dict["NAME"]
    url = f"postgres://{settings_dict['USER']}@127.0.0.1:{proxy.port}/{name}?application_name={SERVER_APP_NAME}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")},
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
    }
    log = open(tmp_path / "server.log", "w+")  # noqa: SIM115 - closed below
    server = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/oauth/openapi.json", timeout=2)  # noqa: S310
            break
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.2)
    try:
        yield base, proxy, log
    finally:
        server.terminate()
        server.wait(timeout=10)
        proxy.cut()
        log.close()
        # Whatever the dead server left behind must not keep the test database busy.
        with _admin_connection() as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                [name, SERVER_APP_NAME],
            )


def post(base: str, body: dict) -> tuple[int, dict, dict]:
    request = urllib.request.Request(  # noqa: S310
        f"{base}/oauth/token",
        data=urlencode(body).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@pytest.mark.postgres
@pytest.mark.servers
def test_a_real_server_survives_a_database_outage(proxied_server):
    base, proxy, log = proxied_server
    app, integ = ApplicationFactory(), ApplicationFactory(integration=True)
    status, _, body = post(base, client_credentials(app))
    assert status == 200, body
    proxy.cut()  # the server's open connection dies, and new ones are refused
    for _ in range(3):
        status, headers, body = post(base, integration(integ))  # a refresh token to write
        assert status == 503
        assert body["error"] == "temporarily_unavailable"
        assert int(headers["Retry-After"]) >= 1
        assert headers["Content-Type"] == "application/json"
    # The server holds the Marketplace application: its visitors' tokens need no database.
    assert post(base, client_credentials(app))[0] == 200
    proxy.start()  # the database is back
    status, _, body = post(base, integration(integ))
    assert status == 200, body
    log.seek(0)
    output = log.read()
    assert "event=database_unavailable" in output
    assert "Traceback" not in output


@pytest.mark.django_db
class TestThrottleCacheUnavailable:
    def test_closed_by_default_503_before_any_hash(self, token_endpoint, user, dead_throttle_cache, monkeypatch):
        app = ApplicationFactory()
        calls = []
        monkeypatch.setattr(passwords, "authenticate", lambda *a, **k: calls.append(1))
        assert_unavailable(token_endpoint.post(password_grant(app, user.email)))
        assert calls == []

    def test_closed_also_guards_client_secrets(self, token_endpoint, dead_throttle_cache):
        app = ApplicationFactory(integration=True)
        response = token_endpoint.post(client_credentials(app, client_secret=app.secret))
        assert_unavailable(response)

    def test_closed_leaves_requests_without_secrets_alone(self, token_endpoint, dead_throttle_cache):
        assert token_endpoint.post(client_credentials(ApplicationFactory())).status_code == 200

    def test_open_lets_logins_through(self, token_endpoint, user, dead_throttle_cache, settings, caplog):
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "THROTTLE_CACHE_FAILURE": "open"}
        app = ApplicationFactory()
        with caplog.at_level(logging.WARNING, logger="flex_auth_django.security"):
            assert token_endpoint.post(password_grant(app, user.email, "wrong")).status_code == 401
            assert token_endpoint.post(password_grant(app, user.email)).status_code == 200
        assert "event=throttle_cache_unavailable error=ConnectionError" in caplog.text
        integration = ApplicationFactory(integration=True)
        assert token_endpoint.post(client_credentials(integration, client_secret=integration.secret)).status_code == 200


def test_the_example_site_uses_redis_with_timeouts_when_redis_url_is_set(monkeypatch):
    import importlib

    import example_project.settings as example

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    try:
        reloaded = importlib.reload(example)
        cache = reloaded.CACHES["default"]
        assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
        assert cache["LOCATION"] == "redis://127.0.0.1:6379/3"
        assert cache["OPTIONS"]["socket_connect_timeout"] <= 2
        monkeypatch.delenv("REDIS_URL")
        assert importlib.reload(example).CACHES["default"]["BACKEND"].endswith("LocMemCache")
    finally:
        monkeypatch.delenv("REDIS_URL", raising=False)
        importlib.reload(example)


@pytest.mark.django_db
@pytest.mark.parametrize("error", ["IntegrityError", "DataError", "ProgrammingError"])
def test_a_query_error_is_a_500_bug_not_an_outage_and_its_message_is_not_logged(
    token_endpoint, monkeypatch, caplog, error
):
    import django.db

    from flex_auth_django.grants import client_credentials as grant

    quoted = "Key (digest)=(hmac-sha256$k1$c2VjcmV0LW1hYy12YWx1ZQ) already exists."

    def fail(*args, **kwargs):
        raise getattr(django.db, error)(quoted)

    monkeypatch.setattr(grant.tokens, "issue", fail)
    with caplog.at_level(logging.ERROR, logger="flex_auth_django"):
        response = token_endpoint.post(client_credentials(ApplicationFactory()))
    assert response.status_code == 500
    assert response.json()["error"] == "server_error"
    assert "Retry-After" not in response
    assert f"event=server_error view=TokenView error={error}" in caplog.text
    assert "test_outages.py" in caplog.text  # the traceback: files and lines, for the bug report
    assert "c2VjcmV0LW1hYy12YWx1ZQ" not in caplog.text
