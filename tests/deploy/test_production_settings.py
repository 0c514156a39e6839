"""The README's production settings (example_project/settings_production.py), as an operator runs them.

`check --deploy` is clean of our own and DOT's warnings; the site served by deploy/serve.sh
answers a browser's CORS preflight to the token endpoint, redirects plain HTTP, refuses
foreign Host headers, takes the client IP from the one trusted proxy, and writes the
security events to the configured log file.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import time
from urllib.parse import urlencode, urlparse

import pytest

from tests.deploy.conftest import ProductionSite, check_deploy, manage, production_env
from tests.serving import ROOT

HOST = "auth.example.com"
ORIGIN = "https://shop.example.com"
PROXIED = {"Host": HOST, "X-Forwarded-Proto": "https"}  # what deploy/nginx.conf sets


def ids(output: str) -> set[str]:
    return set(re.findall(r"\(([a-z0-9_]+\.[A-Z]\d+)\)", output))


def test_check_deploy_is_clean_of_our_and_dots_messages(tmp_path):
    result = check_deploy(production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    found = ids(output)
    assert not {i for i in found if i.startswith(("flex_auth.", "oauth2_provider."))}, output
    # Only Django's HSTS-preload advice remains: submitting a domain to browsers' preload
    # lists is the site's own, hard-to-undo decision (README).
    assert found <= {"security.W021"}, output


def test_the_production_settings_refuse_to_load_without_their_environment(tmp_path):
    env = production_env(tmp_path)
    for name in ("DJANGO_SECRET_KEY", "FLEX_ISSUER", "REDIS_URL"):
        del env[name]
    result = manage(env, "check", check=False)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY, REDIS_URL, FLEX_ISSUER" in result.stderr


def load_production_settings(env: dict[str, str]) -> dict:
    """Import the production settings in a fresh interpreter, with the development-key maker
    replaced by one that only records its calls: what loads, what the error says, and whether
    anything asked for a development key."""
    code = """
import json
from django.core.exceptions import ImproperlyConfigured
import example_project.dev_keys as dev_keys
calls = []
dev_keys.development_key = lambda path: calls.append(str(path)) or path
try:
    import example_project.settings_production as s
    out = {"SIGNING_KEYS": s.FLEX_AUTH["SIGNING_KEYS"]}
except ImproperlyConfigured as exc:
    out = {"error": str(exc)}
out["development_key_calls"] = calls
print(json.dumps(out))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_production_settings_refuse_to_start_without_a_signing_key(tmp_path):
    env = production_env(tmp_path)
    del env["FLEX_SIGNING_KEY_FILE"]
    loaded = load_production_settings(env)
    assert "FLEX_SIGNING_KEY_FILE" in loaded.get("error", ""), loaded
    assert "manage.py flex_generate_signing_key" in loaded["error"] and "--out" in loaded["error"]
    assert loaded["development_key_calls"] == []  # no key written into .dev-keys/, nor read from there
    served = manage(env, "check", check=False)  # what an operator sees
    assert served.returncode != 0 and "FLEX_SIGNING_KEY_FILE" in served.stderr


def test_the_production_settings_sign_with_the_configured_key_only(tmp_path):
    env = production_env(tmp_path, FLEX_SIGNING_KEY_NEXT_FILES=f"{tmp_path}/next.pem")
    loaded = load_production_settings(env)
    assert loaded["SIGNING_KEYS"] == [
        {"state": "active", "file": env["FLEX_SIGNING_KEY_FILE"]},
        {"state": "next", "file": f"{tmp_path}/next.pem"},
    ]
    assert loaded["development_key_calls"] == []


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("example-project-insecure-key-change-me-in-production-0123456789", "is a published value"),
        ("django-insecure-" + "x7#k2!q9@z" * 5, "development placeholder"),
        ("ab" * 40, "too little entropy"),
    ],
)
def test_check_deploy_fails_on_a_public_or_weak_secret_key(tmp_path, key, reason):
    result = check_deploy(production_env(tmp_path, DJANGO_SECRET_KEY=key))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "flex_auth.E030" in output and reason in output, output
    assert key not in output  # the check names the setting, never its value


