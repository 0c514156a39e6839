"""Statements built once and reused: the few queries every token request sends.

On the token endpoint and on every protected API call, the ORM spends several times
more CPU compiling a statement than the database spends running it, and the statement
never changes: "the application with this client_id", "the token with this digest, with
its application and user", "insert this row". These helpers build each statement once
per model and database from the models' metadata, then only bind values; values go in
and come out through the same field and backend conversions the ORM applies
(get_db_prep_value / get_db_prep_save, backend and field converters, Model.from_db), so
callers get the same instances the equivalent QuerySet would give.

The ORM itself still runs when a fast statement would not behave like it: on databases
other than PostgreSQL and SQLite, for models with multi-table inheritance or database
defaults, and for inserts while anyone listens to pre_save or post_save of the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.db.models import NOT_PROVIDED, Model
from django.db.models.signals import post_save, pre_save
from django.db.transaction import TransactionManagementError

SUPPORTED_VENDORS = frozenset({"postgresql", "sqlite"})


class _Unsupported(Exception):
    """The model or database needs the ORM."""


@dataclass(frozen=True)
class _Loader:
    """Turns a slice of a result row into a model instance, as the ORM's iterator does."""

    model: type[Model]
    start: int
    stop: int
    pk_index: int  # in the row
    attnames: tuple[str, ...]
    converters: tuple[tuple[int, tuple, Any], ...]  # (column index, converters, expression)

    def load(self, using: str, row: list, connection) -> Model | None:
        for index, convs, expression in self.converters:
            value = row[index]
            for converter in convs:
                value = converter(value, expression, connection)
            row[index] = value
        if row[self.pk_index] is None:  # a LEFT JOIN that matched nothing
            return None
        return self.model.from_db(using, self.attnames, row[self.start : self.stop])


@dataclass(frozen=True)
class _SelectPlan:
    sql: str
    base: _Loader
    related: tuple[tuple[Any, _Loader], ...]  # (foreign key field on the base model, loader)


@dataclass(frozen=True)
class _InsertPlan:
    sql: str
    fields: tuple
    pk_converters: tuple


# Built on first use, per model and database connection.
_select_plans: dict[tuple, _SelectPlan] = {}
_insert_plans: dict[tuple, _InsertPlan] = {}
_update_plans: dict[tuple, str] = {}


def _check_model(model: type[Model]) -> None:
    meta = model._meta
    if meta.parents or any(getattr(f, "generated", False) for f in meta.concrete_fields):
        raise _Unsupported(model)


def _loader(model: type[Model], alias: str, start: int, connection) -> tuple[list[str], _Loader]:
    _check_model(model)
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    columns = [f"{quote(alias)}.{quote(f.column)}" for f in fields]
    converters = []
    for offset, field in enumerate(fields):
        expression = field.get_col(alias)
        convs = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if convs:
            converters.append((start + offset, tuple(convs), expression))
    pk_index = start + fields.index(model._meta.pk)
    attnames = tuple(f.attname for f in fields)
    loader = _Loader(model, start, start + len(fields), pk_index, attnames, tuple(converters))
    return columns, loader


def _select_plan(
    model: type[Model], field_name: str, count: int, related: tuple[str, ...], for_update: bool, connection
):
    if connection.vendor not in SUPPORTED_VENDORS:
        raise _Unsupported(connection.vendor)
    key = (model, field_name, count, related, for_update, connection.alias, connection.vendor)
    plan = _select_plans.get(key)
    if plan is not None:
        return plan
    quote = connection.ops.quote_name
    meta = model._meta
    columns, base = _loader(model, "t0", 0, connection)
    joins, loaders = [], []
    for index, name in enumerate(related, start=1):
        fk = meta.get_field(name)
        target = fk.remote_field.model
        alias = f"t{index}"
        more, loader = _loader(target, alias, len(columns), connection)
        columns += more
        kind = "LEFT OUTER JOIN" if fk.null else "INNER JOIN"
        joins.append(
            f"{kind} {quote(target._meta.db_table)} {quote(alias)} "
            f"ON ({quote('t0')}.{quote(fk.column)} = {quote(alias)}.{quote(fk.target_field.column)})"
        )
        loaders.append((fk, loader))
    lookup = meta.get_field(field_name)
    # Identifiers come from model metadata and are quoted; values are always bound parameters.
    select = f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} {quote('t0')} {' '.join(joins)}"  # noqa: S608
    values = ", ".join(["%s"] * count)
    sql = f"{select} WHERE {quote('t0')}.{quote(lookup.column)} IN ({values}) LIMIT 1"
    if for_update and connection.features.has_select_for_update:
        sql += f" FOR UPDATE OF {quote('t0')}" if connection.features.has_select_for_update_of else " FOR UPDATE"
    plan = _select_plans[key] = _SelectPlan(sql, base, tuple(loaders))
    return plan


