"""Fevers stored as "seen, well" before the rule become fevers when the database learns to refuse them."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.tests.test_notifications import migrating, triggers_back_on  # noqa: F401  (the migrating fixtures)
from persons.models import HealthCheck


def test_a_fever_stored_as_well_becomes_a_fever_then_the_database_refuses_it(migrating):  # noqa: F811
    before = [("persons", "0005_retention_disclosure")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    try:
        grid = old.get_model("orgunits", "OrgUnit").objects.create(code="g1", name="第一网格", kind="grid", depth=1,
                                                                   path="g1/")
        person = old.get_model("persons", "Person").objects.create(name="张三", grid=grid, unit_path="g1/")
        Check = old.get_model("persons", "HealthCheck")
        common = {"person": person, "checked_at": "2020-05-21T09:00:00+08:00", "check_date": "2020-05-21",
                  "unit_path": "g1/"}
        wrong = Check.objects.create(temperature="37.8", result="well", flagged=True, symptoms=["cough"], **common)
        well = Check.objects.create(temperature="36.5", result="well", flagged=False, **common)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    fixed = HealthCheck.objects.get(pk=wrong.pk)
    assert (fixed.result, fixed.symptoms, fixed.flagged) == ("symptoms", ["fever", "cough"], True)
    assert HealthCheck.objects.get(pk=well.pk).result == "well"
