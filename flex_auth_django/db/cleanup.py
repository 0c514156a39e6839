"""Deleting dead rows in batches: the SQL for one batch of token rows, the loop for plain rows."""

from __future__ import annotations

import math

from django.db import connections, router, transaction
from django.db.models import Model, QuerySet


def delete_batch(model: type[Model], pks: list[int], link_field: str) -> None:
    """One short transaction: null the rows' self links (`link_field`), then one DELETE.

    QuerySet.delete() would load every instance and delete in chunks of 100; the only
    references to token rows are nullable self links (a successor's `parent`, a trusted
    token's `subject`), so they are cleared with one UPDATE and the rows go in one
    statement. On PostgreSQL the keys travel as one array parameter (`= ANY(%s)`):
    thousands of separate parameters cost more to bind, server-side binding above all.
    """
    using = router.db_for_write(model)
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    link = quote(model._meta.get_field(link_field).column)
    if connection.vendor == "postgresql":
        keys, params = "= ANY(%s)", [pks]
    else:
        keys, params = f"IN ({', '.join(['%s'] * len(pks))})", pks
    # Only quoted model metadata is interpolated; the keys are parameters.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {link} = NULL WHERE {link} {keys}", params)  # noqa: S608
        cursor.execute(f"DELETE FROM {table} WHERE {quote(model._meta.pk.column)} {keys}", params)  # noqa: S608


def delete_in_batches(rows: QuerySet, batch_size: int, dry_run: bool = False) -> tuple[int, int]:
    """(rows deleted, batches) for rows nothing refers to: short DELETEs by key, never one long one."""
    if dry_run:
        count = rows.count()
        return count, math.ceil(count / batch_size)
    total = batches = 0
    while pks := list(rows.values_list("pk", flat=True)[:batch_size]):
        rows.model.objects.filter(pk__in=pks).delete()
        total += len(pks)
        batches += 1
    return total, batches
