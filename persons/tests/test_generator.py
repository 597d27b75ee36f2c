import datetime as dt
import hashlib
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from accounts.access import Scope
from core.models import AuditEntry
from orgunits.demo import DEMO_STREET, demo_tree
from orgunits.models import OrgUnit
from persons import demo
from persons.duplicates import duplicates_scan
from persons.generator import DEFAULT_MIX, grids_ensure, people_generate
from persons.identity import resident_id_check
from persons.models import CategoryEpisode, HealthCheck, Person, StatusEpisode
from persons.selectors import open_at


@pytest.fixture
def street(db):
    demo_tree()
    return OrgUnit.objects.get(code=DEMO_STREET)


@pytest.fixture
def grids(street):
    return list(OrgUnit.objects.filter(path__under=street.path, kind=OrgUnit.Kind.GRID))


class _Rollback(Exception):
    pass


def _digests_of_run(**kwargs) -> tuple[str, str]:
    """Generate inside a savepoint that is rolled back, so each run starts from the same empty line list."""
    try:
        with transaction.atomic():
            people_generate(**kwargs)
            people = hashlib.sha256(repr(list(Person.objects.order_by("id").values_list(
                "doc_number", "name", "phone"))).encode()).hexdigest()
            histories = hashlib.sha256(repr(list(CategoryEpisode.objects.order_by("person_id", "start", "id")
                                                 .values_list("person__doc_number", "category__code", "start",
                                                              "end"))).encode()).hexdigest()
            raise _Rollback
    except _Rollback:
        return people, histories


def test_same_seed_and_units_give_identical_people_and_histories(grids):
    first = _digests_of_run(units=grids, count=3000, seed=42)
    assert Person.objects.count() == 0
    assert _digests_of_run(units=list(reversed(grids)), count=3000, seed=42) == first
    assert _digests_of_run(units=grids, count=3000, seed=43)[0] != first[0]


def test_resident_ids_are_valid_and_issued_under_the_grids_county(grids):
    people_generate(units=grids, count=3000, seed=1)
    residents = Person.objects.filter(doc_type=Person.DocType.RESIDENT_ID)
    assert residents.count() > 2900
    for number, birth, sex in residents.values_list("doc_number", "birth_date", "sex"):
        assert resident_id_check(number, today=dt.date(2020, 7, 1)) == (birth, sex)
        assert number[:6] == "431302"  # 娄星区
    assert Person.objects.values("doc_type", "doc_number").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    for person in Person.objects.all()[:200]:
        assert person.doc_tail == person.doc_number[-4:]
        assert not person.phone or (len(person.phone) == 11 and person.phone[0] == "1" and person.phone[1] in "3456789")
        assert person.address.startswith("长青街道") and person.unit_path == person.grid.path


def test_histories_keep_the_models_rules(grids):
    richer_mix = [(0.3 * share / sum(s for s, _c in DEFAULT_MIX), cohort) for share, cohort in DEFAULT_MIX]
    stats = people_generate(units=grids, count=4000, seed=5, mix=richer_mix)
    assert stats.category_episodes > 500 and stats.health_checks > 1000
    assert AuditEntry.objects.filter(object_type="persons.person", object_id="generated").count() == 1
    paths = dict(Person.objects.values_list("id", "unit_path"))
    statuses: dict[int, list[StatusEpisode]] = {}
    for episode in StatusEpisode.objects.select_related("status").order_by("person_id", "start", "id"):
        statuses.setdefault(episode.person_id, []).append(episode)
        assert episode.unit_path == paths[episode.person_id]
        assert episode.end is None or episode.end >= episode.start
        assert episode.site_id is None or episode.status.code in ("central_quarantine", "hospital")
        assert episode.site_id is not None or not episode.status.needs_site
    for chain in statuses.values():
        assert all(a.end == b.start for a, b in zip(chain, chain[1:], strict=False))  # one after another
        assert sum(e.end is None for e in chain) == 1
    for check in HealthCheck.objects.all()[:3000]:
        under = [e for e in statuses[check.person_id] if e.start <= check.checked_at
                 and (e.end is None or check.checked_at < e.end)]
        assert len(under) == 1 and under[0].status.needs_checks
        assert check.flagged == (check.temperature is not None and check.temperature >= Decimal("37.3"))
    assert HealthCheck.objects.filter(flagged=True).exists()
    per_person = CategoryEpisode.objects.values("person_id").annotate(n=Count("id")).values_list("n", flat=True)
    assert max(per_person) <= 4


