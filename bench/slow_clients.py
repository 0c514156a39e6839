#!/usr/bin/env python
"""Slow clients against each serving option: do other requests still get served?

    .venv/bin/python bench/slow_clients.py [--workers 2] [--seconds 12] [--output bench/serving.md]

For each option (gunicorn sync, gunicorn gthread, granian WSGI, and nginx buffering in
front of gunicorn sync and of granian) the example site runs as a real server on PostgreSQL. A probe
sends anonymous client_credentials requests (each on a new connection, 5 s timeout) for
a few seconds with no slow clients (the baseline), then again while N connections trickle
a request one byte a second and never finish it: first inside the headers, then inside the
body. N is the number of workers, then workers x threads, then 64. The report says how many probe requests were
answered, how many timed out, and their median and worst latency.

Bounded: traffic only to 127.0.0.1, at most 64 slow connections, --seconds per phase
(default 8), every server stopped on exit. nginx comes from Debian's packages
(apt-get, if missing); without it that option is reported as not measured. Uses the
PostgreSQL database <--db-prefix>_slow (recreated) and local-memory throttle counters.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import (  # noqa: E402
    OUT,
    BenchError,
    Server,
    check_port_free,
    database_url,
    ensure_database,
    ensure_venv,
    manage,
    say,
)

SETTINGS = "bench.flex_site.settings"
MAX_SLOW = 64
PROBE_TIMEOUT = 5.0
PROBE_THREADS = 4


@dataclass
class Phase:
    slow: int
    seconds: float
    mode: str = "headers"
    answered: int = 0
    timeouts: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def worst(self) -> float:
        return max(self.latencies_ms) if self.latencies_ms else 0.0


def probe(url: str, body: bytes, phase: Phase, deadline: float, lock: threading.Lock) -> None:
    while time.monotonic() < deadline:
        started = time.monotonic()
        request = urllib.request.Request(  # noqa: S310 (127.0.0.1 only)
            url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT) as response:  # noqa: S310
                response.read()
                ok = response.status == 200
        except TimeoutError:
            with lock:
                phase.timeouts += 1
            continue
        except (urllib.error.URLError, OSError) as exc:
            with lock:
                if "timed out" in str(exc):
                    phase.timeouts += 1
                else:
                    phase.errors += 1
            time.sleep(0.1)
            continue
        with lock:
            if ok:
                phase.answered += 1
                phase.latencies_ms.append((time.monotonic() - started) * 1000)
            else:
                phase.errors += 1


# What a slow client sends first; then one byte a second, and it never finishes.
OPENINGS = {
    # Headers: a request line and the start of a header line.
    "headers": b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
    # Body: complete headers announcing a small form body, then the body byte by byte.
    "body": (
        b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4096\r\n\r\ngrant_type="
    ),
}


class Tricklers:
    """N connections that send the start of a request and then one more byte a second, forever."""

    def __init__(self, port: int, count: int, mode: str = "headers") -> None:
        self.port, self.count, self.opening = port, min(count, MAX_SLOW), OPENINGS[mode]
        self.sockets: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> Tricklers:
        for _ in range(self.count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(self.opening)
            self.sockets.append(sock)
        self.thread.start()
        time.sleep(1)  # let the server take them (accept, start reading)
        return self

    def _trickle(self) -> None:
        while not self.stop.wait(1.0):
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.sendall(b"a")

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


def run_phase(port: int, body: bytes, slow: int, seconds: float, mode: str = "headers") -> Phase:
    phase, lock = Phase(slow, seconds, mode if slow else "-"), threading.Lock()
    url = f"http://127.0.0.1:{port}/oauth/token"
    context = Tricklers(port, slow, mode) if slow else contextlib.nullcontext()
    with context:
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(target=probe, args=(url, body, phase, deadline, lock)) for _ in range(PROBE_THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + PROBE_TIMEOUT + 5)
    return phase


# -- nginx ---------------------------------------------------------------------------------------

NGINX_CONF = """\
worker_processes 1;
daemon off;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    # As deploy/nginx.conf: nginx reads whole requests before it passes them on.
    client_header_timeout 10s;
    client_body_timeout 10s;
    client_max_body_size 64k;
    upstream app {{ server 127.0.0.1:{backend}; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_request_buffering on;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def ensure_nginx() -> str | None:
    found = shutil.which("nginx") or (os.path.exists("/usr/sbin/nginx") and "/usr/sbin/nginx") or None
    if found or os.geteuid() != 0:
        return found
    say("== installing nginx from Debian's packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "-q", "nginx-light"], env=env, capture_output=True).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "nginx-light"], env=env, capture_output=True)
    return shutil.which("nginx") or (os.path.exists("/usr/sbin/nginx") and "/usr/sbin/nginx") or None


class Nginx:
    def __init__(self, binary: str, port: int, backend: int) -> None:
        self.binary, self.port, self.backend = binary, port, backend
        self.dir = OUT / "nginx"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        check_port_free(self.port)
        self.dir.mkdir(parents=True, exist_ok=True)
        user = "user root;" if os.geteuid() == 0 else ""
        conf = self.dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(user=user, dir=self.dir, port=self.port, backend=self.backend))
        self.process = subprocess.Popen(
            [self.binary, "-c", str(conf), "-p", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise BenchError(f"nginx did not start; see {self.dir}/error.log")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


# -- main -----------------------------------------------------------------------------------------


@dataclass
class Option:
    label: str
    kind: str
    threads: int
    proxy: bool = False
    phases: list[Phase] = field(default_factory=list)
    skipped: str | None = None


def measure(option: Option, args: argparse.Namespace, env: dict[str, str], body: bytes, nginx: str | None) -> None:
    server = Server("slow", "bench.flex_site.wsgi:application", args.port, env, args.workers, option.kind)
    server.threads = option.threads
    proxy = Nginx(nginx, args.proxy_port, args.port) if option.proxy and nginx else None
    if option.proxy and not nginx:
        option.skipped = "nginx is not installed (and could not be installed)"
        return
    try:
        server.start()
        if proxy:
            proxy.start()
        port = args.proxy_port if proxy else args.port
        concurrency = args.workers * (option.threads if option.kind != "gunicorn-sync" else 1)
        counts = sorted({args.workers, concurrency, MAX_SLOW})
        run_phase(port, body, 0, 1.0)  # warm-up
        option.phases.append(run_phase(port, body, 0, args.seconds / 2))
        for mode in ("headers", "body"):
            for count in counts:
                option.phases.append(run_phase(port, body, count, args.seconds, mode))
                time.sleep(1)
        for phase in option.phases:
            say(
                f"   {option.label:<44} {phase.mode:<7} slow={phase.slow:>2}: answered {phase.answered:>5}, "
                f"timeouts {phase.timeouts:>3}, p50 {phase.p50:7.1f} ms, worst {phase.worst:7.1f} ms"
            )
    finally:
        if proxy:
            proxy.stop()
        server.stop()


def render(options: list[Option], args: argparse.Namespace) -> str:
    lines = [
        "## Slow clients (bench/slow_clients.py)",
        "",
        f"{args.workers} workers per option, PostgreSQL, the example site's anonymous `client_credentials` as "
        f"the probe ({PROBE_THREADS} probe threads, a new connection per request, {PROBE_TIMEOUT:g} s timeout, "
        f"{args.seconds / 2:g} s without slow clients, then {args.seconds:g} s per slow-client count). A slow "
        "client sends the start of a request, then one more byte a second, and never finishes: *headers* "
        "stops inside the headers, *body* sends complete headers and trickles a 4 KiB form body.",
        "",
        "| Serving | slow clients send | slow connections | probes answered | answered per second | timed out "
        "| p50 ms | worst ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for option in options:
        if option.skipped:
            lines.append(f"| {option.label} | | | not measured: {option.skipped} | | | | |")
            continue
        for phase in option.phases:
            lines.append(
                f"| {option.label} | {phase.mode} | {phase.slow} | {phase.answered:,} | "
                f"{phase.answered / phase.seconds:,.1f} | "
                f"{phase.timeouts} | "
                f"{phase.p50:.1f} | {phase.worst:.1f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads per worker (default 4)")
    parser.add_argument("--seconds", type=float, default=8, help="seconds per slow-client phase (default 8)")
    parser.add_argument("--port", type=int, default=8254)
    parser.add_argument("--proxy-port", type=int, default=8255)
    parser.add_argument("--pg-url", default="postgres://root@127.0.0.1:5432")
    parser.add_argument("--db-prefix", default="flex_bench")
    parser.add_argument("--output", type=Path, default=OUT / "slow_clients.md")
    args = parser.parse_args(argv)
    if not 1 <= args.seconds <= 60:
        raise BenchError("--seconds must be between 1 and 60")
    OUT.mkdir(parents=True, exist_ok=True)
    url = database_url(args.pg_url, f"{args.db_prefix}_slow")
    ensure_database(url, recreate=True)
    env = {"DJANGO_SETTINGS_MODULE": SETTINGS, "DATABASE_URL": url, "REDIS_URL": "", "BENCH_SECURITY_LOG": os.devnull}
    manage(SETTINGS, url, "manage.py", "migrate", "--noinput", "-v0", env=env)
    app = json.loads(
        manage(
            SETTINGS,
            url,
            "manage.py",
            "flex_create_application",
            "--name",
            "slow",
            "--api-type",
            "marketplace",
            "--json",
            env=env,
        )
    )
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": app["client_id"]}).encode()
    nginx = ensure_nginx()
    options = [
        Option("gunicorn sync", "gunicorn-sync", 1),
        Option(f"gunicorn gthread ({args.threads} threads)", "gunicorn-gthread", args.threads),
        Option("granian WSGI, 2 threads (deploy/serve.sh)", "granian", 2),
        Option("nginx (buffering) + gunicorn sync", "gunicorn-sync", 1, proxy=True),
        Option("nginx (buffering) + granian, 2 threads", "granian", 2, proxy=True),
    ]
    for option in options:
        say(f"== {option.label}")
        measure(option, args, env, body, nginx)
    text = render(options, args)
    args.output.write_text(text)
    say(f"\nwritten: {args.output}")
    return 0


if __name__ == "__main__":
    ensure_venv(sys.argv[1:])
    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(SystemExit(128 + signum)))
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(2)
