"""Every line of the getting-started page's "Try it" block works against a real server of the example
site, and the grants guide's test-client block gets a token."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.docs.pages import block
from tests.serving import ROOT, ExampleSite


def try_it_block() -> str:
    return block("getting-started.md", "## Try it", "sh")


def test_block_exercises_every_endpoint():
    block = try_it_block()
    for path in ("/oauth/token", "/oauth/revoke", "/oauth/introspect", "/.well-known/oauth-authorization-server"):
        assert path in block
    for grant in ("client_credentials", "password", "token_exchange", "refresh_token"):
        assert f"grant_type={grant}" in block


@pytest.mark.servers
@pytest.mark.django_db(transaction=True)
def test_readme_curl_lines_work(tmp_path):
    with ExampleSite(tmp_path, share_test_database=True) as site:
        base, env = site.start(), site.env
        block = try_it_block().replace(".venv/bin/python", sys.executable)
        block = block.replace("BASE=http://127.0.0.1:8000", f"BASE={base}")
        # Every curl must answer 2xx; each response is printed for the record.
        script = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; echo; }\n' + block
        result = subprocess.run(["bash", "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"Try it block failed:\n{result.stdout}\n{result.stderr}"
        outputs = [line for line in result.stdout.splitlines() if line.startswith("{")]
        assert len(outputs) == 8, result.stdout
        assert all('"error"' not in line for line in outputs)
        assert '"active":true' in result.stdout


@pytest.mark.django_db
def test_readme_test_client_block_gets_a_token(client, marketplace_app):
    namespace = {"client": client, "client_id": str(marketplace_app.client_id)}
    exec(block("guides/grants.md", "## Calling the endpoints from Django's test client", "python"), namespace)  # noqa: S102
    from flex_auth_django import tokens

    token = tokens.live_access(namespace["access_token"])  # signed by default: no row to look at
    assert token is not None and token.kind == "anonymous" and token.application == marketplace_app
