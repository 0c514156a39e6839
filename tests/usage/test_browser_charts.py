"""The usage charts in a real headless Chromium, at 1366 and 1920 px, in the light and the dark theme.

A scripted burst of traffic (anonymous tokens, wrong secrets, a throttled password guesser)
hits the example site, whose workers flush every second; the application's page and the
dashboard must then show charts that are visible, on screen, labelled, and whose bars say
(in their titles) and show (in their drawn height) the burst. The screenshots of the
monitoring guide (docs/admin-usage-*.png) are taken here.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chromium import chromium_context
from tests.serving import ROOT, ExampleSite

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("FLEX_SCREENSHOT_DIR", ROOT / "docs"))
EMAIL = "operator@example.com"
PASSWORD = "operator-password-1234"
BURST = 40
WRONG = 6
APP_CHARTS = (
    "Tokens issued per hour, last 24 hours",
    "Refused requests per hour, last 24 hours",
    "Tokens issued per day, last 30 days",
    "Refused requests per day, last 30 days",
)
DASHBOARD_CHARTS = (
    "Tokens issued per application, last 24 hours",
    "Refused requests per application, last 24 hours",
    "Live sessions per application",
    "Throttled attempts per hour, last 24 hours",
    "Login as user started per day, last 30 days",
)


class Site(ExampleSite):
    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir, DJANGO_DEBUG="1", DJANGO_SUPERUSER_PASSWORD=PASSWORD, FLEX_USAGE_FLUSH_INTERVAL="1")

    def start(self, ready_path: str = "/admin/login/") -> str:
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("createsuperuser", "--noinput", "--username", EMAIL, "--email", EMAIL)
        created = self.manage(
            "shell",
            "-c",
            "from flex_auth_django.models import Application as A\n"
            "for name, kind in (('Storefront web', 'marketplace'), ('Back office sync', 'integration'), "
            "('Mobile app', 'marketplace')):\n"
            "    a = A.objects.create(name=name, api_type=kind, client_secret_digest='-', client_secret_last4='-')\n"
            "    print(a.pk, a.client_id)",
        )
        self.apps = [p for p in (line.split() for line in created.splitlines()) if len(p) == 2 and len(p[1]) == 36]
        return super().start(ready_path)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with tempfile.TemporaryDirectory(prefix="flex-usage-e2e-") as workdir:
        running = Site(Path(workdir))
        try:
            running.start()
            burst(running)
            yield running
        finally:
            running.stop()


def burst(site: Site) -> None:
    """The scripted traffic: tokens for the storefront, wrong secrets, and a password guesser throttled."""
    (store_pk, store_id), _, (mobile_pk, mobile_id) = site.apps
    for _ in range(BURST):
        assert site.token(client_id=store_id, grant_type="client_credentials", scope="public-read")[0] == 200
    for _ in range(3):
        site.token(client_id=mobile_id, grant_type="client_credentials", scope="public-read")
    for _ in range(WRONG):
        assert site.token(client_id=store_id, client_secret="wrong", grant_type="client_credentials")[0] == 401
    statuses = [
        site.token(client_id=store_id, grant_type="password", username="guess@example.com", password="nope")[0]
        for _ in range(12)
    ]
    assert 429 in statuses, statuses  # THROTTLE_USERNAME: 10 failures per (account, address)


def log_in(page, site: Site) -> None:
    page.goto(f"{site.base}/admin/")
    page.fill("#id_username", EMAIL)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    page.evaluate("localStorage.setItem('django.admin.navSidebarIsOpen', 'true')")


def open_until(page, url: str, label: str, expected: str, timeout: float = 60) -> None:
    """Load `url` until the last bar of chart `label` says `expected` (the workers flush every second)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        last = page.locator(f'svg[role=img][aria-label="{label}"] .flex-chart-bar title').last.text_content()
        if expected in (last or "") or time.monotonic() > deadline:
            assert expected in (last or ""), f"{label}: last bar says {last!r}, not {expected!r}"
            return
        time.sleep(1)


