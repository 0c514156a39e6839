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
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chromium import chromium_context
from tests.serving import ROOT, ExampleSite

pytestmark = [pytest.mark.browser, pytest.mark.servers]

SCREENSHOTS = Path(os.environ.get("FLEX_SCREENSHOT_DIR", ROOT / "docs"))
# The reference screen: a 1366 px laptop with the admin's navigation sidebar open.
VIEWPORT = {"width": 1366, "height": 768}
EMAIL = "operator@example.com"
PASSWORD = "operator-password-1234"


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
    with chromium_context(VIEWPORT) as context:
        yield context


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
    # The navigation sidebar open, as an operator has it by default: the tables must fit beside it.
    page.evaluate("localStorage.setItem('django.admin.navSidebarIsOpen', 'true')")


def create_application(page, site: Site, name: str, api_type: str) -> tuple[str, str]:
    """Create an application in the admin; returns the client ID and secret read off the one-time page."""
    page.goto(f"{site.base}/admin/flex_auth_django/application/add/")
    page.fill("#id_name", name)
    page.check(f"input[name=api_type][value={api_type}]")
    page.click("input[type=submit][value='Create application']")
    return read_secret_page(page)


def assert_on_screen(page, locator, what: str) -> None:
    """Visible and entirely inside the viewport's width: not clipped, not scrolled off to the right."""
    assert locator.is_visible(), f"{what} is not visible"
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, f"{what} is off-screen: {box}"


def assert_table_fits(page, what: str) -> None:
    """Every header and cell of the changelist is on screen, and nothing scrolls sideways."""
    assert page.locator("#nav-sidebar").is_visible(), "the navigation sidebar should be open"
    for index in range(page.locator("#result_list thead th").count()):
        header = page.locator("#result_list thead th").nth(index)
        assert_on_screen(page, header, f"{what} column {index} ({header.inner_text()!r})")
    cells = page.locator("#result_list tbody td")
    for index in range(cells.count()):
        assert_on_screen(page, cells.nth(index), f"{what} cell {index} ({cells.nth(index).inner_text()!r})")
    # Nothing scrolls the page sideways, and no cell reaches past the list's own scrolling box
    # (within a pixel: table borders are laid out on subpixels).
    clipped = page.evaluate(
        """() => {
            const box = document.querySelector('.results').getBoundingClientRect();
            const cells = [...document.querySelectorAll('#result_list th, #result_list td')];
            return {page: document.documentElement.scrollWidth - window.innerWidth,
                    cells: cells.filter(c => c.getBoundingClientRect().right > box.right + 1)
                                .map(c => c.innerText)};
        }"""
    )
    if clipped["page"] > 0 or clipped["cells"]:
        page.screenshot(path=str(Path(tempfile.gettempdir()) / "flex-admin-overflow.png"), full_page=True)
    assert clipped["page"] <= 0 and not clipped["cells"], (
        f"{what} does not fit: {clipped} (see flex-admin-overflow.png)"
    )


def lines_of(locator) -> int:
    """How many lines an inline element is laid out on."""
    return locator.evaluate("e => e.getClientRects().length")


def assert_formatted_times(locator, what: str) -> None:
    """Each <time> shows a formatted time, never the raw ISO string, and carries the exact one."""
    for index in range(locator.count()):
        element = locator.nth(index)
        text = element.inner_text()
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), f"{what}: raw ISO time {text!r}"
        assert element.get_attribute("datetime") and element.get_attribute("title"), what


