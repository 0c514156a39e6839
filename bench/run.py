#!/usr/bin/env python
"""The benchmark: flex-auth-django beside stock django-oauth-toolkit, measured in one run.

    make bench                      # or: python3 bench/run.py [options]; --help lists them

What one run does, from a fresh clone:
 1. Installs what it needs: `wrk` from Debian's packages (apt-get, if missing) and the
    Python packages into the repo's .venv (`make install`), then re-runs itself there.
 2. Recreates its PostgreSQL databases (<prefix>_flex, <prefix>_dot, and one
    <prefix>_scale_<rows> per scale size), migrates them and seeds the first two
    (bench/seed.py): applications, 200 users sharing one password, and pools of live
    tokens written to bench/out/ for wrk.
 3. Starts two sites with gunicorn, 2 sync workers each, DEBUG off, on PostgreSQL:
    - bench.flex_site: the example project (flex_auth_django) with Redis for the throttle
      counters and the security logger at INFO writing every token event to a file;
    - bench.stock_dot: stock DOT as its documentation sets it up (default models and
      validator, OAuth2Authentication for DRF); a client-credentials application with the
      default hashed secret and one with hash_client_secret=False, and the same two for
      the password and refresh grants.
    Both sites serve the same bench views (bench/views.py): a hello-world Django view, a
    view that runs one check_password, and one DRF view mounted unprotected and behind
    each authentication class. The flex site also serves the bare signed-token view
    (bench/flex_site/bare.py: form, client from a dict, ES256 JWT, JSON; the limit of an
    anonymous token endpoint on this stack), measured beside hello-world and anonymous
    client_credentials. A third server runs the flex site again under granian WSGI
    (--granian-port, --granian-threads): its hello-world and anonymous client_credentials
    are measured in the same interleaved group as gunicorn's, for the serving ratios.
 4. Drives every scenario with wrk from this machine (bench/wrk/pool.lua): a warm-up,
    then --duration seconds at --connections connections (3x as long where a password is
    hashed). Scenarios compared by a target form a group and are measured in --rounds
    interleaved slices (A B A B), so drift in the machine's load biases a ratio as little
    as possible; req/s is all requests over all slices, p50/p99 the slices' median.
 5. Checks that every measured request was a real, successful operation: any answer other
    than 200, any socket error or an exhausted token pool marks the scenario INVALID; on
    the flex site the security log must show no refused, throttled, replayed or reused
    token during a measured run.
 6. Times token lookup, issue and rotation in-process at 10k and at 1M rows per token
    table (bench/scale.py; rows seeded with generate_series, one database per size,
    measure rounds alternating between the sizes).
 7. Prints req/s, p50 and p99 per scenario, the ratios against the targets (met / not
    met), and writes everything with the machine's description to bench/results.md.
Servers are stopped on exit, failure or Ctrl-C. Total time: about 6 minutes.

Why these choices:
- gunicorn sync workers: gunicorn's default and the usual Django deployment behind a
  proxy. One request at a time per process turns each request's CPU cost directly into
  throughput, and because sync workers close every connection, the kernel hands each new
  request to whichever worker is free. With keep-alive workers (gthread), wrk's few
  long-lived connections stay pinned to the worker that accepted them, which can leave one
  worker idle for a whole run. Threads would not add throughput to CPU-bound Python on 2
  cores either. The same settings apply to both sites, so ratios compare the OAuth code.
- Refresh tokens are single-use: each measured refresh presents a token never presented
  before (pools seeded per run; the Lua script hands each token out once and fails loudly
  when a pool runs dry), so every request is a full rotation, never the grace-period
  replay or reuse detection. Access tokens (token exchange subjects, introspection,
  Bearer) and users (password grant) are reused round-robin from pools of thousands.
- The flex DRF scenarios measure the steady state of visitors calling an API again and
  again: their warm-up runs until each of the 5,000 pooled tokens was presented
  WARM_PASSES times (so each worker has verified or read it once: its first use costs a
  signature check or one indexed query, then nothing), at most WARM_PASSES_CAP seconds.
  bench/hotpaths.py times the first use apart (drf_flex_first, drf_anon_first). DOT holds
  nothing per process, so its DRF scenario has the usual warm-up.
- The password target compares with a view that runs one `check_password` on the same
  site, gunicorn and concurrency: both pay the same HTTP stack and the same hash, so the
  ratio is exactly what the grant adds (client lookup, throttle counters, user lookup,
  token inserts, audit log). A process pool hashing without HTTP would charge the HTTP
  stack to the grant.
- Performance claims come from this bench only, as ratios measured in the same run;
  the test suite counts queries but never times anything.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
LUA = BENCH / "wrk" / "pool.lua"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PASSWORD = "bench-password-0123"  # bench/views.py PASSWORD; every seeded user has it


class BenchError(Exception):
    """A problem the person running the bench must fix; printed without a traceback."""


def say(message: str) -> None:
    print(message, flush=True)


# -- preflight -------------------------------------------------------------------------------


def ensure_venv(argv: list[str]) -> None:
    """Run inside the repo's .venv, creating it with `make install` when needed."""
    if Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
        return
    if not (ROOT / ".venv" / ".installed").exists():
        say("== installing the Python packages into .venv (make install)")
        subprocess.run(["make", "-C", str(ROOT), "install"], check=True)
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *argv])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("== installing wrk from Debian's packages")
    if os.geteuid() != 0:
        raise BenchError("wrk is not installed and this is not root: run `sudo apt-get install -y wrk`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, check=True)
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get did not install wrk")
    return found


def check_port_free(port: int) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise BenchError(f"port {port} is in use; choose others with --flex-port / --dot-port") from None


def database_url(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/{name}"


def ensure_database(url: str, *, recreate: bool = False) -> None:
    """Create the database named by `url` (dropping it first when `recreate`)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = url[: -len(parsed.path)] + "/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists and recreate:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise BenchError(f"cannot reach PostgreSQL at {admin}: {exc}".strip()) from None


def check_redis(url: str) -> None:
    """Redis must answer; the bench's own throttle keys from an earlier run are removed."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=5)
        client.ping()
        for key in client.scan_iter("flexbench:*", count=1000):
            client.delete(key)
    except redis.RedisError as exc:
        raise BenchError(f"cannot reach Redis at {url}: {exc} (or pass --redis-url '' for local memory)") from None


def manage(settings: str, url: str, *args: str, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, **(env or {}), "DJANGO_SETTINGS_MODULE": settings, "DATABASE_URL": url}
    full_env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=900
    )
    if result.returncode:
        raise BenchError(f"{' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result.stdout


# -- servers ---------------------------------------------------------------------------------


SERVER_KINDS = ("gunicorn-sync", "gunicorn-gthread", "granian")


def server_command(kind: str, wsgi: str, port: int, workers: int, threads: int = 4) -> list[str]:
    """The command line of one WSGI server kind on 127.0.0.1:`port`.

    granian runs as deploy/serve.sh runs it in production (WSGI interface, HTTP/1, no
    websockets, `threads` blocking threads per worker: serve.sh uses 2).
    """
    bindir = Path(sys.executable).parent
    if kind == "granian":
        return [
            str(bindir / "granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--http",
            "1",
            "--no-ws",
            "--log-level",
            "warning",
            "--working-dir",
            str(ROOT),
            wsgi,
        ]
    worker_class = {"gunicorn-sync": ["sync"], "gunicorn-gthread": ["gthread", "--threads", str(threads)]}[kind]
    return [
        str(bindir / "gunicorn"),
        "--workers",
        str(workers),
        "--worker-class",
        *worker_class,
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT),
        wsgi,
    ]


@dataclass
class Server:
    name: str
    wsgi: str
    port: int
    env: dict[str, str]
    workers: int = 2
    kind: str = "gunicorn-sync"
    threads: int = 1
    process: subprocess.Popen | None = None
    log: Path = field(default_factory=Path)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        check_port_free(self.port)
        self.log = OUT / f"{self.name}-{self.kind}.log"
        cmd = server_command(self.kind, self.wsgi, self.port, self.workers, self.threads)
        env = {**os.environ, **self.env, "PYTHONPATH": str(ROOT)}
        with open(self.log, "w") as log:
            # A session of its own, so stop() can end the master and its workers together.
            self.process = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/bench/hello", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text()[-3000:] if self.log.exists() else ""
                raise BenchError(f"{self.name} did not start ({self.kind} log {self.log}):\n{tail}")
            time.sleep(0.3)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)  # gunicorn and granian: graceful shutdown of the workers
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


# -- scenarios -------------------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    label: str
    site: str  # "flex" or "dot"
    method: str
    path: str
    body: str | None = None  # form body; "{token}" is replaced by the next pool value
    pool: str | None = None
    warm_pool: str | None = None
    mode: str = "cycle"  # "once": single-use values (refresh tokens)
    auth: str | None = None  # Authorization header template
    flex_events: str | None = None  # security-log event each measured request must produce
    slow: bool = False  # a password hash per request: measured 3x longer, for enough samples
    group: str | None = None  # scenarios compared by a target: measured in interleaved rounds
    skipped: str | None = None
    # Warm-up until every pool value was presented this many times (at most WARM_PASSES_CAP s):
    # a process remembers a token it has verified, so a steady state needs each token seen by each worker.
    warm_passes: int = 0


def form(**params: str) -> str:
    """A form body; values are percent-encoded, "{token}" stays a placeholder."""
    return "&".join(f"{k}={v if v == '{token}' else quote(v, safe='')}" for k, v in params.items())


def build_scenarios(flex: dict, dot: dict, flex_protected: bool) -> list[Scenario]:
    mp, integ, fp, dp = flex["marketplace"], flex["integration"], flex["pools"], dot["pools"]
    cc_plain, cc_hashed, pw_plain, pw_hashed = dot["cc_plain"], dot["cc_hashed"], dot["pw_plain"], dot["pw_hashed"]
    token = "/oauth/token"
    dot_token = "/o/token/"

    def dot_client(app: dict) -> dict[str, str]:
        return {"client_id": app["client_id"], "client_secret": app["client_secret"]}

    # Pairs compared by a target run back to back.
    return [
        Scenario("flex_hello", "hello-world Django view", "flex", "GET", "/bench/hello", group="ceiling"),
        # The limit of an anonymous token endpoint here: form, client in a dict, ES256, JSON (flex_site/bare.py).
        Scenario(
            "flex_bare",
            "bare signed-token view",
            "flex",
            "POST",
            "/bench/bare-token",
            form(grant_type="client_credentials", client_id=mp["client_id"]),
            group="ceiling",
        ),
        Scenario(
            "flex_anon",
            "anonymous client_credentials",
            "flex",
            "POST",
            token,
            form(grant_type="client_credentials", client_id=mp["client_id"]),
            flex_events="issued",
            group="ceiling",
        ),
        # The same two on granian WSGI (deploy/serve.sh), interleaved with gunicorn's: the serving ratio.
        Scenario(
            "granian_hello", "hello-world Django view (granian)", "granian", "GET", "/bench/hello", group="ceiling"
        ),
        Scenario(
            "granian_anon",
            "anonymous client_credentials (granian)",
            "granian",
            "POST",
            token,
            form(grant_type="client_credentials", client_id=mp["client_id"]),
            flex_events="issued",
            group="ceiling",
        ),
        Scenario("flex_drf_open", "DRF view, unprotected", "flex", "GET", "/bench/api/open", group="drf"),
        Scenario(
            "flex_drf_anon",
            "DRF view, signed anonymous token",
            "flex",
            "GET",
            "/bench/api/public",
            pool=fp["anonymous"],
            auth="Bearer {token}",
            group="drf",
            warm_passes=WARM_PASSES,
        ),
        Scenario(
            "flex_drf_flex",
            "DRF view, opaque user token",
            "flex",
            "GET",
            "/bench/api/flex",
            pool=fp["access"],
            auth="Bearer {token}",
            skipped=None if flex_protected else "flex_auth_django.resource.authentication is not on this branch yet",
            group="drf",
            warm_passes=WARM_PASSES,
        ),
        Scenario(
            "dot_cc_plain",
            "client_credentials, plain-text secret",
            "dot",
            "POST",
            dot_token,
            form(grant_type="client_credentials", **dot_client(cc_plain)),
            group="cc",
        ),
        Scenario(
            "flex_integ",
            "integration client_credentials",
            "flex",
            "POST",
            token,
            form(grant_type="client_credentials", **integ),
            flex_events="issued",
            group="cc",
        ),
        Scenario(
            "dot_cc_hashed",
            "client_credentials, default hashed secret",
            "dot",
            "POST",
            dot_token,
            form(grant_type="client_credentials", **dot_client(cc_hashed)),
            group="cc",
        ),
        Scenario(
            "dot_refresh_plain",
            "refresh_token, plain-text secret",
            "dot",
            "POST",
            dot_token,
            form(grant_type="refresh_token", refresh_token="{token}", **dot_client(pw_plain)),
            pool=dp["refresh_plain"],
            warm_pool=dp["refresh_plain_warm"],
            mode="once",
            group="refresh",
        ),
        Scenario(
            "flex_refresh",
            "refresh_token (rotation)",
            "flex",
            "POST",
            token,
            form(grant_type="refresh_token", client_id=mp["client_id"], refresh_token="{token}"),
            pool=fp["refresh"],
            warm_pool=fp["refresh_warm"],
            mode="once",
            flex_events="refreshed",
            group="refresh",
        ),
        Scenario(
            "dot_refresh_hashed",
            "refresh_token, default hashed secret",
            "dot",
            "POST",
            dot_token,
            form(grant_type="refresh_token", refresh_token="{token}", **dot_client(pw_hashed)),
            pool=dp["refresh_hashed"],
            warm_pool=dp["refresh_hashed_warm"],
            mode="once",
            group="refresh",
        ),
        Scenario(
            "flex_exchange",
            "token_exchange",
            "flex",
            "POST",
            token,
            form(grant_type="token_exchange", subject_token="{token}", **mp),
            pool=fp["access"],
            flex_events="exchanged",
        ),
        Scenario(
            "flex_introspect",
            "introspection",
            "flex",
            "POST",
            "/oauth/introspect",
            form(token="{token}", **mp),
            pool=fp["access"],
        ),
        Scenario(
            "flex_check_password",
            "check_password view (hash floor)",
            "flex",
            "GET",
            "/bench/check-password",
            slow=True,
            group="password",
        ),
        Scenario(
            "flex_password",
            "password grant",
            "flex",
            "POST",
            token,
            form(grant_type="password", client_id=mp["client_id"], username="{token}", password=PASSWORD),
            pool=fp["users"],
            flex_events="issued",
            slow=True,
            group="password",
        ),
        Scenario(
            "dot_password_plain",
            "password grant, plain-text secret",
            "dot",
            "POST",
            dot_token,
            form(grant_type="password", username="{token}", password=PASSWORD, **dot_client(pw_plain)),
            pool=dp["users"],
            group="password",
        ),
        Scenario("dot_drf_open", "DRF view, unprotected", "dot", "GET", "/bench/api/open", group="dot_drf"),
        Scenario(
            "dot_drf_dot",
            "DRF view, OAuth2Authentication",
            "dot",
            "GET",
            "/bench/api/dot",
            pool=dp["access"],
            auth="Bearer {token}",
            group="dot_drf",
        ),
        Scenario("dot_hello", "hello-world Django view", "dot", "GET", "/bench/hello"),
    ]


# Passes over a reused token pool before a steady-state scenario is measured (each token then
# reached each of the 2 workers with a probability of 1 - 2**-6), within at most this many seconds.
WARM_PASSES, WARM_PASSES_CAP = 6, 45.0

# Targets: (label, numerator scenario, denominator scenario, minimum ratio).
TARGETS = [
    ("integration client_credentials (signed) vs DOT, plain-text secret", "flex_integ", "dot_cc_plain", 2.0),
    ("integration client_credentials vs DOT, default hashed secret", "flex_integ", "dot_cc_hashed", 50.0),
    ("anonymous client_credentials (signed) vs hello-world", "flex_anon", "flex_hello", 0.60),
    ("anonymous client_credentials vs bare signed-token view", "flex_anon", "flex_bare", 0.70),
    ("refresh vs DOT's refresh (plain-text secret)", "flex_refresh", "dot_refresh_plain", 1.5),
    ("DRF view, signed anonymous token vs unprotected", "flex_drf_anon", "flex_drf_open", 0.85),
    ("DRF view, opaque user token vs unprotected", "flex_drf_flex", "flex_drf_open", 0.70),
    ("password grant vs raw check_password, same concurrency", "flex_password", "flex_check_password", 0.90),
]
# Printed for context, not targets.
CONTEXT_RATIOS = [
    ("integration client_credentials vs anonymous", "flex_integ", "flex_anon"),
    ("bare signed-token view vs hello-world (the stack's limit for a token)", "flex_bare", "flex_hello"),
    ("refresh vs DOT's refresh (default hashed secret)", "flex_refresh", "dot_refresh_hashed"),
    ("FlexTokenAuthentication vs DOT's OAuth2Authentication", "flex_drf_flex", "dot_drf_dot"),
    ("DOT: OAuth2Authentication vs unprotected", "dot_drf_dot", "dot_drf_open"),
    ("password grant vs DOT's password grant", "flex_password", "dot_password_plain"),
    ("flex site hello-world vs stock DOT site hello-world", "flex_hello", "dot_hello"),
]
# Serving: the flex site on granian WSGI against gunicorn sync, same workers, same run (issue 12 item 6).
SERVING_RATIOS = [
    ("granian WSGI vs gunicorn sync: hello-world view", "granian_hello", "flex_hello"),
    ("granian WSGI vs gunicorn sync: anonymous client_credentials", "granian_anon", "flex_anon"),
    ("anonymous client_credentials vs hello-world, on granian", "granian_anon", "granian_hello"),
]
SITE_NAMES = {"flex": "flex", "granian": "flex (granian)", "dot": "stock DOT"}


# -- load --------------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: Scenario
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    non200: int = 0
    socket_errors: int = 0
    problems: list[str] = field(default_factory=list)
    log_events: dict[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems and self.scenario.skipped is None


def run_wrk(
    base: str, scenario: Scenario, *, duration: float, connections: int, threads: int, pool: str | None, skip: int = 0
) -> dict:
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",  # wrk takes whole seconds only
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base + scenario.path,
        "--",
        scenario.method,
        scenario.body or "-",
        pool or "-",
        scenario.mode,
        scenario.auth or "-",
        str(threads),
        str(skip),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line[len("WRK_JSON ") :])
    raise BenchError(f"wrk gave no result for {scenario.key}:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")


def log_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def log_events(path: Path, start: int, end: int) -> dict[str, int]:
    """Counts of security-log events written between two byte offsets."""
    counts: dict[str, int] = {}
    with open(path, "rb") as log:
        log.seek(start)
        for line in log.read(end - start).decode("utf-8", "replace").splitlines():
            match = re.search(r"event=(\S+)", line)
            if not match:
                continue
            event = match.group(1)
            if "replayed=True" in line:
                event += "(replayed)"
            counts[event] = counts.get(event, 0) + 1
    return counts


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
    return children


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def wait_idle(server: Server, timeout: float = 30.0) -> None:
    """Wait until the workers stop using CPU: requests queued when wrk stopped are finished.

    wrk closes its connections at the end of a run, but requests already accepted (a
    password hash takes a quarter of a second) still run to the end; without this wait
    they would eat into the next measured run.
    """
    pids = _children(server.process.pid) if server.process else []
    if not pids:
        time.sleep(2)
        return
    deadline = time.monotonic() + timeout
    last, quiet = _cpu_ticks(pids), 0
    while quiet < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
        now = _cpu_ticks(pids)
        quiet = quiet + 1 if now - last <= 1 else 0  # at most one 10 ms tick in 200 ms: idle
        last = now


@dataclass
class Run:
    """One scenario measured in rounds interleaved with the other scenarios of its group."""

    scenario: Scenario
    server: Server
    security_log: Path | None
    rounds: list[dict] = field(default_factory=list)
    skip: int = 0  # pool lines used by earlier rounds ("once" pools)
    result: Result | None = None
    warmed: tuple[int, float] | None = None  # (requests, seconds) of a warm-up by passes

    def warm_up(self, args: argparse.Namespace) -> None:
        self.result = Result(self.scenario)
        if self.scenario.skipped:
            return
        common = {"connections": args.connections, "threads": args.threads}
        pool = self.scenario.warm_pool or self.scenario.pool
        warm = run_wrk(self.server.base, self.scenario, duration=args.warmup, pool=pool, **common)
        if warm["non200"] or warm["pool_exhausted"]:
            self.result.problems.append(f"warm-up failed: {warm['non200']} non-200, first: {warm['bad_sample']!r}")
        elif self.scenario.warm_passes and pool:
            # Each wrk run starts at the pool's first line, so runs add up to whole passes.
            wanted = self.scenario.warm_passes * len(Path(pool).read_text().split())
            seen, spent = warm["requests"], args.warmup
            while seen < wanted and spent < WARM_PASSES_CAP:
                rate = max(warm["requests"] / args.warmup, 1)
                step = float(max(1, min(int(WARM_PASSES_CAP - spent), math.ceil((wanted - seen) / rate))))
                more = run_wrk(self.server.base, self.scenario, duration=step, pool=pool, **common)
                if more["non200"]:
                    self.result.problems.append(f"warm-up failed: {more['non200']} non-200")
                    break
                seen, spent = seen + more["requests"], spent + step
            self.warmed = (seen, spent)
        wait_idle(self.server)

    def measure_round(self, args: argparse.Namespace, rounds: int) -> None:
        if self.scenario.skipped or self.result.problems:
            return
        start = log_size(self.security_log) if self.security_log else 0
        duration = args.duration * (3 if self.scenario.slow else 1) / rounds
        data = run_wrk(
            self.server.base,
            self.scenario,
            duration=duration,
            connections=args.connections,
            threads=args.threads,
            pool=self.scenario.pool,
            skip=self.skip,
        )
        wait_idle(self.server)
        if self.security_log is not None:
            data["events"] = log_events(self.security_log, start, log_size(self.security_log))
        if self.scenario.mode == "once":
            self.skip += args.threads * data["pool_used_max"]
        self.rounds.append(data)

    def finish(self) -> Result:
        """Requests over time summed across rounds; p50 and p99 are the medians of the rounds' values."""
        result, rounds = self.result, self.rounds
        if not rounds:
            return result
        seconds = sum(r["duration_us"] for r in rounds) / 1e6
        result.requests = sum(r["requests"] for r in rounds)
        result.rps = result.requests / seconds if seconds else 0.0
        result.p50_ms = statistics.median(r["p50_us"] for r in rounds) / 1000
        result.p99_ms = statistics.median(r["p99_us"] for r in rounds) / 1000
        result.non200 = sum(r["non200"] for r in rounds)
        result.socket_errors = sum(
            r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"] for r in rounds
        )
        sample = next((r["bad_sample"] for r in rounds if r["bad_sample"]), "")
        if any(r["pool_exhausted"] for r in rounds):
            result.problems.append("token pool exhausted: raise --pool-rate")
        if result.non200:
            result.problems.append(f"{result.non200} answers were not 200; first: {sample!r}")
        if result.socket_errors:
            result.problems.append(f"{result.socket_errors} socket errors or timeouts")
        if self.security_log is not None:
            events: dict[str, int] = {}
            for r in rounds:
                for name, count in r["events"].items():
                    events[name] = events.get(name, 0) + count
            result.log_events = events
            bad = {k: v for k, v in events.items() if k not in ("issued", "refreshed", "exchanged")}
            if bad:
                result.problems.append(f"security log shows {bad}: not every request was a clean operation")
            wanted = self.scenario.flex_events
            if wanted and events.get(wanted, 0) < result.requests:
                result.problems.append(
                    f"{events.get(wanted, 0)} '{wanted}' log events for {result.requests} answered requests"
                )
        return result


# -- scale -------------------------------------------------------------------------------------

FLAT_LIMIT = 1.5  # 10k -> 1M rows adds at most one B-tree level to an index lookup


def run_scale(args: argparse.Namespace, settings: str) -> dict:
    """Fill one scratch database per size, then alternate measure rounds between them (bench/scale.py)."""
    sizes = sorted(int(n) for n in args.scale_rows.split(","))
    urls = {n: database_url(args.pg_url, f"{args.db_prefix}_scale_{n}") for n in sizes}
    env = {"BENCH_SECURITY_LOG": os.devnull, "REDIS_URL": ""}
    filled = {}
    for n, url in urls.items():
        ensure_database(url, recreate=True)
        manage(settings, url, "manage.py", "migrate", "--noinput", "-v0")
        filled[n] = json.loads(manage(settings, url, "-m", "bench.scale", "fill", "--rows", str(n), env=env))
    rounds: dict[int, list[dict]] = {n: [] for n in sizes}
    for seed in range(1, args.scale_rounds + 1):
        for n, url in urls.items():
            cmd = ["-m", "bench.scale", "measure", "--rows", str(n), "--seed", str(seed)]
            out = manage(settings, url, *cmd, "--operations", str(args.scale_operations), env=env)
            rounds[n].append(json.loads(out.strip().splitlines()[-1]))
    names = list(rounds[sizes[0]][0])
    stats = ("p50_us", "p99_us", "mean_us")
    return {
        "operations": args.scale_operations,
        "rounds": args.scale_rounds,
        "operations_measured": names,
        "flat_limit": FLAT_LIMIT,
        "sizes": [
            {
                "rows": n,
                "seed_seconds": filled[n]["seconds"],
                "ops": {op: {s: statistics.median(r[op][s] for r in rounds[n]) for s in stats} for op in names},
            }
            for n in sizes
        ],
    }


def run_signed(args: argparse.Namespace, settings: str, url: str) -> dict | None:
    """In-process (bench/signed.py): rows written for --anonymous-rows anonymous tokens; sign/verify cost."""
    env = {"BENCH_SECURITY_LOG": os.devnull, "REDIS_URL": args.redis_url}
    say(f"== signed tokens: {args.anonymous_rows:,} anonymous tokens in-process, sign / verify cost")
    try:
        rows = json.loads(
            manage(settings, url, "-m", "bench.signed", "rows", "--count", str(args.anonymous_rows), env=env)
        )
        ops = ["-m", "bench.signed", "crypto", "--operations", str(args.signing_operations)]
        crypto = json.loads(manage(settings, url, *ops, env=env))
    except BenchError as exc:
        say(f"   signed-token steps failed: {exc}")
        return None
    say(
        f"   {rows['issued']:,} anonymous tokens: {rows['token_rows_written']} token rows written, "
        f"{rows['write_statements']} write statements ({rows['tokens_per_second']:,.0f} tokens/s in-process)"
    )
    for alg, cost in crypto["algorithms"].items():
        say(f"   {alg}: sign {cost['sign']['median_us']:,.0f} us, verify {cost['verify']['median_us']:,.0f} us")
    return {"rows": rows, "crypto": crypto}


# -- report ------------------------------------------------------------------------------------


def command_output(*cmd: str) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine(pg_url: str) -> dict[str, str]:
    import django
    import gunicorn
    import oauth2_provider
    import oauthlib
    import psycopg
    import rest_framework

    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    commit = command_output("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD")
    # The reports this harness writes (bench/*.md) do not count: the last run's are always there.
    if command_output(
        "git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/*.md"
    ):
        commit += " (with uncommitted changes)"
    return {
        "Date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "RAM": mem,
        "OS": f"{platform.system()} {platform.release()}",
        "PostgreSQL": pg,
        "Python": platform.python_version(),
        "Django": django.__version__,
        "Django REST framework": rest_framework.VERSION,
        "django-oauth-toolkit": oauth2_provider.__version__,
        "oauthlib": oauthlib.__version__,
        "psycopg": psycopg.__version__,
        "gunicorn": gunicorn.__version__,
        "granian": importlib.metadata.version("granian"),
        "wrk": command_output("wrk", "-v").splitlines()[0] if shutil.which("wrk") else "?",
        "Commit": commit,
    }


def ratio(results: dict[str, Result], a: str, b: str) -> float | None:
    ra, rb = results.get(a), results.get(b)
    if ra is None or rb is None or not ra.valid or not rb.valid or not rb.rps:
        return None
    return ra.rps / rb.rps


def render(
    args: argparse.Namespace,
    info: dict[str, str],
    load: tuple[float, float],
    results: list[Result],
    scale: dict | None,
    seconds: float,
    signed: dict | None = None,
) -> str:
    by_key = {r.scenario.key: r for r in results}
    lines = [
        "# Benchmark results",
        "",
        "Written by `bench/run.py` (see its docstring and the docs' Performance guide for the method).",
        "Only ratios measured in one run mean anything; absolute numbers depend on the machine and its load.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in info.items()),
        f"| Load average (1 min) at start / end | {load[0]:.2f} / {load[1]:.2f} |",
        "",
        "## Setup",
        "",
        f"- gunicorn, {args.workers} sync workers per site, DEBUG off, PostgreSQL on the same machine, persistent "
        f"connections {'with' if args.health_checks else 'without'} health checks and server-side binding; "
        "the flex site uses Redis for "
        "throttle counters and logs every token event at INFO to a file, "
        f"{'on the request thread' if args.audit_sync else 'from a listener thread per worker (AUDIT_ASYNC)'}.",
        f"- wrk: {args.threads} thread(s), {args.connections} connections, {args.warmup:g} s warm-up, "
        f"{args.duration:g} s measured per scenario ({3 * args.duration:g} s where a password is hashed), in "
        f"{args.rounds} slices interleaved with the scenarios it is compared with; every measured request must "
        "answer 200.",
        f"- The flex DRF scenarios with a token are warmed up until each of their pooled tokens was presented "
        f"{WARM_PASSES} times (at most {WARM_PASSES_CAP:g} s): the steady state of visitors calling again, each "
        "token verified or read once per worker; bench/hotpaths.py times a token's first use apart.",
        f"- Whole run: {seconds / 60:.1f} minutes.",
        "",
        "## Throughput and latency",
        "",
        "| Site | Scenario | req/s | p50 ms | p99 ms | requests | check |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        site = SITE_NAMES[r.scenario.site]
        if r.scenario.skipped:
            lines.append(f"| {site} | {r.scenario.label} | | | | | skipped: {r.scenario.skipped} |")
            continue
        check = "ok" if r.valid else "INVALID: " + "; ".join(r.problems)
        lines.append(
            f"| {site} | {r.scenario.label} | {r.rps:,.1f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.requests:,} | "
            f"{check.replace('|', '/')} |"
        )
    lines += ["", "## Targets", "", "| Target | Ratio | Required | Result |", "|---|---:|---:|---|"]
    for label, a, b, minimum in TARGETS:
        value = ratio(by_key, a, b)
        if value is None:
            lines.append(f"| {label} | n/a | >= {minimum:g}x | not measured |")
        else:
            verdict = "met" if value >= minimum else "NOT met"
            lines.append(f"| {label} | {value:.2f}x | >= {minimum:g}x | {verdict} |")
    if signed:
        rows = signed["rows"]
        per_token = rows["token_rows_written"] / rows["issued"]
        verdict = "met" if rows["token_rows_written"] == 0 else "NOT met"
        lines.append(
            f"| token rows written per anonymous token ({rows['issued']:,} issued in-process) | {per_token:g} | "
            f"0 | {verdict} |"
        )
    lines += ["", "Context (no target):", "", "| Ratio | Value |", "|---|---:|"]
    for label, a, b in CONTEXT_RATIOS:
        value = ratio(by_key, a, b)
        lines.append(f"| {label} | {'n/a' if value is None else f'{value:.2f}x'} |")
    lines += [
        "",
        "## Serving: granian WSGI vs gunicorn sync",
        "",
        f"The flex site a second time, on granian WSGI ({args.workers} workers, {args.granian_threads} blocking "
        "thread(s) each; deploy/serve.sh runs 2), measured interleaved with the gunicorn sync scenarios of the "
        "same group.",
        "",
        "| Ratio | Value |",
        "|---|---:|",
    ]
    for label, a, b in SERVING_RATIOS:
        value = ratio(by_key, a, b)
        lines.append(f"| {label} | {'n/a' if value is None else f'{value:.2f}x'} |")
    if scale:
        lines += [
            "",
            "## Scale: token tables at 10k and at 1M rows",
            "",
            f"In-process on PostgreSQL, one scratch database per size, filled with generate_series (half live, "
            f"half expired rows in each token table) and VACUUM ANALYZEd; {scale['rounds']} rounds of "
            f"{scale['operations']:,} timed operations each, alternating between the sizes; the median of the "
            "rounds' p50 and p99, in microseconds per operation.",
            "",
            "| Operation | "
            + " | ".join(f"{s['rows']:,} rows p50 / p99" for s in scale["sizes"])
            + " | p50 ratio | flat |",
            "|---|" + "---:|" * len(scale["sizes"]) + "---:|---|",
        ]
        for op in scale["operations_measured"]:
            cells = [f"{s['ops'][op]['p50_us']:,.0f} / {s['ops'][op]['p99_us']:,.0f}" for s in scale["sizes"]]
            first, last = scale["sizes"][0]["ops"][op]["p50_us"], scale["sizes"][-1]["ops"][op]["p50_us"]
            growth = last / first if first else 0.0
            flat = "yes" if growth <= scale["flat_limit"] else "NO"
            lines.append(f"| {op} | " + " | ".join(cells) + f" | {growth:.2f}x | {flat} |")
        lines += [
            "",
            f"'flat' means the median at the largest size is within {scale['flat_limit']:g}x of the smallest "
            "(an index lookup gains at most one B-tree level between 10k and 1M rows).",
        ]
    if signed:
        rows, crypto = signed["rows"], signed["crypto"]
        targets = ", ".join(rows["write_statement_targets"]) or "none"
        lines += [
            "",
            "## Signed access tokens (in-process)",
            "",
            f"{rows['issued']:,} anonymous tokens issued through the token view (no HTTP server) in "
            f"{rows['seconds']:g} s ({rows['tokens_per_second']:,.0f}/s): {rows['token_rows_written']} rows added to "
            f"the token tables, {rows['write_statements']} write statement(s) in all ({targets}; the application's "
            "`last_used`, written at most once per LAST_USED_RESOLUTION).",
            "",
            f"Sign and verify cost per token, {crypto['operations']:,} operations per round, median of 5 rounds "
            "(signed.mint / signed.verify alone, in microseconds):",
            "",
            "| Algorithm | sign us | verify us | verify again us | token length |",
            "|---|---:|---:|---:|---:|",
            *(
                f"| {alg} | {c['sign']['median_us']:,.1f} | {c['verify']['median_us']:,.1f} | "
                f"{c['verify_again']['median_us']:,.1f} | {c['token_length']} |"
                for alg, c in crypto["algorithms"].items()
            ),
            "",
            "'verify again': a token string this process has verified before (remembered per process; its "
            "times are still checked). The revocation check (one cache round trip) comes on top of either.",
        ]
    flex_logs = [r for r in results if r.log_events]
    if flex_logs:
        lines += ["", "## Security log during measured runs (flex site)", "", "| Scenario | events |", "|---|---|"]
        for r in flex_logs:
            events = ", ".join(f"{k}: {v:,}" for k, v in sorted(r.log_events.items()))
            lines.append(f"| {r.scenario.label} | {events} |")
    return "\n".join(lines) + "\n"


def print_summary(results: list[Result], by_key: dict[str, Result]) -> None:
    say("")
    say(f"{'site':<5} {'scenario':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  check")
    for r in results:
        if r.scenario.skipped:
            say(f"{r.scenario.site:<5} {r.scenario.label:<44} {'':>9} {'':>8} {'':>8}  skipped")
            continue
        check = "ok" if r.valid else "INVALID: " + "; ".join(r.problems)
        say(f"{r.scenario.site:<5} {r.scenario.label:<44} {r.rps:>9.1f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f}  {check}")
    say("")
    for label, a, b, minimum in TARGETS:
        value = ratio(by_key, a, b)
        if value is None:
            say(f"  {label:<62} {'n/a':>8}  (>= {minimum:g}x)  not measured")
        else:
            say(f"  {label:<62} {value:>7.2f}x  (>= {minimum:g}x)  {'met' if value >= minimum else 'NOT met'}")
    for label, a, b in SERVING_RATIOS:
        value = ratio(by_key, a, b)
        say(f"  {label:<62} {'n/a' if value is None else f'{value:.2f}x':>8}")


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="measured seconds per scenario (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds per scenario (default 2)")
    parser.add_argument(
        "--rounds", type=int, default=2, help="slices of --duration, interleaved within each compared group (default 2)"
    )
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: leaves the cores to the sites)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per site (default 2)")
    parser.add_argument("--only", default="", help="comma-separated scenario keys (see --list)")
    parser.add_argument("--list", action="store_true", help="list the scenario keys and exit")
    parser.add_argument("--pg-url", default="postgres://root@127.0.0.1:5432", help="PostgreSQL server, no database")
    parser.add_argument(
        "--db-prefix", default="flex_bench", help="databases <prefix>_flex, _dot, _scale_<rows> (recreated)"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="'' to use local memory instead")
    parser.add_argument("--flex-port", type=int, default=8251)
    parser.add_argument("--dot-port", type=int, default=8252)
    parser.add_argument("--granian-port", type=int, default=8253, help="the flex site on granian (serving scenarios)")
    parser.add_argument(
        "--granian-threads", type=int, default=2, help="granian blocking threads per worker (default 2, as serve.sh)"
    )
    parser.add_argument(
        "--pool-rate", type=int, default=4000, help="single-use refresh tokens seeded per measured second"
    )
    parser.add_argument("--scale-rows", default="10000,1000000", help="token-table sizes for the scale test")
    parser.add_argument("--scale-rounds", type=int, default=3, help="measure rounds per size (default 3)")
    parser.add_argument("--scale-operations", type=int, default=1000, help="operations per round (default 1000)")
    parser.add_argument("--no-scale", action="store_true", help="skip the 10k/1M scale test")
    parser.add_argument(
        "--anonymous-rows", type=int, default=100_000, help="anonymous tokens issued in-process to count rows written"
    )
    parser.add_argument("--signing-operations", type=int, default=2000, help="sign/verify operations per round")
    parser.add_argument("--no-signed", action="store_true", help="skip the in-process signed-token steps")
    parser.add_argument(
        "--health-checks",
        action="store_true",
        help="turn on CONN_HEALTH_CHECKS on both sites (example_project has it off: one more round trip a request)",
    )
    parser.add_argument(
        "--audit-sync",
        action="store_true",
        help="write the flex site's security log on the request thread (FLEX_AUTH['AUDIT_ASYNC'] off), to compare",
    )
    parser.add_argument("--output", type=Path, default=BENCH / "results.md")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.list:
        empty = {"client_id": "", "client_secret": ""}
        pools = {k: "" for k in ("anonymous", "refresh", "refresh_warm", "access", "users")}
        dot_pools = {
            k: "" for k in ("refresh_plain", "refresh_plain_warm", "refresh_hashed", "refresh_hashed_warm", "access")
        }
        flex = {"marketplace": empty, "integration": empty, "pools": pools}
        dot = {"cc_plain": empty, "cc_hashed": empty, "pw_plain": empty, "pw_hashed": empty}
        dot["pools"] = {**dot_pools, "users": ""}
        for s in build_scenarios(flex, dot, True):
            say(f"{s.key:<22} {s.site:<7} {s.label}")
        return 0
    if args.threads > args.connections:
        raise BenchError("--threads must not exceed --connections")
    started = time.monotonic()
    load_start = os.getloadavg()[0]
    ensure_wrk()
    OUT.mkdir(parents=True, exist_ok=True)
    for port in (args.flex_port, args.dot_port, args.granian_port):
        check_port_free(port)
    if args.redis_url:
        check_redis(args.redis_url)
    urls = {site: database_url(args.pg_url, f"{args.db_prefix}_{site}") for site in ("flex", "dot")}

    say("== databases: recreate, migrate, seed")
    for url in urls.values():
        ensure_database(url, recreate=True)
    flex_settings, dot_settings = "bench.flex_site.settings", "bench.stock_dot.settings"
    manage(flex_settings, urls["flex"], "manage.py", "migrate", "--noinput", "-v0")
    manage(dot_settings, urls["dot"], "-m", "django", "migrate", "--noinput", "-v0")
    seconds = args.duration
    pools = ["--refresh", str(int(args.pool_rate * seconds)), "--refresh-warm", str(int(args.pool_rate * args.warmup))]
    flex = json.loads(manage(flex_settings, urls["flex"], "-m", "bench.seed", "flex", "--out", str(OUT), *pools))
    say(f"   flex site seeded in {flex['seconds']} s")
    dot_pools = [
        "--refresh",
        str(int(args.pool_rate / 4 * seconds)),
        "--refresh-warm",
        str(int(args.pool_rate / 4 * args.warmup)),
        "--refresh-hashed",
        str(int(100 * max(seconds, args.warmup))),
    ]
    dot = json.loads(manage(dot_settings, urls["dot"], "-m", "bench.seed", "dot", "--out", str(OUT), *dot_pools))
    say(f"   stock DOT site seeded in {dot['seconds']} s")

    security_log = OUT / "flex-security.log"
    security_log.write_text("")
    flex_env = {
        "DJANGO_SETTINGS_MODULE": flex_settings,
        "DATABASE_URL": urls["flex"],
        "REDIS_URL": args.redis_url,
        "BENCH_SECURITY_LOG": str(security_log),
        "BENCH_AUDIT_ASYNC": "0" if args.audit_sync else "1",
    }
    dot_env = {"DJANGO_SETTINGS_MODULE": dot_settings, "DATABASE_URL": urls["dot"]}
    for env in (flex_env, dot_env):
        env["BENCH_CONN_HEALTH_CHECKS"] = "1" if args.health_checks else "0"
    servers = {
        "flex": Server("flex", "bench.flex_site.wsgi:application", args.flex_port, flex_env, args.workers),
        "dot": Server("dot", "bench.stock_dot.wsgi:application", args.dot_port, dot_env, args.workers),
        "granian": Server(
            "flex",
            "bench.flex_site.wsgi:application",
            args.granian_port,
            flex_env,
            args.workers,
            kind="granian",
            threads=args.granian_threads,
        ),
    }
    results: list[Result] = []
    try:
        say(
            f"== starting gunicorn: flex site on :{args.flex_port}, stock DOT on :{args.dot_port}; "
            f"granian: flex site on :{args.granian_port}"
        )
        for server in servers.values():
            server.start()
        flex_protected = _served(servers["flex"].base + "/bench/api/flex")
        scenarios = build_scenarios(flex, dot, flex_protected)
        wanted = {k for k in args.only.split(",") if k}
        unknown = wanted - {s.key for s in scenarios}
        if unknown:
            raise BenchError(f"unknown scenarios {sorted(unknown)}; see --list")
        for group in _groups(scenarios):
            runs = [
                Run(s, servers[s.site], security_log if s.site in ("flex", "granian") else None)
                for s in group
                if not wanted or s.key in wanted
            ]
            if not runs:
                continue
            say("== " + " / ".join(f"{r.scenario.site} {r.scenario.label}" for r in runs))
            for run in runs:
                run.warm_up(args)
            for _ in range(args.rounds):
                for run in runs:
                    run.measure_round(args, args.rounds)
            for run in runs:
                result = run.finish()
                results.append(result)
                name = f"{result.scenario.site:<4} {result.scenario.label}"
                if result.scenario.skipped:
                    say(f"   {name}: skipped: {result.scenario.skipped}")
                else:
                    status = "ok" if result.valid else "INVALID: " + "; ".join(result.problems)
                    rate = f"{result.rps:,.1f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
                    say(f"   {name}: {rate}  {status}")
    finally:
        for server in servers.values():
            server.stop()

    scale = None
    if not args.no_scale:
        say("== scale: token tables at " + " and ".join(f"{int(n):,}" for n in args.scale_rows.split(",")) + " rows")
        try:
            scale = run_scale(args, flex_settings)
        except BenchError as exc:  # the load results are still worth writing
            say(f"   scale test failed: {exc}")
        else:
            for size in scale["sizes"]:
                ops = ", ".join(f"{op} {v['p50_us']:,.0f} us" for op, v in size["ops"].items())
                say(f"   {size['rows']:>9,} rows: {ops}")

    signed = None
    if not args.no_signed:
        signed = run_signed(args, flex_settings, urls["flex"])

    by_key = {r.scenario.key: r for r in results}
    print_summary(results, by_key)
    elapsed = time.monotonic() - started
    text = render(
        args,
        machine(database_url(args.pg_url, "postgres")),
        (load_start, os.getloadavg()[0]),
        results,
        scale,
        elapsed,
        signed,
    )
    args.output.write_text(text)
    say(f"\nwritten: {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    say(f"total time: {elapsed / 60:.1f} minutes")
    return 0 if all(r.valid or r.scenario.skipped for r in results) else 1


def _groups(scenarios: list[Scenario]) -> list[list[Scenario]]:
    """Consecutive scenarios with the same group run interleaved, round by round."""
    groups: list[list[Scenario]] = []
    for scenario in scenarios:
        if groups and scenario.group and groups[-1][0].group == scenario.group:
            groups[-1].append(scenario)
        else:
            groups.append([scenario])
    return groups


def _served(url: str) -> bool:
    """True when the URL exists (a 401 without a token counts: the route is there)."""
    try:
        urllib.request.urlopen(url, timeout=5)  # noqa: S310
    except urllib.error.HTTPError as exc:
        return exc.code != 404
    except OSError:
        return False
    return True


def _terminate(signum, frame):  # SIGTERM: unwind through the finally blocks that stop the servers
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    ensure_venv(sys.argv[1:])
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
