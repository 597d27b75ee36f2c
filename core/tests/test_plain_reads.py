"""core.plain_reads: the small tables and the memberships read by plain statements are what the ORM reads — every
field, of the same type (SQLite's booleans as booleans, JSON as lists, times aware), in the same order — and a model
choice field shown with rows read already shows what its queryset would; a read with joins, conditions, an order and
a limit (`read`) gives what the ORM's select_related gives; reads sent together (`at_once`) answer as each alone, in one
round trip on PostgreSQL."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import audit_record
from core.forms import model_choices_shown
from core.models import AuditEntry
from core.plain_reads import at_once, read, reading, rows_reading, table_read, table_reading
from orgunits.models import OrgUnit, Site
from persons import services
from persons.forms import CategoryAssignForm, StatusForm
from persons.models import (
    Category,
    CategoryEpisode,
    CustomField,
    HealthCheck,
    ManagementStatus,
    Person,
    StatusEpisode,
)


def _values(objects) -> list[list]:
    return [[(f.attname, getattr(o, f.attname), type(getattr(o, f.attname))) for f in type(o)._meta.concrete_fields]
            for o in objects]


@pytest.fixture
def tables(cast):
    CustomField.objects.create(key="nat", label="核酸", type="choice", choices=["阴性", "阳性"],
                               required_from=dt.date(2020, 2, 1), order=2)
    CustomField.objects.create(key="employer", label="工作单位", type="text", order=1)
    CustomField.objects.create(key="old", label="旧字段", type="boolean", active=False, order=1)
    Category.objects.filter(code=Category.objects.order_by("order", "code").first().code).update(active=False)
    return cast


@pytest.mark.parametrize("model, equal", [(Category, {}), (Category, {"active": True}), (ManagementStatus, {}),
                                          (CustomField, {}), (CustomField, {"active": True}), (OrgUnit, {}),
                                          (OrgUnit, {"kind": OrgUnit.Kind.GRID})])
def test_a_small_table_reads_as_the_orm_reads_it_in_one_statement(tables, model, equal):
    with CaptureQueriesContext(connection) as queries:
        read = table_read(model, **equal)
    assert len(queries) == 1
    expected = list(model.objects.filter(**equal))
    assert read and _values(read) == _values(expected)
    if model is CustomField:
        assert any(f.choices == ["阴性", "阳性"] and f.required_from == dt.date(2020, 2, 1) for f in read)
        assert all(f.created_at.tzinfo is not None and f.active in (True, False) for f in read)


@pytest.mark.parametrize("form_class, name, rows", [(StatusForm, "status", lambda: table_read(ManagementStatus)),
                                                    (CategoryAssignForm, "category",
                                                     lambda: table_read(Category, active=True))])
def test_a_model_choice_field_shown_with_rows_read_shows_what_its_queryset_would(tables, form_class, name, rows):
    expected = str(form_class()[name])
    form = form_class()
    model_choices_shown(form, name, rows())
    with CaptureQueriesContext(connection) as queries:
        assert str(form[name]) == expected
    assert len(queries) == 0
    with pytest.raises(TypeError):
        model_choices_shown(form_class({name: "x"}), name, rows())


@pytest.fixture
def history(cast):
    """A person with two categories, a status with a site and one without, checks by a worker and by no one, audit
    entries of three actions."""
    hotel = Site.objects.create(unit=cast.street, unit_path=cast.street.path, kind=Site.Kind.QUARANTINE_HOTEL,
                                name="长青隔离酒店")
    person = services.person_register(data={"name": "张三", "doc_type": "passport", "doc_number": "E12345678",
                                             "phone": "13812345678", "address": "三元社区1栋",
                                             "grid": cast.grid_a.code}, by=cast.community_a_worker)
    start = dt.datetime(2020, 2, 1, 9, tzinfo=dt.UTC)
    for i, category in enumerate(Category.objects.order_by("code")[:2]):
        services.category_assign(person=person, category=category, start=start + dt.timedelta(hours=i),
                                 by=cast.community_a_worker)
    hotel_status = ManagementStatus.objects.filter(needs_site=True).first()
    home_status = ManagementStatus.objects.filter(needs_site=False, is_release=False).first()
    services.status_set(person=person, status=hotel_status, site=hotel, start=start, by=cast.community_a_worker)
    services.status_set(person=person, status=home_status, start=start + dt.timedelta(days=1), by=cast.street_officer)
    services.health_check_record(person=person, temperature="36.6", by=cast.community_a_worker)
    services.health_check_record(person=person, temperature="37.9", by=None)
    for action in ("view", "view", "export", "update"):
        audit_record(actor=cast.street_officer, action=action, obj=person, unit_path=person.unit_path)
    return person


def _related(objects, name) -> list:
    return [_values([getattr(o, name)])[0] if getattr(o, name) is not None else None for o in objects]


@pytest.mark.parametrize("model, related, order, limit", [
    (CategoryEpisode, ("category",), ("start", "id"), None),
    (StatusEpisode, ("status", "site"), ("start", "id"), None),
    (HealthCheck, ("recorded_by",), ("-checked_at",), 200),
    (HealthCheck, ("recorded_by",), ("-checked_at",), 1),
    (Person, ("grid", "household_head"), (), None),
])
def test_a_read_with_joins_gives_what_select_related_gives_in_one_statement(history, model, related, order, limit):
    where = {"id": history.pk} if model is Person else {"person_id": history.pk}
    with CaptureQueriesContext(connection) as queries:
        rows = read(model, where=where, related=related, order=order, limit=limit)
        assert len(queries) == 1
        related_values = {name: _related(rows, name) for name in related}  # kept on the rows: no statement
    assert len(queries) == 1
    tie = "-id" if order and order[0].startswith("-") else "id"
    expected = list(model.objects.filter(**where).select_related(*related).order_by(*order, tie)[:limit])
    assert rows and _values(rows) == _values(expected)
    assert related_values == {name: _related(expected, name) for name in related}
    if model is StatusEpisode:
        assert [e.site is None for e in rows] == [False, True]  # a status without a site: the LEFT JOIN reads None
    if model is HealthCheck and limit == 200:
        assert rows[0].recorded_by is None and rows[1].recorded_by.username == "community_a"


def test_a_read_keeps_the_orm_s_conditions_in_and_not_in_and_reads_nothing_for_an_empty_list(history):
    entries = {"object_type": "persons.person", "object_id": str(history.pk)}
    access = [AuditEntry.Action.VIEW, AuditEntry.Action.EXPORT]
    assert ([e.action for e in read(AuditEntry, where=entries, exclude={"action": access}, order=("-at",))]
            == list(AuditEntry.objects.filter(**entries).exclude(action__in=access).order_by("-at", "-id")
                    .values_list("action", flat=True)))
    assert [e.pk for e in read(AuditEntry, where={**entries, "action": access}, order=("-at",), limit=2)] == list(
        AuditEntry.objects.filter(**entries, action__in=access).order_by("-at", "-id").values_list("pk", flat=True)[:2])
    with CaptureQueriesContext(connection) as queries:
        assert read(AuditEntry, where={**entries, "action": []}) == []
    assert len(queries) == 0
    assert len(read(AuditEntry, where=entries, exclude={"action": []})) == AuditEntry.objects.filter(**entries).count()
    with pytest.raises(ValueError):
        read(HealthCheck, where={"person_id": history.pk}, related=("note",))


def test_reads_sent_together_answer_as_each_alone_in_one_round_trip_on_postgresql(history, tables):
    entries = {"object_type": "persons.person", "object_id": str(history.pk)}
    access = [AuditEntry.Action.VIEW, AuditEntry.Action.EXPORT]
    alone = [read(HealthCheck, where={"person_id": history.pk}, related=("recorded_by",), order=("-checked_at",)),
             read(AuditEntry, where=entries, exclude={"action": access}, order=("-at",), limit=50),
             table_read(CustomField, active=True), table_read(ManagementStatus)]
    with CaptureQueriesContext(connection) as queries:
        together = at_once(
            reading(HealthCheck, where={"person_id": history.pk}, related=("recorded_by",), order=("-checked_at",)),
            None,  # a read of nothing
            reading(AuditEntry, where=entries, exclude={"action": access}, order=("-at",), limit=50),
            reading(AuditEntry, where={"action": []}),  # IN nothing: no statement
            table_reading(CustomField, active=True),
            rows_reading(Person, 'SELECT COUNT(*) FROM "persons_person" WHERE "id" = %s', [history.pk]),
            table_reading(ManagementStatus))
    assert len(queries) == (1 if connection.vendor == "postgresql" else 5)
    assert together[1] == [] and together[3] == [] and together[5] == [(1,)]
    assert [_values(rows) for rows in [together[0], together[2], together[4], together[6]]] == [
        _values(rows) for rows in alone]
    assert [r.recorded_by_id and r.recorded_by.username for r in together[0]] == [
        r.recorded_by_id and r.recorded_by.username for r in alone[0]]
    assert at_once() == [] and at_once(None) == [[]]
