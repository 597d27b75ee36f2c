"""A deterministic street of front-line teams for benchmarks: civilised units and their people, needs at the
street's sites with their daily slots over a month, confirmed assignments with check-ins and check-outs, a few
no-shows and waiting lists, and cadres stationed at enterprises for weeks.

The same seed and sizes give the same rows. Rows are written with bulk inserts, a batch per transaction (the
sign-up service checks each person in turn, which is what the tests exercise); the generator keeps the rules
the service enforces: a person is on at most one shift a day (so never double-booked nor over the daily
maximum), a stationed cadre on no shift during the stay, and a slot's confirmed people never above its need.
"""

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from core.clock import days_bounds, local_at
from core.db import tables_analyze
from orgunits.models import OrgUnit, Site
from volunteers.models import Assignment, CivilisedUnit, Need, Slot, Volunteer

SURNAMES = "刘李王张陈周黄杨罗彭曾肖谭吴胡唐邓贺邹赵谢袁龚蒋孙朱何徐郭马高林梁宋许韩冯曹田董潘余程颜聂康廖段文钟雷龙向易"
GIVEN = "伟强军勇杰涛明超辉华平刚斌波鹏磊峰林东亮飞健芳娟敏静丽燕艳玲霞红梅英兰琴萍婷娜建志海晓国小俊永卫立德湘宏振剑双"
BUREAUS = ["审计局", "司法局", "财政局", "税务局", "教育局", "民政局", "人社局", "住建局", "交通局", "水利局", "农业农村局",
           "商务局", "文旅广体局", "卫健委", "统计局", "医保局", "城管局", "自然资源局", "生态环境局", "市场监管局"]
GATES = ["东门", "南门", "西门", "北门", "一号门", "二号门"]
ENTERPRISES = ["振兴建材", "金华建设", "湘中机械", "娄星食品", "华泰纺织", "涟源钢构", "新化陶瓷", "双峰农机"]
# Post type → (title, shifts of a day as (start hour, end hour), weight of its people per slot).
SHIFTS = {
    Need.Post.CHECKPOINT: ("出入口值守", [(6, 14), (14, 22)], 1.5),
    Need.Post.REGISTRATION: ("进出登记", [(8, 12), (12, 18)], 1.0),
    Need.Post.SUPPLIES: ("物资分发", [(9, 12)], 0.8),
    Need.Post.ERRANDS: ("为居家隔离户跑腿代购", [(9, 17)], 0.5),
}
NO_SHOW = 0.03  # of past shifts, nobody checked in
WAITING = 0.05  # of slots, one more person on the waiting list
STATIONED_PER_ENTERPRISE = 2


@dataclass
class TeamsStats:
    units: int = 0
    volunteers: int = 0
    sites: int = 0
    needs: int = 0
    slots: int = 0
    shifts: int = 0
    stays: int = 0
    waiting: int = 0
    seconds: float = 0.0


