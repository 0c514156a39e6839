#!/usr/bin/env python
"""In-process timing and profiling of flex-auth-django's hot paths, without HTTP or load-generator noise.

Usage:  .venv/bin/python bench/hotpaths.py [--n 1000] [--only anon,refresh] [--cprofile SCENARIO]
        [--pyspy SCENARIO] [--database-url postgres://root@127.0.0.1:5432/flex_bench_profile]
        [--audit-line]   # one security-log line: synchronous vs AUDIT_ASYNC, no database

Each scenario calls the site's WSGI application directly with a prepared environ, exactly
as gunicorn would, on PostgreSQL (DEBUG off, security log at INFO to a file, Redis when
REDIS_URL is set). It prints, per request, the wall and CPU microseconds and the SQL
statements sent (BEGIN/COMMIT/SAVEPOINT included, as the database sees them), so a change
to flex_auth_django can be judged before and after on the same machine in seconds.
--cprofile prints where the CPU goes for one scenario (cProfile on process time);
--pyspy re-runs this script under py-spy (.venv/bin/pip install -e ".[bench]") for a flame graph.
The database is created (if missing), migrated and seeded by bench.seed's flex seeder.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database_url: str, out: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.flex_site.settings")
    os.environ.setdefault("BENCH_SECURITY_LOG", str(out / "profile-security.log"))
    from bench.run import ensure_database  # the harness's own helper

    ensure_database(database_url, recreate=True)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"], check=True, env=os.environ, cwd=ROOT
    )


class Site:
    """The WSGI application called in-process, counting the statements each request sends."""

    def __init__(self) -> None:
        from django.db import connection

        from bench.flex_site.wsgi import application

        self.app = application
        self.connection = connection
        self.statements = 0
        connection.execute_wrappers.append(self._count)
        self._patch_transaction_commands()

    def _count(self, execute, sql, params, many, context):
        self.statements += 1
        return execute(sql, params, many, context)

    def _patch_transaction_commands(self) -> None:
        """Count BEGIN and COMMIT too: each is a round trip (savepoints go through execute() already)."""
        from django.db.backends.base import base

        site = self
        original_commit = base.BaseDatabaseWrapper._commit

        def commit(self):
            site.statements += 2  # BEGIN (psycopg sends it before the first statement) and COMMIT
            return original_commit(self)

        base.BaseDatabaseWrapper._commit = commit

    def call(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
        }
        if body:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        status: list[str] = []
        chunks = self.app(environ, lambda s, h, exc_info=None: status.append(s))
        content = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return int(status[0].split()[0]), content


ACTIVE = 100  # tokens in use at once in the steady-state scenarios


def scenarios(info: dict, n: int) -> dict:
    """name -> (list of n requests); each request is (method, path, body, headers)."""
    mp, integ = info["marketplace"], info["integration"]
    pools = {k: Path(v).read_text().split() for k, v in info["pools"].items()}
    access = pools["access"]
    refresh = pools["refresh"]

    def form(**params) -> bytes:
        return urlencode(params).encode()

    def cycle(values, i):
        return values[i % len(values)]

    return {
        "hello": [("GET", "/bench/hello", b"", {})] * n,
        "drf_open": [("GET", "/bench/api/open", b"", {})] * n,
        # Steady state: each of ACTIVE tokens presented again and again (a visitor's API calls).
        "drf_flex": [
            ("GET", "/bench/api/flex", b"", {"Authorization": f"Bearer {cycle(access[:ACTIVE], i)}"}) for i in range(n)
        ],
        # First use: every request a token this process has not seen (the row is read once).
        "drf_flex_first": [
            ("GET", "/bench/api/flex", b"", {"Authorization": f"Bearer {cycle(access, i)}"}) for i in range(n)
        ],
        # A signed anonymous token: no query; revocation state comes from the per-process state.
        "drf_anon": [
            ("GET", "/bench/api/public", b"", {"Authorization": f"Bearer {cycle(pools['anonymous'][:ACTIVE], i)}"})
            for i in range(n)
        ],
        "drf_anon_first": [
            ("GET", "/bench/api/public", b"", {"Authorization": f"Bearer {cycle(pools['anonymous'], i)}"})
            for i in range(n)
        ],
        "anon": [("POST", "/oauth/token", form(grant_type="client_credentials", client_id=mp["client_id"]), {})] * n,
        "integ": [
            (
                "POST",
                "/oauth/token",
                form(
                    grant_type="client_credentials", client_id=integ["client_id"], client_secret=integ["client_secret"]
                ),
                {},
            )
        ]
        * n,
        "refresh": [
            ("POST", "/oauth/token", form(grant_type="refresh_token", client_id=mp["client_id"], refresh_token=r), {})
            for r in refresh[:n]
        ],
        "exchange": [
            (
                "POST",
                "/oauth/token",
                form(
                    grant_type="token_exchange",
                    client_id=mp["client_id"],
                    client_secret=mp["client_secret"],
                    subject_token=cycle(access, i),
                ),
                {},
            )
            for i in range(n)
        ],
        "introspect": [
            (
                "POST",
                "/oauth/introspect",
                form(client_id=mp["client_id"], client_secret=mp["client_secret"], token=cycle(access, i)),
                {},
            )
            for i in range(n)
        ],
        "password": [
            (
                "POST",
                "/oauth/token",
                form(
                    grant_type="password",
                    client_id=mp["client_id"],
                    username=cycle(pools["users"], i),
                    password="bench-password-0123",
                ),
                {},
            )
            for i in range(max(10, n // 100))
        ],
    }


def measure(site: Site, requests: list, repeat: int) -> dict:
    """Per-request means of the fastest of `repeat` equal slices: the least disturbed by other processes."""
    for request in requests[:5]:  # warm caches (and check the answers)
        check(request, *site.call(*request))
    requests = requests[5:]
    size = max(1, len(requests) // repeat)
    best: dict | None = None
    for start in range(0, size * repeat, size):
        chunk = requests[start : start + size]
        site.statements = 0
        wall, cpu = time.perf_counter(), time.process_time()
        for request in chunk:
            check(request, *site.call(*request))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        count = len(chunk)
        result = {"n": count, "wall_us": wall / count * 1e6, "cpu_us": cpu / count * 1e6}
        result["statements"] = site.statements / count
        if best is None or result["cpu_us"] < best["cpu_us"]:
            best = result
    return best


def check(request: tuple, status: int, content: bytes) -> None:
    if status != 200:
        raise SystemExit(f"{request[0]} {request[1]} answered {status}: {content[:300]!r}")


PACE_US = 200  # CPU microseconds of a request's own work between two lines, in the paced rows


def _work(us: float) -> None:
    """CPU work that lets other threads run once halfway, as a request does while it waits on its socket."""
    for _ in range(2):
        end = time.thread_time() + us / 2e6
        while time.thread_time() < end:
            pass
        time.sleep(0)  # releases the GIL


def audit_line_cost(count: int, repeat: int) -> None:
    """What one security-log line costs, written synchronously and with AUDIT_ASYNC.

    The bench site's logging (a FileHandler with a timestamped format), one issued-event line
    as the token endpoint logs it. "caller" is the CPU time of the logging thread alone per
    line (for AUDIT_ASYNC, until the record is queued); "total" the whole process's CPU until
    the file has every line, in a tight loop. "paced" is the whole process's CPU per line when
    each line follows PACE_US of other work, as lines follow requests, less the same work
    without lines: what a thread woken for each record would cost shows here, not in a tight
    loop, where the listener finds many records at each wake-up.
    """
    from django.conf import settings

    from flex_auth_django import audit
    from flex_auth_django.settings import flex_settings

    fields = {"application_id": 1, "client_id": "0b7c8a1e-2f4d-4c1b-9a3e-5d6f7a8b9c0d", "kind": "anonymous"}

    def line() -> None:
        audit.emit("issued", **fields, ip="127.0.0.1", grant_type="client_credentials")

    def paced(with_lines: bool) -> float:
        paced_count = max(1, count // 10)
        cpu = time.process_time()
        for _ in range(paced_count):
            _work(PACE_US)
            if with_lines:
                line()
        audit.flush()
        return (time.process_time() - cpu) / paced_count * 1e6

    print(f"{'security-log line':<18} {'caller cpu us':>14} {'total cpu us':>13} {'paced cpu us':>13}")
    for mode in (False, True):
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "AUDIT_ASYNC": mode}
        flex_settings.reload()
        best = None
        for _ in range(repeat):
            thread, cpu = time.thread_time(), time.process_time()
            for _ in range(count):
                line()
            caller = time.thread_time() - thread
            audit.flush()
            row = (caller / count * 1e6, (time.process_time() - cpu) / count * 1e6)
            best = row if best is None or row[0] < best[0] else best
        extra = min(paced(True) - paced(False) for _ in range(repeat))
        name = "AUDIT_ASYNC" if mode else "synchronous"
        print(f"{name:<18} {best[0]:>14.1f} {best[1]:>13.1f} {extra:>13.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="requests per scenario (password: n/100)")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--repeat", type=int, default=5, help="report the fastest of this many slices (default 5)")
    parser.add_argument("--cprofile", metavar="SCENARIO", help="print a cProfile (process time) of one scenario")
    parser.add_argument("--pyspy", metavar="SCENARIO", help="record a py-spy flame graph of one scenario")
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/flex_bench_profile")
    parser.add_argument("--no-setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--audit-line", action="store_true", help="only time one security-log line, synchronous vs AUDIT_ASYNC"
    )
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)

    if args.audit_line:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.flex_site.settings")
        os.environ.setdefault("BENCH_SECURITY_LOG", str(out / "profile-security.log"))
        os.environ.setdefault("DATABASE_URL", args.database_url)
        import django

        django.setup()
        audit_line_cost(args.n, args.repeat)
        return

    if args.pyspy:
        svg = out / f"profile-{args.pyspy}.svg"
        cmd = [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "-r",
            "250",
            "-o",
            str(svg),
            "--",
            sys.executable,
            __file__,
        ]
        cmd += ["--n", str(args.n), "--only", args.pyspy, "--database-url", args.database_url]
        subprocess.run(cmd, check=True)
        print(f"flame graph: {svg}")
        return

    if not args.no_setup:
        setup(args.database_url, out)
    import django

    django.setup()
    import json

    seeded = subprocess.run(
        [sys.executable, "-m", "bench.seed", "flex", "--out", str(out / "profile"), "--refresh", str(args.n + 10)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ,
    )
    info = json.loads(seeded.stdout)
    site = Site()
    table = scenarios(info, args.n + 5)
    try:
        import flex_auth_django.resource.authentication  # noqa: F401
    except ImportError:
        table.pop("drf_flex")
        table.pop("drf_flex_first")
    names = [s for s in (args.cprofile, *args.only.split(",")) if s] or list(table)

    if args.cprofile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        requests = table[args.cprofile]
        site.call(*requests[0])
        profiler.enable()
        for request in requests[1:]:
            site.call(*request)
        profiler.disable()
        stats = pstats.Stats(profiler)
        if os.environ.get("PROFILE_OUT"):
            stats.dump_stats(os.environ["PROFILE_OUT"])
        stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(60)
        return

    print(f"{'scenario':<12} {'n':>6} {'wall us':>9} {'cpu us':>9} {'round trips':>12}")
    for name in names:
        result = measure(site, table[name], args.repeat)
        print(
            f"{name:<12} {result['n']:>6} {result['wall_us']:>9.0f} {result['cpu_us']:>9.0f} "
            f"{result['statements']:>12.1f}"
        )


if __name__ == "__main__":
    main()
