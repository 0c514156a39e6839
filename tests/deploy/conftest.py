"""The example site under its production settings, served the way deploy/serve.sh serves it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.cache_fixtures import REDIS_URL
from tests.serving import ROOT, free_port, stop_process

BIN = Path(sys.executable).parent


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """What settings_production needs, as an operator would set it (a fresh random key, and a
    signing key made the way the README says, with flex_generate_signing_key's generator)."""
    from flex_auth_django.signing.keys import generate_pem

    signing_key = tmp_path / "signing-es256.pem"
    if not signing_key.exists():
        signing_key.write_text(generate_pem("ES256"))
        signing_key.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FLEX_", "REDIS_URL", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="example_project.settings_production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="auth.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        REDIS_URL=REDIS_URL,
        FLEX_ISSUER="https://auth.example.com",
        FLEX_CORS_ALLOWED_ORIGINS="https://shop.example.com",
        FLEX_SIGNING_KEY_FILE=str(signing_key),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if check and result.returncode:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py check --deploy` under `env`, its exit status left to the test."""
    return manage(env, "check", "--deploy", check=False)


class ProductionSite:
    """migrate, collectstatic, then deploy/serve.sh (granian) on a free port."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.tmp_path = tmp_path
        self.env = production_env(tmp_path, **env)
        self.log_path = tmp_path / "serve.log"
        self.process: subprocess.Popen | None = None
        self.base = ""

    def start(self) -> str:
        manage(self.env, "migrate", "--noinput", "-v", "0")
        manage(self.env, "collectstatic", "--noinput", "-v", "0")
        port = free_port()
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1"}
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                ["sh", str(ROOT / "deploy" / "serve.sh")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"deploy/serve.sh exited with {self.process.returncode}:\n{self.log()}")
            try:
                urllib.request.urlopen(self.base + "/", timeout=2)  # noqa: S310 (local)
                return self.base
            except urllib.error.HTTPError:
                return self.base  # any HTTP answer (a 400 for the Host, a redirect) means it is serving
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"deploy/serve.sh did not answer within 60 s:\n{self.log()}")

    def stop(self) -> None:
        stop_process(self.process, timeout=15)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