def check_chart(page, label: str) -> None:
    chart = page.locator(f'svg[role=img][aria-label="{label}"]')
    assert chart.count() == 1, label
    chart.scroll_into_view_if_needed()
    assert chart.is_visible(), f"{label} is not visible"
    box = chart.bounding_box()
    width = page.viewport_size["width"]
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width and box["width"] >= 300, f"{label}: {box}"
    assert chart.locator("text").count() >= 2, f"{label} has no axis text"
    # Drawn in a colour that stands out from the page: not the background's, in either theme.
    contrast = page.evaluate(
        """(svg) => {
            const bg = getComputedStyle(document.body).backgroundColor;
            const bar = svg.querySelector('.flex-chart-issued, .flex-chart-refused');
            const text = svg.querySelector('text');
            return {bg, bar: getComputedStyle(bar).fill, text: getComputedStyle(text).fill};
        }""",
        chart.element_handle(),
    )
    assert contrast["bar"] not in (contrast["bg"], "none") and contrast["text"] != contrast["bg"], contrast


def tallest_bar(page, label: str) -> tuple[float, str]:
    """The drawn height (px) of the chart's tallest bar and its title."""
    return page.evaluate(
        """(label) => {
            const svg = document.querySelector(`svg[role=img][aria-label="${label}"]`);
            let best = [0, ''];
            for (const g of svg.querySelectorAll('.flex-chart-bar')) {
                const h = g.querySelector('.flex-chart-issued, .flex-chart-refused').getBoundingClientRect();
                const size = Math.max(h.height, h.width < 400 && svg.viewBox.baseVal.height < 190 ? h.width : 0);
                if (size > best[0]) best = [size, g.querySelector('title').textContent];
            }
            return best;
        }""",
        label,
    )


@pytest.mark.parametrize("width", [1366, 1920])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_charts_show_the_burst(site, width, scheme):
    (store_pk, _), *_ = site.apps
    with chromium_context({"width": width, "height": 900}) as context:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.emulate_media(color_scheme=scheme)
        log_in(page, site)
        app_url = f"{site.base}/admin/flex_auth_django/application/{store_pk}/change/"
        open_until(page, app_url, APP_CHARTS[0], f": {BURST} tokens issued")
        if scheme == "dark":
            assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 255, 255)"
        for label in APP_CHARTS:
            check_chart(page, label)
        height, title = tallest_bar(page, APP_CHARTS[0])
        assert title.endswith(f": {BURST} tokens issued") and height > 40, (height, title)
        assert (
            page.locator(f'svg[aria-label="{APP_CHARTS[1]}"] .flex-chart-bar title')
            .last.text_content()
            .endswith(f": {WRONG + 10} refused")
        )  # the wrong secrets and the guesser's failures before the throttle
        events = page.locator(".flex-usage-table").first.inner_text()
        assert "throttled" in events.lower(), events
        if width == 1366:
            page.screenshot(path=str(SCREENSHOTS / f"admin-usage-application-{scheme}.png"), full_page=True)

        page.goto(f"{site.base}/admin/flex_auth_django/usagecount/")
        for label in DASHBOARD_CHARTS:
            check_chart(page, label)
        per_app = page.locator(f'svg[aria-label="{DASHBOARD_CHARTS[0]}"] .flex-chart-bar title').all_text_contents()
        assert f"Storefront web: {BURST} tokens issued" in per_app and "Mobile app: 3 tokens issued" in per_app
        assert "Back office sync: 0 tokens issued" in per_app
        throttled = page.locator(f'svg[aria-label="{DASHBOARD_CHARTS[3]}"] .flex-chart-bar title').last.text_content()
        assert not throttled.endswith(": 0 throttled"), throttled
        assert page.locator(".flex-dashboard-table tbody tr").count() == 3
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            "the dashboard scrolls sideways"
        )
        if width == 1366:
            page.screenshot(path=str(SCREENSHOTS / f"admin-usage-dashboard-{scheme}.png"), full_page=True)
        page.close()
