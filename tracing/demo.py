"""The demo's contact tracing (流调): four confirmed cases of 长青街道 in the week before the demo is loaded, one
chain of three generations among them, their contacts — residents of the line list, and close contacts of the
winter's clusters already on it — the places they visited, follow-up, today's tasks, and the urgent check of
a hospital in-patient the seed report tells of.

Times run back from the moment the demo is loaded, so that follow-up and tasks are current whenever it is;
the line list's report day (21 May 2020, 15:00) lies long before, and its figures stay as they were.
Everything is written through tracing's services, by the system. Skipped once any case exists."""

import datetime as dt

from django.utils import timezone

from accounts.models import User
from core.clock import day_start
from orgunits.demo import DEMO_STREET, grid_code
from orgunits.models import OrgUnit, Site
from persons.models import Person
from tracing import services
from tracing.models import Case, Exposure, FollowUp, Task, Visit

SANYUAN, CHANGQING, YUETANG, SHANSHAN = (DEMO_STREET + s for s in ("001", "002", "003", "004"))
HOSPITAL = "娄底市中心医院"
OFFICER = "heying"  # 贺英, who went to the hospital at 1 AM

# The chain of three generations: the index case (a resident of 三元社区第一网格) exposed five people, among
# them two close contacts already listed; one of her household became the second case, who exposed three,
# among them the third case, who exposed two, one of whom exposed one more (a contact of a contact).
INDEX_LABEL, SECOND_LABEL, THIRD_LABEL, OTHER_LABEL = "娄星区第4例", "娄星区第5例", "娄星区第6例", "娄星区第7例"
CHAIN_CASES = 3
CHAIN_PEOPLE = 12  # the three cases, 5 + 3 + 2 contacts less the two who became cases, and 1 contact of a contact
CHAIN_EXPOSURES = 11


class _Clock:
    """Local times counted back from the day the demo is loaded."""

    def __init__(self):
        self.now = timezone.now()
        self.today = timezone.localdate()

    def day(self, back: int) -> dt.date:
        return self.today - dt.timedelta(days=back)

    def at(self, back: int, hour: int, minute: int = 0) -> dt.datetime:
        return min(day_start(self.day(back)) + dt.timedelta(hours=hour, minutes=minute),
                   self.now - dt.timedelta(minutes=5))


def _residents(community: str, grid: int, n: int, used: set[int]) -> list[Person]:
    """`n` residents of the grid without any category (the generator's background), the same each time."""
    unit = OrgUnit.objects.get(code=grid_code(community, grid))
    people = list(Person.objects.filter(grid=unit, category_episodes__isnull=True).exclude(pk__in=used)
                  .order_by("pk")[:n])
    if len(people) < n:
        raise ValueError(f"{unit.name} has fewer than {n} residents: load the line list's demo first")
    used.update(p.pk for p in people)
    return people


def _listed_close_contacts(n: int, used: set[int]) -> list[Person]:
    """`n` of the close contacts 三元社区 already holds in the line list (its winter cluster)."""
    path = OrgUnit.objects.get(code=SANYUAN).path
    confirmed = Person.objects.filter(category_episodes__category__code="confirmed").values("pk")
    people = list(Person.objects.filter(unit_path__under=path, category_episodes__category__code="close_contact",
                                        category_episodes__end__isnull=True)
                  .exclude(pk__in=used).exclude(pk__in=confirmed).distinct().order_by("pk")[:n])
    used.update(p.pk for p in people)
    return people


def _exposed(source: Person, people: list[Person], *, first: dt.date, last: dt.date, setting: str,
             proximity: str = "close", note: str = "") -> list[Exposure]:
    return [services.exposure_record(source=source, exposed=p, by=None, data={
        "first_contact": first, "last_contact": last, "setting": setting, "proximity": proximity,
        "certainty": "high", "note": note}) for p in people]


def _visit(person: Person, *, community: str, place: str, start: dt.datetime, hours: float,
           site: Site | None = None) -> Visit:
    return services.visit_record(person=person, place=place, site=site,
                                 community=OrgUnit.objects.get(code=community), start=start,
                                 end=start + dt.timedelta(hours=hours), by=None)


