"""The audit log read in Chinese: every entry names what it is about by its model's name (人员, not persons.person),
its fields by their names and its notes in the reader's language; entries are written so that this is possible
(a note is a msgid marked with gettext_noop, never a code or an English sentence built with an f-string)."""

import ast
import re

import pytest
from django.apps import apps
from django.utils import translation

from core import audit
from core.lengths import PROJECT_APPS
from core.models import AuditEntry
from core.tests.catalog import catalog_compile, python_sources
from orgunits import services as unit_services

CJK = re.compile(r"[\u3400-\u9fff]")
# Words a stored object name may end with: the file formats a download is audited under.
FORMAT_WORDS = {"xlsx", "csv", "dataValueSets"}


@pytest.fixture
def chinese():
    catalog_compile()
    with translation.override("zh-hans"):
        yield


def _models():
    return [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]


def _audit_calls():
    """(where, keyword arguments) of every audit_record(...) call in the project's code."""
    for path, tree in python_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "audit_record":
                yield f"{path}:{node.lineno}", {k.arg: k.value for k in node.keywords}


def test_every_model_and_every_other_object_type_is_named_in_chinese(chinese):
    labels = {m._meta.label_lower: audit.object_type_label(m._meta.label_lower) for m in _models()}
    labels.update({t: audit.object_type_label(t) for t in audit.OBJECT_TYPES})
    english = {t: label for t, label in labels.items() if not CJK.search(label)}
    assert not english, f"give these models a verbose_name (or the type a name in core.audit.OBJECT_TYPES): {english}"


def test_every_object_type_the_code_writes_is_named_in_chinese(chinese):
    written = {(where, call["object_type"].value) for where, call in _audit_calls()
               if isinstance(call.get("object_type"), ast.Constant)}
    assert written, "no audit_record(object_type=…) found: the scan reads nothing"
    unnamed = sorted(f"{where}: {kind} → {audit.object_type_label(kind)!r}" for where, kind in written
                     if not CJK.search(audit.object_type_label(kind)))
    assert not unnamed, "name these object types in core.audit.OBJECT_TYPES:\n" + "\n".join(unnamed)


def test_every_field_of_every_model_is_named_in_chinese(chinese):
    unnamed = [f"{m._meta.label}.{f.name}" for m in _models() for f in m._meta.concrete_fields
               if f.name != "id" and not CJK.search(audit.field_label(m, f.name))]
    assert not unnamed, ("give these fields a verbose_name (or a name in core.audit.FIELD_NAMES): "
                         + ", ".join(unnamed))


def _english_literal(node) -> str | None:
    """The English text of a note or name written as a plain string or an f-string (None when there is none)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = " ".join(v.value for v in node.values if isinstance(v, ast.Constant))
    else:
        return None
    words = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in FORMAT_WORDS]
    return text if words else None


def test_notes_and_names_are_written_as_msgids_to_translate_when_read():
    """Written as gettext_noop("…") (or a constant holding one) and translated when the log is read; a code
    ("batch", "approve") or an f-string ("recheck 38.2 °C") reaches the reader as it was written."""
    written = [f"{where}: {keyword}={text!r}" for where, call in _audit_calls()
               for keyword in ("note", "object_repr") if (text := _english_literal(call.get(keyword))) is not None]
    assert not written, ("write these as gettext_noop(…) msgids, with their values in `after`:\n"
                         + "\n".join(written))


def test_notes_written_as_codes_before_are_read_in_chinese(chinese):
    assert audit.note_text("api") == "数据接口"
    assert audit.note_text("approve") == "批准申请"
    assert audit.note_text("疾控要求延长观察") == "疾控要求延长观察"  # typed by a user: shown as typed


def _person(cast, **data):
    from persons import services as person_services
    from persons.tests.conftest import resident_id

    return person_services.person_register(data={"name": "张三", "doc_type": "resident_id", "phone": "13812345678",
                                                 "doc_number": resident_id(seq=123), "grid": cast.grid_a.code, **data},
                                           by=cast.street_officer)


def test_the_audit_log_names_a_person_entry_in_chinese(cast, client_for, chinese):
    from persons import services as person_services

    person = _person(cast, sex="M")
    person_services.person_update(person=person, data={"sex": "F"}, version=person.version,
                                  by=cast.street_officer)
    entry = AuditEntry.objects.filter(object_type="persons.person", action="update").latest("at")
    client = client_for(cast.city_admin)

    listing = client.get("/audit/?object_type=persons.person").content.decode()
    assert f"人员 #{person.pk}" in listing and "persons.person #" not in listing
    assert '<option value="persons.person" selected>人员</option>' in listing  # the filter names models too

    detail = client.get(f"/audit/{entry.pk}/").content.decode()
    assert f"人员 #{person.pk}" in detail
    assert "<td>性别</td><td>男</td><td>女</td>" in detail  # the field's name and the choices' labels
    assert "<td>sex</td>" not in detail and "<td>M</td>" not in detail


def test_an_entry_written_by_the_system_is_by_the_system(cast, client_for, chinese):
    unit_services.unit_rename(unit=cast.community_a, name="三元新社区", by=None)
    entry = AuditEntry.objects.filter(object_type="orgunits.orgunit", action="update").latest("at")
    detail = client_for(cast.city_admin).get(f"/audit/{entry.pk}/").content.decode()
    assert "· 系统" in detail and "· system" not in detail
    assert f"行政区划 #{cast.community_a.pk}" in detail and "<td>名称</td>" in detail


def test_a_persons_access_log_says_in_chinese_where_their_data_was_seen(cast, client_for, chinese):
    person = _person(cast)
    officer = client_for(cast.street_officer)
    assert officer.get(f"/api/persons/{person.pk}").status_code == 200
    assert officer.get(f"/persons/{person.pk}/").status_code == 200
    assert list(AuditEntry.objects.filter(object_type="persons.person", action="view").values_list("note", flat=True)
                .order_by("at")) == ["the API", "the person's page"]  # msgids, translated when read

    log = client_for(cast.city_admin).get(f"/persons/{person.pk}/access/").content.decode()
    assert "数据接口" in log and "人员页面" in log
    page = client_for(cast.city_admin).get(f"/persons/{person.pk}/").content.decode()
    accesses = page[page.index('id="accesses"'):]
    assert "查看 · 数据接口" in accesses and "· api" not in accesses
