"""Reads that nearly every page makes, as plain statements written once per process.

Building a queryset's SQL costs more than running it when the rows are few: a page's small tables (categories,
statuses, additional fields) and the user's memberships are read on nearly every request. These helpers read them
as the ORM would — the same columns, order and database (the router's), each value converted as the ORM converts
it (SQLite's booleans, JSON, aware times) — from statements built from the models once per process.

A page's independent reads can go together (`at_once`): on PostgreSQL one round trip for all of them instead of one
each. Each helper has both forms: `read(...)` answers, `reading(...)` is the statement for `at_once`.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from django.db import connections, router
from django.db.models import ForeignKey, Model

from core.db import statements_together


def rows_as(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence], alias: str) -> list:
    """`rows` (the values of `fields`, attnames, in that order) as instances of `model` read from `alias`, converted
    as the ORM converts what it reads; the model's other fields are deferred (read when asked for)."""
    connection = connections[alias]
    # The converters of these fields on this connection, found once (kept on the connection: its backend's own).
    known = connection.__dict__.setdefault("_fk_converters", {})
    converters = known.get((model, tuple(fields)))
    if converters is None:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        converters = []
        for i, name in enumerate(fields):
            field = by_attname[name]
            column = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                converters.append((i, column, found))
        known[(model, tuple(fields))] = converters
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


# -- reads that go together ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Statement:
    """A read ready to run: the database it reads (the router's), its SQL and parameters, and `answer`, which makes
    its rows (tuples) into what the read returns."""

    alias: str
    sql: str
    params: list
    answer: Callable[[list[tuple]], list]


def at_once(*statements: Statement | None) -> list[list]:
    """Each statement's answer, in their order; None (a read of nothing, e.g. `IN` an empty list) answers []. On
    PostgreSQL the statements of one database go in one round trip — one query of several statements, each one's rows
    read in turn — rather than one each: a page's reads are small, and the trip, and what the driver and the server
    spend on each statement, cost more than reading. Each statement sees what it would alone (the same isolation).
    On SQLite, whose database is in the process, one after the other."""
    out: list[list] = [[] for _statement in statements]
    by_alias: dict[str, list[tuple[int, Statement]]] = {}
    for i, statement in enumerate(statements):
        if statement is not None:
            by_alias.setdefault(statement.alias, []).append((i, statement))
    for alias, group in by_alias.items():
        connection = connections[alias]
        with connection.cursor() as cursor:
            if len(group) > 1 and statements_together(connection):  # one simple query, several results
                cursor.execute("; ".join(statement.sql for _i, statement in group),
                               [param for _i, statement in group for param in statement.params])
                for n, (i, statement) in enumerate(group):
                    if n:
                        cursor.nextset()
                    out[i] = statement.answer(cursor.fetchall())
            else:
                for i, statement in group:
                    cursor.execute(statement.sql, statement.params)
                    out[i] = statement.answer(cursor.fetchall())
    return out


def rows_reading(model: type[Model], sql: str, params: Sequence) -> Statement:
    """A statement written by hand over `model`'s table, on the database the router reads `model` from; its rows as
    they come (tuples)."""
    return Statement(router.db_for_read(model), sql, list(params), list)


# -- the reads ---------------------------------------------------------------------------------------------------

def table_read(model: type[Model], **equal) -> list:
    """The rows of a small table whose fields equal `equal` (attnames; none: all), every field read, in the model's
    order: `list(model.objects.filter(**equal))`."""
    return at_once(table_reading(model, **equal))[0]


