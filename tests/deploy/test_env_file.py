"""The guide's /etc/flex-auth/env reads the same to the shell and to systemd, and passes `check --deploy`.

The file is the README block's own heredoc, written the way the block writes it (`sh`, with
the block's DOMAIN and DB_PASSWORD); `deploy/manage.sh` and the cron line read it with
`. /etc/flex-auth/env`, the units with `EnvironmentFile=`.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from tests.deploy import guide
from tests.deploy.test_deploy_files import settings_production_required
from tests.serving import ROOT

ONE_WORD = re.compile(r"[^\s'\"$#\\`;]+")


def write_guide_env(tmp_path: Path) -> Path:
    """/etc/flex-auth/env as the block's heredoc writes it, into tmp_path/env."""
    block = guide.guide_block()
    script = f'{guide.assignments(block)}cat > "$1" <<EOF\n{guide.env_body(block)}EOF\n'
    target = tmp_path / "env"
    subprocess.run(["sh", "-c", script, "sh", str(target)], check=True, timeout=60)
    return target


def both_readings(path: Path) -> tuple[dict[str, str], str, dict[str, str]]:
    shell, errors = guide.shell_environment_file(path)
    return shell, errors, guide.systemd_environment_file(path.read_text())


def test_the_guides_env_file_reads_the_same_to_sh_and_to_systemd(tmp_path):
    path = write_guide_env(tmp_path)
    shell, errors, systemd = both_readings(path)
    assert errors == "", errors
    assert shell == systemd
    assert set(settings_production_required()) | {"DJANGO_SETTINGS_MODULE"} <= set(systemd)
    for name, value in systemd.items():
        assert ONE_WORD.fullmatch(value), f"{name}'s value is not one plain word: {value!r}"
    assert systemd["DJANGO_ALLOWED_HOSTS"] == "auth.example.com"  # the block's DOMAIN
    assert len(systemd["DJANGO_SECRET_KEY"]) >= 50 and "$(" not in path.read_text()  # generated, not copied


def test_a_value_with_a_space_reads_differently(tmp_path):
    """What the old README's `k2:key,k1:older key` did: the shell runs `key,k1:older`, systemd keeps it."""
    path = tmp_path / "env"
    path.write_text("FLEX_DIGEST_KEYS=k2:key,k1:older key\n")
    shell, errors, systemd = both_readings(path)
    assert systemd == {"FLEX_DIGEST_KEYS": "k2:key,k1:older key"}
    assert errors or shell != systemd


def test_single_quotes_read_alike(tmp_path):
    """The README's advice for a value that must hold a space."""
    path = tmp_path / "env"
    path.write_text("GREETING='a b'\nPLAIN=c\n")
    shell, errors, systemd = both_readings(path)
    assert errors == ""
    assert shell == systemd == {"GREETING": "a b", "PLAIN": "c"}


def test_the_variable_tables_digest_key_example_is_one_word():
    row = next(line for line in guide.readme_section().splitlines() if line.startswith("| `FLEX_DIGEST_KEYS` |"))
    example = re.search(r"\| no \| `([^`]*)`", row).group(1)
    assert ONE_WORD.fullmatch(example), example


def test_deploy_manage_sh_with_the_guides_env_makes_the_key_and_passes_check_deploy(tmp_path):
    """The block's key step and `check --deploy`, through deploy/manage.sh, with its paths moved into tmp_path."""
    python = ROOT / ".venv" / "bin" / "python"
    assert python.exists(), "deploy/manage.sh runs the checkout's .venv/bin/python: make install"
    text = write_guide_env(tmp_path).read_text()
    moved = {
        "FLEX_SIGNING_KEY_FILE": tmp_path / "keys" / "signing-es256.pem",
        "FLEX_SECURITY_LOG": tmp_path / "log" / "security.log",
        "DJANGO_STATIC_ROOT": tmp_path / "static",
    }
    for name, path in moved.items():
        text, count = re.subn(rf"^{name}=.*$", f"{name}={path}", text, flags=re.M)
        assert count == 1, name
        path.parent.mkdir(exist_ok=True)
    (tmp_path / "env").write_text(text)
    me = subprocess.run(["id", "-un"], capture_output=True, text=True, timeout=30).stdout.strip()
    env = {"PATH": os.environ["PATH"], "FLEX_ENV_FILE": str(tmp_path / "env"), "FLEX_USER": me}  # no runuser

    def manage_sh(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(ROOT / "deploy" / "manage.sh"), *args], env=env, capture_output=True, text=True, timeout=120
        )

    key_step = next(
        c.words for p in guide.commands(guide.guide_block()) for c in p if c.words[1:2] == ["flex_generate_signing_key"]
    )
    args = key_step[1:]
    args[args.index("--out") + 1] = str(moved["FLEX_SIGNING_KEY_FILE"])
    made = manage_sh(*args)
    assert made.returncode == 0, made.stdout + made.stderr
    assert stat.S_IMODE(moved["FLEX_SIGNING_KEY_FILE"].stat().st_mode) == 0o600
    checked = manage_sh("check", "--deploy")
    output = checked.stdout + checked.stderr
    assert checked.returncode == 0, output
    assert not re.search(r"\((flex_auth|oauth2_provider)\.[EW]\d+\)", output), output
    assert moved["FLEX_SECURITY_LOG"].exists()  # the settings opened it, as the service will


def test_deploy_manage_sh_hands_root_over_to_the_service_user(tmp_path):
    """As root it never runs manage.py itself (a root-owned security log would lock the service out)."""
    if os.geteuid() != 0:
        pytest.skip("only root hands over to the service user")
    env = {"PATH": os.environ["PATH"], "FLEX_USER": "flex-auth-no-such-user", "FLEX_ENV_FILE": str(tmp_path / "none")}
    result = subprocess.run(
        [str(ROOT / "deploy" / "manage.sh"), "check"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "runuser" in result.stderr and "flex-auth-no-such-user" in result.stderr, result.stderr
