"""The official Sharetribe SDKs, unchanged, against a real server of the example site (issues 2 and 5).

Starts `manage.py runserver` on a migrated temporary SQLite database, takes credentials from
`flex_demo --json` and runs tests/sdk/run.js, which drives sharetribe-flex-sdk and
sharetribe-flex-integration-sdk through login, token exchange, logout, resource calls and
their automatic recovery after tokens expire, and sign-in with an identity provider
(loginWithIdp and currentUser.createWithIdp) against the local OpenID Connect provider of
tests/idp_provider.py, configured on the site with flex_create_idp. The server runs with a 6-second access-token
lifetime so that expiry can be waited out. Set FLEX_TEST_PORTS to limit the port range.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.idp_provider import CLIENT_ID
from tests.sdk import SDK_DIR, SDK_PACKAGES, node_with
from tests.serving import ExampleSite

pytestmark = [pytest.mark.sdk, pytest.mark.servers]

ACCESS_TOKEN_LIFETIME = 6  # seconds: the steps before expiry take well under 1 s; room for a loaded machine


@pytest.fixture
def node() -> str:
    return node_with(*SDK_PACKAGES)


@pytest.fixture
def example_site(tmp_path, local_idp) -> Iterator[tuple[str, dict, ExampleSite]]:
    """A running example site: (base URL, flex_demo credentials, the site)."""
    with ExampleSite(
        tmp_path,
        FLEX_ACCESS_TOKEN_LIFETIME=str(ACCESS_TOKEN_LIFETIME),
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    ) as site:
        site.manage("migrate", "--noinput", "-v", "0")
        credentials = json.loads(site.manage("flex_demo", "--json"))
        site.manage(
            "flex_create_idp", "--idp-id", "local-oidc", "--kind", "oidc", "--client-id", CLIENT_ID,
            "--issuer", local_idp.issuer, "--json",
        )  # fmt: skip
        yield site.start("/v1/api/marketplace/show"), credentials, site


def test_official_sdks_against_the_running_example_site(node, example_site, local_idp):
    base_url, credentials, site = example_site
    # ID tokens minted now (they live 10 minutes; the script takes well under one).
    new_email = "sdk-signup@example.com"
    idp = {
        "idp_id": "local-oidc",
        "idp_client_id": CLIENT_ID,
        "demo_token": local_idp.mint(sub="sdk-demo-account", email=credentials["user"]["email"]),
        "new_token": local_idp.mint(sub="sdk-new-account", email=new_email, given_name="Ignored"),
        "new_email": new_email,
        "taken_token": local_idp.mint(sub="sdk-third-account", email=credentials["user"]["email"].upper()),
    }
    env = {
        **os.environ,
        "FLEX_BASE_URL": base_url,
        "FLEX_DEMO": json.dumps(credentials),
        "FLEX_ACCESS_TOKEN_LIFETIME": str(ACCESS_TOKEN_LIFETIME),
        "FLEX_IDP": json.dumps(idp),
    }
    result = subprocess.run(
        [node, "run.js"], cwd=SDK_DIR, env=env, capture_output=True, text=True, timeout=90, check=False
    )
    assert result.returncode == 0, (
        f"tests/sdk/run.js failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}\n"
        f"--- server log (tail) ---\n{site.log_tail()}"
    )
    assert "SDK steps passed" in result.stdout
    # The SDKs ran on signed anonymous and integration tokens (the defaults): not one row for them.
    stored = site.manage(
        "shell",
        "-c",
        "from flex_auth_django.models import AccessToken; "
        "print(AccessToken.objects.filter(kind__in=['anonymous', 'integration']).count(), "
        "AccessToken.objects.filter(kind='user').exists())",
    )
    assert stored.split()[-2:] == ["0", "True"], stored
