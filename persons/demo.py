"""The demo line list: 长青街道 as the information officer 贺英 reported it on 21 May 2020.

"截止当日，街道办事处网格化管理涉鄂、涉汉人员459人，辖区内在境外和准备返娄人员400余人，在管境外返娄人员30人，
在册管理密切接触者42人。" The scenario below produces people whose histories give exactly these numbers at
the report's cut-off (15:00 local), so that reports compute them from the rows; around them, people who
left again, arrived later, were released or ruled out, so that a count with the wrong criteria is wrong.
"""

import datetime as dt

from django.utils import timezone

from core.clock import day_start
from orgunits.demo import DEMO_STREET
from orgunits.models import OrgUnit
from persons.generator import Cluster, Cohort, GenerateStats, people_generate
from persons.models import Person

DEMO_SEED = 20200521
REPORT_DAY = dt.date(2020, 5, 21)
CUTOFF_TIME = dt.time(15, 0)  # the data cut-off of the daily reports, local time

# The report's figures, counted over category episodes open at the cut-off under 长青街道.
HUBEI_WUHAN_MANAGED = 459  # distinct people holding 涉鄂 (hubei) or 涉汉 (wuhan)
ABROAD_OR_PLANNING = 412  # "400余人": distinct people holding 境外 (abroad) or 拟返娄 (planning_return)
OVERSEAS_RETURNEES_MANAGED = 30  # holding 境外返娄 (overseas_returnee) and under a status that is not a release
CLOSE_CONTACTS_REGISTERED = 42  # holding 密切接触者 (close_contact)
BACKGROUND = 3000  # residents with no category

_T = dt.datetime.combine(REPORT_DAY, CUTOFF_TIME)  # naive: local time, made aware by the generator
_HUBEI_EARLY, _HUBEI_LATE = 382, 77  # arrived before the Hubei lockdown was lifted / after, both still here
_ABROAD_STAYING, _ABROAD_BACK_LATER = 380, 32  # abroad at the cut-off: staying through June / back after it
_CLUSTER_A, _CLUSTER_B = 27, 15  # close contacts held, by cluster

COHORTS = (
    Cohort("hubei", _HUBEI_EARLY, when=(dt.date(2020, 1, 8), dt.date(2020, 2, 8)), wuhan=0.35),
    Cohort("hubei", _HUBEI_LATE, when=(dt.date(2020, 4, 8), dt.date(2020, 5, 20)), wuhan=0.3),
    # not counted: left again before the cut-off, or arrived after it
    Cohort("hubei", 24, when=(dt.date(2020, 1, 8), dt.date(2020, 2, 8)),
           until=(dt.date(2020, 4, 8), dt.date(2020, 5, 20))),
    Cohort("hubei", 12, when=(dt.date(2020, 5, 22), dt.date(2020, 6, 28))),
    Cohort("abroad", _ABROAD_STAYING, when=(dt.date(2020, 3, 1), dt.date(2020, 3, 31))),
    Cohort("abroad", _ABROAD_BACK_LATER, when=(dt.date(2020, 3, 1), dt.date(2020, 3, 31)),
           until=(dt.date(2020, 5, 22), dt.date(2020, 6, 28)), unregistered=0),
    # back within the 21 days of management before the cut-off (14 centralised + 7 at home) …
    Cohort("abroad", OVERSEAS_RETURNEES_MANAGED, when=(dt.date(2020, 3, 1), dt.date(2020, 3, 31)),
           until=(_T - dt.timedelta(days=20), _T - dt.timedelta(hours=2))),
    # … and back earlier, released by the cut-off
    Cohort("abroad", 26, when=(dt.date(2020, 3, 1), dt.date(2020, 3, 31)),
           until=(dt.date(2020, 3, 20), dt.date(2020, 4, 29))),
    Cohort("fever", 15, when=(dt.date(2020, 1, 25), dt.date(2020, 6, 25))),
    Cohort("suspected", 3, when=(dt.date(2020, 2, 1), dt.date(2020, 3, 10))),
)
# The confirmed case in a 三元社区 compound the report mentions, and one in 长青社区.
CLUSTERS = [
    Cluster(when=(dt.date(2020, 2, 1), dt.date(2020, 2, 3)), community=DEMO_STREET + "001", contacts=_CLUSTER_A,
            excluded=3, secondary=9, later_confirmed=1),
    Cluster(when=(dt.date(2020, 2, 8), dt.date(2020, 2, 10)), community=DEMO_STREET + "002", contacts=_CLUSTER_B,
            excluded=2, secondary=5),
]
assert _HUBEI_EARLY + _HUBEI_LATE == HUBEI_WUHAN_MANAGED
assert _ABROAD_STAYING + _ABROAD_BACK_LATER == ABROAD_OR_PLANNING
assert _CLUSTER_A + _CLUSTER_B == CLOSE_CONTACTS_REGISTERED


