"""A person's access log: who viewed their data unmasked or exported it, for those who read the audit
log over the person's unit; everyone else gets 404."""

import pytest
from django.utils import translation

from persons import services
from persons.facts import PeopleSource
from persons.models import PersonDisclosure
from persons.tests.conftest import resident_id


def rows(page: str) -> list[str]:
    return [line for line in page.splitlines() if "data-entry=" in line]


def test_the_log_lists_who_viewed_the_person(cast, people, client_for):
    a = people[0]
    client_for(cast.grid_a_worker).get(f"/persons/{a.pk}/")
    with translation.override("zh-hans"):
        response = client_for(cast.street_officer).get(f"/persons/{a.pk}/access/")
    assert response.status_code == 200
    listed = rows(response.content.decode())
    assert len(listed) == 1 and 'data-actor="grid_a"' in listed[0] and 'data-action="view"' in listed[0]


def test_exports_that_held_the_person_are_listed(cast, people, client_for):
    a, b = people
    response = client_for(cast.community_a_worker).get("/persons/export.csv")
    b"".join(response.streaming_content)
    assert set(PersonDisclosure.objects.values_list("person_id", flat=True)) == {a.pk}
    page_a = client_for(cast.street_officer).get(f"/persons/{a.pk}/access/").content.decode()
    assert any('data-actor="community_a"' in r and 'data-action="export"' in r for r in rows(page_a))
    page_b = client_for(cast.street_officer).get(f"/persons/{b.pk}/access/").content.decode()
    assert rows(page_b) == []  # community A's export did not hold 李四


def test_a_report_drill_down_shown_unmasked_is_listed(cast, people, client_for):
    a = people[0]
    PeopleSource().members_rows([a.pk], user=cast.grid_a_worker)
    PeopleSource().members_rows([a.pk], user=cast.command_a)  # masked for the command role: not a view of the data
    page = client_for(cast.street_officer).get(f"/persons/{a.pk}/access/").content.decode()
    listed = rows(page)
    assert len(listed) == 1 and 'data-actor="grid_a"' in listed[0]


@pytest.mark.parametrize("who", ["grid_a_worker", "community_a_worker", "community_b_worker", "other_street_officer"])
def test_others_get_404(cast, people, client_for, who):
    """Grid and community workers do not read the audit log; the others' scope does not cover the person."""
    assert client_for(getattr(cast, who)).get(f"/persons/{people[0].pk}/access/").status_code == 404


def test_the_person_page_links_to_the_log_for_those_who_may_read_it(cast, people, client_for):
    a = people[0]
    assert 'id="access-log-link"' in client_for(cast.street_officer).get(f"/persons/{a.pk}/").content.decode()
    assert 'id="access-log-link"' in client_for(cast.command_a).get(f"/persons/{a.pk}/").content.decode()
    assert 'id="access-log-link"' not in client_for(cast.grid_a_worker).get(f"/persons/{a.pk}/").content.decode()


def test_a_merge_keeps_the_log_of_both_records(cast, people, person_data, client_for):
    a = people[0]
    dup = services.person_register(data=person_data(name="张三", doc_number=resident_id(seq=999)), by=None)
    b"".join(client_for(cast.community_a_worker).get("/persons/export.csv").streaming_content)
    client_for(cast.grid_a_worker).get(f"/persons/{dup.pk}/")
    services.person_merge(keep=a, drop=dup, by=cast.street_officer)
    listed = rows(client_for(cast.street_officer).get(f"/persons/{a.pk}/access/").content.decode())
    assert any('data-action="export"' in r for r in listed)
    assert any('data-action="view"' in r and 'data-actor="grid_a"' in r for r in listed)