def test_changqing_scenario_gives_the_report_figures_at_the_cutoff(street):
    demo.changqing_scenario()
    at = demo.report_cutoff()
    assert at.isoformat() == "2020-05-21T15:00:00+08:00"
    held = CategoryEpisode.objects.filter(open_at(at), unit_path__under=street.path)

    def people(*codes, among=None):
        qs = held.filter(category__code__in=codes)
        if among is not None:
            qs = qs.filter(person__in=among)
        return qs.values("person").distinct().count()

    managed = StatusEpisode.objects.filter(open_at(at), status__is_release=False).values("person")
    assert people("hubei", "wuhan") == demo.HUBEI_WUHAN_MANAGED == 459
    assert people("abroad", "planning_return") == demo.ABROAD_OR_PLANNING > 400
    assert people("overseas_returnee", among=managed) == demo.OVERSEAS_RETURNEES_MANAGED == 30
    assert people("close_contact") == demo.CLOSE_CONTACTS_REGISTERED == 42
    # … and the criteria matter: ever held, or held a day later, give other numbers.
    ever = CategoryEpisode.objects.filter(category__code__in=["hubei", "wuhan"]).values("person").distinct().count()
    assert ever > demo.HUBEI_WUHAN_MANAGED
    assert people("overseas_returnee") > demo.OVERSEAS_RETURNEES_MANAGED
    later = at + dt.timedelta(days=14)
    assert CategoryEpisode.objects.filter(open_at(later), category__code="abroad").count() < demo.ABROAD_OR_PLANNING
    assert Person.objects.filter(category_episodes__isnull=True).count() >= demo.BACKGROUND


def test_persons_demo_loads_once(street):
    stats = demo.persons_demo()
    assert stats.people == Person.objects.count() > demo.BACKGROUND
    counts = (Person.objects.count(), CategoryEpisode.objects.count(), HealthCheck.objects.count(),
              AuditEntry.objects.count())
    assert demo.persons_demo() is None
    assert (Person.objects.count(), CategoryEpisode.objects.count(), HealthCheck.objects.count(),
            AuditEntry.objects.count()) == counts


def test_demo_load_command_includes_the_people_and_stays_idempotent(db):
    out = StringIO()
    call_command("demo_load", stdout=out)
    count = Person.objects.count()
    assert count > demo.BACKGROUND
    call_command("demo_load", stdout=StringIO())
    assert Person.objects.count() == count


def test_planted_duplicates_are_found_by_the_scan(grids):
    stats = people_generate(units=grids, count=3000, seed=9, duplicates=30)
    assert len(stats.planted) == 30
    assert {kind for _a, _b, kind in stats.planted} == {"name_phone", "name_birth", "passport_near"}
    found = {(p.low_id, p.high_id) for p in duplicates_scan(Scope(None))}
    assert {(a, b) for a, b, _kind in stats.planted} <= found


def test_grids_ensure_adds_deterministic_communities_once(street):
    grids = grids_ensure(parent=street, grids=45, per_community=10)
    assert len(grids) == 45  # the demo's 15 and three new communities of 10
    codes = sorted(g.code for g in grids if g.code.startswith(DEMO_STREET + "006"))
    assert codes[:2] == [DEMO_STREET + "006-01", DEMO_STREET + "006-02"]
    assert len(grids_ensure(parent=street, grids=45)) == 45
    county = OrgUnit.objects.get(code="431302")
    spread = grids_ensure(parent=county, grids=200, per_community=5)
    assert len(spread) >= 200
    assert len({g.path.split("/")[3] for g in spread}) > 5  # over several streets and towns


def test_persons_generate_command(street):
    out = StringIO()
    call_command("persons_generate", people=500, seed=3, unit=DEMO_STREET, stdout=out)
    assert "500 people" in out.getvalue()
    assert Person.objects.filter(unit_path__under=street.path).count() == 500