def report_cutoff() -> dt.datetime:
    """The moment the 21 May 2020 figures are taken, aware, in the server's time zone."""
    return timezone.make_aware(_T)


def changqing_units() -> list[OrgUnit]:
    """The grids of 长青街道's demo communities (orgunits.demo must be loaded)."""
    street = OrgUnit.objects.get(code=DEMO_STREET)
    return list(OrgUnit.objects.filter(path__under=street.path, kind=OrgUnit.Kind.GRID).order_by("path"))


def changqing_scenario(*, seed: int = DEMO_SEED, by=None) -> GenerateStats:
    """Generate 长青街道's people: the report's cohorts and clusters plus the background residents."""
    units = changqing_units()
    if not units:
        raise ValueError("长青街道 has no grids: load the demo tree first")
    people = BACKGROUND + sum(c.count for c in COHORTS) + sum(
        1 + c.contacts + c.excluded + c.secondary for c in CLUSTERS)
    return people_generate(units=units, count=people, seed=seed, cohorts=COHORTS, clusters=CLUSTERS, mix=(),
                           by=by)


def persons_demo() -> GenerateStats | None:
    """Load the scenario unless 长青街道 already has people (then the demo adds nothing; None)."""
    street = OrgUnit.objects.get(code=DEMO_STREET)
    if Person.objects.filter(unit_path__under=street.path).exists():
        return None
    return changqing_scenario(seed=DEMO_SEED)


NAT_TEST_FIELD = "nat_test"
NAT_TEST_FROM = dt.date(2020, 3, 15)  # the 口径 change of the returnee report: tests counted from this day


def nat_test_demo() -> int:
    """The additional field 核酸检测 (nucleic-acid test) and its values for the returnees who arrived from
    2020-03-15 on, when the returnee report gained its column; idempotent. Returns values set."""
    from persons.models import CategoryEpisode, CustomField
    from persons.services import custom_field_save

    if not CustomField.objects.filter(key=NAT_TEST_FIELD).exists():
        custom_field_save(data={"key": NAT_TEST_FIELD, "label": "核酸检测", "label_en": "nucleic-acid test",
                                "type": "choice", "choices": ["阴性", "阳性", "未检测"],
                                "help_text": "境外返娄人员的核酸检测结果"}, by=None)
    since = day_start(NAT_TEST_FROM)
    ids = (CategoryEpisode.objects.filter(category__code="overseas_returnee", start__gte=since,
                                          unit_path__startswith=OrgUnit.objects.get(code=DEMO_STREET).path)
           .values_list("person_id", flat=True))
    people = [p for p in Person.objects.filter(pk__in=ids).order_by("pk") if NAT_TEST_FIELD not in p.custom]
    for p in people:  # deterministic: every returnee of that period tested, all negative
        p.custom = {**p.custom, NAT_TEST_FIELD: "阴性"}
    Person.objects.bulk_update(people, ["custom"], batch_size=1000)
    return len(people)
