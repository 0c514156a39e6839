#!/usr/bin/env python
"""Faults under load: PostgreSQL restarted, Redis restarted, Redis gone and back empty, while mixed traffic runs.

    make faults                          # or: .venv/bin/python bench/faults.py [--short] [--output FILE]

Starts its own PostgreSQL (initdb into a temporary directory, pg_ctl, a free port), its
own Redis (`--save '' --appendonly no`, a free port) and gunicorn (2 sync workers) serving
the example site as the benchmark deploys it (bench.flex_site: DEBUG off, Redis for the
throttle counters and the signed-token revocation cache), migrated and seeded with
`manage.py flex_demo --json`. The machine's own PostgreSQL and Redis are never touched;
everything listens on 127.0.0.1, and every process and temporary directory is removed on
exit, failure or Ctrl-C.

Then bench/load_mix.py's mixed load runs (anonymous, password, refresh with rotation,
token exchange, introspection, the demo DRF API with a user token and with a signed
token), a few sessions and tokens are revoked, and, one after the other:
 1. postgres_restart: `pg_ctl stop -m fast` then start (every connection is cut);
 2. redis_restart: SHUTDOWN SAVE then start (contents kept, connections cut);
 3. redis_vanish: SHUTDOWN NOSAVE, down for some seconds, then an empty Redis (the
    throttle counters and the revocation cache's application states and markers are gone);
 4. postgres_outage (full run only): PostgreSQL stopped for some seconds, then started;
 5. postgres_crash (full run only): `pg_ctl stop -m immediate` (no shutdown, the server
    then starts with crash recovery).
--repeat N runs the whole sequence N times.
After each fault the revoked tokens must still be refused (and a live control token
accepted), and the correct answers per second must come back to 80% of the rate of the
seconds before the fault: the recovery time is from the moment the service is back to the
end of the first whole second that reaches it.

Invariants checked on every answer: a correct 200 or a 503 with Retry-After; never a 500,
another status, a timeout (10 s) or a refused connection; no refresh token rotated twice or
lost (see bench/load_mix.py). The figures go to bench/faults.md (--output); the exit status
is 1 when an invariant failed. tests/bench/test_faults_under_load.py runs the --short version.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.instances import InstanceError, Stack, missing_binaries  # noqa: E402
from bench.load_mix import (  # noqa: E402
    KINDS,
    UNCLEAR,
    WEIGHTS,
    Credentials,
    Http,
    MixedLoad,
    rate_before,
    recovery,
    summary,
)
from bench.run import log_events  # noqa: E402

BENCH = ROOT / "bench"


@dataclass(frozen=True)
class Config:
    warmup: float  # seconds of load before anything is revoked
    baseline: float  # seconds of load before the first fault
    observe: float  # seconds of load after each fault is over
    vanish_down: float  # seconds Redis stays gone
    outage: float  # seconds of the PostgreSQL outage; 0: neither the outage nor the crash
    repeat: int = 1  # the sequence of faults, this many times
    only: tuple[str, ...] = ()  # these faults only (names from FAULTS); empty: all of the config's
    threads: int = 6
    rate: float = 80.0
    workers: int = 2
    window: int = 5  # whole seconds before a fault that give its baseline rate
    recovery_limit: float = 10.0  # a recovery slower than this fails the run


FULL = Config(warmup=5, baseline=15, observe=20, vanish_down=8, outage=6, window=10)
SHORT = Config(warmup=2, baseline=5, observe=8, vanish_down=4, outage=0)


@dataclass
class Fault:
    name: str
    label: str
    started: float = 0.0  # load clock: the fault began
    back: float = 0.0  # load clock: the service answers again
    baseline_rate: float = 0.0
    recovery_s: float | None = None
    statuses: dict = field(default_factory=dict)  # answers from `started` to the end of the observation
    unavailable: int = 0
    revocations: dict = field(default_factory=dict)
    during: dict = field(default_factory=dict)  # revocation checks while the service was down (the long faults)
    cache_keys: int | None = None  # keys in Redis before the fault
    cache_kept: bool | None = None  # whether a key written before the fault was there once Redis was back
    timeline: list = field(default_factory=list)  # (second, correct answers, 503s) around the fault


# -- revoked tokens that must stay revoked ----------------------------------------------------


class Revocations:
    """Sessions and tokens revoked before the faults; check() asks about each of them again.

    - a user session logged out (its refresh token revoked with its own Bearer): the refresh
      token, its access token at the DRF view and at introspection;
    - a user access token revoked on its own: at the DRF view and at introspection;
    - a signed anonymous token revoked: at the DRF view and at introspection;
    - an Integration session (signed access token) revoked through its refresh token: the
      signed token at the Integration API view, the refresh token at the token endpoint.
    A live Integration token is the control: it must keep being accepted.
    """

    def __init__(self, http: Http, credentials: Credentials, clock) -> None:
        self.http, self.c, self.clock = http, credentials, clock
        self.tokens: dict[str, str] = {}
        self.problems: list[str] = []

    def _call(self, path: str, form: dict | None = None, bearer: str | None = None):
        for _ in range(80):  # the setup happens under load, not during a fault: wait out a stray 503
            answer = self.http.call("setup", self.clock, path, form=form, bearer=bearer)
            if answer.status not in UNCLEAR:
                return answer
            time.sleep(0.25)
        raise RuntimeError(f"{path} kept answering {answer.status} while setting up the revocations")

    @staticmethod
    def _ok(answer) -> dict:
        if answer.status != 200 or answer.body is None:
            raise RuntimeError(f"setting up the revocations: {answer.kind} answered {answer.status} {answer.body!r}")
        return answer.body

    def _login(self) -> dict:
        c = self.c
        form = {"grant_type": "password", "client_id": c.client_id, "username": c.email, "password": c.password}
        return self._ok(self._call("/oauth/token", form))

    def create(self) -> None:
        c = self.c
        logged_out = self._login()
        self.tokens["session_refresh"] = logged_out["refresh_token"]
        self.tokens["session_access"] = logged_out["access_token"]
        self._revoke({"token": logged_out["refresh_token"]}, bearer=logged_out["access_token"])

        self.tokens["lone_access"] = self._login()["access_token"]
        self._revoke({"client_id": c.client_id, "token": self.tokens["lone_access"]})

        anonymous = self._ok(self._call("/oauth/token", {"grant_type": "client_credentials", "client_id": c.client_id}))
        self.tokens["signed_anonymous"] = anonymous["access_token"]
        self._revoke({"client_id": c.client_id, "token": self.tokens["signed_anonymous"]})

        integration = {"client_id": c.integration_id, "client_secret": c.integration_secret}
        grant = {"grant_type": "client_credentials", **integration}
        revoked = self._ok(self._call("/oauth/token", grant))
        self.tokens["integration_access"] = revoked["access_token"]
        self.tokens["integration_refresh"] = revoked["refresh_token"]
        self._revoke({**integration, "token": revoked["refresh_token"]})
        self.tokens["control"] = self._ok(self._call("/oauth/token", grant))["access_token"]

    def _revoke(self, form: dict, bearer: str | None = None) -> None:
        self._ok(self._call("/oauth/revoke", form, bearer=bearer))

    def _checks(self) -> list[tuple[str, str, dict | None, str | None, str]]:
        """(name, path, form, bearer, expect): expect 'refused' (401 or inactive) or 'accepted'."""
        c, t = self.c, self.tokens
        marketplace = {"client_id": c.client_id}
        integration = {"client_id": c.integration_id, "client_secret": c.integration_secret}

        def introspect(token: str) -> tuple:
            return "/oauth/introspect", {**marketplace, "client_secret": c.client_secret, "token": token}, None

        def refresh(token: str, client: dict) -> tuple:
            return "/oauth/token", {"grant_type": "refresh_token", **client, "refresh_token": token}, None

        def user_api(token: str) -> tuple:
            return "/v1/api/current_user/show", None, token

        def public_api(token: str) -> tuple:
            return "/v1/api/marketplace/show", None, token

        def integration_api(token: str) -> tuple:
            return "/v1/integration_api/marketplace/show", None, token

        return [
            ("logged-out refresh token", *refresh(t["session_refresh"], marketplace), "refused"),
            ("logged-out access token, DRF", *user_api(t["session_access"]), "refused"),
            ("logged-out access token, introspect", *introspect(t["session_access"]), "refused"),
            ("revoked access token, DRF", *user_api(t["lone_access"]), "refused"),
            ("revoked access token, introspect", *introspect(t["lone_access"]), "refused"),
            ("revoked signed anonymous, DRF", *public_api(t["signed_anonymous"]), "refused"),
            ("revoked signed anonymous, introspect", *introspect(t["signed_anonymous"]), "refused"),
            ("revoked integration session, signed token", *integration_api(t["integration_access"]), "refused"),
            ("revoked integration session, refresh", *refresh(t["integration_refresh"], integration), "refused"),
            ("control: live integration token", *integration_api(t["control"]), "accepted"),
        ]

    def check(self, *, wait_for_answers: float) -> dict:
        """Ask each once (retrying a 503 for up to `wait_for_answers` s); 'held', 'unavailable' or a problem."""
        results: dict[str, str] = {}
        for name, path, form, bearer, expect in self._checks():
            deadline = time.monotonic() + wait_for_answers
            while True:
                answer = self.http.call("revocation", self.clock, path, form=form, bearer=bearer)
                if answer.status != 503 or time.monotonic() >= deadline:
                    break
                time.sleep(0.25)
            results[name] = self._verdict(answer, expect)
            if results[name] not in ("held", "unavailable"):
                self.problems.append(f"t={answer.ended:.1f}s {name}: {results[name]}")
        return results

    @staticmethod
    def _verdict(answer, expect: str) -> str:
        if answer.status == 503:
            retry = answer.headers.get("retry-after", "")
            return "unavailable" if retry.isdigit() and int(retry) >= 1 else "503 without Retry-After"
        refused = answer.status == 401 or (answer.status == 200 and (answer.body or {}).get("active") is False)
        accepted = answer.status == 200 and (answer.body or {}).get("active") is not False
        if expect == "refused":
            return "held" if refused else f"REVOCATION LOST: answered {answer.status} {answer.body!r}"[:200]
        return "held" if accepted else f"CONTROL REFUSED: answered {answer.status} {answer.body!r}"[:200]


# -- the run ----------------------------------------------------------------------------------


def timeline(load: MixedLoad, start: float, end: float) -> list[tuple[int, int, int]]:
    """(whole second of the load clock, correct answers, 503s) for each second from `start` to `end`."""
    rows = []
    for second in range(max(0, int(start)), int(end)):
        counts = load.recorder.between(second, second + 1)
        rows.append((second, counts["correct"], counts[503]))
    return rows


def inject(fault: Fault, stack: Stack, load: MixedLoad, revocations: Revocations, config: Config, say) -> None:
    """Cause one fault; `fault.back` is the moment the service answers again."""
    kind = fault.name.split("#")[0]
    if kind == "postgres_restart":
        fault.started = load.clock()
        stack.pg.stop("fast")
        stack.pg.start()
    elif kind == "postgres_outage":
        fault.started = load.clock()
        stack.pg.stop("fast")
        time.sleep(config.outage / 2)
        fault.during = revocations.check(wait_for_answers=0)
        time.sleep(max(0.0, config.outage - (load.clock() - fault.started)))
        stack.pg.start()
    elif kind == "postgres_crash":
        fault.started = load.clock()
        stack.pg.stop("immediate")
        stack.pg.start()
    elif kind == "redis_restart":
        fault.cache_keys = stack.redis.mark()
        fault.started = load.clock()
        stack.redis.stop(keep=True)
        stack.redis.start()
        fault.cache_kept = stack.redis.marked()
    elif kind == "redis_vanish":
        fault.cache_keys = stack.redis.mark()
        fault.started = load.clock()
        stack.redis.stop(keep=False)
        time.sleep(config.vanish_down / 2)
        fault.during = revocations.check(wait_for_answers=0)
        time.sleep(max(0.0, config.vanish_down - (load.clock() - fault.started)))
        stack.redis.start()
        fault.cache_kept = stack.redis.marked()
    else:
        raise ValueError(fault.name)
    fault.back = load.clock()
    say(f"   {fault.label}: down {fault.back - fault.started:.1f} s")


# Seconds to let a revocation reach every worker: STATE_REFRESH_INTERVAL (1 s) and slack.
PROPAGATION = 3.0
EXTRA_FAULTS = ("postgres_outage", "postgres_crash")  # full run only
FAULTS = [
    ("postgres_restart", "PostgreSQL restarted (stop -m fast, start)"),
    ("redis_restart", "Redis restarted, contents kept (SHUTDOWN SAVE, start)"),
    ("redis_vanish", "Redis gone, then back empty (SHUTDOWN NOSAVE, down, start)"),
    ("postgres_outage", "PostgreSQL down for some seconds (stop -m fast, wait, start)"),
    ("postgres_crash", "PostgreSQL crashed (stop -m immediate, start with crash recovery)"),
]


def run(config: Config, *, output: Path | None, say=print, keep_logs: Path | None = None) -> dict:
    """The whole run; returns its figures (and writes `output` when given)."""
    reason = missing_binaries()
    if reason:
        raise InstanceError(reason)
    chosen = [(name, label) for name, label in FAULTS if config.outage > 0 or name not in EXTRA_FAULTS]
    if config.only:
        chosen = [(name, label) for name, label in FAULTS if name in config.only]
    faults = [
        Fault(name if round_ == 1 else f"{name}#{round_}", label)
        for round_ in range(1, config.repeat + 1)
        for name, label in chosen
    ]
    started = time.monotonic()
    load_average = os.getloadavg()[0]
    say("== starting PostgreSQL, Redis and gunicorn on free loopback ports")
    with Stack(config.workers, say=say) as stack:
        try:
            result = _run(stack, config, faults, say)
        except BaseException:
            if keep_logs:
                stack.keep_logs(keep_logs)
            raise
        if keep_logs and result["failures"]:
            stack.keep_logs(keep_logs)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["load_average"] = (load_average, os.getloadavg()[0])
    if output is not None:
        output.write_text(render(result, config))
        say(f"   written: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return result


def _run(stack: Stack, config: Config, faults: list[Fault], say) -> dict:
    credentials = Credentials.from_demo(stack.credentials)
    load = MixedLoad(stack.site.base, credentials, threads=config.threads, rate=config.rate).start()
    revocations = Revocations(load.http, credentials, load.clock)
    try:
        say(f"== mixed load: {config.threads} client threads, {config.rate:g} requests/s")
        time.sleep(config.warmup)
        revocations.create()
        # A revocation reaches the workers that did not make it within STATE_REFRESH_INTERVAL
        # (1 s, the example site's default): the spec's bound, with slack for a loaded machine.
        time.sleep(PROPAGATION)
        before = revocations.check(wait_for_answers=5)
        time.sleep(config.baseline)
        for fault in faults:
            fault.baseline_rate = rate_before(load.recorder, load.clock(), config.window)
            inject(fault, stack, load, revocations, config, say)
            time.sleep(config.observe)
            end = load.clock()
            fault.recovery_s = recovery(load.recorder, fault.back, fault.baseline_rate, horizon=int(end))
            window = load.recorder.between(fault.started, end)
            fault.statuses, fault.unavailable = {str(k): v for k, v in window.items()}, window[503]
            fault.timeline = timeline(load, fault.started - 3, end)
            fault.revocations = revocations.check(wait_for_answers=5)
            rec = "not within the observation" if fault.recovery_s is None else f"{fault.recovery_s:.1f} s"
            held = sum(v == "held" for v in fault.revocations.values())
            say(
                f"   {fault.name}: baseline {fault.baseline_rate:.0f} correct/s, recovered in {rec}, "
                f"{fault.unavailable} answers 503, revocations held {held}/{len(fault.revocations)}"
            )
    finally:
        load.stop()
    sessions = [s for s in load.sessions.values() if s is not None]
    rotating = load.finish()
    first_fault = faults[0].started if faults else load.clock()
    figures = summary(load.recorder)
    unavailable_outside = load.recorder.between(0, first_fault)[503]
    failures = [f"{name}: {count}" for name, count in figures["violations"].items()]
    failures += revocations.problems
    failures += [f"{f.name}: no recovery to 80% within {config.observe:g} s" for f in faults if f.recovery_s is None]
    failures += [
        f"{f.name}: recovery {f.recovery_s:.1f} s > {config.recovery_limit:g} s"
        for f in faults
        if f.recovery_s is not None and f.recovery_s > config.recovery_limit
    ]
    if unavailable_outside:
        failures.append(f"{unavailable_outside} answers 503 before any fault")
    if rotating < len(sessions):
        failures.append(f"only {rotating} of {len(sessions)} sessions held still rotate at the end")
    server_errors = stack.site.server_errors()
    if server_errors:
        failures.append(f"{server_errors} server errors (tracebacks) in gunicorn's log")
    site_log = stack.site.log.read_text(errors="replace")
    return {
        "config": asdict(config),
        "figures": figures,
        "by_kind": {k: dict(load.recorder.by_kind.get(k, {})) for k in KINDS},
        "faults": [asdict(f) for f in faults],
        "revocations_before": before,
        "ledger": {
            "rotations": load.ledger.rotations,
            "replays_matched": load.ledger.replays_matched,
            "sessions_at_end": len(sessions),
            "sessions_rotating_at_end": rotating,
        },
        "unavailable_before_faults": unavailable_outside,
        "server_errors": server_errors,
        "site_log": {
            "database_unavailable": site_log.count("event=database_unavailable"),
            "revocation_cache_unavailable": site_log.count("revocation cache unavailable"),
        },
        "security_log": log_events(stack.site.security_log, 0, stack.site.security_log.stat().st_size),
        "samples": load.recorder.samples,
        "failures": failures,
        "workers": config.workers,
    }


# -- the report -------------------------------------------------------------------------------


def _status_cell(counts: dict, status) -> str:
    return f"{counts.get(status, 0):,}" if counts.get(status) else ""


def render(result: dict, config: Config) -> str:
    figures = result["figures"]
    statuses = sorted({s for counts in result["by_kind"].values() for s in counts}, key=str)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    verdict = "all invariants held" if not result["failures"] else "FAILED: " + "; ".join(result["failures"])
    lines = [
        "# Faults under load (bench/faults.py)",
        "",
        f"{now}, {platform.machine()}, {os.cpu_count()} cores, load average {result['load_average'][0]:.2f} "
        f"at the start and {result['load_average'][1]:.2f} at the end; {result['seconds']:g} s in all. "
        f"Result: **{verdict}**.",
        "",
        f"gunicorn with {config.workers} sync workers serving bench.flex_site (the example site, DEBUG off) on its "
        "own PostgreSQL 15 (initdb'd for the run, fsync off) and its own Redis (throttle counters and the "
        "signed-token revocation cache), all on 127.0.0.1. Load: bench/load_mix.py, "
        f"{config.threads} client threads sharing {config.rate:g} requests/s (weights per 100: "
        + ", ".join(f"{k} {v}" for k, v in WEIGHTS.items())
        + "; some refreshes sent twice at once or replayed), 10 s client timeout, a retry 0.25 s after a 503. "
        f"Phases: {config.warmup:g} s warm-up, revocations, {config.baseline:g} s baseline, then each fault "
        f"followed by {config.observe:g} s of observation. Recovery: from the moment the service answers again "
        f"to the end of the first whole second whose correct answers reach 80% of the mean of the {config.window} "
        "seconds before the fault.",
        "",
        "| Fault | down s | baseline correct/s | recovery s | answers (fault + observation) | 503 | revocations held |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for f in result["faults"]:
        held = sum(v == "held" for v in f["revocations"].values())
        rec = "none" if f["recovery_s"] is None else f"{f['recovery_s']:.1f}"
        lines.append(
            f"| {f['label']} | {f['back'] - f['started']:.1f} | {f['baseline_rate']:.0f} | {rec} | "
            f"{sum(v for k, v in f['statuses'].items() if k != 'correct'):,} | {f['unavailable']:,} | "
            f"{held}/{len(f['revocations'])} |"
        )
    lines += [
        "",
        f"Requests: {figures['requests']:,} (p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms over the "
        "whole run, faults included). Answers by request kind and status (`timeout` and `connection` would be "
        "client-side failures):",
        "",
        "| Kind | " + " | ".join(str(s) for s in statuses) + " |",
        "|---|" + "---:|" * len(statuses),
    ]
    for kind, counts in result["by_kind"].items():
        lines.append(f"| {kind} | " + " | ".join(_status_cell(counts, s) for s in statuses) + " |")
    ledger = result["ledger"]
    violations = figures["violations"] or {}
    lines += [
        "",
        "Invariants:",
        "",
        f"- 500s: {violations.get('server_error_500', 0)}; hangs (no answer in 10 s): {violations.get('hang', 0)}; "
        f"refused or reset connections: {violations.get('connection', 0)}; 503 without Retry-After: "
        f"{violations.get('bad_503', 0)}; other statuses: {violations.get('unexpected_status', 0)}; malformed "
        f"200s: {violations.get('malformed_200', 0)}; 503 before the first fault: "
        f"{result['unavailable_before_faults']}.",
        f"- Refresh tokens: {ledger['rotations']:,} rotations, {ledger['replays_matched']:,} repeated answers (two "
        f"tabs, replays, retries) that named the same successor; rotated twice: {violations.get('rotated_twice', 0)}; "
        f"lost: {violations.get('lost_refresh', 0)}; sessions ended by a retry later than the grace period: "
        f"{figures['notes'].get('ended_beyond_grace', 0)}. At the end, {ledger['sessions_rotating_at_end']} of "
        f"{ledger['sessions_at_end']} sessions the clients held rotated once more.",
        f"- Revocations made before the faults (checked right after them: "
        f"{sum(v == 'held' for v in result['revocations_before'].values())}/{len(result['revocations_before'])} held), "
        "checked again after each fault: see the table; while the service was down:",
    ]
    for f in result["faults"]:
        if f["during"]:
            answers = Counter(f["during"].values())
            lines.append(f"  {f['name']}: " + ", ".join(f"{v} {k}" for k, v in sorted(answers.items())) + ".")
    for f in result["faults"]:
        if f["cache_kept"] is not None:
            kept = "still there" if f["cache_kept"] else "gone"
            name, keys = f["name"], f["cache_keys"]
            lines.append(f"- {name}: Redis held {keys} keys; a key written just before was {kept} afterwards.")
    log = result["site_log"]
    events = ", ".join(f"{k} {v:,}" for k, v in sorted(result["security_log"].items()))
    lines += [
        f"- gunicorn's log: {result['server_errors']} tracebacks; {log['database_unavailable']:,} "
        "`database_unavailable`, "
        f"{log['revocation_cache_unavailable']:,} revocation-cache warnings (the site falling back to the database).",
        f"- Security log events: {events}.",
        "",
        "Correct answers per second (`/n`: and n answers 503) from 3 s before each fault to the end of its "
        "observation; the seconds the fault lasted are in brackets:",
        "",
    ]
    for f in result["faults"]:
        cells = []
        for second, ok, unavailable in f["timeline"]:
            cell = f"{ok}/{unavailable}" if unavailable else str(ok)
            cells.append(f"[{cell}]" if f["started"] < second + 1 and second <= f["back"] else cell)
        lines.append(f"    {f['name']:<17} " + " ".join(cells))
    if result["samples"]:
        lines += ["", "First violations:", "", *(f"    {s}" for s in result["samples"])]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="the short version the test suite runs (about a minute)")
    parser.add_argument("--output", type=Path, default=BENCH / "faults.md")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--repeat", type=int, default=1, help="run the sequence of faults this many times (1-10)")
    parser.add_argument("--only", default="", help="comma-separated faults: " + ", ".join(n for n, _ in FAULTS))
    parser.add_argument("--threads", type=int, help="client threads (default 6)")
    parser.add_argument("--rate", type=float, help="requests per second, all threads together (default 80)")
    args = parser.parse_args(argv)
    if not 1 <= args.repeat <= 10:
        parser.error("--repeat must be between 1 and 10")
    config = replace(SHORT if args.short else FULL, repeat=args.repeat)
    only = tuple(name for name in args.only.split(",") if name)
    unknown = set(only) - {name for name, _ in FAULTS}
    if unknown:
        parser.error(f"unknown faults {sorted(unknown)}")
    config = replace(config, only=only)
    if args.threads is not None:
        if not 1 <= args.threads <= 32:
            parser.error("--threads must be between 1 and 32")
        config = replace(config, threads=args.threads)
    if args.rate is not None:
        if not 1 <= args.rate <= 1000:
            parser.error("--rate must be between 1 and 1000")
        config = replace(config, rate=args.rate)
    result = run(config, output=args.output, keep_logs=BENCH / "out" / "faults-logs")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    for failure in result["failures"]:
        print(f"FAILED: {failure}")
    for sample in result["samples"]:
        print(f"   {sample}")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    from bench.run import ensure_venv

    ensure_venv(sys.argv[1:])
    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(SystemExit(128 + signum)))
    try:
        sys.exit(main(sys.argv[1:]))
    except InstanceError as exc:
        print(f"faults: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("faults: interrupted; every server stopped", file=sys.stderr)
        sys.exit(130)
