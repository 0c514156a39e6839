"""The official Sharetribe SDKs (and jose) installed by `make sdk-deps` into tests/sdk/node_modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SDK_DIR = Path(__file__).resolve().parent
SDK_PACKAGES = ("sharetribe-flex-sdk", "sharetribe-flex-integration-sdk")


def node_with(*packages: str) -> str:
    """The node executable, once `packages` are installed here: a missing install fails the test, never skips it
    (`make test` installs them)."""
    missing = [name for name in packages if not (SDK_DIR / "node_modules" / name / "package.json").is_file()]
    if missing:
        pytest.fail(
            f"Not installed in tests/sdk/node_modules: {', '.join(missing)}: run `make sdk-deps` "
            "(`make test` installs them)."
        )
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js (`node`) is needed to run the official SDKs: install Node.js 18 or newer.")
    return node