def button_look(locator) -> dict:
    return locator.evaluate(
        "e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();"
        " return {bg: s.backgroundColor, color: s.color, padding: s.padding, font: s.fontSize,"
        " radius: s.borderRadius, height: Math.round(r.height)}; }"
    )


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
    for selector in ("#flex-secret-warning", "#flex-client-secret", "button[data-copy=flex-client-secret]"):
        assert_on_screen(page, page.locator(selector), selector)
    continue_look = button_look(page.locator("#flex-continue"))

    # Reloading the one-time page sends the form again: a clear page with ways on, no bare form error.
    page.reload()
    page.wait_for_selector("#flex-resubmitted")
    assert "Please correct the error" not in page.inner_text("#content")
    assert "cannot be shown again" in page.inner_text("#flex-resubmitted")
    assert integ_secret not in page.content()
    assert_on_screen(page, page.locator("#flex-resubmitted"), "the resubmission message")
    assert_on_screen(page, page.locator("#flex-open-created"), "the link to the created application")
    page.click("#flex-open-created")
    page.wait_for_selector("div.field-client_secret")
    assert page.inner_text("div.field-name .readonly, div.field-name input") or page.input_value("#id_name")
    assert page.input_value("#id_name") == "Order sync (back office)"
    # The change page: the whole client ID on one line with a copy button; admin-looking buttons.
    client_id_code = page.locator("div.field-client_id_full code")
    assert client_id_code.inner_text() == integ_id and lines_of(client_id_code) == 1
    assert_on_screen(page, page.locator("div.field-client_id_full button.flex-copy"), "the change page copy button")
    page.click("div.field-client_id_full button.flex-copy")
    page.wait_for_selector("div.field-client_id_full button.flex-copy:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == integ_id
    assert_formatted_times(page.locator("div.field-created_at time, div.field-last_used_at time"), "change page")
    save_look = button_look(page.locator("input[name=_save]"))
    assert continue_look == save_look, (continue_look, save_look)

    # The secrets work from a server, over plain HTTP.
    status, body = site.token(client_id=integ_id, client_secret=integ_secret, grant_type="client_credentials")
    assert status == 200 and body["scope"] == "integ" and body["refresh_token"]
    integ_refresh = body["refresh_token"]
    status, body = site.token(client_id=market_id, client_secret=market_secret, grant_type="client_credentials")
    assert status == 200 and body["scope"] == "public-read"
    status, body = site.token(client_id=market_id, grant_type="password", username=EMAIL, password=PASSWORD)
    assert status == 200 and body["scope"] == "user"

    # The list: both applications, their activity, and no secret. One app was last used long ago, so
    # the widest relative time ("11 months ago") is measured, not just "just now".
    site.manage(
        "shell",
        "--no-imports",
        "-c",
        "from datetime import timedelta; from django.utils import timezone;"
        "from flex_auth_django.models import Application;"
        "Application.objects.filter(name__startswith='Storefront')"
        ".update(last_used=timezone.now() - timedelta(days=340))",
    )
    page.goto(f"{site.base}/admin/flex_auth_django/application/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    listing = page.content()
    assert market_id in listing and integ_id in listing
    assert market_secret not in listing and integ_secret not in listing
    integ_row = page.locator("#result_list tbody tr", has_text="Order sync")
    assert integ_row.locator("td.field-tokens_24h").inner_text() == "1"
    assert integ_row.locator("td.field-live_sessions").inner_text() == "1"
    assert_table_fits(page, "the applications list")
    for index in range(rows.count()):
        code = rows.nth(index).locator("td.field-client_id_copy code")
        assert lines_of(code) == 1 and len(code.inner_text()) <= 9, code.inner_text()
    assert_formatted_times(page.locator("#result_list time"), "applications list")
    # The list's copy button copies the whole client ID, though the cell shows its start.
    integ_row.locator("td.field-client_id_copy button.flex-copy").click()
    integ_row.locator("td.field-client_id_copy button.flex-copy:has-text('Copied')").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == integ_id
    assert integ_id.startswith(integ_row.locator("td.field-client_id_copy code").inner_text().rstrip("…"))
    page.wait_for_selector("#result_list button.flex-copy:has-text('Copied')", state="detached")
    page.reload()  # the screenshot without the clicked button's focus colour
    page.wait_for_selector("#result_list")
    screenshot(page, "admin-applications.png")

    # The sessions view: the user's session and the integration's, no token values (one session
    # started long ago, for the widest relative times).
    site.manage(
        "shell",
        "--no-imports",
        "-c",
        "from datetime import timedelta; from django.utils import timezone;"
        "from flex_auth_django.models import RefreshToken;"
        "RefreshToken.objects.filter(user__isnull=False).update(family_started=timezone.now() - timedelta(days=340))",
    )
    page.goto(f"{site.base}/admin/flex_auth_django/session/")
    sessions = page.locator("#result_list tbody tr")
    assert sessions.count() == 2
    assert page.locator("#result_list tbody tr", has_text=EMAIL).count() == 1
    assert "hmac-sha256$" not in page.content() and integ_refresh not in page.content()
    assert_table_fits(page, "the sessions list")
    assert_on_screen(page, page.locator("#result_list thead th.column-expires_in"), "the Expires column")
    assert_formatted_times(page.locator("#result_list time"), "sessions list")
    screenshot(page, "admin-sessions.png")
    # A session's page shows the same times, formatted the same way (exact, not ISO).
    page.click(
        "#result_list tbody tr:has-text('Order sync') th a, #result_list tbody tr:has-text('Order sync') td a >> nth=0"
    )
    page.wait_for_selector("div.field-expires_at")
    assert_formatted_times(page.locator("div.field-started_at time, div.field-expires_at time"), "session page")

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