def table_reading(model: type[Model], **equal) -> Statement:
    """table_read's statement, for at_once."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    fields, sql = _table_sql(model, tuple(equal))
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    params = [by_attname[name].get_db_prep_value(value, connection) for name, value in equal.items()]
    return Statement(alias, sql, params, lambda rows: rows_as(model, fields, rows, alias))


def read(model: type[Model], *, where: dict, exclude: dict | None = None, related: Sequence[str] = (),
         order: Sequence[str] = (), limit: int | None = None) -> list:
    """`list(model.objects.filter(**where).exclude(**exclude).select_related(*related).order_by(*order)[:limit])` in
    one statement written once per process for its shape: `where` and `exclude` name attnames, equal to a value or in
    a list (`exclude` only of columns that hold no NULL); `related`, forward foreign keys, each related row read whole
    (a LEFT JOIN: a NULL key reads None) and kept on the instance as select_related keeps it; `order`, attnames,
    "-" for descending (none: the model's ordering), then the key (one order whatever the ties; descending after a
    descending first name: the latest first)."""
    return at_once(reading(model, where=where, exclude=exclude, related=related, order=order, limit=limit))[0]


def reading(model: type[Model], *, where: dict, exclude: dict | None = None, related: Sequence[str] = (),
            order: Sequence[str] = (), limit: int | None = None) -> Statement | None:
    """read's statement, for at_once; None when it reads nothing (`IN` an empty list: as the ORM, no statement)."""
    def many(value) -> bool:
        return isinstance(value, list | tuple | set | frozenset)

    if any(many(value) and not value for value in where.values()):
        return None
    exclude = {name: value for name, value in (exclude or {}).items() if not (many(value) and not value)}
    alias = router.db_for_read(model)
    connection = connections[alias]
    shape = tuple((name, len(value) if many(value) else None)
                  for conditions in (where, exclude) for name, value in conditions.items())
    sql, reads = _read_sql(model, shape, len(where), tuple(related), tuple(order), limit)
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    params = []
    for conditions in (where, exclude):
        for name, value in conditions.items():
            values = list(value) if many(value) else [value]
            params += [by_attname[name].get_db_prep_value(v, connection) for v in values]

    def answer(rows: list[tuple]) -> list:
        (_, fields, start), *joined = reads
        instances = rows_as(model, fields, [row[start:start + len(fields)] for row in rows], alias)
        for name, fields, start in joined:
            forward = _forward(model, name)
            target = forward.related_model
            key = start + fields.index(target._meta.pk.attname)
            found = iter(rows_as(target, fields,
                                 [row[start:start + len(fields)] for row in rows if row[key] is not None], alias))
            for instance, row in zip(instances, rows, strict=True):
                forward.set_cached_value(instance, next(found) if row[key] is not None else None)
        return instances

    return Statement(alias, sql, params, answer)


def _forward(model: type[Model], name: str) -> ForeignKey:
    forward = model._meta.get_field(name)
    if not isinstance(forward, ForeignKey) or forward.name != name:
        raise ValueError(f"{name} is no foreign key of {model.__name__}")
    return forward


@cache
def _read_sql(model: type[Model], shape: tuple, n_where: int, related: tuple[str, ...], order: tuple[str, ...],
              limit: int | None) -> tuple[str, list[tuple[str, tuple[str, ...], int]]]:
    """The statement of `read` and where each model's fields lie in its rows: (related name, attnames, first column)."""
    table = model._meta.db_table
    fields = tuple(f.attname for f in model._meta.concrete_fields)
    selected, reads, joins = columns(model, fields, "t"), [("", fields, 0)], []
    for i, name in enumerate(related):
        forward = _forward(model, name)
        target = forward.related_model
        target_fields = tuple(f.attname for f in target._meta.concrete_fields)
        reads.append((name, target_fields, len(selected)))
        selected += columns(target, target_fields, f"r{i}")
        joins.append(f' LEFT JOIN "{target._meta.db_table}" r{i} ON r{i}."{forward.target_field.column}"'
                     f' = {columns(model, [forward.attname], "t")[0]}')
    conditions = []
    for n, (name, count) in enumerate(shape):
        column = columns(model, [name], "t")[0]
        condition = f"{column} = %s" if count is None else f"{column} IN ({', '.join(['%s'] * count)})"
        conditions.append(condition if n < n_where else f"NOT ({condition})")
    if order:
        pk = model._meta.pk.attname
        names = [*order, *([] if pk in {o.lstrip("-") for o in order} else [f"-{pk}" if order[0][0] == "-" else pk])]
        order_by = ", ".join(f"{columns(model, [o.lstrip('-')], 't')[0]}{' DESC' if o.startswith('-') else ''}"
                             for o in names)
    else:
        order_by = ordering(model, "t")
    sql = (f'SELECT {", ".join(selected)} FROM "{table}" t{"".join(joins)}'
           f'{" WHERE " + " AND ".join(conditions) if conditions else ""} ORDER BY {order_by}'
           f'{f" LIMIT {int(limit)}" if limit is not None else ""}')
    return sql, reads
