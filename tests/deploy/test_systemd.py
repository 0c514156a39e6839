"""The systemd units: the security log's directory is writable under ProtectSystem=strict, and systemd parses them.

`systemd-analyze verify` (Debian 12's systemd 252; no running systemd needed) reads copies of
the units whose /srv/flex-auth points at a stand-in checkout in tmp_path, since it also checks
that ExecStart's program exists.
"""

from __future__ import annotations

import posixpath
import shutil
import subprocess

import pytest

from tests.deploy import guide
from tests.serving import ROOT

SERVICES = ["flex-auth.service", "flex-clear-tokens.service"]


def security_log_dir() -> str:
    env = guide.systemd_environment_file(guide.env_body(guide.guide_block()))
    return posixpath.dirname(env["FLEX_SECURITY_LOG"])


def covers(paths: list[str], directory: str) -> bool:
    return any(directory == p or directory.startswith(p.rstrip("/") + "/") for p in paths)


@pytest.mark.parametrize("unit", SERVICES)
def test_the_unit_may_write_the_security_log_and_nothing_else(unit):
    service = guide.unit_file(unit)["Service"]
    assert service["ProtectSystem"] == "strict"
    writable = [p.lstrip("-") for p in service.get("ReadWritePaths", "").split()]
    assert covers(writable, security_log_dir()), (unit, writable)
    assert writable == ["/var/log/flex-auth"], "only the log directory: the code, keys and env stay read-only"
    assert service["User"] == "flex" and service["WorkingDirectory"] == "/srv/flex-auth"


def test_the_cron_line_writes_into_the_same_directory():
    line = next(row for row in (ROOT / "deploy" / "crontab").read_text().splitlines() if row and row[0] != "#")
    assert f">> {security_log_dir()}/" in line


def test_systemd_analyze_verify_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    site = tmp_path / "srv" / "flex-auth"
    (site / ".venv" / "bin").mkdir(parents=True)
    (site / "deploy").mkdir()
    shutil.copy(ROOT / "deploy" / "serve.sh", site / "deploy" / "serve.sh")
    python = site / ".venv" / "bin" / "python"
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    units = tmp_path / "units"
    units.mkdir()
    for name in [*SERVICES, "flex-clear-tokens.timer"]:
        text = (ROOT / "deploy" / "systemd" / name).read_text()
        (units / name).write_text(text.replace("/srv/flex-auth", str(site)))
    result = subprocess.run(
        [analyze, "verify", "--man=no", *(str(units / n) for n in [*SERVICES, "flex-clear-tokens.timer"])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for complaint in ("Unknown key", "Unknown section", "Failed to parse", "Invalid", "is not executable"):
        assert complaint not in output, output
