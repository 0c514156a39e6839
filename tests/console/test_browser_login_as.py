"""Login as user end to end, as an operator does it: headless Chromium, the example site's admin, and a
small marketplace server (tests/sdk/marketplace/server.js) with the web template's two routes and the
official sharetribe-flex-sdk calling sdk.loginAs({code, redirect_uri, code_verifier}).

Admin → "Log in as user" → marketplace /api/initiate-login-as → console /flex-console/api/authorize-as
→ marketplace /api/login-as → sdk.loginAs → the marketplace's page, signed in as the user. Then the
session shows in the admin's sessions view with who acted, and revoking it there ends the token.
The README's screenshots docs/admin-login-as-*.png are taken here, 1366 px wide with the sidebar open.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.admin.test_browser import SCREENSHOTS
from tests.chromium import chromium_context
from tests.sdk import node_with
from tests.serving import ROOT, ExampleSite, free_port, stop_process

pytestmark = [pytest.mark.browser, pytest.mark.sdk, pytest.mark.servers]

SERVER_JS = ROOT / "tests" / "sdk" / "marketplace" / "server.js"


class Marketplace:
    """tests/sdk/marketplace/server.js on a free port of 127.0.0.1."""

    def __init__(self, workdir: Path, port: int, **env: str) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = workdir / "marketplace.log"
        self.env = {**os.environ, "PORT": str(port), "ROOT_URL": self.base, **env}
        self.process: subprocess.Popen | None = None

    def start(self, node: str) -> None:
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [node, str(SERVER_JS)], cwd=SERVER_JS.parent, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the marketplace server exited:\n{self.log()}")
            try:
                urllib.request.urlopen(self.base + "/api/initiate-login-as", timeout=2)
            except urllib.error.HTTPError:
                return  # 400 without user_id: it is serving
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the marketplace server did not answer:\n{self.log()}")

    def stop(self) -> None:
        stop_process(self.process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def node() -> str:
    return node_with("sharetribe-flex-sdk")


@pytest.fixture
def world(node) -> Iterator[dict]:
    """The example site with the demo data (its Marketplace URL is the marketplace server) and the marketplace."""
    with tempfile.TemporaryDirectory(prefix="flex-login-as-e2e-") as workdir:
        path = Path(workdir)
        port = free_port()
        site = ExampleSite(path, DJANGO_DEBUG="1")
        marketplace = None
        try:
            site.manage("migrate", "--noinput", "-v", "0")
            demo = json.loads(site.manage("flex_demo", "--json", "--marketplace-url", f"http://127.0.0.1:{port}"))
            base = site.start("/admin/login/")
            marketplace = Marketplace(
                path,
                port,
                CLIENT_ID=demo["marketplace"]["client_id"],
                BASE_URL=base,
                CONSOLE_URL=f"{base}/flex-console",
            )
            marketplace.start(node)
            yield {"site": site, "base": base, "demo": demo, "marketplace": marketplace}
        finally:
            if marketplace is not None:
                marketplace.stop()
            site.stop()


@pytest.fixture
def page():
    with chromium_context({"width": 1366, "height": 900}) as context:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page


def api_call(base: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 (local URL we built)
        f"{base}/v1/api/current_user/show", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=False)


def test_operator_logs_in_as_a_user_through_the_marketplace_and_revokes_the_session(page, world):
    base, demo, marketplace = world["base"], world["demo"], world["marketplace"]
    user = demo["user"]

    # The operator signs in to the admin, sidebar open.
    page.goto(f"{base}/admin/")
    page.evaluate("localStorage.setItem('django.admin.navSidebarIsOpen', 'true')")
    page.fill("#id_username", demo["admin"]["username"])
    page.fill("#id_password", demo["admin"]["password"])
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")

    # The user's change page has the button (one Marketplace application with a URL: no chooser).
    page.goto(f"{base}/admin/auth/user/{user['id']}/change/")
    button = page.locator("#flex-login-as")
    assert button.inner_text().strip().lower() == "log in as user"
    assert page.locator("#flex-login-as-form select").count() == 0
    screenshot(page, "admin-login-as-button.png")

    # Through the marketplace's two routes and the console, and back to the marketplace.
    with page.expect_navigation(url=f"{marketplace.base}/", wait_until="load"):
        button.click()
    assert page.inner_text("#current-user") == user["email"]
    assert "limited rights" in page.inner_text("#limited-access-banner")

    # What the SDK stored: the Login-as token, no refresh token, isLoggedInAs.
    page.goto(f"{marketplace.base}/api/test-state")
    state = json.loads(page.inner_text("body"))
    token = state["token"]
    assert token["scope"] == "user:limited" and token["token_type"] == "bearer"
    assert "refresh_token" not in token
    assert token["expires_in"] == 1800
    assert token["isLoggedInAs"] is True
    assert state["authInfo"]["isLoggedInAs"] is True and state["authInfo"]["scopes"] == ["user:limited"]
    assert state["currentUser"] == {"status": 200, "email": user["email"]}

    # A demo API call with the token answers, as the user.
    status, body = api_call(base, token["access_token"])
    assert status == 200 and body["data"]["attributes"]["email"] == user["email"]

    # The user's own session, beside it in the sessions view.
    status, _ = world["site"].token(
        client_id=demo["marketplace"]["client_id"],
        grant_type="password",
        username=user["email"],
        password=user["password"],
    )
    assert status == 200

    # The admin's sessions view lists the login-as session with who acted.
    page.goto(f"{base}/admin/flex_auth_django/session/")
    assert page.locator("#result_list tbody tr").count() == 2
    acted = page.locator("#result_list tbody tr", has_text="Login as user")
    assert acted.count() == 1 and user["email"] in acted.inner_text()
    assert demo["admin"]["username"] in acted.locator("td.field-user_link .flex-acted-by").inner_text()
    assert token["access_token"] not in page.content()
    screenshot(page, "admin-login-as-sessions.png")
    page.goto(f"{base}/admin/flex_auth_django/session/?kind=login_as")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    row = rows.first

    # Revoked there, the token dies at once.
    row.locator("th a, td a").first.click()
    page.click(".object-tools a:has-text('Revoke this session')")
    page.click("#content-main input[type=submit]")
    page.wait_for_selector("ul.messagelist li.success")
    status, body = api_call(base, token["access_token"])
    assert status == 401 and body["error"] == "invalid_token"
    page.goto(f"{base}/admin/flex_auth_django/session/?kind=login_as")
    assert page.locator("#result_list tbody tr").count() == 0
    page.goto(f"{base}/admin/flex_auth_django/session/")
    assert page.locator("#result_list tbody tr").count() == 1  # the user's own session lives on

    # Neither the code nor the token reached either server's log.
    assert token["access_token"] not in world["site"].log() + marketplace.log()
