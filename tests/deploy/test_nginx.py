"""deploy/nginx-http.conf and deploy/nginx.conf under Debian's nginx (1.22 on Debian 12).

`nginx -t` on both files, included from a throwaway http block with a self-signed certificate
in place of Let's Encrypt's; then the port-80 server, run on a free port, answers an ACME
challenge from the webroot and redirects everything else. Nothing of the machine's /etc/nginx
is read or changed: the test's own prefix, pid, logs and temp paths live in tmp_path.
"""

from __future__ import annotations

import datetime
import http.client
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.serving import ROOT, free_port, stop_process

DEPLOY = ROOT / "deploy"
LETSENCRYPT = "/etc/letsencrypt/live/auth.example.com/"


@pytest.fixture(scope="module")
def nginx() -> str:
    path = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if path is None:
        pytest.skip("Debian's nginx is not installed (apt-get install nginx; .ci/run installs it when missing)")
    return path


def nginx_version(nginx: str) -> tuple[int, ...]:
    out = subprocess.run([nginx, "-v"], capture_output=True, text=True, timeout=30).stderr
    return tuple(int(n) for n in re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out).groups())


def self_signed(directory: Path) -> None:
    """fullchain.pem and privkey.pem for auth.example.com, as certbot names them."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "auth.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("auth.example.com")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True)
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def main_conf(tmp_path: Path, includes: list[Path]) -> Path:
    """A minimal nginx.conf of the test's own, including `includes` in its http block."""
    lines = [
        f"pid {tmp_path}/nginx.pid;",
        f"error_log {tmp_path}/error.log;",
        # As root, nginx's workers would run as nobody, who cannot enter pytest's tmp_path.
        *(["user root;"] if os.geteuid() == 0 else []),
        "events {}",
        "http {",
        f"    access_log {tmp_path}/access.log;",
        *(f"    {name}_temp_path {tmp_path}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")),
        *(f"    include {path};" for path in includes),
        "}",
    ]
    conf = tmp_path / "nginx.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf


def https_conf(tmp_path: Path) -> Path:
    """deploy/nginx.conf with only the certificate directory moved to the throwaway one."""
    self_signed(tmp_path / "cert")
    text, count = re.subn(re.escape(LETSENCRYPT), f"{tmp_path}/cert/", (DEPLOY / "nginx.conf").read_text())
    assert count == 2, "deploy/nginx.conf names the certificate and its key under " + LETSENCRYPT
    path = tmp_path / "flex-auth.conf"
    path.write_text(text)
    return path


def nginx_test(nginx: str, tmp_path: Path, conf: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_nginx_accepts_the_shipped_files(nginx, tmp_path):
    conf = main_conf(tmp_path, [DEPLOY / "nginx-http.conf", https_conf(tmp_path)])
    result = nginx_test(nginx, tmp_path, conf)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    # nginx 1.25.1 and newer call `listen ... http2` deprecated, which is all they may say.
    warnings = [line for line in result.stderr.splitlines() if "[warn]" in line and "http2" not in line]
    assert warnings == [], result.stderr


def test_the_http2_on_directive_fails_before_nginx_1_25_1(nginx, tmp_path):
    """Why deploy/nginx.conf says `listen 443 ssl http2;`: Debian 12's nginx knows no `http2 on;`."""
    if nginx_version(nginx) >= (1, 25, 1):
        pytest.skip("this nginx knows `http2 on;`")
    conf = https_conf(tmp_path)
    conf.write_text(conf.read_text().replace("listen 443 ssl http2;", "listen 443 ssl;\n    http2 on;"))
    result = nginx_test(nginx, tmp_path, main_conf(tmp_path, [conf]))
    assert result.returncode != 0 and 'unknown directive "http2"' in result.stderr, result.stderr


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path, headers={"Host": "auth.example.com"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), body


def test_port_80_serves_acme_challenges_and_redirects_the_rest(nginx, tmp_path):
    webroot = tmp_path / "webroot"
    challenge = webroot / ".well-known" / "acme-challenge" / "token-123"
    challenge.parent.mkdir(parents=True)
    challenge.write_text("token-123.thumbprint")
    port = free_port()
    text = (DEPLOY / "nginx-http.conf").read_text()
    assert text.count("root /var/www/letsencrypt;") == 1 and "listen 80;" in text
    text = text.replace("root /var/www/letsencrypt;", f"root {webroot};").replace(
        "listen 80;", f"listen 127.0.0.1:{port};"
    )
    text = re.sub(r"^\s*listen \[::\]:80;\n", "", text, flags=re.M)
    (tmp_path / "flex-auth-http.conf").write_text(text)
    conf = main_conf(tmp_path, [tmp_path / "flex-auth-http.conf"])
    process = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read().decode()
            try:
                status, headers, body = get(port, "/.well-known/acme-challenge/token-123")
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not answer within 30 s"
                time.sleep(0.1)
        assert (status, body) == (200, b"token-123.thumbprint")
        assert get(port, "/.well-known/acme-challenge/missing")[0] == 404  # never redirected to https
        status, headers, _ = get(port, "/oauth/token?x=1")
        assert status == 301 and headers["Location"] == "https://auth.example.com/oauth/token?x=1"
    finally:
        stop_process(process, timeout=15)
