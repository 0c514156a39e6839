"""The console polish at 1366 px in Chromium, light and dark: the applications list and the identity-provider form.

The list: a 50-character name takes at most two lines, a Marketplace URL's host wraps only
after a dot or a hyphen (never `localhost:30` / `00`), there is a Created column, and the
whole table fits beside the open navigation sidebar. The identity-provider add page: once a
kind is chosen only its fields show (and the other kinds' values are not sent); without
JavaScript every kind's fields show and the form still works. Measured from the laid-out
boxes, as an operator would see them. The docs' docs/admin-identity-provider.png is taken here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.admin.test_browser import (
    EMAIL,
    PASSWORD,
    VIEWPORT,
    Site,
    assert_on_screen,
    assert_table_fits,
    log_in,
    screenshot,
)
from tests.chromium import chromium_context

pytestmark = pytest.mark.browser

SCHEMES = ("light", "dark")
# Two 50-character names: one of short words, one with a long word where the line must break.
NAMES = (
    "Storefront web client for the Helsinki marketplace",
    "Nordic rentals — mobile applications (iOS/Android)",
)
HOSTS = ("localhost:3000", "shop.example-marketplace-with-a-long-name.com")

SETUP = f"""
from datetime import timedelta
from django.utils import timezone
from flex_auth_django.models import Application
now = timezone.now()
Application.objects.create(name={NAMES[0]!r}, api_type="marketplace", marketplace_url="http://{HOSTS[0]}",
                           created=now - timedelta(days=63), last_used=now - timedelta(days=340))