def tracing_demo() -> dict[str, int]:
    """Load the demo's cases, contacts, places visited, follow-up and tasks, unless a case exists."""
    if Case.objects.exists():
        return {"cases": 0}
    clock, used = _Clock(), set()
    hospital = Site.objects.filter(name=HOSPITAL, kind=Site.Kind.HOSPITAL).first()

    # Generation 0: the index case, a stallholder of the 三元 market, confirmed four days ago.
    index_person, household, second_household = _residents(SANYUAN, 1, 3, used)
    index = services.case_register(
        person=index_person, classification=Case.Classification.CONFIRMED, at=clock.at(4, 10), label=INDEX_LABEL,
        onset_date=clock.day(6), report_date=clock.day(5), confirmed_date=clock.day(4), hospital=hospital,
        notes="发热门诊就诊后确诊，三元菜市场摊主", by=None)
    _visit(index_person, community=SANYUAN, place="三元菜市场", start=clock.at(6, 6, 30), hours=5)
    _visit(index_person, community=CHANGQING, place="长青中街超市", start=clock.at(5, 15), hours=1.5)
    _visit(index_person, community=CHANGQING, place="发热门诊", site=hospital, start=clock.at(5, 19), hours=2)
    _exposed(index_person, [household, second_household], first=clock.day(6), last=clock.day(4),
             setting="household", proximity="physical", note="同住家属")
    _exposed(index_person, _listed_close_contacts(2, used), first=clock.day(6), last=clock.day(6),
             setting="gathering", note="相邻摊位")
    [coworker] = _residents(CHANGQING, 1, 1, used)
    _exposed(index_person, [coworker], first=clock.day(5), last=clock.day(5), setting="workplace",
             proximity="same_room", note="进货同车")

    # Generation 1: the household member confirmed two days ago had been at work and at a dinner.
    second = services.case_register(
        person=household, classification=Case.Classification.CONFIRMED, at=clock.at(2, 9), label=SECOND_LABEL,
        onset_date=clock.day(3), confirmed_date=clock.day(2), hospital=hospital,
        notes="首例病例的同住家属，隔离观察期间出现症状", by=None)
    _visit(household, community=YUETANG, place="月塘小区棋牌室", start=clock.at(4, 19), hours=3)
    colleague, diner = _residents(YUETANG, 1, 2, used)
    [passenger] = _residents(SANYUAN, 2, 1, used)
    _exposed(household, [colleague], first=clock.day(5), last=clock.day(4), setting="workplace")
    _exposed(household, [diner], first=clock.day(4), last=clock.day(4), setting="gathering", note="聚餐同桌")
    _exposed(household, [passenger], first=clock.day(4), last=clock.day(4), setting="transport",
             proximity="same_room", note="同乘公交")

    # Generation 2: the diner, confirmed yesterday, and the two people at home with him.
    third = services.case_register(
        person=diner, classification=Case.Classification.CONFIRMED, at=clock.at(1, 11), label=THIRD_LABEL,
        onset_date=clock.day(2), confirmed_date=clock.day(1), hospital=hospital, notes="聚餐后发病", by=None)
    _visit(diner, community=YUETANG, place="月塘农贸市场", start=clock.at(2, 7), hours=1)
    family = _residents(YUETANG, 2, 2, used)
    contacts = _exposed(diner, family, first=clock.day(2), last=clock.day(1), setting="household",
                        proximity="physical", note="同住家属")
    [neighbour] = _residents(YUETANG, 2, 1, used)
    _exposed(contacts[0].exposed, [neighbour], first=clock.day(1), last=clock.day(1), setting="other",
             note="同楼邻居")  # a contact of a close contact (次密接)

    # A case of its own in 杉山社区.
    lone, *lone_contacts = _residents(SHANSHAN, 1, 3, used)
    other = services.case_register(
        person=lone, classification=Case.Classification.CONFIRMED, at=clock.at(1, 16), label=OTHER_LABEL,
        onset_date=clock.day(3), confirmed_date=clock.day(1), hospital=hospital, notes="外地返娄后确诊", by=None)
    _visit(lone, community=SHANSHAN, place="杉山社区卫生服务站", start=clock.at(2, 9), hours=1)
    _exposed(lone, lone_contacts, first=clock.day(3), last=clock.day(2), setting="household")

    # Today: the follow-up tasks, the first results, and the check the seed report's 1 AM call asked for.
    tasks = services.tasks_generate_daily(day=clock.today)
    seen = FollowUp.objects.filter(person__in=[second_household, coworker, passenger], state=FollowUp.State.ACTIVE)
    for fu in seen.select_related("person").order_by("pk"):
        services.follow_up_result_record(follow_up=fu, result="well", temperature="36.5", by=None)
    [inpatient] = _residents(CHANGQING, 2, 1, used)
    officer = User.objects.filter(username=OFFICER).first()
    services.task_create(
        kind=Task.Kind.VERIFY, priority=Task.Priority.URGENT, person=inpatient, assignee=officer,
        due_at=clock.now + dt.timedelta(hours=2), by=None,
        title=f"到{HOSPITAL}核实住院患者{inpatient.name}：可能是{diner.name}的密切接触者")
    cases = [index, second, third, other]
    return {"cases": len(cases), "contacts": Exposure.objects.count(), "places visited": Visit.objects.count(),
            "tasks": tasks + 1}