def get(
    model: type[Model], field_name: str, value: Any, *, related: tuple[str, ...] = (), for_update: bool = False
) -> Model | None:
    """The row whose unique `field_name` equals `value`, with the `related` foreign keys loaded, or None."""
    return get_any(model, field_name, (value,), related=related, for_update=for_update)


def get_any(
    model: type[Model],
    field_name: str,
    values: Sequence[Any],
    *,
    related: tuple[str, ...] = (),
    for_update: bool = False,
) -> Model | None:
    """The row whose unique `field_name` is one of `values`, with the `related` foreign keys loaded, or None.

    Like model.objects.select_related(*related).filter(**{f"{field_name}__in": values}).first(),
    and with for_update like .select_for_update(of=("self",)) (only the base row is locked).
    `field_name` must be unique and at most one of `values` may match (a digest under each
    key: one token is stored under one key), so no ordering is needed to pick the row.
    One value or several take the same path, so the path that runs while keys rotate is the
    one that always runs.
    """
    using = router.db_for_write(model) if for_update else router.db_for_read(model)
    connection = connections[using]
    try:
        plan = _select_plan(model, field_name, len(values), tuple(related), for_update, connection)
    except _Unsupported:
        queryset = model._default_manager.using(using).select_related(*related)
        if for_update:
            queryset = queryset.select_for_update(of=("self",))
        return queryset.filter(**{f"{field_name}__in": list(values)}).first()
    if for_update and connection.features.has_select_for_update and connection.get_autocommit():
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    field = model._meta.get_field(field_name)
    params = [field.get_db_prep_value(value, connection, prepared=False) for value in values]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    instance = plan.base.load(using, row, connection)
    for fk, loader in plan.related:
        fk.set_cached_value(instance, loader.load(using, row, connection))
    return instance


def _insert_plan(model: type[Model], connection) -> _InsertPlan:
    if connection.vendor not in SUPPORTED_VENDORS or not connection.features.can_return_columns_from_insert:
        raise _Unsupported(connection.vendor)
    key = (model, connection.alias, connection.vendor)
    plan = _insert_plans.get(key)
    if plan is not None:
        return plan
    _check_model(model)
    meta = model._meta
    if meta.pk is not meta.auto_field:
        raise _Unsupported(model)
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)
    if any(f.db_default is not NOT_PROVIDED or hasattr(f, "get_placeholder") for f in fields):
        raise _Unsupported(model)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    returning = quote(meta.pk.column)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) RETURNING {returning}"  # noqa: S608
    expression = meta.pk.get_col(meta.db_table)
    pk_converters = tuple(connection.ops.get_db_converters(expression) + expression.get_db_converters(connection))
    plan = _insert_plans[key] = _InsertPlan(sql, fields, pk_converters)
    return plan


def _fast_insert(instance: Model) -> tuple[_InsertPlan, str, list] | None:
    """The plan, database alias and parameters to insert `instance`, or None when save() must run."""
    model = type(instance)
    using = router.db_for_write(model, instance=instance)
    connection = connections[using]
    if instance.pk is not None or pre_save.has_listeners(model) or post_save.has_listeners(model):
        return None
    try:
        plan = _insert_plan(model, connection)
    except _Unsupported:
        return None
    instance._prepare_related_fields_for_save(operation_name="save")
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in plan.fields]
    return plan, using, params


