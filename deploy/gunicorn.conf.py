"""gunicorn's hooks for Prometheus' multiprocess mode (gunicorn -c deploy/gunicorn.conf.py ...).

deploy/serve.sh serves with granian; this is for sites that keep gunicorn. With
PROMETHEUS_MULTIPROC_DIR set in the environment (before gunicorn starts: prometheus_client
reads it when it is first imported), every worker writes its counters to files there and
/metrics adds them up (docs/guides/monitoring.md):

- on_starting empties the directory: files left by an earlier run would be counted again;
- child_exit tells prometheus_client that a worker is gone, so its live gauges stop being
  reported (its counters and histograms still count: they are totals, kept on purpose).
"""

from __future__ import annotations

import os
from pathlib import Path


def on_starting(server) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
