"""Which database failures are outages (answered 503), and recovering from them."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError, connections

# Connection-level database failures: the database is down, restarting or unreachable,
# or the connection was cut. They are answered 503 temporarily_unavailable; errors caused
# by a query itself (IntegrityError, DataError, ProgrammingError) are bugs, not outages.
DATABASE_OUTAGES = (OperationalError, InterfaceError)


def drop_broken_connections() -> None:
    """Close the database connections, so the next request opens fresh ones.

    Django does this at request_finished for connections that failed; doing it here
    means recovery does not depend on that signal (test clients, custom handlers) and a
    dead persistent connection (CONN_MAX_AGE) is never handed to another request. No
    health probe first: on a half-open connection a probe could hang; a reconnect is cheap.
    """
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue  # ATOMIC_REQUESTS: the transaction's own exit deals with it
        try:
            connection.close()
        except Exception:  # noqa: BLE001, S110 - closing a dead connection may itself fail; nothing to add
            pass
