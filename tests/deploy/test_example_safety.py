"""The example site is safe outside `make demo` (issue 15 item 6), seen from the command line and over HTTP.

DEBUG is off unless DJANGO_DEBUG=1 (only `make demo` sets it), the hosts come from
DJANGO_ALLOWED_HOSTS (never "*"), and without DJANGO_SECRET_KEY the key is a random one made
for this checkout in a git-ignored file, which `check --deploy` accepts; a published key fails it.
"""

from __future__ import annotations

import http.client
import json
import os
import stat
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import urlparse

import pytest

from example_project import local_secret
from tests.deploy.conftest import check_deploy, manage
from tests.serving import ROOT, ExampleSite

PUBLIC_KEY = "example-project-insecure-key-change-me-in-production-0123456789"


def example_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FLEX_", "REDIS_URL", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="example_project.settings", **overrides)
    return env


def example_settings(**env: str) -> dict:
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'DEBUG': settings.DEBUG, 'ALLOWED_HOSTS': settings.ALLOWED_HOSTS, "
        "'SECRET_KEY': settings.SECRET_KEY}))"
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        cwd=ROOT,
        env=example_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_is_off_and_hosts_are_the_loopback_names_by_default():
    values = example_settings()
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]


def test_debug_and_hosts_come_from_the_environment():
    values = example_settings(DJANGO_DEBUG="1", DJANGO_ALLOWED_HOSTS="shop.example.com, .example.org")
    assert values["DEBUG"] is True
    assert values["ALLOWED_HOSTS"] == ["shop.example.com", ".example.org"]
    assert example_settings(DJANGO_DEBUG="true")["DEBUG"] is False  # only the exact "1" turns it on


def test_only_make_demo_turns_debug_on():
    dry_run = subprocess.run(["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    runserver = [line for line in dry_run.splitlines() if "runserver" in line]
    assert len(runserver) == 1 and "DJANGO_DEBUG=1" in runserver[0], dry_run
    makefile = (ROOT / "Makefile").read_text()
    assert makefile.count("DJANGO_DEBUG=1") == 1


def test_the_default_key_is_this_checkouts_own_random_key():
    values = example_settings()
    stored = (ROOT / ".secret_key").read_text().strip()
    assert values["SECRET_KEY"] == stored
    assert stored != PUBLIC_KEY and len(stored) >= 50
    assert stat.S_IMODE((ROOT / ".secret_key").stat().st_mode) == 0o600
    ignored = subprocess.run(["git", "check-ignore", "-q", ".secret_key"], cwd=ROOT, timeout=30)
    assert ignored.returncode == 0, ".secret_key must be ignored by git"
    assert example_settings(DJANGO_SECRET_KEY="k" * 10 + "set-by-the-operator")["SECRET_KEY"].endswith("operator")


def test_a_key_file_is_made_once_per_checkout(tmp_path):
    first, second = tmp_path / "one" / ".secret_key", tmp_path / "two" / ".secret_key"
    first.parent.mkdir()
    second.parent.mkdir()
    key = local_secret.load_or_create(first)
    assert local_secret.load_or_create(first) == key
    assert local_secret.load_or_create(second) != key


def test_processes_racing_for_a_new_key_file_agree(tmp_path):
    path = tmp_path / ".secret_key"
    with ProcessPoolExecutor(max_workers=6) as pool:
        keys = set(pool.map(local_secret.load_or_create, [path] * 12))
    assert keys == {path.read_text().strip()}


def test_check_deploy_accepts_the_generated_key_and_refuses_the_old_public_one():
    generated = check_deploy(example_env())
    assert "flex_auth.E030" not in generated.stdout + generated.stderr
    public = check_deploy(example_env(DJANGO_SECRET_KEY=PUBLIC_KEY))
    assert public.returncode != 0
    assert "(flex_auth.E030) SECRET_KEY is a published value" in public.stderr


def test_check_deploy_refuses_a_published_fallback_key():
    code = (
        "from django.conf import settings; from django.core.management import call_command; "
        f"settings.SECRET_KEY_FALLBACKS = [{PUBLIC_KEY!r}]; call_command('check', deploy=True)"
    )
    fallback = manage(example_env(), "shell", "-c", code, check=False)
    assert fallback.returncode != 0
    assert "SECRET_KEY_FALLBACKS[0] is a published value" in fallback.stderr


@pytest.mark.servers
@pytest.mark.django_db(transaction=True)
def test_the_served_example_refuses_a_foreign_host_header(tmp_path):
    with ExampleSite(tmp_path) as site:
        parsed = urlparse(site.start())
        for host, status in (("evil.example", 400), (f"127.0.0.1:{parsed.port}", 200), ("localhost", 200)):
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
            conn.request("GET", "/.well-known/oauth-authorization-server", headers={"Host": host})
            response = conn.getresponse()
            body = response.read()
            conn.close()
            assert response.status == status, (host, response.status)
            if status == 200:
                assert b"evil.example" not in body
        assert "Traceback" not in site.log()  # DEBUG off: no debug page, no stack trace to the client
