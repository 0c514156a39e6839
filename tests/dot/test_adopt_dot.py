"""A site that ran stock django-oauth-toolkit switches to flex-auth-django by the README's steps.

A throwaway database is migrated by DOT's own migrations and filled through DOT's own models
and token endpoint (tests/dot/seed_dot.py, settings tests/dot/stock_dot_settings.py),
each in its own process, as the old site would have. Then the example site's settings point
at it: `migrate` and `check` name flex_adopt_dot, the README's block adopts the database, and
a real server answers the old clients, the old user and the old refresh token.
On PostgreSQL runs the database is a fresh `<DATABASE_URL name>_dot_adoption`; otherwise a SQLite file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from django.db import connection

from tests.docs.pages import blocks, page
from tests.serving import ROOT, ExampleSite

STOCK_DOT = "tests.dot.stock_dot_settings"


def readme_block() -> str:
    """The guide's commands (docs/guides/dot.md)."""
    return blocks(page("guides/dot.md"), "sh")[0]


def run(args: list[str], env: dict[str, str], *, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if check and result.returncode:
        raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def dot_database_url(tmp_path):
    """A database nobody else uses, dropped afterwards."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'dot-site.sqlite3'}"
        return
    import psycopg

    base = urlsplit(os.environ["DATABASE_URL"])
    name = f"{base.path.lstrip('/')}_dot_adoption"
    admin_url = base._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(database_url: str, settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    return env | {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": settings, "PYTHONUNBUFFERED": "1"}


def test_readme_block_names_the_command_and_migrate():
    block = readme_block()
    assert "manage.py flex_adopt_dot" in block and "manage.py migrate" in block
    assert block.index("flex_adopt_dot") < block.index("migrate")


@pytest.mark.servers
def test_a_stock_dot_database_is_adopted_and_its_clients_users_and_sessions_keep_working(tmp_path, dot_database_url):
    manage = [sys.executable, str(ROOT / "manage.py")]
    # -- the old site: DOT's migrations, DOT's models, DOT's token endpoint ----------------
    dot = _env(dot_database_url, STOCK_DOT)
    run([*manage, "migrate", "--noinput", "-v", "0"], dot)
    old = json.loads(run([sys.executable, "-m", "tests.dot.seed_dot"], dot).stdout)

    # -- flex-auth-django added as the README says: migrate and check name the command -------
    flex = _env(dot_database_url, "example_project.settings")
    for command in (["migrate", "--noinput"], ["migrate", "--noinput", "--skip-checks"], ["check"]):
        refused = run([*manage, *command], flex, check=False)
        output = refused.stdout + refused.stderr
        assert refused.returncode != 0, output
        assert "manage.py flex_adopt_dot" in output and "Traceback" not in output, output
        assert "InconsistentMigrationHistory" not in output

    # -- the README's steps ---------------------------------------------------------------------
    block = readme_block().replace("python manage.py", " ".join(manage))
    steps = run(["bash", "-c", "set -euo pipefail\n" + block], flex)
    assert "Imported 3 applications" in steps.stdout, steps.stdout
    assert "not imported: " in steps.stdout and "authorization-code" in steps.stdout
    assert "Imported 1 live refresh tokens" in steps.stdout
    assert "DOT scope 'read write' -> 'user'" in steps.stdout
    # The LEGACY_SCOPES line, ready to paste: every scope name on DOT's tokens, by who carried it.
    line = 'FLEX_AUTH["LEGACY_SCOPES"] = {"read": ["integ", "user"], "reports": "integ", "write": "user"}'
    assert f"    {line}\n" in steps.stdout, steps.stdout
    assert_pastes_cleanly(line)
    assert run([*manage, "check"], flex).returncode == 0
    again = run([*manage, "flex_adopt_dot", "--import-only"], flex).stdout
    assert "Imported 0 applications" in again and "Imported 0 live refresh tokens" in again, again
    assert "(already imported)" in again
    assert old["refresh_token"] not in steps.stdout + steps.stderr

    with ExampleSite(tmp_path, DATABASE_URL=dot_database_url) as site:
        site.start()
        # An old Integration client whose secret DOT kept in plain text.
        status, body = site.token(grant_type="client_credentials", **old["plain"])
        assert status == 200 and body["scope"] == "integ", body
        # One whose secret DOT hashed: a wrong secret is refused and leaves the hash in place...
        hashed = old["hashed"]
        status, body = site.token(grant_type="client_credentials", client_id=hashed["client_id"], client_secret="no")
        assert status == 401 and body["error"] == "invalid_client"
        assert stored_secret(site, hashed["client_id"]).startswith("pbkdf2_sha256$")
        # ...the right one works, and from then on it is our digest (and keeps working).
        for _ in range(2):
            status, body = site.token(grant_type="client_credentials", **hashed)
            assert status == 200 and body["token_type"] == "bearer", body
            assert stored_secret(site, hashed["client_id"]).startswith("hmac-sha256$")
        # The old user signs in through the old (non-UUID) client ID of the password app.
        status, body = site.token(
            grant_type="password",
            client_id=old["shop"]["client_id"],
            username=old["user"]["email"],
            password=old["user"]["password"],
        )
        assert status == 200 and body["scope"] == "user" and body["refresh_token"].startswith("flxr_"), body
        # The session DOT issued before the switch refreshes: the user stays signed in.
        status, refreshed = site.token(
            grant_type="refresh_token", client_id=old["shop"]["client_id"], refresh_token=old["refresh_token"]
        )
        assert status == 200 and refreshed["scope"] == "user", refreshed
        assert refreshed["access_token"].startswith("flxa_") and refreshed["refresh_token"].startswith("flxr_")
        status, body = site.token(
            grant_type="refresh_token", client_id=old["shop"]["client_id"], refresh_token=refreshed["refresh_token"]
        )
        assert status == 200, body
        # The legacy string has rotated: presented again after the grace period it ends the session
        # (reuse detection); a session DOT had already revoked was never imported.
        status, body = site.token(
            grant_type="refresh_token", client_id=old["shop"]["client_id"], refresh_token=old["revoked_refresh_token"]
        )
        assert status == 401 and body["error"] == "invalid_grant"
        # Another client's ID, or a DOT-shaped ID that was never imported, is not a client.
        status, body = site.token(grant_type="client_credentials", client_id="web-shop.v2", client_secret="x")
        assert status == 401 and body["error"] == "invalid_client"


def assert_pastes_cleanly(line: str) -> None:
    """The printed line, pasted after a FLEX_AUTH dict, is a setting the checks accept."""
    from django.test import override_settings

    from flex_auth_django.checks.settings import check_flex_settings

    namespace: dict = {"FLEX_AUTH": {}}
    exec(line, namespace)  # noqa: S102 (what the command printed for the site's settings.py)
    with override_settings(FLEX_AUTH=namespace["FLEX_AUTH"]):
        assert [m for m in check_flex_settings(None) if m.id == "flex_auth.E016"] == []


def stored_secret(site: ExampleSite, client_id: str) -> str:
    code = (
        "from flex_auth_django.models import Application;"
        f"print(Application.objects.get(legacy_client_id={client_id!r}).client_secret_digest)"
    )
    return site.manage("shell", "--no-imports", "-c", code).strip()
