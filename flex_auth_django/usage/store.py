"""Writing a process's counts: the claimed client IDs resolved, then one INSERT ... ON CONFLICT that adds them up.

Several processes write the same minute's rows; `count = count + excluded.count` makes each
write an addition, so no process reads before it writes and none overwrites another's count.
PostgreSQL and SQLite (3.24+) both speak this upsert.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connections, router
from django.db.models import Q

from ..models import Application
from ..protocol import client_ids
from .models import UsageCount

COLUMNS = ("minute", "application_pk", "api_type", "event", "detail", "ip_tag", "count")
KEY_COLUMNS = COLUMNS[:-1]
# Client IDs already resolved in this process (unknown ones to (0, "")); dropped when it grows
# past this, so made-up client IDs cannot grow it without bound.
_RESOLVED_MAX = 2048
_resolved: dict[str, tuple[int, str]] = {}

Row = tuple[datetime, int, str, str, str, str]
# counters.Key: (minute, application pk or None, claimed client ID or None, API type, event, detail, ip tag)
Key = tuple[int, int | None, str | None, str, str, str, str]


def write(counts: dict[Key, int]) -> int:
    """Add `counts` to the aggregates; returns the number of rows written (inserted or added to)."""
    rows = aggregate(counts)
    if not rows:
        return 0
    alias = router.db_for_write(UsageCount)
    connection = connections[alias]
    table = connection.ops.quote_name(UsageCount._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    conflict = ", ".join(connection.ops.quote_name(c) for c in KEY_COLUMNS)
    count = connection.ops.quote_name("count")
    per_statement = max(1, min(1000, (connection.features.max_query_params or 7000) // len(COLUMNS)))
    items = sorted(rows.items())  # the same order in every process: no deadlock between two upserts
    with connection.cursor() as cursor:
        for start in range(0, len(items), per_statement):
            chunk = items[start : start + per_statement]
            values = ", ".join(["(" + ", ".join(["%s"] * len(COLUMNS)) + ")"] * len(chunk))
            params: list[object] = []
            for (minute, *rest), n in chunk:
                params.extend([connection.ops.adapt_datetimefield_value(minute), *rest, n])
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values} "  # noqa: S608 - names are ours, values bound
                f"ON CONFLICT ({conflict}) DO UPDATE SET {count} = {table}.{count} + EXCLUDED.{count}",
                params,
            )
    return len(items)


def aggregate(counts: dict[Key, int]) -> dict[Row, int]:
    """The rows to write: claimed client IDs replaced by their application (or 0), equal keys summed."""
    _resolve({client for (_, pk, client, *_rest) in counts if pk is None and client})
    rows: dict[Row, int] = {}
    for (minute, pk, client, api_type, event, detail, ip_tag), n in counts.items():
        if pk is None:
            pk, api_type = _resolved.get(client, (0, "")) if client else (0, "")
        row = (datetime.fromtimestamp(minute, UTC), pk, api_type, event, detail[:64], ip_tag)
        rows[row] = rows.get(row, 0) + n
    return rows


def _resolve(claimed: set[str]) -> None:
    """One query for the client IDs this process has not seen yet."""
    unknown = {c for c in claimed if c not in _resolved}
    if not unknown:
        return
    if len(_resolved) + len(unknown) > _RESOLVED_MAX:
        _resolved.clear()
    uuids = [u for u in (client_ids.client_uuid(c) for c in unknown) if u is not None]
    legacy = [c for c in unknown if client_ids.legacy_client_id(c) is not None]
    found = Application.objects.filter(Q(client_id__in=uuids) | Q(legacy_client_id__in=legacy)).values_list(
        "pk", "api_type", "client_id", "legacy_client_id"
    )
    for c in unknown:
        _resolved[c] = (0, "")
    for pk, api_type, client_id, legacy_id in found:
        _resolved[legacy_id or str(client_id)] = (pk, api_type)


def forget_resolved() -> None:
    """Drop the client-ID cache (tests; an application's client ID never changes otherwise)."""
    _resolved.clear()


def release_connection() -> None:
    """Close the flushing thread's own connection; the request threads' ones are not touched.

    The main thread (a test, or the exit flush) keeps its connection: Django manages it.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        connections.close_all()
