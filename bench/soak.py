#!/usr/bin/env python
"""A soak: the fault run's mixed load for --minutes on its own PostgreSQL and Redis, worker memory sampled each minute.

    make soak                              # or: .venv/bin/python bench/soak.py [--minutes 30] [--output FILE]

Starts the same servers as bench/faults.py (its own PostgreSQL and Redis on free loopback
ports, gunicorn with 2 sync workers serving bench.flex_site; the machine's own services are
never touched; everything is stopped on exit, failure or Ctrl-C) and runs bench/load_mix.py's
mixed load, with every answer checked, for --minutes (default 30). Every minute it reads each
gunicorn worker's resident set size from /proc/<pid>/status, and per minute it reports the
requests, the violations and 503s, and the p50 and p99 latency (all requests, and all but
the password grant, whose PBKDF2 hash dominates the tail).

The verdict, written with the figures to bench/soak.md:
- memory flat: no worker's RSS grows by more than RSS_BOUND_MIB between the end of minute
  WARM_MINUTES (imports, caches and connection set-up done) and the end of the run. The
  bound is the one per-process cache that legitimately grows under this load plus slack:
  flex_auth_django.tokens.formats.signed remembers up to VERIFIED_CACHE_SIZE (10,000) verified
  signed tokens (about 1.9 KB each with the token string: 18 MiB) and then starts over, and
  every anonymous token of the load is new, so a worker's RSS climbs by about that much
  before the memo is cleared; more than that is a leak;
- no error: no violation (bench/load_mix.py's invariants) and no 503;
- p99 stable: the p99 (without the password grant) of the last third of the minutes within
  P99_DRIFT of the first third's (medians of the per-minute values);
- the workers are the same processes at the end (none was killed and replaced).
A run shorter than 30 minutes is labelled a trial in the report.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.instances import InstanceError, Stack, missing_binaries, rss_kib  # noqa: E402
from bench.load_mix import WEIGHTS, Credentials, MixedLoad, percentile  # noqa: E402

BENCH = ROOT / "bench"
FULL_MINUTES = 30
WARM_MINUTES = 2
MEMO_CEILING_MIB = 18.0  # 10,000 remembered signed tokens at ~1.9 KB (measured with tracemalloc)
SLACK_MIB = 8.0
RSS_BOUND_MIB = MEMO_CEILING_MIB + SLACK_MIB
P99_DRIFT = 1.5


def sample_rss(pids: list[int]) -> dict[int, int | None]:
    return {pid: rss_kib(pid) for pid in pids}


def minute_figures(load: MixedLoad, start: float, end: float) -> dict:
    answers = [a for a in load.recorder.answers if start <= a[0] < end]
    latencies = [a[2] for a in answers]
    no_password = [a[2] for a in answers if a[1] != "password"]
    return {
        "requests": len(answers),
        "correct": sum(1 for a in answers if a[4]),
        "unavailable": sum(1 for a in answers if a[3] == 503),
        "other": sum(1 for a in answers if a[3] not in (200, 503)),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "p99_no_password_ms": percentile(no_password, 99),
    }


def run(minutes: float, *, threads: int, rate: float, say=print) -> dict:
    reason = missing_binaries()
    if reason:
        raise InstanceError(reason)
    load_average = os.getloadavg()[0]
    started = time.monotonic()
    say("== starting PostgreSQL, Redis and gunicorn on free loopback ports")
    with Stack(2, say=say) as stack:
        workers = stack.site.worker_pids()
        master = stack.site.process.pid
        samples = [{"minute": 0, "rss_kib": sample_rss(workers), "master_kib": rss_kib(master)}]
        per_minute = []
        load = MixedLoad(stack.site.base, Credentials.from_demo(stack.credentials), threads=threads, rate=rate)
        load.start()
        say(f"== mixed load for {minutes:g} minutes: {threads} client threads, {rate:g} requests/s")
        try:
            for minute in range(1, int(minutes) + 1):
                time.sleep(max(0.0, minute * 60 - load.clock()))
                now = load.clock()
                figures = minute_figures(load, (minute - 1) * 60, now)
                rss = sample_rss(workers)
                per_minute.append({"minute": minute, **figures})
                samples.append({"minute": minute, "rss_kib": rss, "master_kib": rss_kib(master)})
                say(
                    f"   minute {minute:>3}: {figures['requests']:>5} requests, {figures['unavailable']} 503, "
                    f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, RSS "
                    + ", ".join(f"{(v or 0) / 1024:.1f}" for v in rss.values())
                    + " MiB"
                )
        finally:
            load.stop()
        rotating = load.finish()
        held = sum(1 for s in load.sessions.values() if s is not None)
        workers_at_end = stack.site.worker_pids()
        server_errors = stack.site.server_errors()
    return {
        "minutes": minutes,
        "threads": threads,
        "rate": rate,
        "workers": workers,
        "workers_at_end": workers_at_end,
        "samples": samples,
        "per_minute": per_minute,
        "violations": dict(load.recorder.violations),
        "violation_samples": load.recorder.samples,
        "statuses": {str(k): v for k, v in load.recorder.statuses().items()},
        "requests": load.recorder.total(),
        "ledger": {"rotations": load.ledger.rotations, "replays_matched": load.ledger.replays_matched},
        "sessions": (rotating, held),
        "server_errors": server_errors,
        "load_average": (load_average, os.getloadavg()[0]),
        "seconds": round(time.monotonic() - started, 1),
    }


def verdict(result: dict) -> tuple[list[str], dict]:
    """The failures (empty: the soak passed) and the figures they were judged on."""
    failures = [f"{name}: {count}" for name, count in result["violations"].items()]
    unavailable = sum(m["unavailable"] for m in result["per_minute"])
    if unavailable:
        failures.append(f"{unavailable} answers 503")
    if result["server_errors"]:
        failures.append(f"{result['server_errors']} tracebacks in gunicorn's log")
    if sorted(result["workers_at_end"]) != sorted(result["workers"]):
        failures.append(f"workers replaced: {result['workers']} at the start, {result['workers_at_end']} at the end")
    rotating, held = result["sessions"]
    if rotating < held:
        failures.append(f"only {rotating} of {held} sessions still rotate at the end")
    samples = result["samples"]
    warm = next((s for s in samples if s["minute"] == WARM_MINUTES), samples[0])
    last = samples[-1]
    growth = {}
    for pid in result["workers"]:
        if warm["rss_kib"].get(pid) and last["rss_kib"].get(pid):
            growth[pid] = (last["rss_kib"][pid] - warm["rss_kib"][pid]) / 1024
    if any(g > RSS_BOUND_MIB for g in growth.values()):
        failures.append(f"RSS grew by more than {RSS_BOUND_MIB:g} MiB after minute {WARM_MINUTES}: {growth}")
    p99s = [m["p99_no_password_ms"] for m in result["per_minute"]]
    third = max(1, len(p99s) // 3)
    first, final = statistics.median(p99s[:third] or [0]), statistics.median(p99s[-third:] or [0])
    drift = final / first if first else 0.0
    if len(p99s) >= 3 and drift > P99_DRIFT:
        failures.append(f"p99 drifted: {first:.1f} ms in the first third, {final:.1f} ms in the last")
    return failures, {"growth_mib": growth, "p99_first": first, "p99_last": final, "p99_drift": drift}


def render(result: dict) -> str:
    failures, judged = verdict(result)
    minutes = result["minutes"]
    trial = minutes < FULL_MINUTES
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    title = f"# Soak (bench/soak.py){': TRIAL RUN' if trial else ''}"
    lines = [title, ""]
    if trial:
        lines += [
            f"**A {minutes:g}-minute trial, to show the script works: not the {FULL_MINUTES}-minute soak.** "
            f"Run `make soak` on an idle machine for the real figures.",
            "",
        ]
    status = "passed" if not failures else "FAILED: " + "; ".join(failures)
    lines += [
        f"{now}, {platform.machine()}, {os.cpu_count()} cores, load average {result['load_average'][0]:.2f} at the "
        f"start and {result['load_average'][1]:.2f} at the end. Result: **{status}**.",
        "",
        "gunicorn with 2 sync workers serving bench.flex_site (the example site, DEBUG off) on its own PostgreSQL "
        "15 and its own Redis, all on 127.0.0.1; bench/load_mix.py's mixed load with every answer checked: "
        f"{result['threads']} client threads sharing {result['rate']:g} requests/s (weights per 100: "
        + ", ".join(f"{k} {v}" for k, v in WEIGHTS.items())
        + f") for {minutes:g} minutes. RSS: VmRSS of each worker from /proc at the end of each minute.",
        "",
        f"Requests: {result['requests']:,}; by status: "
        + ", ".join(f"{k}: {v:,}" for k, v in sorted(result["statuses"].items()))
        + f"; violations: {sum(result['violations'].values())}; refresh rotations {result['ledger']['rotations']:,} "
        f"(and {result['ledger']['replays_matched']:,} repeated answers naming the same successor); at the end "
        f"{result['sessions'][0]} of {result['sessions'][1]} sessions rotated once more.",
        "",
        f"Bounds: each worker's RSS may grow at most {RSS_BOUND_MIB:g} MiB from the end of minute {WARM_MINUTES} to "
        f"the end ({MEMO_CEILING_MIB:g} MiB for the per-process memo of verified signed tokens at its 10,000-entry "
        f"ceiling, which every new anonymous token of the load fills, plus {SLACK_MIB:g} MiB); the median "
        "per-minute p99 (without the password grant) of the last third of the minutes at most "
        f"{P99_DRIFT:g}x the first third's. Here: growth "
        + ", ".join(f"{g:+.1f} MiB" for g in judged["growth_mib"].values())
        + f"; p99 {judged['p99_first']:.1f} ms then {judged['p99_last']:.1f} ms ({judged['p99_drift']:.2f}x).",
        "",
        "| Minute | requests | correct | 503 | other | p50 ms | p99 ms | p99 ms w/o password | "
        + " | ".join(f"worker {i + 1} RSS MiB" for i in range(len(result["workers"])))
        + " |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * len(result["workers"]),
    ]
    start = result["samples"][0]
    lines.append(
        "| 0 | | | | | | | | "
        + " | ".join(f"{(start['rss_kib'].get(pid) or 0) / 1024:.1f}" for pid in result["workers"])
        + " |"
    )
    for m, s in zip(result["per_minute"], result["samples"][1:], strict=True):
        rss = " | ".join(
            f"{s['rss_kib'][pid] / 1024:.1f}" if s["rss_kib"].get(pid) else "gone" for pid in result["workers"]
        )
        lines.append(
            f"| {m['minute']} | {m['requests']:,} | {m['correct']:,} | {m['unavailable']} | {m['other']} | "
            f"{m['p50_ms']:.1f} | {m['p99_ms']:.1f} | {m['p99_no_password_ms']:.1f} | {rss} |"
        )
    if result["violation_samples"]:
        lines += ["", "First violations:", "", *(f"    {s}" for s in result["violation_samples"])]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=FULL_MINUTES, help=f"default {FULL_MINUTES}")
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--rate", type=float, default=80.0, help="requests per second, all threads together")
    parser.add_argument("--output", type=Path, default=BENCH / "soak.md")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.minutes <= 240:
        parser.error("--minutes must be between 1 and 240")
    if not 1 <= args.threads <= 32 or not 1 <= args.rate <= 1000:
        parser.error("--threads must be 1-32 and --rate 1-1000")
    result = run(args.minutes, threads=args.threads, rate=args.rate)
    args.output.write_text(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    failures, _ = verdict(result)
    print(f"   written: {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    from bench.run import ensure_venv

    ensure_venv(sys.argv[1:])
    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(SystemExit(128 + signum)))
    try:
        sys.exit(main(sys.argv[1:]))
    except InstanceError as exc:
        print(f"soak: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("soak: interrupted; every server stopped", file=sys.stderr)
        sys.exit(130)
