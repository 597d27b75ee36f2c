"""What happens to people: profiles, cohorts and clusters, the default mix, the statistics of a run, and the
units and clock the generator works with."""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from core.clock import day_start
from core.fields import SEPARATOR
from orgunits.models import OrgUnit, Site

DAY, HOUR = 86400, 3600
Moment = dt.date | dt.datetime

# -- what happens to people ------------------------------------------------------------------------------


PROFILES = ("hubei", "abroad", "fever", "suspected")


@dataclass(frozen=True)
class Cohort:
    """`count` people following `profile` ("hubei", "abroad", "fever", "suspected").

    `when` bounds the first event (arrival from Hubei, registration as abroad, the fever clinic visit),
    `until` the last one where the profile has it (a Hubei arrival leaving again, the return from
    abroad); None: it does not happen. Dates mean whole local days; naive datetimes are local time."""

    profile: str
    count: int = 0
    when: tuple[Moment, Moment] = (dt.date(2020, 1, 8), dt.date(2020, 2, 8))
    until: tuple[Moment, Moment] | None = None
    wuhan: float = 0.3  # hubei: the share that came from Wuhan itself (they hold both categories)
    planning: float = 0.45  # abroad: the share also registered as planning to return
    unregistered: float = 0.15  # abroad and back: the share first registered on return (never held abroad)

    def __post_init__(self):
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; one of {', '.join(PROFILES)}")


@dataclass(frozen=True)
class Cluster:
    """A case confirmed within `when` in `community` (a unit code; drawn when None) and its contacts:
    `contacts` held as close contacts, `excluded` more ruled out after a few days, `secondary` contacts
    of contacts, `later_confirmed` of the close contacts confirmed themselves during quarantine."""

    when: tuple[Moment, Moment]
    contacts: int
    community: str | None = None
    excluded: int = 0
    secondary: int = 0
    later_confirmed: int = 0


# Shares of each profile in a generated population (the rest have no category), and clusters.
DEFAULT_MIX: tuple[tuple[float, Cohort], ...] = (
    (0.012, Cohort("hubei", when=(dt.date(2020, 1, 8), dt.date(2020, 2, 8)))),
    (0.002, Cohort("hubei", when=(dt.date(2020, 1, 8), dt.date(2020, 2, 8)),
                   until=(dt.date(2020, 4, 8), dt.date(2020, 6, 30)))),
    (0.004, Cohort("hubei", when=(dt.date(2020, 4, 8), dt.date(2020, 6, 28)))),
    (0.0025, Cohort("abroad", when=(dt.date(2020, 3, 1), dt.date(2020, 3, 31)))),
    (0.0025, Cohort("abroad", when=(dt.date(2020, 3, 1), dt.date(2020, 3, 31)),
                    until=(dt.date(2020, 3, 20), dt.date(2020, 6, 28)))),
    (0.002, Cohort("fever", when=(dt.date(2020, 1, 20), dt.date(2020, 6, 28)))),
    (0.0002, Cohort("suspected", when=(dt.date(2020, 1, 25), dt.date(2020, 3, 15)))),
)
PEOPLE_PER_CLUSTER = 25_000  # the default mix draws one cluster per this many people
CLUSTER_WINDOW = (dt.date(2020, 1, 24), dt.date(2020, 2, 25))
SCREENING = (dt.date(2020, 1, 24), dt.date(2020, 2, 15))  # door-to-door registration of residents
HUBEI_LOCKDOWN_LIFTED = dt.date(2020, 4, 8)
PLANNING_FROM = dt.date(2020, 4, 1)
FEVER_SHARE = 0.003  # of routine daily checks
WELL_WEIGHTS = (1, 2, 4, 8, 14, 20, 24, 20, 14, 8, 4, 2, 1)  # 35.9, 36.0 … 37.1 °C
MISSED_SHARE = 0.01
FLUSH_PEOPLE = 20_000
DUPLICATE_KINDS = ("name_phone", "name_birth", "passport_near")


@dataclass
class GenerateStats:
    people: int = 0
    households: int = 0
    category_episodes: int = 0
    status_episodes: int = 0
    health_checks: int = 0
    fevers: int = 0
    first_id: int | None = None
    last_id: int | None = None
    seconds: float = 0.0
    # Deliberate probable duplicates: (earlier id, later id, kind in DUPLICATE_KINDS).
    planted: list[tuple[int, int, str]] = field(default_factory=list)

    def summary(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "planted"} | {"planted": len(self.planted)}


