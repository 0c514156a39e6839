"""The Dockerfile builds and its image passes `check --deploy`: only where a container runtime works."""

from __future__ import annotations

import secrets
import shutil
import subprocess

import pytest

from tests.serving import ROOT

pytestmark = pytest.mark.servers

IMAGE = "flex-auth-django:test"


def runtime() -> str | None:
    for name in ("docker", "podman"):
        path = shutil.which(name)
        if path and subprocess.run([path, "info"], capture_output=True, timeout=30).returncode == 0:
            return path
    return None


@pytest.fixture(scope="module")
def image():
    engine = runtime()
    if engine is None:
        pytest.skip("no working container runtime (docker or podman)")
    build = subprocess.run([engine, "build", "-t", IMAGE, str(ROOT)], capture_output=True, text=True, timeout=1800)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    yield engine
    subprocess.run([engine, "rmi", "-f", IMAGE], capture_output=True, timeout=120)


def test_the_image_passes_check_deploy(image):
    env = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "auth.example.com",
        "DATABASE_URL": "postgres://flex:unused@db:5432/flex",
        "REDIS_URL": "redis://redis:6379/0",
        "FLEX_ISSUER": "https://auth.example.com",
        "FLEX_SIGNING_KEY_FILE": "/keys/signing-es256.pem",
    }
    args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    # The key the way compose.yaml's signing-key service makes it, then the check.
    script = (
        "python manage.py flex_generate_signing_key --state active --out /keys/signing-es256.pem"
        " >/dev/null && python manage.py check --deploy"
    )
    result = subprocess.run(
        [image, "run", "--rm", *args, IMAGE, "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "flex_auth." not in output and "oauth2_provider." not in output, output


def test_the_image_runs_as_an_unprivileged_user(image):
    result = subprocess.run([image, "run", "--rm", IMAGE, "id", "-u"], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "10001"
