"""The one rule of what a viewer sees of a person (persons.disclosure): full, masked or hidden, ids only for
people the viewer may open, unmasked documents only for a person shown alone and then audited."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Membership, User
from accounts.roles import TRACING_VIEW, Role
from core.models import AuditEntry
from persons.disclosure import FULL, HIDDEN, MASKED, Disclosure, person_shown
from persons.identity import mask_doc, mask_phone


@pytest.mark.parametrize(("who", "level_a"), [("grid_a_worker", FULL), ("community_a_worker", FULL),
                                              ("command_a", MASKED), ("street_officer", FULL)])
def test_a_person_of_the_viewers_area_is_named_and_one_of_another_hidden(cast, people, who, level_a):
    a, b = people
    user = getattr(cast, who)
    shown_a, shown_b = Disclosure(user).show_all([a, b])
    assert (shown_a.level, shown_a.id, shown_a.name, shown_a.url) == (level_a, a.pk, "张三", f"/persons/{a.pk}/")
    assert (shown_a.doc_number, shown_a.phone) == (mask_doc(a.doc_number), mask_phone(a.phone))  # in a list
    if who == "street_officer":
        assert shown_b.level == FULL and shown_b.id == b.pk
    else:
        assert shown_b.level == HIDDEN and shown_b.id is None and shown_b.name == shown_b.doc_number == ""
        assert shown_b.ref() == {"id": None, "name": "", "grid": "", "in_scope": False}


def test_a_lawyer_reading_reports_may_open_no_one(cast, people):
    lawyer = User.objects.create_user(username="lawyer_a", password="Test-password-2020")
    Membership.objects.create(user=lawyer, role=Role.LAWYER, unit=cast.city, unit_path=cast.city.path)
    assert person_shown(lawyer, people[0]).level == HIDDEN
    assert Disclosure(lawyer).ids_open([p.pk for p in people]) == []
    assert Disclosure(cast.grid_a_worker).ids_open([people[1].pk, people[0].pk, 99999]) == [people[0].pk]


def test_the_area_permission_narrows_the_line_list_scope(cast, people):
    """A liaison reads the line list of the street but traces no one: in tracing, nobody is named to them."""
    liaison = User.objects.create_user(username="liaison_a", password="Test-password-2020")
    Membership.objects.create(user=liaison, role=Role.LIAISON, unit=cast.street, unit_path=cast.street.path)
    assert person_shown(liaison, people[0]).level == FULL
    assert person_shown(liaison, people[0], perm=TRACING_VIEW).level == HIDDEN


def test_a_person_known_in_the_area_is_named_without_an_id(cast, people):
    """A worker on the roster of a gate the viewer keeps: the name, never the id or a link."""
    shown = person_shown(cast.grid_a_worker, people[1], known=True)
    assert (shown.level, shown.name, shown.id, shown.url) == (MASKED, "李四", None, "")
    assert shown.doc_number == mask_doc(people[1].doc_number)


def test_the_subject_of_a_page_is_unmasked_only_at_the_full_level_and_that_view_audited(cast, people):
    a = people[0]
    full = Disclosure(cast.grid_a_worker).subject(a, channel="api")
    assert (full.doc_number, full.phone) == (a.doc_number, a.phone)
    masked = Disclosure(cast.command_a).subject(a, channel="api")
    assert (masked.doc_number, masked.phone) == (mask_doc(a.doc_number), mask_phone(a.phone))
    views = AuditEntry.objects.filter(action="view", object_id=str(a.pk))
    assert [(e.actor_name, e.note) for e in views] == [("grid_a", "the API")]
    assert full.ref(detail=True)["doc_number"] == a.doc_number and "doc_number" not in full.ref()


def test_only_the_rule_decides_to_unmask_a_document_or_phone():
    """Enumerates the project's code: persons.view_full is read only by persons.disclosure, and a template prints
    a document number or phone only from what the rule gave (a PersonShown: `shown`, `subject`)."""
    root = Path(settings.BASE_DIR)
    skip = {".venv", "tests", "migrations", "node_modules"}
    allowed = {"persons/disclosure.py", "accounts/roles.py"}
    readers = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if skip & set(path.relative_to(root).parts) or rel in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        if "PERSONS_VIEW_FULL" in text or '"persons.view_full"' in text:
            readers.append(rel)
    assert readers == []
    printed = []
    for path in root.rglob("*.html"):
        if skip & set(path.relative_to(root).parts):
            continue
        for expr in re.findall(r"\{\{\s*([\w.]+)\.(?:doc_number|phone)\b", path.read_text(encoding="utf-8")):
            if expr.split(".")[-1] not in ("shown", "subject"):
                printed.append(f"{path.relative_to(root)}: {expr}")
    assert printed == []