# -- the plan ----------------------------------------------------------------------------------------------


@dataclass
class PlanUnit:
    unit: OrgUnit
    county: str
    address: str  # street + community (+ village group marker)
    village: bool
    grid_no: int
    hotel: int | None
    hospital: int | None
    first: int = 0  # slot range [first, first + size)
    size: int = 0


class Clock:
    """Epoch seconds ↔ local dates and times in settings.TIME_ZONE."""

    def __init__(self):
        self.tz = ZoneInfo(settings.TIME_ZONE)

    def at(self, value: Moment, *, end: bool = False) -> int:
        """A moment as epoch seconds; a date is its local midnight (the next one with `end`)."""
        if not isinstance(value, dt.datetime):
            return int(day_start(value + dt.timedelta(days=1 if end else 0)).timestamp())
        if timezone.is_naive(value):
            value = value.replace(tzinfo=self.tz)
        return int(value.timestamp())

    def midnight(self, ts: int) -> int:
        return int(day_start(self.date(ts)).timestamp())

    def date(self, ts: int) -> dt.date:
        return dt.datetime.fromtimestamp(ts, self.tz).date()


def county_of(unit: OrgUnit, kinds: dict[str, str]) -> str:
    codes = [c for c in unit.path.split(SEPARATOR) if c]
    counties = [c for c in codes if kinds.get(c) == OrgUnit.Kind.COUNTY]
    numeric = [c for c in codes if len(c) >= 6 and c[:6].isdigit()]
    if counties:
        return counties[-1][:6]
    if numeric:
        return numeric[-1][:6]
    raise ValueError(f"{unit.code}: no county code above this unit to issue resident IDs under")


def units_prepare(units: list[OrgUnit]) -> list[PlanUnit]:
    units = sorted({u.pk: u for u in units}.values(), key=lambda u: u.path)
    codes = {c for u in units for c in u.path.split(SEPARATOR) if c}
    known = {o.code: o for o in OrgUnit.objects.filter(code__in=codes).only("code", "name", "kind")}
    kinds = {c: o.kind for c, o in known.items()}
    sites = list(Site.objects.filter(kind__in=[Site.Kind.QUARANTINE_HOTEL, Site.Kind.HOSPITAL])
                 .order_by("unit_path", "pk").values_list("pk", "kind", "unit_path"))

    def nearest(path: str, kind: str) -> int | None:
        best, best_len = None, 0
        for pk, k, site_path in sites:
            if k != kind:
                continue
            common = len(common_prefix(path, site_path).rsplit(SEPARATOR, 1)[0])
            if common > best_len:
                best, best_len = pk, common
        return best

    prepared, counter = [], {}
    for u in units:
        codes = [c for c in u.path.split(SEPARATOR) if c]
        names = [known[c] for c in codes if c in known]
        street = next((n.name for n in reversed(names) if n.kind == OrgUnit.Kind.TOWNSHIP), "")
        community = next((n.name for n in reversed(names) if n.kind == OrgUnit.Kind.COMMUNITY), u.name)
        parent = u.path.rsplit(SEPARATOR, 2)[0]
        counter[parent] = counter.get(parent, 0) + 1
        suffix = u.code.rsplit("-", 1)[-1] if "-" in u.code else ""
        prepared.append(PlanUnit(unit=u, county=county_of(u, kinds), address=street + community,
                              village=community.endswith("村"),
                              grid_no=(int(suffix) if suffix.isdigit() else counter[parent])
                              if u.kind == OrgUnit.Kind.GRID else 1,
                              hotel=nearest(u.path, Site.Kind.QUARANTINE_HOTEL),
                              hospital=nearest(u.path, Site.Kind.HOSPITAL)))
    return prepared


def common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


def group_key(u: PlanUnit) -> str:
    """The community a unit belongs to (a grid's parent; a community itself)."""
    if u.unit.kind == OrgUnit.Kind.GRID:
        return u.unit.path.rsplit(SEPARATOR, 2)[0] + SEPARATOR
    return u.unit.path
