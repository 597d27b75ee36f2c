"""Materialised paths: every row that lives somewhere in the org-unit tree carries its unit's path.

A path is the codes from the root down, each followed by "/": ``430000/431300/431302/431302004/``.
``Q(unit_path__under=p)`` is the subtree filter — one prefix match that both databases answer from
an index: GLOB on SQLite (case-sensitive, so its LIKE-optimisation applies) and LIKE on PostgreSQL.
On PostgreSQL the columns compare byte by byte (collation "C", whatever the database's locale), so that a
prefix is a range of every index that begins with the path — (unit_path, id) serves both the subtree and
the list's order — and not only of the ``varchar_pattern_ops`` index ``db_index`` adds beside it.
"""

from django.db import models
from django.db.models import Lookup

from core.db import glob_escape, like_escape, path_collation

SEPARATOR = "/"


class PathField(models.CharField):
    """A materialised path (see module docstring)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        collation = path_collation(connection)
        if collation and not params.get("collation"):
            params["collation"] = collation
        return params

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        # always explicit: this field's default differs from CharField's
        kwargs["db_index"] = self.db_index  # type: ignore[attr-defined]  # django-stubs omit Field.db_index
        return name, path, args, kwargs


@PathField.register_lookup
class Under(Lookup):
    """`path__under=prefix`: the row's path starts with `prefix` (the node itself and its subtree)."""

    lookup_name = "under"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql, params = under_condition(lhs, str(self.rhs), connection.vendor)
        return sql, [*lhs_params, *params]


def under_condition(column: str, prefix: str, vendor: str) -> tuple[str, list]:
    """`column` (SQL) starts with `prefix`, as `path__under` writes it for the backend `vendor`: the SQL and its
    parameters (for statements written by hand, core.plain_reads)."""
    if vendor == "sqlite":
        return f"{column} GLOB %s", [glob_escape(prefix) + "*"]
    if vendor == "postgresql":
        return f"{column} LIKE %s", [like_escape(prefix) + "%"]
    return f"SUBSTR({column}, 1, %s) = %s", [len(prefix), prefix]  # other backends: portable but unindexed


def path_ancestors(path: str) -> list[str]:
    """Return the paths of every ancestor of `path` and of the node itself, root first."""
    codes = [c for c in path.split(SEPARATOR) if c]
    return [SEPARATOR.join(codes[: i + 1]) + SEPARATOR for i in range(len(codes))]


def paths_minimal(paths: list[str]) -> list[str]:
    """Drop every path that lies under another in the list (a scope's union of subtrees)."""
    kept: list[str] = []
    for p in sorted(set(paths)):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept
