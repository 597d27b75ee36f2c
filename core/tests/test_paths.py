"""Materialised paths: the `under` lookup matches exactly the subtree and is answered from an index."""

import pytest
from django.db import connection

from core.fields import path_ancestors, paths_minimal
from orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db


def test_under_matches_the_subtree_only(cast):
    codes = set(OrgUnit.objects.filter(path__under=cast.street.path).values_list("code", flat=True))
    assert codes == {"431302004", "431302004001", "431302004001-01", "431302004003", "431302004003-01"}
    # a sibling whose code starts with the same digits is not inside
    assert "431302001" not in codes


def test_wildcard_characters_are_literal(cast):
    from core.fields import SEPARATOR

    odd = OrgUnit.objects.create(code="odd", name="x", kind="community", parent=cast.street,
                                 path=cast.street.path + "a_b%*?[" + SEPARATOR, depth=5)
    assert list(OrgUnit.objects.filter(path__under=cast.street.path + "a_b%*?[")) == [odd]
    assert not OrgUnit.objects.filter(path__under=cast.street.path + "aXb").exists()


def test_subtree_query_uses_the_path_index(cast):
    qs = OrgUnit.objects.filter(path__under=cast.street.path).only("id")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "USING" in plan and "INDEX" in plan and "path" in plan, plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "Index" in plan and "path" in plan, plan


def test_ancestors_and_minimal_paths():
    assert path_ancestors("1/2/3/") == ["1/", "1/2/", "1/2/3/"]
    assert paths_minimal(["1/2/", "1/", "3/4/", "3/4/5/"]) == ["1/", "3/4/"]
