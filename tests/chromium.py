"""Debian's headless Chromium under Playwright, for the browser tests (nothing is downloaded).

In CI a missing Chromium or Playwright fails the test (.ci/run installs Chromium); on a
developer's machine it skips.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the browser test (.ci/run installs chromium)", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def chromium_context(viewport: dict[str, int], **options: Any) -> Iterator[Any]:
    """A Playwright browser context on a fresh profile, closed on exit (`options`: more context
    options, e.g. java_script_enabled=False or color_scheme="dark")."""
    if not Path(CHROMIUM).exists():
        missing(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed")
    with tempfile.TemporaryDirectory(prefix="flex-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport=viewport,
            locale="en-US",
            **options,
        )
        try:
            yield context
        finally:
            context.close()
