"""The demo's front-line teams, after the seed report: the audit bureau (娄底市审计局, a national civilised
unit) sends ten party members and cadres to 三元社区 — 何芳 signs up first — for ten-hour shifts at the
compound's entrances from 1 February 2020; from 12 February two of them, 康双丰 and 周里, are stationed at
娄底市涟钢振兴金华建设有限公司 for 58 days. 何芳 (login hefang) has a shift today to check in and out on a
phone. The justice bureau (娄底市司法局) runs errands. The bureau's staff's group gift on the supplies ledger is
linked to it, so its tally shows the 58,200 yuan. Loads the contribution tally form. Idempotent."""

import datetime as dt
from pathlib import Path

from django.utils import timezone

from accounts.models import User
from core.errors import DomainError
from orgunits.demo import DEMO_CITY, DEMO_STREET
from orgunits.models import OrgUnit, Site
from reports.services import forms_seed
from volunteers import services
from volunteers.models import CivilisedUnit, Volunteer

REPORT_FORMS = Path(__file__).parent / "report_forms.json"
AUDIT_BUREAU = "娄底市审计局"
AUDIT_DONOR = "娄底市审计局干部职工"  # 73 staff and 38 retirees gave 58,200 yuan (supplies.demo)
COMMUNITY_SITE = "三元社区东门卡点"
ENTERPRISE = "娄底市涟钢振兴金华建设有限公司"
# (name, kind, party member, login): 何芳 first, as in the report; the last two are the stationed cadres.
AUDIT_PEOPLE = [("何芳", "staff", True, "hefang"), ("王洪军", "cadre", True, ""), ("李卫东", "cadre", True, ""),
                ("刘红梅", "staff", True, ""), ("陈志刚", "staff", True, ""), ("张丽", "staff", True, ""),
                ("谢文斌", "cadre", True, ""), ("曾庆华", "staff", True, ""), ("康双丰", "cadre", True, ""),
                ("周里", "cadre", True, "")]
SHIFT_DAYS = 10  # 1–10 February 2020, 08:00–18:00
STATIONED_FROM = dt.datetime(2020, 2, 12, 8, 0)
STATIONED_DAYS = 58


def _local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def _user(username: str, full_name: str) -> User:
    from accounts.demo import DEMO_PASSWORD

    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD, full_name=full_name)
    return user


def volunteers_demo() -> dict[str, int]:
    """Create the demo's civilised units, people, needs, sign-ups and stays if missing; load the form."""
    counts = {"civilised units": 0, "volunteers": 0, "volunteer shifts": 0}
    if not CivilisedUnit.objects.filter(name=AUDIT_BUREAU).exists():
        counts = _load(counts)
    counts["donors linked"] = _donors_link()
    counts["report forms"] = forms_seed(path=REPORT_FORMS)  # also: manage.py reports_seed volunteers/report_forms.json
    return counts


def _donors_link() -> int:
    """Link the audit bureau to its staff's group gift on the supplies ledger (the supplies demo loads it), once."""
    from supplies.selectors import donors_named

    audit = CivilisedUnit.objects.get(name=AUDIT_BUREAU)
    donors = donors_named(AUDIT_DONOR).filter(civilised_unit_link__isnull=True)
    for donor in donors:
        services.org_donor_link(org=audit, donor=donor, by=None)
    return len(donors)


def _load(counts: dict[str, int]) -> dict[str, int]:
    city = OrgUnit.objects.get(code=DEMO_CITY)
    community_site = Site.objects.get(name=COMMUNITY_SITE)
    enterprise = Site.objects.get(unit__code=DEMO_STREET, name=ENTERPRISE)
    audit = services.org_create(code="loudi-audit", name=AUDIT_BUREAU, level=CivilisedUnit.Level.NATIONAL,
                                unit=city, by=None)
    justice = services.org_create(code="loudi-justice", name="娄底市司法局", level=CivilisedUnit.Level.PROVINCIAL,
                                  unit=city, by=None)
    counts["civilised units"] += 2
    coordinator = _user("shenjiju", "审计局志愿服务联络员")
    services.coordinator_add(org=audit, user=coordinator, by=None)
    services.coordinator_add(org=justice, user=_user("sifaju", "司法局志愿服务联络员"), by=None)
    people = []
    for name, kind, party, login in AUDIT_PEOPLE:
        user = _user(login, name) if login else None
        people.append(services.volunteer_add(org=audit, name=name, kind=kind, party_member=party, user=user,
                                             by=None))
    lawyers = [services.volunteer_add(org=justice, name=n, kind=Volunteer.Kind.STAFF, by=None)
               for n in ("罗平", "邓玲")]
    counts["volunteers"] += len(people) + len(lawyers)

    duty = services.need_post(
        site=community_site, post="checkpoint", title="确诊病例小区出入口值守", people=10,
        requirements="10小时一班; 设障封路、进出登记、分发物资、为隔离居民跑腿",
        slots=[(_local(2020, 2, d, 8), _local(2020, 2, d, 18)) for d in range(1, SHIFT_DAYS + 1)], by=None)
    for slot in duty.slots.order_by("start"):
        for person in people:  # 何芳 first, every day
            a = services.signup(slot=slot, person=person, by=person.user or coordinator, assign=person.user is None)
            services.check_in(assignment=a, by=None, at=slot.start)
            services.check_out(assignment=a, by=None, at=slot.end)
            counts["volunteer shifts"] += 1
    stay = services.need_post(site=enterprise, post="stationed", title="驻企防控联络员", people=2,
                              requirements="协助企业开展疫情防控：测温、排查、督导、服务",
                              slots=[(timezone.make_aware(STATIONED_FROM),
                                      timezone.make_aware(STATIONED_FROM + dt.timedelta(days=STATIONED_DAYS)))],
                              by=None)
    for person in people[-2:]:
        services.signup(slot=stay.slots.get(), person=person, by=coordinator, assign=True)
    errands = services.need_post(site=community_site, post="errands", title="为居家隔离户跑腿代购", people=2,
                                 slots=[(_local(2020, 2, 5, 9), _local(2020, 2, 5, 17))], by=None)
    for person in lawyers:
        services.signup(slot=errands.slots.get(), person=person, by=None, assign=True)
    # Today's shift for 何芳's phone: from the last full hour for ten hours.
    now = timezone.localtime()
    start = now.replace(minute=0, second=0, microsecond=0)
    today = services.need_post(site=community_site, post="registration", title="小区进出登记", people=3,
                               slots=[(start, start + dt.timedelta(hours=10))], by=None)
    try:
        services.signup(slot=today.slots.get(), person=people[0], by=people[0].user)
    except DomainError:
        pass  # a demo loaded on the seed's own days would overlap the February shifts
    services.commendation_add(org=audit, volunteer=people[0], title="战“疫”一线显担当", given_on=dt.date(2020, 3, 8),
                              story="第一个报名参加三元社区志愿服务工作，在确诊病例小区出入口一守就是10个小时。", by=None)
    services.commendation_add(org=audit, title="驻企防控58天", given_on=dt.date(2020, 4, 10),
                              story="康双丰、周里进驻涟钢振兴金华建设有限公司协助企业开展疫情防控工作。", by=None)
    return counts