def _inserted(instance: Model, plan: _InsertPlan, using: str, pk: Any) -> Model:
    connection = connections[using]
    expression = type(instance)._meta.pk.get_col(type(instance)._meta.db_table)
    for converter in plan.pk_converters:
        pk = converter(pk, expression, connection)
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = using
    return instance


def insert(instance: Model) -> Model:
    """Insert a new row for `instance` and set its primary key: instance.save(force_insert=True), one statement."""
    fast = _fast_insert(instance)
    if fast is None:
        instance.save(force_insert=True)
        return instance
    plan, using, params = fast
    with transaction.mark_for_rollback_on_error(using), connections[using].cursor() as cursor:
        cursor.execute(plan.sql, params)
        pk = cursor.fetchone()[0]
    return _inserted(instance, plan, using, pk)


def insert_all(*instances: Model) -> None:
    """Insert rows for several new instances, all or none; the rows must not refer to each other.

    On PostgreSQL one statement (each INSERT in a WITH clause), which is atomic without a
    transaction around it: one round trip instead of BEGIN, an INSERT each and COMMIT.
    Elsewhere, insert() each inside transaction.atomic().
    """
    prepared = [_fast_insert(instance) for instance in instances]
    usings = {fast[1] for fast in prepared if fast is not None}
    if len(instances) < 2 or None in prepared or len(usings) != 1:
        return _insert_each(instances)
    using = usings.pop()
    connection = connections[using]
    if connection.vendor != "postgresql" or "postgresql" not in SUPPORTED_VENDORS:
        return _insert_each(instances)
    quote = connection.ops.quote_name
    parts = [f"i{n} AS ({plan.sql})" for n, (plan, _, _) in enumerate(prepared)]
    picks = [f"(SELECT {quote(type(i)._meta.pk.column)} FROM i{n})" for n, i in enumerate(instances)]  # noqa: S608
    sql = f"WITH {', '.join(parts)} SELECT {', '.join(picks)}"
    params = [param for _, _, params in prepared for param in params]
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        pks = cursor.fetchone()
    for instance, (plan, _, _), pk in zip(instances, prepared, pks, strict=True):
        _inserted(instance, plan, using, pk)


def _insert_each(instances) -> None:
    using = router.db_for_write(type(instances[0]), instance=instances[0])
    with transaction.atomic(using=using, savepoint=False):
        for instance in instances:
            insert(instance)


def _update_plan(model: type[Model], names: tuple[str, ...], unset: tuple[str, ...], connection) -> str:
    if connection.vendor not in SUPPORTED_VENDORS:
        raise _Unsupported(connection.vendor)
    key = (model, names, unset, connection.alias, connection.vendor)
    sql = _update_plans.get(key)
    if sql is not None:
        return sql
    _check_model(model)
    meta = model._meta
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(meta.get_field(n).column)} = %s" for n in names)
    conditions = " AND ".join(
        [f"{quote(meta.pk.column)} = %s", *(f"{quote(meta.get_field(n).column)} IS NULL" for n in unset)]
    )
    sql = _update_plans[key] = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {conditions}"  # noqa: S608
    return sql


def update_unset(model: type[Model], pk: Any, values: dict[str, Any], *, unset: tuple[str, ...] = ()) -> int:
    """Set `values` on row `pk` if each field in `unset` is still NULL; the number of rows changed (0 or 1).

    model.objects.filter(pk=pk, <field>__isnull=True...).update(**values), one statement:
    the conditional UPDATE that lets exactly one of several concurrent requests win.
    """
    using = router.db_for_write(model)
    connection = connections[using]
    names = tuple(values)
    try:
        sql = _update_plan(model, names, tuple(unset), connection)
    except _Unsupported:
        conditions = {f"{name}__isnull": True for name in unset}
        return model._default_manager.using(using).filter(pk=pk, **conditions).update(**values)
    meta = model._meta
    params = [meta.get_field(n).get_db_prep_save(values[n], connection) for n in names]
    params.append(meta.pk.get_db_prep_value(pk, connection, prepared=False))
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
