"""Usage counters: token events counted in process memory, written as per-minute aggregates the admin charts.

`receivers` counts what the signals announce (and what the error renderer answers with a
5xx); `counters` keeps the counts and flushes them on a per-process timer (`flush()` writes
now); `store` writes one upsert per flush; `reports` reads the aggregates back for the admin;
`prometheus` counts the same events into prometheus_client when FLEX_AUTH["PROMETHEUS_METRICS"]
is on; `cleanup` deletes aggregates older than USAGE_RETENTION_DAYS. Nothing is imported here,
so the models module can import `usage.models` without importing the rest.
"""
