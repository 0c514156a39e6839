"""Faults under load, the short version of bench/faults.py: PostgreSQL restarted, Redis restarted, Redis gone
and back empty, while the mixed load runs against gunicorn (2 workers) on instances the test starts itself.

One run (about a minute) and one assertion per invariant: no 500, no hang, every 503 with
Retry-After, no refresh token rotated twice or lost, the revocations made before the faults
still refused after each of them, throughput back to 80% of its pre-fault rate within the
run's limit, and the faults real (the site saw them). Skipped where the PostgreSQL 15
binaries or redis-server are missing.
"""

from __future__ import annotations

import os

import pytest

from bench import faults
from bench.instances import missing_binaries

pytestmark = pytest.mark.faults


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    reason = missing_binaries()
    if reason:
        pytest.skip(reason)
    if os.environ.get("DATABASE_URL"):
        # It starts its own PostgreSQL and Redis whatever the suite runs on: once per CI run is enough.
        pytest.skip("runs in the SQLite pass of make test (it starts its own PostgreSQL)")
    report = tmp_path_factory.mktemp("faults") / "faults.md"
    result = faults.run(faults.SHORT, output=report)
    print(report.read_text())  # shown by pytest when an assertion fails
    return result


def violations(run) -> dict:
    return run["figures"]["violations"]


def test_no_answer_is_a_500_a_hang_or_a_broken_connection(run):
    assert {k: v for k, v in violations(run).items() if k in ("server_error_500", "hang", "connection")} == {}
    assert run["server_errors"] == 0


def test_every_503_carries_retry_after_and_every_200_is_well_formed(run):
    assert {k: v for k, v in violations(run).items() if k in ("bad_503", "malformed_200", "unexpected_status")} == {}


def test_no_refresh_token_is_rotated_twice_or_lost(run):
    assert violations(run).get("rotated_twice", 0) == 0
    assert violations(run).get("lost_refresh", 0) == 0
    ledger = run["ledger"]
    assert ledger["sessions_rotating_at_end"] == ledger["sessions_at_end"] > 0
    # The grace path was exercised: two tabs, replays, retries after a 503 got the same successor.
    assert ledger["replays_matched"] > 0


def test_revocations_made_before_the_faults_hold_after_each(run):
    assert set(run["revocations_before"].values()) == {"held"}
    for fault in run["faults"]:
        assert set(fault["revocations"].values()) == {"held"}, fault["name"]
        # While Redis was gone the database answered: refused, or 503 where a secret needs the throttle.
        assert set(fault["during"].values()) <= {"held", "unavailable"}, fault["name"]


def test_throughput_comes_back_after_each_fault(run):
    limit = faults.SHORT.recovery_limit
    assert [(f["name"], f["recovery_s"] is not None and f["recovery_s"] <= limit) for f in run["faults"]] == [
        (f["name"], True) for f in run["faults"]
    ]
    assert all(counts.get(200) for counts in run["by_kind"].values())


def test_the_faults_were_real(run):
    by_name = {f["name"]: f for f in run["faults"]}
    assert set(by_name) == {"postgres_restart", "redis_restart", "redis_vanish"}
    assert run["site_log"]["database_unavailable"] > 0  # each worker's connection was cut
    assert by_name["redis_vanish"]["unavailable"] > 0  # passwords and secrets refused while Redis was gone
    assert by_name["redis_vanish"]["cache_kept"] is False  # it came back empty
    assert by_name["redis_restart"]["cache_kept"] is True  # a restart kept its contents
    assert run["unavailable_before_faults"] == 0
    assert run["failures"] == []
