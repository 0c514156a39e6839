#!/usr/bin/env python
"""Time `flex_clear_tokens` on 1,000,000 expired tokens in PostgreSQL, with its peak memory.

Usage:  .venv/bin/python bench/clear_tokens.py [--rows 1000000] [--batch-size 5000]
        [--database-url postgres://root@127.0.0.1:5432/flex_bench_clear]

Creates (or empties) the benchmark database, migrates it, inserts the dead rows with
generate_series (70% access tokens, 30% refresh tokens in rotation chains, some
trusted tokens pointing at expired subjects) plus 10,000 live tokens that must
survive, then runs the management command in a child process while a second
connection keeps issuing and looking up tokens, to show no long lock is held.
Prints rows/s, peak RSS of the command, and the worst latency seen by that traffic.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def ensure_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "FLEX_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, capture_output=True, text=True
    )


def seed(url: str, rows: int) -> dict[str, int]:
    access_rows = int(rows * 0.7)
    refresh_rows = rows - access_rows
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE flex_auth_django_accesstoken, flex_auth_django_refreshtoken, "
            "flex_auth_django_application RESTART IDENTITY CASCADE"
        )
        app_id = conn.execute(
            "INSERT INTO flex_auth_django_application (name, api_type, client_id, client_secret_digest, "
            "client_secret_last4, is_active, created) VALUES ('bench', 'marketplace', gen_random_uuid(), "
            "'hmac-sha256$bench$x', 'abcd', true, now()) RETURNING id"
        ).fetchone()[0]
        t0 = time.perf_counter()
        # Dead access tokens: expired anonymous/user-like rows.
        conn.execute(
            "INSERT INTO flex_auth_django_accesstoken (digest, application_id, kind, scope, family, created, "
            "expires) SELECT 'hmac-sha256$bench$a' || g, %s, 'anonymous', 'public-read', NULL, "
            "now() - interval '2 hours', now() - interval '1 hour' FROM generate_series(1, %s) g",
            (app_id, access_rows),
        )
        # Dead refresh tokens in rotation chains of 5 (parent links exercise SET_NULL).
        conn.execute(
            "INSERT INTO flex_auth_django_refreshtoken (digest, application_id, kind, scope, family, "
            "family_started, created, expires, retired) SELECT 'hmac-sha256$bench$r' || g, %s, 'integration', "
            "'integ', md5((g / 5)::text)::uuid, now() - interval '40 days', now() - interval '31 days', "
            "now() - interval '1 day', now() - interval '30 days' FROM generate_series(1, %s) g",
            (app_id, refresh_rows),
        )
        conn.execute("UPDATE flex_auth_django_refreshtoken SET parent_id = id - 1 WHERE id % 5 <> 1")
        # Live tokens that must survive, some trusted ones pointing at dead subjects.
        conn.execute(
            "INSERT INTO flex_auth_django_accesstoken (digest, application_id, kind, scope, created, expires, "
            "subject_id) SELECT 'hmac-sha256$bench$live' || g, %s, 'anonymous', 'public-read', now(), "
            "now() + interval '1 hour', CASE WHEN g <= 1000 THEN g END FROM generate_series(1, 10000) g",
            (app_id,),
        )
        conn.execute("ANALYZE")
        seeded = time.perf_counter() - t0
    return {"access": access_rows, "refresh": refresh_rows, "app_id": app_id, "seed_seconds": seeded}


class Traffic(threading.Thread):
    """Issues and looks up tokens on its own connection, recording the worst latency."""

    def __init__(self, url: str, app_id: int) -> None:
        super().__init__(daemon=True)
        self.url, self.app_id = url, app_id
        self.stop = threading.Event()
        self.worst = 0.0
        self.count = 0

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            n = 0
            while not self.stop.is_set():
                n += 1
                t0 = time.perf_counter()
                conn.execute(
                    "INSERT INTO flex_auth_django_accesstoken (digest, application_id, kind, scope, created, "
                    "expires) VALUES (%s, %s, 'anonymous', 'public-read', now(), now() + interval '1 hour')",
                    (f"hmac-sha256$bench$traffic{n}", self.app_id),
                )
                conn.execute(
                    "SELECT id FROM flex_auth_django_accesstoken WHERE digest = %s",
                    (f"hmac-sha256$bench$live{n % 10000 + 1}",),
                ).fetchone()
                self.worst = max(self.worst, time.perf_counter() - t0)
                self.count += 1
                time.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/flex_bench_clear")
    args = parser.parse_args()

    ensure_database(args.database_url)
    manage(args.database_url, "migrate", "--noinput")
    info = seed(args.database_url, args.rows)
    print(
        f"seeded {args.rows:,} dead tokens ({info['access']:,} access, {info['refresh']:,} refresh) "
        f"+ 10,000 live in {info['seed_seconds']:.1f} s"
    )

    traffic = Traffic(args.database_url, info["app_id"])
    traffic.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    out = manage(args.database_url, "flex_clear_tokens", "--batch-size", str(args.batch_size)).stdout.strip()
    elapsed = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    traffic.stop.set()
    traffic.join()

    with psycopg.connect(args.database_url) as conn:
        left_dead = conn.execute(
            "SELECT (SELECT count(*) FROM flex_auth_django_accesstoken WHERE expires < now()) + "
            "(SELECT count(*) FROM flex_auth_django_refreshtoken WHERE expires < now())"
        ).fetchone()[0]
        live = conn.execute(
            "SELECT count(*) FROM flex_auth_django_accesstoken WHERE digest LIKE 'hmac-sha256$bench$live%'"
        ).fetchone()[0]

    print(f"flex_clear_tokens: {out}")
    print(f"  {args.rows:,} rows in {elapsed:.1f} s = {args.rows / elapsed:,.0f} rows/s (batch size {args.batch_size})")
    print(f"  peak RSS of the command: {max(peak_kb, before) / 1024:.0f} MiB")
    print(f"  concurrent traffic: {traffic.count:,} insert+lookup pairs, worst latency {traffic.worst * 1000:.1f} ms")
    print(f"  dead rows left: {left_dead}; live rows kept: {live:,} of 10,000")
    if left_dead or live != 10_000:
        raise SystemExit("FAILED: cleanup left dead rows or removed live ones")


if __name__ == "__main__":
    main()
