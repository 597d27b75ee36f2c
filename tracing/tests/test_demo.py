"""The demo's contact tracing: loaded once, on the line list's own people, with one chain of three generations,
current follow-up and tasks, and the 21 May 2020 figures of the line list untouched."""

import pytest
from django.utils import timezone, translation

from accounts.demo import demo_users
from accounts.models import User
from orgunits.demo import DEMO_STREET, demo_tree
from orgunits.models import OrgUnit
from persons import demo as people_demo
from persons.models import CategoryEpisode, Person
from persons.selectors import open_at
from tracing import chains, demo
from tracing.models import Case, Exposure, FollowUp, Task, Visit


@pytest.fixture(autouse=True)
def _english_and_fixed_time():
    """The demo runs on the real clock: this module does not fix it."""
    with translation.override("en"):
        yield


def test_the_demo_loads_once_with_a_chain_of_three_generations(db):
    demo_tree()
    demo_users()
    people_demo.persons_demo()
    people = Person.objects.count()
    counts = demo.tracing_demo()
    assert counts["cases"] == 4 and counts["contacts"] == Exposure.objects.count() == demo.CHAIN_EXPOSURES + 2
    assert Person.objects.count() == people  # every case and contact is someone of the line list

    officer = User.objects.get(username="heying")
    index = Case.objects.get(label=demo.INDEX_LABEL)
    graph = chains.case_chain(officer, index)
    assert len(graph.nodes) == demo.CHAIN_PEOPLE and len(graph.edges) == demo.CHAIN_EXPOSURES
    assert graph.index.case == index and not graph.truncated
    [chain, *others] = graph.chains
    assert [n.case.label for n in chain] == [demo.INDEX_LABEL, demo.SECOND_LABEL, demo.THIRD_LABEL]
    assert [n.generation for n in chain] == [0, 1, 2] and not others
    listed = [n for n in graph.nodes if n.person.category_episodes.filter(
        category__code="close_contact", start__year=2020).exists()]
    assert len(listed) == 2  # close contacts the line list already held
    stats = chains.chain_statistics(under=[OrgUnit.objects.get(code=DEMO_STREET).path])
    assert stats.chain_sizes == [(1, 1), (3, 1)] and stats.largest[0].generations == 3

    today = timezone.localdate()
    assert FollowUp.objects.filter(state="active", end__gte=today).count() >= 8
    assert Task.objects.filter(kind="follow_up", day=today, status="done").count() == 3
    assert Task.objects.filter(kind="follow_up", day=today, status="pending").exists()
    urgent = Task.objects.get(priority=Task.Priority.URGENT)
    assert urgent.assignee == officer and demo.HOSPITAL in urgent.title
    assert Visit.objects.filter(community__code=demo.YUETANG).exists()

    state = (Case.objects.count(), Exposure.objects.count(), Task.objects.count(), Visit.objects.count())
    assert demo.tracing_demo() == {"cases": 0}
    assert (Case.objects.count(), Exposure.objects.count(), Task.objects.count(), Visit.objects.count()) == state

    # The line list as reported on 21 May 2020 is unchanged: its close contacts are still 42.
    held = CategoryEpisode.objects.filter(open_at(people_demo.report_cutoff()), category__code="close_contact")
    assert held.values("person").distinct().count() == people_demo.CLOSE_CONTACTS_REGISTERED
