"""End to end in a real headless Chromium against a running example site.

An operator logs into the admin, creates a Marketplace and an Integration application,
copies the one-time secret from the page, gets tokens with it from /oauth/token, looks
at the sessions, regenerates the secret and sees the old one refused with 401. The
screenshots the README shows are taken here (docs/admin-*.png).

Needs Debian's chromium at /usr/bin/chromium (or FLEX_CHROMIUM) and the playwright
package; no browser is ever downloaded. Skipped when either is missing, except in CI
(CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving import ROOT, ExampleSite

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("FLEX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("FLEX_SCREENSHOT_DIR", ROOT / "docs"))
EMAIL = "operator@example.com"
PASSWORD = "operator-password-1234"


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the browser test (.ci/run installs chromium)", pytrace=False)
    pytest.skip(reason)


class Site(ExampleSite):
    """The example site with an operator account; DEBUG so runserver serves the admin's static files."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir, DJANGO_DEBUG="1", DJANGO_SUPERUSER_PASSWORD=PASSWORD)

    def start(self, ready_path: str = "/admin/login/") -> str:
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("createsuperuser", "--noinput", "--username", EMAIL, "--email", EMAIL)
        return super().start(ready_path)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with tempfile.TemporaryDirectory(prefix="flex-admin-e2e-") as workdir:
        running = Site(Path(workdir))
        try:
            running.start()
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def browser_context():
    if not Path(CHROMIUM).exists():
        _missing(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with tempfile.TemporaryDirectory(prefix="flex-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1440, "height": 900},
            locale="en-US",
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context, site):
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.base)
    page = browser_context.new_page()
    page.set_default_timeout(15_000)
    yield page
    page.close()


def log_in(page, site: Site) -> None:
    page.goto(f"{site.base}/admin/")
    page.fill("#id_username", EMAIL)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    # Start with the admin's navigation sidebar closed: more room for the tables in the screenshots.
    page.evaluate("localStorage.setItem('django.admin.navSidebarIsOpen', 'false')")


def create_application(page, site: Site, name: str, api_type: str) -> tuple[str, str]:
    """Create an application in the admin; returns the client ID and secret read off the one-time page."""
    page.goto(f"{site.base}/admin/flex_auth_django/application/add/")
    page.fill("#id_name", name)
    page.check(f"input[name=api_type][value={api_type}]")
    page.click("input[type=submit][value='Create application']")
    return read_secret_page(page)


def read_secret_page(page) -> tuple[str, str]:
    page.wait_for_selector("#flex-client-secret")
    warning = page.inner_text("#flex-secret-warning")
    assert "will not be shown again" in warning
    client_id = page.input_value("#flex-client-id")
    secret = page.input_value("#flex-client-secret")
    assert secret.startswith("flxs_") and len(secret) > 40
    # The copy button puts exactly the secret on the clipboard.
    page.click("button[data-copy=flex-client-secret]")
    page.wait_for_selector(".flex-copied:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    return client_id, secret


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_operator_creates_apps_uses_the_secret_once_and_regenerates_it(page, site):
    log_in(page, site)

    market_id, market_secret = create_application(page, site, "Storefront (web)", "marketplace")
    integ_id, integ_secret = create_application(page, site, "Order sync (back office)", "integration")
    screenshot(page, "admin-secret-once.png")
    assert page.url.endswith("/admin/flex_auth_django/application/add/")  # rendered from the POST, no redirect

    # The secrets work from a server, over plain HTTP.
    status, body = site.token(client_id=integ_id, client_secret=integ_secret, grant_type="client_credentials")
    assert status == 200 and body["scope"] == "integ" and body["refresh_token"]
    integ_refresh = body["refresh_token"]
    status, body = site.token(client_id=market_id, client_secret=market_secret, grant_type="client_credentials")
    assert status == 200 and body["scope"] == "public-read"
    status, body = site.token(client_id=market_id, grant_type="password", username=EMAIL, password=PASSWORD)
    assert status == 200 and body["scope"] == "user"

    # The list: both applications, their activity, and no secret.
    page.goto(f"{site.base}/admin/flex_auth_django/application/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    listing = page.content()
    assert market_id in listing and integ_id in listing
    assert market_secret not in listing and integ_secret not in listing
    integ_row = page.locator("#result_list tbody tr", has_text="Order sync")
    assert integ_row.locator("td.field-tokens_24h").inner_text() == "1"
    assert integ_row.locator("td.field-live_sessions").inner_text() == "1"
    screenshot(page, "admin-applications.png")

    # The sessions view: the user's session and the integration's, no token values.
    page.goto(f"{site.base}/admin/flex_auth_django/session/")
    sessions = page.locator("#result_list tbody tr")
    assert sessions.count() == 2
    assert page.locator("#result_list tbody tr", has_text=EMAIL).count() == 1
    assert "hmac-sha256$" not in page.content() and integ_refresh not in page.content()
    screenshot(page, "admin-sessions.png")

    # Regenerate the integration's secret: shown once, the old one is refused at once.
    page.goto(f"{site.base}/admin/flex_auth_django/application/")
    page.click("#result_list a:has-text('Order sync (back office)')")
    page.click(".object-tools a:has-text('Regenerate client secret')")
    assert "stops working immediately" in page.inner_text("#content-main")
    page.click("input[type=submit][value='Regenerate client secret']")
    same_id, new_secret = read_secret_page(page)
    assert same_id == integ_id and new_secret != integ_secret

    status, body = site.token(client_id=integ_id, client_secret=integ_secret, grant_type="client_credentials")
    assert status == 401 and body["error"] == "invalid_client"
    status, body = site.token(client_id=integ_id, client_secret=new_secret, grant_type="client_credentials")
    assert status == 200 and body["scope"] == "integ"

    # Afterwards only the last 4 characters are shown.
    page.click("#flex-continue")
    page.wait_for_selector("div.field-client_secret")
    assert page.inner_text("div.field-client_secret .readonly code") == f"…{new_secret[-4:]}"
    assert new_secret not in page.content()

    # Revoke the first integration session from the sessions view: its refresh token stops working.
    page.goto(f"{site.base}/admin/flex_auth_django/session/?q=Order+sync")
    page.locator("#result_list tbody tr input.action-select").first.check()
    page.locator("#result_list tbody tr input.action-select").nth(1).check()
    page.select_option("select[name=action]", "revoke_selected")
    page.click("button[name=index]")
    page.wait_for_selector("ul.messagelist li.success")
    assert "Revoked 2 sessions." in page.inner_text("ul.messagelist")
    status, body = site.token(client_id=integ_id, grant_type="refresh_token", refresh_token=integ_refresh)
    assert status == 401 and body["error"] == "invalid_grant"

    # No secret reached the server's log.
    server_log = site.log()
    assert "POST /admin/flex_auth_django/application/add/" in server_log
    for secret in (market_secret, integ_secret, new_secret):
        assert secret not in server_log
