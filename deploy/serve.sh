#!/bin/sh
# Serve a Django site in production: granian's WSGI server (README "Deploying to production").
#
# granian reads and parses every request in its Rust event loop and hands the Python worker
# only complete requests, so slow or stalled clients cost an idle connection, not a worker
# (bench/serving.md measures it). Behind nginx or a load balancer; plain HTTP on PORT.
#
# Environment: WSGI_APP (default example_project.wsgi:application), HOST (0.0.0.0), PORT
# (8000), WEB_CONCURRENCY (worker processes; default: one per core), GRANIAN_BLOCKING_THREADS
# (Python threads per worker, default 1: the views are CPU-bound and one thread keeps one
# database connection per worker).
set -eu
exec granian \
    --interface wsgi \
    --host "${HOST:-0.0.0.0}" \
    --port "${PORT:-8000}" \
    --workers "${WEB_CONCURRENCY:-$(nproc)}" \
    --blocking-threads "${GRANIAN_BLOCKING_THREADS:-1}" \
    --http 1 \
    --no-ws \
    --http1-header-read-timeout 10000 \
    --respawn-failed-workers \
    --log-level "${GRANIAN_LOG_LEVEL:-info}" \
    --no-access-log \
    "${WSGI_APP:-example_project.wsgi:application}"
