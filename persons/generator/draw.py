"""Drawing people and their histories (everything from one random.Random, in a fixed order)."""

import bisect
import datetime as dt
import random
from array import array
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from stdnum.cn import ric

from core.db import is_postgresql
from core.fields import SEPARATOR
from persons.generator.plan import (
    CLUSTER_WINDOW,
    DAY,
    DUPLICATE_KINDS,
    HOUR,
    HUBEI_LOCKDOWN_LIFTED,
    PEOPLE_PER_CLUSTER,
    PLANNING_FROM,
    SCREENING,
    WELL_WEIGHTS,
    Clock,
    Cluster,
    Cohort,
    GenerateStats,
    Moment,
    PlanUnit,
    group_key,
    units_prepare,
)
from persons.generator.vocabulary import (
    CONTACT_KINDS,
    COUNTRIES,
    HOUSEHOLD_SIZES,
    HUBEI_CITIES,
    MOBILE_PREFIXES,
)
from persons.models import Category, ManagementStatus


class Draw:
    """The plan of a run and the drawing of each household and history; `Rows` writes them."""

    def __init__(self, *, units, count, seed, start, end, cohorts, clusters, mix, duplicates, analyze, progress,
                 by):
        self.rng = random.Random(seed)
        self.clock = Clock()
        self.start, self.stop = self.clock.at(start), self.clock.at(end, end=True)
        if self.stop <= self.start:
            raise ValueError("the end lies before the start")
        if end > timezone.localdate():
            raise ValueError("the generated history cannot run into the future")
        self.units = units_prepare(units)
        if not self.units:
            raise ValueError("no units to place people in")
        self.count, self.seed, self.by, self.progress = count, seed, by, progress
        self.cohorts, self.mix, self.duplicates, self.analyze = list(cohorts), list(mix), duplicates, analyze
        self.clusters = clusters
        self.categories = dict(Category.objects.values_list("code", "pk"))
        statuses = list(ManagementStatus.objects.all())
        self.status_ids = {s.code: s.pk for s in statuses}
        self.needs_checks = {s.code for s in statuses if s.needs_checks}
        self.stats = GenerateStats()
        self.threshold = Decimal(str(settings.FEVER_THRESHOLD))
        self.pg = is_postgresql()
        self.screening = (max(self.clock.at(SCREENING[0]), self.start),
                          min(self.clock.at(SCREENING[1], end=True), self.stop))
        # 35.9–37.1 °C peaking at 36.5 when well; threshold–38.9 °C with a fever.
        self.well_temps = [Decimal(359 + i) / 10 for i, w in enumerate(WELL_WEIGHTS) for _ in range(w)]
        self.fever_temps = [t for t in (Decimal(n) / 10 for n in range(360, 390)) if t >= self.threshold]

    # ---- plan: sizes, households, who follows which profile, duplicates (all drawn before any row)

    def plan(self):
        rng, units = self.rng, self.units
        weights = [rng.uniform(0.6, 1.4) for _ in units]
        total = sum(weights)
        sizes = [int(self.count * w / total) for w in weights]
        for i in sorted(range(len(units)), key=lambda i: -(self.count * weights[i] / total - sizes[i]))[
                :self.count - sum(sizes)]:
            sizes[i] += 1
        first = 0
        for u, n in zip(units, sizes, strict=True):
            u.first, u.size = first, n
            first += n
        # Households: a slot that starts one holds its size, the others 0.
        self.household = array("b", bytes(self.count))
        for u in units:
            i, end = u.first, u.first + u.size
            while i < end:
                size = min(rng.choices(*HOUSEHOLD_SIZES)[0], end - i)
                self.household[i] = size
                i += size
        self.groups: dict[str, tuple[int, int]] = {}
        for u in units:
            lo, hi = self.groups.get(group_key(u), (u.first, u.first))
            self.groups[group_key(u)] = (lo, u.first + u.size)
        specs: list[tuple] = []  # ("cohort", Cohort) | ("cluster", role, cluster index, …)
        self.spec = array("i", [-1]) * self.count
        self.cluster_dates: list[int] = []
        clusters = self.clusters
        if clusters is None:
            clusters = [Cluster(when=CLUSTER_WINDOW, contacts=rng.randint(6, 30), excluded=rng.randint(0, 3),
                                secondary=rng.randint(0, 10), later_confirmed=int(rng.random() < 0.15))
                        for _ in range(self.count // PEOPLE_PER_CLUSTER if self.mix else 0)]
        for index, cluster in enumerate(clusters):
            self._plan_cluster(index, cluster, specs)
        free = [i for i in range(self.count) if self.spec[i] < 0] if self.cohorts else []
        for cohort in self.cohorts:
            if cohort.count > len(free):
                raise ValueError(f"{cohort.count} people for {cohort.profile} but only {len(free)} left")
            chosen = rng.sample(range(len(free)), cohort.count)
            specs.append(("cohort", cohort))
            for j in chosen:
                self.spec[free[j]] = len(specs) - 1
            taken = set(chosen)
            free = [s for j, s in enumerate(free) if j not in taken]
        if self.mix:
            base = len(specs)
            specs.extend(("cohort", c) for _w, c in self.mix)
            cum, acc = [], 0.0
            for w, _c in self.mix:
                acc += w
                cum.append(acc)
            for i in range(self.count):
                if self.spec[i] < 0:
                    r = rng.random()
                    if r < acc:
                        self.spec[i] = base + bisect.bisect_right(cum, r)
        self.specs = specs
        self._plan_duplicates()

    def _plan_cluster(self, index: int, cluster: Cluster, specs: list):
        rng = self.rng
        if cluster.community is not None:
            code = cluster.community + SEPARATOR
            key = next((k for k in self.groups if k == code or k.endswith(SEPARATOR + code)), None)
            if key is None:
                raise ValueError(f"cluster community {cluster.community} is not among the units")
        else:
            key = rng.choice(sorted(self.groups))
        lo, hi = self.groups[key]
        free = [i for i in range(lo, hi) if self.spec[i] < 0]
        need = 1 + cluster.contacts + cluster.excluded + cluster.secondary
        if need > len(free):
            raise ValueError(f"cluster in {key} needs {need} people, the community has {len(free)} free")
        when = (max(self.clock.at(cluster.when[0]), self.start + 3 * DAY),
                min(self.clock.at(cluster.when[1], end=True), self.stop - DAY))
        self.cluster_dates.append(self._draw_daytime(when) if when[0] < when[1] else None)
        index_slot = rng.choice(free)
        household = self._household_of(index_slot)
        others = [i for i in free if i != index_slot and i not in household]
        housemates = [i for i in household if i != index_slot and self.spec[i] < 0]
        rest = rng.sample(others, need - 1 - min(len(housemates), cluster.contacts))
        contacts = (housemates[:cluster.contacts] + rest)[:cluster.contacts + cluster.excluded + cluster.secondary]
        roles = ([("index", None)] + [("contact", "同住家属" if s in household else None)
                                      for s in contacts[:cluster.contacts]]
                 + [("excluded", None)] * cluster.excluded + [("secondary", None)] * cluster.secondary)
        confirm_later = set(rng.sample(range(cluster.contacts), min(cluster.later_confirmed, cluster.contacts)))
        for n, (slot, (role, note)) in enumerate(zip([index_slot] + contacts, roles, strict=True)):
            if role == "contact" and (n - 1) in confirm_later:
                role = "contact_confirmed"
            specs.append(("cluster", role, index, note))
            self.spec[slot] = len(specs) - 1

    def _household_of(self, slot: int) -> list[int]:
        head = slot
        while self.household[head] == 0:
            head -= 1
        return list(range(head, head + self.household[head]))

    def _plan_duplicates(self):
        """Pairs (source, copy) inside one community, both without a history; the copy is never a head."""
        self.dup_of: dict[int, tuple[int, str]] = {}
        self.dup_sources: dict[int, str] = {}
        if not self.duplicates:
            return
        rng, keys = self.rng, sorted(self.groups)
        attempts = 0
        while len(self.dup_of) < self.duplicates and attempts < self.duplicates * 50:
            attempts += 1
            lo, hi = self.groups[rng.choice(keys)]
            if hi - lo < 2:
                continue
            a, b = rng.randrange(lo, hi), rng.randrange(lo, hi)
            src, dup = min(a, b), max(a, b)
            if (src == dup or self.spec[src] >= 0 or self.spec[dup] >= 0 or self.household[dup] != 0
                    or src in self.dup_of or dup in self.dup_of or src in self.dup_sources
                    or dup in self.dup_sources):
                continue
            kind = DUPLICATE_KINDS[len(self.dup_of) % len(DUPLICATE_KINDS)]
            self.dup_of[dup] = (src, kind)
            self.dup_sources[src] = kind
        if len(self.dup_of) < self.duplicates:
            raise ValueError(f"room for only {len(self.dup_of)} planted duplicates")

    # ---- people

    def _draw(self, lo: int, hi: int) -> int:
        return lo + int(self.rng.random() * (hi - lo))

    def _daytime(self, ts: int, h0: int = 8, h1: int = 21) -> int:
        return self.clock.midnight(ts) + self._draw(h0 * HOUR, h1 * HOUR)

    def _draw_daytime(self, window: tuple[int, int], h0: int = 8, h1: int = 21) -> int:
        """A moment in `window`, in office hours when that keeps it inside the window."""
        t = self._draw(*window)
        during_day = self._daytime(t, h0, h1)
        return during_day if window[0] <= during_day < window[1] else t

    def _phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"

    def _name(self, surname: str | None, sex: str, birth_year: int) -> tuple[str, str]:
        rng = self.rng
        if surname is None:
            surname = rng.choices(self.surnames, cum_weights=self.surname_weights)[0]
        single, singles, firsts, seconds = self.given[(sex, 0 if birth_year < 1965 else 1 if birth_year < 1990 else 2)]
        if rng.random() < single:
            return surname, surname + rng.choice(singles)
        first, second = rng.choice(firsts), rng.choice(seconds)
        return surname, surname + first + (second if second != first else rng.choice(seconds))

    def _birth(self, age: int) -> dt.date:
        return dt.date(2019 - age, 1, 1) + dt.timedelta(days=self.rng.randrange(365))

    def _resident_id(self, county: str, birth: dt.date, sex: str) -> str:
        """GB 11643: county, birth date, a sequence odd for men, the check digit; unique in the database."""
        rng = self.rng
        for _ in range(50):
            seq = rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            body = f"{county}{birth.isoformat().replace('-', '')}{seq:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.issued:
                self.issued.add(number)
                return number
        raise ValueError(f"no free resident ID number for {county} born {birth}")

    def _passport(self, pattern: str = "E{:08d}") -> str:
        width = int(pattern[pattern.index(":") + 2:pattern.index("d")])
        while True:
            number = pattern.format(self.rng.randrange(10 ** width))
            if number not in self.issued:
                self.issued.add(number)
                return number

    def _household_members(self, size: int) -> list[tuple[str, str, int]]:
        """(relation, sex, age) of each member, head first."""
        rng = self.rng
        head_sex = "M" if rng.random() < 0.72 else "F"
        if size == 1:
            return [("head", head_sex, rng.randint(20, 88))]
        head_age = rng.randint(26, 78)
        members = [("head", head_sex, head_age),
                   ("spouse", "F" if head_sex == "M" else "M", max(20, head_age + rng.randint(-6, 4)))]
        for _ in range(size - 2):
            if head_age < 62 and (len(members) < 4 or rng.random() < 0.6):
                members.append(("child", rng.choice("MF"), max(0, head_age - rng.randint(22, 34))))
            elif head_age < 58:
                members.append(("parent", rng.choice("MF"), min(99, head_age + rng.randint(22, 32))))
            else:
                members.append(("grandchild", rng.choice("MF"), rng.randint(0, 12)))
        return members

    # ---- histories: (categories, statuses, registered, fever at the first check), times as epoch seconds;
    # a category is [code, start, end|None, note], a status [code, start, end|None, planned_end|None, site id]

    def _chain(self, start: int, steps: list[tuple[str, int, int | None]]) -> list[list]:
        """Statuses one after another from `start`, then released (open)."""
        out, t = [], start
        for code, seconds, site in steps:
            out.append([code, t, t + seconds, t + seconds, site])
            t += seconds
        out.append(["released", t, None, None, None])
        return out

    def _window(self, pair: tuple[Moment, Moment] | None) -> tuple[int, int] | None:
        if pair is None:
            return None
        lo, hi = max(self.clock.at(pair[0]), self.start), min(self.clock.at(pair[1], end=True), self.stop)
        return (lo, hi) if lo < hi else None

    def _quarantine(self, u: PlanUnit, share_central: float) -> tuple[str, int | None]:
        if u.hotel is not None and self.rng.random() < share_central:
            return "central_quarantine", u.hotel
        return "home_quarantine", None

    def _history(self, spec: tuple, u: PlanUnit):
        if spec[0] == "cohort":
            cohort = spec[1]
            when, until = self._window(cohort.when), self._window(cohort.until)
            if when is None:
                return None
            return getattr(self, f"_profile_{cohort.profile}")(cohort, u, when, until)
        return self._cluster_member(spec[1], spec[2], spec[3], u)

    def _cluster_member(self, role: str, cluster: int, note: str | None, u: PlanUnit):
        rng, c = self.rng, self.cluster_dates[cluster]
        if c is None:
            return None
        if role == "index":
            hospital = DAY + rng.randint(14, 28) * DAY
            statuses = self._chain(c - DAY, [("hospital", hospital, u.hospital), ("home_monitoring", 14 * DAY, None)])
            cats = [["fever", c - 2 * DAY, c - DAY, "发热门诊就诊"], ["suspected", c - DAY, c, ""],
                    ["confirmed", c, None, ""]]
            return cats, statuses, c - 2 * DAY, False
        if role == "secondary":
            found = c + self._draw(DAY, 2 * DAY)
            statuses = self._chain(found, [("home_quarantine", 7 * DAY, None)])
            return [["secondary_contact", found, found + 7 * DAY, ""]], statuses, found, False
        found = c + self._draw(HOUR, 36 * HOUR)
        if role == "excluded":
            ruled_out = found + self._draw(DAY, 3 * DAY)
            statuses = self._chain(found, [("home_quarantine", ruled_out - found, None)])
            return [["close_contact", found, ruled_out, "排查后排除"]], statuses, found, False
        code, site = self._quarantine(u, 0.7)
        cats = [["close_contact", found, None, note or rng.choice(CONTACT_KINDS)]]
        if role == "contact_confirmed":
            confirmed = found + self._draw(3 * DAY, 7 * DAY)
            cats.append(["confirmed", confirmed, None, "隔离期间确诊"])
            statuses = self._chain(found, [(code, confirmed - found, site),
                                           ("hospital", rng.randint(14, 25) * DAY, u.hospital),
                                           ("home_monitoring", 14 * DAY, None)])
            statuses[0][3] = found + 14 * DAY
            return cats, statuses, found, False
        return cats, self._chain(found, [(code, c + 14 * DAY - found, site)]), found, False

    def _profile_hubei(self, cohort: Cohort, u: PlanUnit, when, until):
        """Arrived from Hubei: quarantined 14 days from registration (before the lockdown was lifted on
        8 April) or monitored at home 14 days (after); the category stays until the person leaves."""
        rng = self.rng
        arrival = self._draw_daytime(when, 6, 23)
        wuhan = rng.random() < cohort.wuhan
        note = ("武汉" if wuhan else rng.choice(HUBEI_CITIES)) + "来娄"
        if arrival < self.clock.at(HUBEI_LOCKDOWN_LIFTED):
            screening = self.clock.at(SCREENING[0]) + rng.randrange(4) * DAY
            registered = max(self._daytime(max(arrival, screening)), arrival + HOUR)
            code, site = self._quarantine(u, 0.15)
            statuses = self._chain(registered, [(code, 14 * DAY, site)])
        else:
            registered = arrival + self._draw(2 * HOUR, 30 * HOUR)
            statuses = self._chain(registered, [("home_monitoring", 14 * DAY, None)])
        left = max(self._draw(*until), statuses[-1][1] + DAY) if until is not None else None
        cats = [["hubei", arrival, left, note]] + ([["wuhan", arrival, left, note]] if wuhan else [])
        return cats, statuses, registered, False

    def _profile_abroad(self, cohort: Cohort, u: PlanUnit, when, until):
        """Registered while abroad (some also as planning to return); on return, 14 days of centralised
        quarantine and 7 of home monitoring, holding the returnee category from then on."""
        rng = self.rng
        country = rng.choice(COUNTRIES)
        back = self._draw_daytime(until, 7, 23) if until else None
        registered = self._draw_daytime(when)
        if back is not None and registered > back - 6 * HOUR:
            registered = max(self.start, back - self._draw(6 * HOUR, 3 * DAY))
        cats, statuses = [], []
        direct = back is not None and rng.random() < cohort.unregistered
        if not direct:
            cats.append(["abroad", registered, back, country])
            planning = (max(registered, self.clock.at(PLANNING_FROM)), back or self.stop)
            if rng.random() < cohort.planning and planning[0] < planning[1]:
                cats.append(["planning_return", self._draw(*planning), back, country])
        if back is not None:
            registered = back if direct else registered
            cats.append(["overseas_returnee", back, None, f"{country}回国"])
            code, site = self._quarantine(u, 1.0)
            statuses = self._chain(back, [(code, 14 * DAY, site), ("home_monitoring", 7 * DAY, None)])
        return cats, statuses, registered, False

    def _profile_fever(self, cohort: Cohort, u: PlanUnit, when, until):
        """Seen at a fever clinic, tested negative within days, monitored at home for 14."""
        visit = self._draw_daytime(when)
        cats = [["fever", visit, visit + self._draw(DAY, 3 * DAY), "发热门诊就诊"]]
        return cats, self._chain(visit, [("home_monitoring", 14 * DAY, None)]), visit, True

    def _profile_suspected(self, cohort: Cohort, u: PlanUnit, when, until):
        """A suspected case in hospital until ruled out, then 14 days of home monitoring."""
        seen = self._draw_daytime(when)
        ruled_out = seen + self._draw(2 * DAY, 6 * DAY)
        statuses = self._chain(seen, [("hospital", ruled_out - seen, u.hospital), ("home_monitoring", 14 * DAY, None)])
        return [["suspected", seen, ruled_out, "核酸检测阴性，排除"]], statuses, seen, False

    def _clip(self, cats: list[list], statuses: list[list]) -> tuple[list, list]:
        """Keep what happened before the end of the window; what runs past it stays open."""
        stop = self.stop
        cats = [c for c in cats if c[1] < stop]
        for c in cats:
            if c[2] is not None and c[2] >= stop:
                c[2] = None
        statuses = [s for s in statuses if s[1] < stop]
        if statuses and statuses[-1][2] is not None and statuses[-1][2] >= stop:
            statuses[-1][2] = None
        return cats, statuses