def test_check_deploy_fails_on_a_documented_digest_key(tmp_path):
    result = check_deploy(production_env(tmp_path, FLEX_DIGEST_KEYS="k2:new key,k1:" + "q" * 3 + "Zr8vT2mW" * 6))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "flex_auth.E031" in output and "'k2' is a published value" in output, output
    assert "'k1'" not in output


def test_check_deploy_accepts_generated_digest_keys(tmp_path):
    import secrets

    keys = f"k2:{secrets.token_urlsafe(32)},k1:{secrets.token_urlsafe(32)}"
    result = check_deploy(production_env(tmp_path, FLEX_DIGEST_KEYS=keys))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "flex_auth.E031" not in result.stdout + result.stderr


def on_the_served_site(test):
    """Marks a test of the site as deploy/serve.sh serves it: a granian process (`servers`), with the Redis the
    production settings require (`redis`)."""
    return pytest.mark.redis(pytest.mark.servers(test))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("production")
    production = ProductionSite(
        workdir, FLEX_SECURITY_LOG=str(workdir / "security.log"), DJANGO_ALLOWED_HOSTS=f"{HOST},internal.example"
    )
    production.security_log = workdir / "security.log"
    production.start()
    yield production
    production.stop()


@pytest.fixture(scope="module")
def marketplace_client_id(site) -> str:
    out = manage(site.env, "flex_create_application", "--name", "Shop", "--api-type", "marketplace", "--json")
    return json.loads(out.stdout)["client_id"]


