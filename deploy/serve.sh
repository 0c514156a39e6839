#!/bin/sh
# Serve a Django site in production: granian's WSGI server (README "Deploying to production").
#
# granian's HTTP layer costs a fraction of gunicorn's (bench/serving.md), and it reads request
# headers in its Rust event loop, so clients slow to send headers cost an idle connection. A
# slow *body* still holds a Python thread: run it behind a buffering proxy (deploy/nginx.conf),
# never exposed directly. Plain HTTP on HOST:PORT.
#
# Environment: WSGI_APP (default example_project.wsgi:application), HOST (0.0.0.0), PORT
# (8000), WEB_CONCURRENCY (worker processes; default: one per core), GRANIAN_BLOCKING_THREADS
# (Python threads per worker, default 2: while one waits for PostgreSQL the other runs; each
# thread keeps its own database connection, so allow WEB_CONCURRENCY x 2 connections),
# PROMETHEUS_MULTIPROC_DIR (where the workers' Prometheus counters live so /metrics sums them;
# emptied here before every start, as counts left from an earlier run would be added again).
set -eu
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -type f -delete
fi
exec granian \
    --interface wsgi \
    --host "${HOST:-0.0.0.0}" \
    --port "${PORT:-8000}" \
    --workers "${WEB_CONCURRENCY:-$(nproc)}" \
    --blocking-threads "${GRANIAN_BLOCKING_THREADS:-2}" \
    --http 1 \
    --no-ws \
    --http1-header-read-timeout 10000 \
    --respawn-failed-workers \
    --log-level "${GRANIAN_LOG_LEVEL:-info}" \
    --no-access-log \
    "${WSGI_APP:-example_project.wsgi:application}"
