"""Reads that nearly every page makes, as plain statements written once per process.

Building a queryset's SQL costs more than running it when the rows are few: a page's small tables (categories,
statuses, additional fields) and the user's memberships are read on nearly every request. These helpers read them
as the ORM would — the same columns, order and database (the router's), each value converted as the ORM converts
it (SQLite's booleans, JSON, aware times) — from statements built from the models once per process.
"""

from collections.abc import Iterable, Sequence
from functools import cache

from django.db import connections, router
from django.db.models import Model


def rows_as(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence], alias: str) -> list:
    """`rows` (the values of `fields`, attnames, in that order) as instances of `model` read from `alias`, converted
    as the ORM converts what it reads; the model's other fields are deferred (read when asked for)."""
    connection = connections[alias]
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    converters = []
    for i, name in enumerate(fields):
        field = by_attname[name]
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((i, column, found))
    instances = []
    for row in rows:
        values = list(row)
        for i, column, found in converters:
            for convert in found:
                values[i] = convert(values[i], column, connection)
        instances.append(model.from_db(alias, fields, values))
    return instances


def columns(model: type[Model], fields: Sequence[str], table_alias: str = "") -> list[str]:
    """The quoted columns of `fields` (attnames), prefixed by `table_alias` when given."""
    column = {f.attname: f.column for f in model._meta.concrete_fields}
    prefix = f"{table_alias}." if table_alias else ""
    return [f'{prefix}"{column[name]}"' for name in fields]


def ordering(model: type[Model], table_alias: str = "") -> str:
    """ORDER BY's list for the model's Meta.ordering, then its key (one order whatever ties)."""
    names = [str(name) for name in model._meta.ordering or ()]
    order = [f"{col} DESC" if name.startswith("-") else col
             for name, col in zip(names, columns(model, [n.lstrip("-") for n in names], table_alias), strict=True)]
    return ", ".join([*order, *columns(model, [model._meta.pk.attname], table_alias)])


@cache
def _table_sql(model: type[Model], where: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    fields = tuple(f.attname for f in model._meta.concrete_fields)
    condition = " AND ".join(f"{col} = %s" for col in columns(model, where))
    return fields, (f'SELECT {", ".join(columns(model, fields))} FROM "{model._meta.db_table}"'
                    f'{" WHERE " + condition if condition else ""} ORDER BY {ordering(model)}')


def table_read(model: type[Model], **equal) -> list:
    """The rows of a small table whose fields equal `equal` (attnames; none: all), every field read, in the model's
    order: `list(model.objects.filter(**equal))`."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    fields, sql = _table_sql(model, tuple(equal))
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    params = [by_attname[name].get_db_prep_value(value, connection) for name, value in equal.items()]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return rows_as(model, fields, rows, alias)
