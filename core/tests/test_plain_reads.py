"""core.plain_reads: the small tables and the memberships read by plain statements are what the ORM reads — every
field, of the same type (SQLite's booleans as booleans, JSON as lists, times aware), in the same order — and a model
choice field shown with rows read already shows what its queryset would."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.forms import model_choices_shown
from core.plain_reads import table_read
from orgunits.models import OrgUnit
from persons.forms import CategoryAssignForm, StatusForm
from persons.models import Category, CustomField, ManagementStatus


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
