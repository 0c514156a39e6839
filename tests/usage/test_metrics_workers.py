"""/metrics under two real gunicorn workers: one scrape sums both workers' counts (multiprocess mode).

The example site under gunicorn with deploy/gunicorn.conf.py and PROMETHEUS_MULTIPROC_DIR,
as the monitoring guide serves it. Token requests go out concurrently until both workers
have counted some (each worker writes its own file, named by its pid); a scrape answered
by either worker must then report the total. A worker that exits keeps its counts, and the
per-minute aggregates reach the database from each worker's own flush timer.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.serving import ROOT, ExampleSite

pytestmark = pytest.mark.django_db(transaction=True)

pytest.importorskip("prometheus_client")

ISSUED = re.compile(r'^flex_auth_tokens_issued_total\{api_type="marketplace",grant="client_credentials"\} (\S+)$', re.M)
LATENCY = re.compile(r'^flex_auth_request_duration_seconds_count\{endpoint="flex_auth:token"\} (\S+)$', re.M)


class TwoWorkers(ExampleSite):
    def serve_command(self, port: int) -> list[str]:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        config = str(ROOT / "deploy" / "gunicorn.conf.py")
        return [
            gunicorn,
            "-c",
            config,
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "example_project.wsgi:application",
        ]


def scrape(base: str) -> str:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:  # noqa: S310 (our local server)
        assert response.status == 200
        return response.read().decode()


def worker_pids(directory: Path) -> set[int]:
    return {
        int(m.group(1)) for p in directory.glob("counter_*.db") if (m := re.fullmatch(r"counter_(\d+)\.db", p.name))
    }


def test_a_scrape_sums_both_workers_counts_and_keeps_an_exited_workers(tmp_path):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"left by an earlier run")  # on_starting must empty the directory
    with (
        tempfile.TemporaryDirectory(prefix="flex-metrics-") as workdir,
        TwoWorkers(
            Path(workdir),
            share_test_database=True,
            PROMETHEUS_MULTIPROC_DIR=str(directory),
            FLEX_USAGE_FLUSH_INTERVAL="1",
        ) as site,
    ):
        site.manage("migrate", "--noinput", "-v", "0")
        client_id = site.manage(
            "shell",
            "-c",
            "from flex_auth_django.models import Application; "
            "print(Application.objects.create(name='Scraped', api_type='marketplace', "
            "client_secret_digest='none', client_secret_last4='none').client_id)",
        ).split()[-1]
        base = site.start()
        params = {"client_id": client_id, "grant_type": "client_credentials", "scope": "public-read"}
        issued = 0
        with ThreadPoolExecutor(8) as pool:
            for _ in range(30):  # until both workers have answered some (each gets some within a batch or two)
                statuses = list(pool.map(lambda _: site.token(**params)[0], range(24)))
                assert set(statuses) == {200}, site.log_tail()
                issued += len(statuses)
                if len(worker_pids(directory) - {1}) >= 2:
                    break
        pids = worker_pids(directory)
        assert 1 not in pids, "deploy/gunicorn.conf.py's on_starting left an old file in the directory"
        assert len(pids) == 2, f"one worker answered every request: {pids}"

        text = scrape(base)
        assert float(ISSUED.search(text).group(1)) == issued  # both workers' counts in one answer
        assert float(LATENCY.search(text).group(1)) >= issued  # a duration per token request (and the scrapes)

        # A worker exits (gunicorn starts another): its counts stay in the total.
        gone = min(pids)
        os.kill(gone, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(worker_pids(directory)) < 3:
            site.token(**params)  # the replacement worker answers some and writes its own file
            issued += 1
        assert float(ISSUED.search(scrape(base)).group(1)) == issued

        # The per-minute aggregates reach the database from the workers' own timers.
        deadline = time.monotonic() + 30
        stored = 0
        while time.monotonic() < deadline and stored < issued:
            stored = int(
                site.manage(
                    "shell",
                    "-c",
                    "from django.db.models import Sum; from flex_auth_django.models import UsageCount; "
                    "print(UsageCount.objects.filter(event='issued').aggregate(n=Sum('count'))['n'] or 0)",
                ).split()[-1]
            )
            time.sleep(0.5)
        assert stored == issued, site.log_tail()