Application.objects.create(name={NAMES[1]!r}, api_type="marketplace", marketplace_url="https://{HOSTS[1]}")
Application.objects.create(name="Order sync", api_type="integration", is_active=False)
"""

# The characters after which each line of an element's text ends (empty for one line).
LINE_BREAKS_JS = """e => {
    const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    const chars = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.length; i++) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rect = range.getClientRects()[0];
            if (rect) chars.push([node.data[i], Math.round(rect.top)]);
        }
    }
    const breaks = [];
    for (let i = 1; i < chars.length; i++) if (chars[i][1] > chars[i - 1][1]) breaks.push(chars[i - 1][0]);
    return breaks;
}"""

# WCAG contrast ratio between an element's text and the first opaque background behind it.
CONTRAST_JS = """e => {
    const rgb = c => c.match(/[\\d.]+/g).map(Number);
    const lum = ([r, g, b]) => {
        const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    let node = e, bg = null;
    while (node && node.nodeType === 1) {
        const c = rgb(getComputedStyle(node).backgroundColor);
        if (c.length < 4 || c[3] > 0) { bg = c; break; }
        node = node.parentElement;
    }
    bg = bg || [255, 255, 255];
    const [a, b] = [lum(rgb(getComputedStyle(e).color)), lum(bg)];
    return {ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), background: lum(bg)};
}"""


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with tempfile.TemporaryDirectory(prefix="flex-console-e2e-") as workdir:
        running = Site(Path(workdir))
        try:
            running.start()
            running.manage("shell", "--no-imports", "-c", SETUP)
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def browser_context():
    with chromium_context(VIEWPORT) as context:
        yield context


@pytest.fixture(params=SCHEMES)
def page(request, browser_context, site):
    page = browser_context.new_page()
    page.set_default_timeout(15_000)
    page.emulate_media(color_scheme=request.param)
    page.goto(f"{site.base}/admin/")
    if page.locator("#id_username").count():  # the context's first page logs in; the others share its cookie
        log_in(page, site)
    page.scheme = request.param
    yield page
    page.close()


def assert_readable(page, locator, what: str) -> None:
    """Readable in the page's colour scheme: WCAG AA contrast for small text, on the scheme's background."""
    found = locator.evaluate(CONTRAST_JS)
    assert found["ratio"] >= 4.5, f"{what}: contrast {found['ratio']:.2f} in the {page.scheme} theme"
    assert (found["background"] < 0.2) == (page.scheme == "dark"), f"{what}: not on a {page.scheme} background"


def test_the_applications_list_fits_with_short_names_whole_hosts_and_a_created_column(page, site):
    page.goto(f"{site.base}/admin/flex_auth_django/application/")
    page.wait_for_selector("#result_list")
    assert_table_fits(page, f"the applications list ({page.scheme})")

    for name in NAMES:
        assert len(name) == 50
        shown = page.locator("#result_list .flex-name", has_text=name)
        lines = shown.evaluate("e => e.getClientRects().length")
        assert 1 <= lines <= 2, f"{name!r} takes {lines} lines"

    for host in HOSTS:
        shown = page.locator("#result_list .flex-marketplace-url", has_text=host)
        assert shown.inner_text() == host
        breaks = shown.evaluate(LINE_BREAKS_JS)
        assert all(char in ".-" for char in breaks), f"{host} breaks mid-word after {breaks}"
        assert_readable(page, shown, f"the host {host}")
    assert page.locator("#result_list .flex-marketplace-url", has_text=HOSTS[0]).evaluate(LINE_BREAKS_JS) == []

    # Created: a column of its own, a date (the exact time on hover), on one line.
    assert page.locator("#result_list thead th.column-created_on").inner_text().strip().lower() == "created"
    created = page.locator("#result_list tr", has_text=NAMES[0]).locator("td.field-created_on time")
    assert created.get_attribute("datetime") and created.get_attribute("title")
    assert created.evaluate("e => e.getClientRects().length") == 1
    # A deactivated application says so under its name.
    inactive = page.locator("#result_list tr", has_text="Order sync").locator(".flex-inactive")
    assert inactive.inner_text() == "Deactivated"
    assert_readable(page, inactive, "the Deactivated tag")


def visible_fields(page) -> set[str]:
    return {name for name in ("issuer", "jwks", "app_secret") if page.locator(f"[name={name}]").is_visible()}


def test_the_add_form_shows_only_the_chosen_kinds_fields(page, site):
    page.goto(f"{site.base}/admin/flex_auth_django/identityprovider/add/")
    assert page.locator("label[for=id_kind]").inner_text() == "Kind:"
    assert page.locator(".field-created").count() == 0
    assert visible_fields(page) == set(), "no kind chosen yet: no kind's fields"
    for kind, fields in (("google", {"jwks"}), ("facebook", {"app_secret"}), ("oidc", {"issuer", "jwks"})):
        page.select_option("#id_kind", kind)
        assert visible_fields(page) == fields, kind
    assert "keep the current one" not in page.inner_text("#content-main")

    # A secret typed under Facebook before switching to OpenID Connect is not sent (it would be refused).
    idp_id = f"corp-{page.scheme}"
    page.select_option("#id_kind", "facebook")
    page.fill("#id_app_secret", "typed-before-switching")
    page.select_option("#id_kind", "oidc")
    page.fill("#id_idp_id", idp_id)
    page.fill("#id_name", "Corporate SSO")
    page.fill("#id_client_id", "web-client")
    page.fill("#id_trusted_client_ids", "ios-client\n\nandroid-client")
    page.fill("#id_issuer", "https://id.example.com")
    assert_on_screen(page, page.locator("#id_trusted_client_ids"), "the trusted client IDs")
    assert_readable(page, page.locator(".field-trusted_client_ids .help"), "the trusted client IDs' help")
    if page.scheme == "light":
        screenshot(page, "admin-identity-provider.png")  # docs/guides/idp.md
    page.click("input[name=_continue]")
    page.wait_for_selector("ul.messagelist li.success")

    # The change page: the kind fixed and shown, the IDs one per line, only OpenID Connect's fields.
    assert page.locator("#id_kind").count() == 0
    assert page.inner_text(".field-kind_shown .readonly") == "OpenID Connect"
    assert page.input_value("#id_trusted_client_ids") == "ios-client\nandroid-client"
    assert page.input_value("#id_jwks") == ""
    assert visible_fields(page) == {"issuer", "jwks"}
    assert page.locator(".field-created .readonly").is_visible()


def test_without_javascript_every_kinds_fields_show_and_the_form_works(browser_context, site):
    page = browser_context.new_page()
    page.set_default_timeout(15_000)
    # Scripts off for this page only (the context's other pages keep them).
    browser_context.new_cdp_session(page).send("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        page.goto(f"{site.base}/admin/flex_auth_django/identityprovider/add/")
        if page.locator("#id_username").count():
            page.fill("#id_username", EMAIL)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
        page.wait_for_selector("#id_kind")
        assert page.evaluate("1 + 1") == 2  # Playwright's own scripts still run; the page's do not:
        assert not page.locator("fieldset.flex-kind-fields[hidden]").count()
        assert visible_fields(page) == {"issuer", "jwks", "app_secret"}
        page.select_option("#id_kind", "facebook")
        assert visible_fields(page) == {"issuer", "jwks", "app_secret"}
        page.fill("#id_idp_id", "facebook-nojs")
        page.fill("#id_name", "Facebook")
        page.fill("#id_client_id", "1234567890")
        page.fill("#id_app_secret", "fb-app-secret-0123456789")
        page.click("input[name=_continue]")
        page.wait_for_selector("ul.messagelist li.success")
        assert visible_fields(page) == {"app_secret"}
        assert "keep the current one" in page.inner_text(".field-app_secret")
    finally:
        page.close()