def _city_of(street: OrgUnit) -> OrgUnit:
    """Where the civilised units are registered: the street's prefecture (the street itself if none)."""
    parts = street.path.split("/")[:-1]
    prefixes = ["/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]
    return OrgUnit.objects.filter(path__in=prefixes, kind=OrgUnit.Kind.PREFECTURE).first() or street


def _sites(street: OrgUnit, *, per_community: int, enterprises: int) -> tuple[list[Site], list[Site]]:
    """The street's checkpoints (`per_community` in each community) and enterprises, made if missing."""
    communities = list(OrgUnit.objects.filter(parent=street, kind=OrgUnit.Kind.COMMUNITY).order_by("path"))
    if not communities:
        raise ValueError(f"{street.name} has no communities (persons.generator.grids_ensure adds some)")
    wanted = [(c, Site.Kind.CHECKPOINT, f"{c.name}{gate}卡点") for c in communities for gate in GATES[:per_community]]
    wanted += [(street, Site.Kind.ENTERPRISE, f"娄底市{ENTERPRISES[n % len(ENTERPRISES)]}有限公司"
                + (str(n // len(ENTERPRISES) + 1) if n >= len(ENTERPRISES) else "")) for n in range(enterprises)]
    existing = {(s.unit_id, s.name): s for s in Site.objects.filter(unit__in=[street, *communities])}
    Site.objects.bulk_create([Site(unit=u, unit_path=u.path, kind=k, name=n) for u, k, n in wanted
                              if (u.pk, n) not in existing])
    by_key = {(s.unit_id, s.name): s for s in Site.objects.filter(unit__in=[street, *communities])}
    found = [by_key[(u.pk, n)] for u, _k, n in wanted]
    return [s for s in found if s.kind == Site.Kind.CHECKPOINT], [s for s in found if s.kind == Site.Kind.ENTERPRISE]


def teams_generate(*, street: OrgUnit, volunteers: int, shifts: int, month: dt.date, seed: int = 20200521,
                   sites_per_community: int = 3, enterprises: int = 5, checked_until: dt.datetime | None = None,
                   batch: int = 10000, progress: Callable[[int, int], None] | None = None) -> TeamsStats:
    """Write about `shifts` confirmed shifts over the month starting `month` at the street's sites, taken by
    `volunteers` people of about one civilised unit per hundred; return counts.

    1. Sites: `sites_per_community` checkpoints in each community of the street, `enterprises` enterprises.
    2. Units (registered with the street's city) and their people; two cadres per enterprise stationed there
       from the first days of the month for three to eight weeks, and on no shift.
    3. Needs: each checkpoint posts the four shift post types (SHIFTS) with people per slot sized so that the
       month holds `shifts` places; slots every day.
    4. Day by day, the slots filled from the day's shuffled people (one shift a day each), one more on the
       waiting list of a few; shifts that ended before `checked_until` (default: the month's end) checked in
       and out, but for a few no-shows; a shift under way then checked in only.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    stats = TeamsStats()
    first = month.replace(day=1)
    days = [first + dt.timedelta(days=n) for n in range(40) if (first + dt.timedelta(days=n)).month == first.month]
    month_start, last_end = days_bounds(first, days[-1])
    checked_until = checked_until or last_end

    # 1. Sites.
    checkpoints, firms = _sites(street, per_community=sites_per_community, enterprises=enterprises)
    stats.sites = len(checkpoints) + len(firms)

    # 2. Units and their people.
    city = _city_of(street)
    n_units = max(1, round(volunteers / 100))
    if CivilisedUnit.objects.filter(code__startswith=f"gen-{street.code}-").exists():
        raise ValueError(f"teams were generated for {street.name} already: use a fresh database")
    with transaction.atomic():
        orgs = CivilisedUnit.objects.bulk_create([
            CivilisedUnit(code=f"gen-{street.code}-{n:03d}", unit=city, unit_path=city.path,
                          name=f"娄底市{BUREAUS[n % len(BUREAUS)]}" + (f"（{n // len(BUREAUS) + 1}）" if n >= len(BUREAUS)
                                                                    else ""),
                          level=rng.choice(CivilisedUnit.Level.values)) for n in range(n_units)])
        people = []
        for n in range(volunteers):
            org = orgs[n % n_units]
            kind = rng.choices(Volunteer.Kind.values, weights=(2, 6, 2))[0]
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            people.append(Volunteer(org=org, unit_path=org.unit_path, name=name, kind=kind,
                                    party_member=rng.random() < 0.6, phone=f"139{rng.randrange(10**8):08d}"))
        people = Volunteer.objects.bulk_create(people, batch_size=2000)
    stats.units, stats.volunteers = len(orgs), len(people)

    # 3. Needs and slots (the stays first: their cadres take no shift).
    per_slot_day = sum(len(hours) * weight for _title, hours, weight in SHIFTS.values())
    base = shifts / max(1, len(days) * len(checkpoints) * per_slot_day)
    cadres = [p for p in people if p.kind == Volunteer.Kind.CADRE]
    rng.shuffle(cadres)
    stationed = cadres[:STATIONED_PER_ENTERPRISE * len(firms)]
    with transaction.atomic():
        needs = [Need(site=s, unit_path=s.unit_path, post=Need.Post.STATIONED, title="驻企防控联络员",
                     people=STATIONED_PER_ENTERPRISE) for s in firms]
        sized = []
        for site in checkpoints:
            for post, (title, _hours, weight) in SHIFTS.items():
                size = max(1, round(base * weight * rng.uniform(0.8, 1.2)))
                sized.append(size)
                needs.append(Need(site=site, unit_path=site.unit_path, post=post, title=title, people=size))
        needs = Need.objects.bulk_create(needs)
        stay_slots = []
        for need in needs[:len(firms)]:
            start = local_at(first + dt.timedelta(days=rng.randrange(5)), dt.time(8))
            stay_slots.append(Slot(need=need, unit_path=need.unit_path, start=start,
                                   end=start + dt.timedelta(days=rng.randrange(21, 57))))
        stay_slots = Slot.objects.bulk_create(stay_slots)
        rows = []
        for slot in stay_slots:
            for person in stationed[:STATIONED_PER_ENTERPRISE]:
                rows.append(_assignment(slot, slot.need, person, Assignment.State.CONFIRMED, stationed=True,
                                        signed_up_at=month_start - dt.timedelta(days=1), how=Assignment.How.ASSIGNED))
            stationed = stationed[STATIONED_PER_ENTERPRISE:]
        Assignment.objects.bulk_create(rows)
        stats.stays = len(rows)
    away = {a.volunteer_id for a in rows}
    pool = [p for p in people if p.pk not in away]
    stats.needs = len(needs)
    shift_needs = needs[len(firms):]

    # 4. Day by day: slots, then the day's people.
    total = sum(size * len(SHIFTS[n.post][1]) for size, n in zip(sized, shift_needs, strict=True)) * len(days)
    signed = month_start - dt.timedelta(days=3)
    pending: list[Assignment] = []
    for day in days:
        with transaction.atomic():
            slots = Slot.objects.bulk_create([
                Slot(need=n, unit_path=n.unit_path, start=local_at(day, dt.time(h0)), end=local_at(day, dt.time(h1)))
                for n in shift_needs for h0, h1 in SHIFTS[n.post][1]])
        stats.slots += len(slots)
        places = sum(s.need.people for s in slots)
        if places > len(pool):
            raise ValueError(f"{places} places on {day} but only {len(pool)} people: give more volunteers")
        today = rng.sample(pool, len(pool))
        cursor = 0
        for slot in slots:
            need = slot.need
            for _n in range(need.people):
                person = today[cursor]
                cursor += 1
                signed += dt.timedelta(seconds=7)
                a = _assignment(slot, need, person, Assignment.State.CONFIRMED, stationed=False, signed_up_at=signed,
                                how=Assignment.How.SIGNUP if rng.random() < 0.7 else Assignment.How.ASSIGNED)
                if slot.start <= checked_until and rng.random() >= NO_SHOW:
                    a.checked_in_at = slot.start - dt.timedelta(minutes=rng.randrange(15))
                    if slot.end <= checked_until:
                        a.checked_out_at = slot.end + dt.timedelta(minutes=rng.randrange(10))
                        a.minutes = int((slot.end - slot.start).total_seconds() // 60)
                pending.append(a)
                stats.shifts += 1
            if rng.random() < WAITING and cursor < len(today):
                signed += dt.timedelta(seconds=7)
                pending.append(_assignment(slot, need, today[cursor], Assignment.State.WAITING, stationed=False,
                                           signed_up_at=signed, how=Assignment.How.SIGNUP))
                cursor += 1
                stats.waiting += 1
        if len(pending) >= batch or day == days[-1]:
            with transaction.atomic():
                Assignment.objects.bulk_create(pending, batch_size=2000)
            pending = []
        if progress:
            progress(stats.shifts, total)
    stats.seconds = time.perf_counter() - started
    return stats


def _assignment(slot: Slot, need: Need, person: Volunteer, state: str, *, stationed: bool, signed_up_at: dt.datetime,
                how: str) -> Assignment:
    return Assignment(slot=slot, need=need, site_id=need.site_id, unit_path=need.unit_path, volunteer=person,
                      org_id=person.org_id, org_path=person.unit_path, start=slot.start, end=slot.end,
                      stationed=stationed, state=state, how=how, signed_up_at=signed_up_at)


def teams_statistics_refresh() -> None:
    """After a bulk load, what autovacuum does in time: the planner's statistics of the teams' tables."""
    tables_analyze(*(m._meta.db_table for m in (Assignment, Slot, Need, Volunteer, CivilisedUnit, Site, OrgUnit)),
                   vacuum=True)