def request(site, method: str, path: str, body: str | None = None, **headers: str) -> http.client.HTTPResponse:
    parsed = urlparse(site.base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.request(method, path, body=body, headers={**PROXIED, **headers})
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


@on_the_served_site
def test_a_cors_preflight_to_the_token_endpoint_is_answered(site):
    for path in ("/oauth/token", "/v1/auth/token"):
        response = request(
            site,
            "OPTIONS",
            path,
            Origin=ORIGIN,
            **{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"},
        )
        assert response.status == 200, (path, response.status, response.body)
        assert response.getheader("Access-Control-Allow-Origin") == ORIGIN
        allowed = response.getheader("Access-Control-Allow-Headers", "").lower()
        assert "authorization" in allowed and "content-type" in allowed
        assert "POST" in response.getheader("Access-Control-Allow-Methods", "")
        assert response.getheader("Access-Control-Allow-Credentials") is None  # no cookies cross origins


@on_the_served_site
def test_a_token_request_from_an_allowed_origin_carries_cors_headers(site, marketplace_client_id):
    body = urlencode({"grant_type": "client_credentials", "client_id": marketplace_client_id})
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    response = request(site, "POST", "/v1/auth/token", body, Origin=ORIGIN, **form)
    assert response.status == 200, response.body
    assert response.getheader("Access-Control-Allow-Origin") == ORIGIN
    assert json.loads(response.body)["token_type"] == "bearer"
    other = request(site, "POST", "/v1/auth/token", body, Origin="https://evil.example", **form)
    assert other.status == 200  # CORS is the browser's check; the answer just lacks the header
    assert other.getheader("Access-Control-Allow-Origin") is None


@on_the_served_site
def test_cors_is_limited_to_the_auth_endpoints(site):
    response = request(site, "OPTIONS", "/admin/login/", Origin=ORIGIN, **{"Access-Control-Request-Method": "POST"})
    assert response.getheader("Access-Control-Allow-Origin") is None


@on_the_served_site
def test_plain_http_is_redirected_to_https(site):
    response = request(site, "GET", "/.well-known/oauth-authorization-server", **{"X-Forwarded-Proto": "http"})
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/.well-known/oauth-authorization-server"


@on_the_served_site
def test_a_foreign_host_header_is_refused(site):
    response = request(site, "GET", "/.well-known/oauth-authorization-server", Host="evil.example")
    assert response.status == 400


@on_the_served_site
def test_https_answers_carry_hsts(site):
    response = request(site, "GET", "/.well-known/oauth-authorization-server")
    assert response.status == 200, response.body
    assert response.getheader("Strict-Transport-Security", "").startswith("max-age=31536000")
    metadata = json.loads(response.body)
    assert metadata["token_endpoint"].startswith(f"https://{HOST}/")


@on_the_served_site
def test_the_metadata_names_the_configured_issuer_whatever_the_host(site):
    for host in (HOST, "internal.example"):
        response = request(site, "GET", "/.well-known/oauth-authorization-server", Host=host)
        assert response.status == 200, response.body
        metadata = json.loads(response.body)
        assert metadata["issuer"] == f"https://{HOST}"
        assert metadata["token_endpoint"].startswith(f"https://{HOST}/")
        assert "internal.example" not in response.body.decode()


@on_the_served_site
def test_the_admin_static_files_are_served_by_whitenoise(site):
    login = request(site, "GET", "/admin/login/")
    assert login.status == 200
    css = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', login.body)
    assert css, "the admin links its CSS through the manifest (collectstatic ran)"
    response = request(site, "GET", css.group(1).decode())
    assert response.status == 200
    assert response.getheader("Cache-Control", "").startswith("max-age=315360000")


def log_size(site) -> int:
    """The security log's size once no earlier request's line is still on its way: the listener
    writes in batches (audit/background.py BATCH_DELAY), so a line may land moments after its answer."""
    size, quiet_since = -1, time.monotonic()
    deadline = quiet_since + 30
    while time.monotonic() < deadline:
        now = len(site.security_log.read_text())
        if now != size:
            size, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since > 0.3:
            break
        time.sleep(0.05)
    return size


def logged_since(site, before: int, count: int = 1) -> str:
    """The security log written after offset `before`, once it holds `count` token events: the
    production settings write it from a listener thread (AUDIT_ASYNC), moments after the answer."""
    deadline = time.monotonic() + 30
    while True:
        log = site.security_log.read_text()[before:]
        if log.count("event=") >= count or time.monotonic() > deadline:
            return log
        time.sleep(0.05)


@on_the_served_site
def test_security_events_reach_the_log_file_with_the_proxied_client_ip(site, marketplace_client_id):
    body = urlencode({"grant_type": "client_credentials", "client_id": marketplace_client_id})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "203.0.113.9"}
    before = log_size(site)
    assert request(site, "POST", "/oauth/token", body, **headers).status == 200
    log = logged_since(site, before)
    line = next(line for line in log.splitlines() if "event=issued" in line)
    assert "flex_auth_django.security" in line
    assert "ip=203.0.113.9" in line  # FLEX_NUM_PROXIES=1: the entry the proxy wrote
    token = json.loads(request(site, "POST", "/oauth/token", body, **headers).body)["access_token"]
    assert token not in logged_since(site, before, 2)


@on_the_served_site
def test_a_client_cannot_choose_its_address_behind_the_proxy(site, marketplace_client_id):
    body = urlencode({"grant_type": "client_credentials", "client_id": marketplace_client_id})
    # The client wrote the first entry; nginx (deploy/nginx.conf) replaces the header, a
    # proxy that appends leaves the client's entry in front of its own: only the last counts.
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "1.2.3.4, 198.51.100.7"}
    before = log_size(site)
    assert request(site, "POST", "/oauth/token", body, **headers).status == 200
    log = logged_since(site, before)
    assert "ip=198.51.100.7" in log and "ip=1.2.3.4" not in log


def test_deploy_serve_sh_is_what_the_dockerfile_runs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["deploy/serve.sh"]' in dockerfile
    assert "DJANGO_SETTINGS_MODULE=example_project.settings_production" in dockerfile


@pytest.mark.redis
@pytest.mark.servers
def test_every_answered_token_request_has_its_line_once_the_server_has_stopped(tmp_path):
    """The listener's queue is drained when granian stops its worker (the production settings
    write the security log off the request thread): a token answered is a line in the file."""
    log_file = tmp_path / "security.log"
    production = ProductionSite(tmp_path, FLEX_SECURITY_LOG=str(log_file), DJANGO_ALLOWED_HOSTS=HOST)
    production.start()
    try:
        out = manage(production.env, "flex_create_application", "--name", "Shop", "--api-type", "marketplace", "--json")
        body = urlencode({"grant_type": "client_credentials", "client_id": json.loads(out.stdout)["client_id"]})
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        answered = sum(request(production, "POST", "/oauth/token", body, **form).status == 200 for _ in range(200))
    finally:
        production.stop()
    assert answered == 200
    issued = [line for line in log_file.read_text().splitlines() if "event=issued" in line]
    assert len(issued) == answered
