"""Login as user works whatever AUTH_USER_MODEL is: the custom-user suite, in its own process."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.serving import ROOT


def test_login_as_with_a_custom_user_model_and_user_admin():
    # Its own in-memory SQLite database: never the parent run's (PostgreSQL) test database.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--ds",
            "tests.settings_custom_user",
            "tests/console/test_login_as_custom_user.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
