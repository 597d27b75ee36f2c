"""A deterministic generator of people for the demo and the benchmarks, at any size.

Households with realistic names, resident ID numbers issued under each grid's county, phones and
addresses; and, for a share of them, category and status histories over January–June 2020 with daily
health checks while a status needs them. Everything is drawn from one `random.Random(seed)` in a fixed
order, so the same seed, units and count give identical rows. Rows are written set-based (COPY on
PostgreSQL, executemany on SQLite) with person ids reserved up front; one audit entry records the run.

Times are kept as epoch seconds while planning and become aware datetimes (settings.TIME_ZONE for
every local-time rule: days, office hours) only when written.
"""

import bisect
import contextlib
import datetime as dt
import itertools
import random
import re
import time
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from stdnum.cn import ric

from core.audit import audit_record
from core.fields import SEPARATOR
from orgunits.models import OrgUnit, Site
from persons.identity import pinyin_initials
from persons.models import Category, CategoryEpisode, HealthCheck, ManagementStatus, Person, StatusEpisode

DAY, HOUR = 86400, 3600
Moment = dt.date | dt.datetime

# -- names, places, numbers ------------------------------------------------------------------------------

# Surnames weighted roughly as in Hunan (刘, 李, 曾, 彭, 谭 more common than nationally).
SURNAMES = (
    "刘70 李65 王50 张45 陈45 周30 黄25 杨25 罗25 彭22 曾22 肖20 谭20 吴20 胡20 唐20 邓18 贺15 邹15 "
    "赵15 谢14 袁12 欧阳2 龚10 蒋10 孙10 朱10 何10 徐9 郭9 马8 高8 林8 梁7 宋7 许7 韩6 冯6 曹6 田6 "
    "董5 潘5 余5 程5 颜8 聂6 康5 廖7 段5 文6 钟5 雷5 龙6 向6 易5 尹5 姚4 夏4 方4 陶4 卢4 戴4 邱4 "
    "熊4 汤4 范4 石4 左3 伍3 苏3 魏3 丁3 沈3 任3 毛3 侯3 万3 严3 付3 江3 贾2 金2 白2 孟2 秦2 崔2 "
    "姜2 史2 覃2 莫2 武2 司马1 诸葛1"
)
# Given names by generation (born before 1965, 1965–1989, from 1990) and sex: (share of one-character
# names, one-character names, first characters, second characters) — two-character names combine them.
GIVEN = {
    ("M", 0): (0.25, "明 强 军 平 华 林 斌 刚 清 松 荣 贵 富 发 生 忠 良",
               "建 国 志 德 春 桂 和 新 振 长 光 卫 福 树 玉 跃 金 海 永 先 正 安 世 家 仁",
               "国 强 明 华 生 林 平 民 春 东 庆 军 山 清 红 荣 成 才 发 富 贵 忠 良 友"),
    ("F", 0): (0.2, "英 兰 珍 芳 梅 华 秀 娥 莲 琴 霞 凤",
               "秀 桂 玉 淑 凤 冬 翠 金 素 菊 春 爱 巧 月 兰 美 腊 香 银",
               "英 兰 珍 梅 花 凤 芝 娥 云 华 莲 琴 霞 香 珠 秀 芳"),
    ("M", 1): (0.35, "伟 强 军 勇 杰 涛 明 超 辉 华 平 刚 斌 波 鹏 磊 峰 林 东 亮 飞 健",
               "建 志 海 晓 文 国 小 俊 永 红 卫 立 伟 德 湘 宏 振 剑 双 子 洪 超 新 光",
               "军 平 东 华 勇 刚 辉 明 强 波 斌 峰 杰 涛 林 亮 飞 龙 丰 远 伟 宇 武 雄"),
    ("F", 1): (0.35, "芳 娟 敏 静 丽 燕 艳 玲 霞 红 梅 英 兰 琴 萍 婷 娜",
               "海 晓 丽 秀 春 小 红 玉 雪 慧 艳 湘 美 金 桂 燕 文",
               "燕 红 娟 梅 敏 丽 玲 华 霞 芳 琴 萍 静 英 君 莉 艳 洁"),
    ("M", 2): (0.2, "浩 宇 俊 杰 鑫 磊 鹏 帅 超 睿 轩 昊 然 航 博 凯",
               "子 浩 宇 梓 俊 博 皓 铭 一 天 思 明 晨 嘉 泽 睿 家 志 佳 文 奕 若",
               "轩 然 航 豪 熙 涵 文 鸣 佑 远 哲 阳 宇 墨 睿 辰 杰 凯 诚 泽 晨"),
    ("F", 2): (0.2, "婷 倩 颖 雪 欣 怡 琪 悦 佳 萱 瑶 彤",
               "梓 欣 雨 诗 可 一 思 梦 紫 语 佳 若 心 晓 子 依 婉 雅 静 艺",
               "涵 怡 桐 琪 馨 诺 瑶 嫣 欣 曦 雯 雨 萱 清 彤 妍 菲 悦 然"),
}
FOREIGN_NAMES = (["KIM", "PARK", "LEE", "SMITH", "JOHNSON", "NGUYEN", "TRAN", "SATO", "TANAKA", "GARCIA",
                  "MULLER", "ROSSI", "IVANOV", "SILVA", "KHAN"],
                 ["MINJUN", "JIYOON", "SEOYEON", "JOHN", "MICHAEL", "SARAH", "EMMA", "VAN AN", "THI MAI",
                  "HARUTO", "YUI", "MARIA", "JUAN", "ANNA", "LUCA", "OLGA", "AHMED"])
FOREIGN_PASSPORTS = ("M{:08d}", "{:09d}", "TR{:07d}", "C{:07d}", "YA{:07d}")
HUBEI_CITIES = "孝感 黄冈 荆州 宜昌 襄阳 十堰 咸宁 随州 荆门 鄂州 黄石 恩施 仙桃 天门".split()
COUNTRIES = ("美国 英国 意大利 西班牙 法国 德国 日本 韩国 澳大利亚 加拿大 俄罗斯 新加坡 马来西亚 菲律宾 阿联酋 "
             "沙特阿拉伯 尼日利亚 安哥拉").split()
CONTACT_KINDS = ("同事", "邻居", "同乘车辆", "共同就餐", "同一棋牌室", "亲属聚会")
MOBILE_PREFIXES = ([str(p) for p in range(130, 140)] + ["145", "147", "150", "151", "152", "153", "155", "156",
                                                        "157", "158", "159", "166", "173", "175", "176", "177",
                                                        "178", "191", "198", "199"]
                   + [str(p) for p in range(180, 190)])
HOUSEHOLD_SIZES = ((1, 2, 3, 4, 5, 6), (15, 28, 29, 17, 8, 3))  # size, weight

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
class _Unit:
    unit: OrgUnit
    county: str
    address: str  # street + community (+ village group marker)
    village: bool
    grid_no: int
    hotel: int | None
    hospital: int | None
    first: int = 0  # slot range [first, first + size)
    size: int = 0


class _Clock:
    """Epoch seconds ↔ local dates and times in settings.TIME_ZONE."""

    def __init__(self):
        self.tz = ZoneInfo(settings.TIME_ZONE)

    def at(self, value: Moment, *, end: bool = False) -> int:
        """A moment as epoch seconds; a date is its local midnight (the next one with `end`)."""
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value + dt.timedelta(days=1 if end else 0), dt.time())
        if timezone.is_naive(value):
            value = value.replace(tzinfo=self.tz)
        return int(value.timestamp())

    def midnight(self, ts: int) -> int:
        local = dt.datetime.fromtimestamp(ts, self.tz)
        return int(local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())

    def date(self, ts: int) -> dt.date:
        return dt.datetime.fromtimestamp(ts, self.tz).date()


def _county_of(unit: OrgUnit, kinds: dict[str, str]) -> str:
    codes = [c for c in unit.path.split(SEPARATOR) if c]
    counties = [c for c in codes if kinds.get(c) == OrgUnit.Kind.COUNTY]
    numeric = [c for c in codes if len(c) >= 6 and c[:6].isdigit()]
    if counties:
        return counties[-1][:6]
    if numeric:
        return numeric[-1][:6]
    raise ValueError(f"{unit.code}: no county code above this unit to issue resident IDs under")


def _units_prepare(units: list[OrgUnit]) -> list[_Unit]:
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
            common = len(_common_prefix(path, site_path).rsplit(SEPARATOR, 1)[0])
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
        prepared.append(_Unit(unit=u, county=_county_of(u, kinds), address=street + community,
                              village=community.endswith("村"),
                              grid_no=(int(suffix) if suffix.isdigit() else counter[parent])
                              if u.kind == OrgUnit.Kind.GRID else 1,
                              hotel=nearest(u.path, Site.Kind.QUARANTINE_HOTEL),
                              hospital=nearest(u.path, Site.Kind.HOSPITAL)))
    return prepared


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


def _group_key(u: _Unit) -> str:
    """The community a unit belongs to (a grid's parent; a community itself)."""
    if u.unit.kind == OrgUnit.Kind.GRID:
        return u.unit.path.rsplit(SEPARATOR, 2)[0] + SEPARATOR
    return u.unit.path


# -- the generator -------------------------------------------------------------------------------------------


class _Generator:
    def __init__(self, *, units, count, seed, start, end, cohorts, clusters, mix, duplicates, analyze, progress,
                 by):
        self.rng = random.Random(seed)
        self.clock = _Clock()
        self.start, self.stop = self.clock.at(start), self.clock.at(end, end=True)
        if self.stop <= self.start:
            raise ValueError("the end lies before the start")
        if end > timezone.localdate():
            raise ValueError("the generated history cannot run into the future")
        self.units = _units_prepare(units)
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
        self.pg = connection.vendor == "postgresql"
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
            lo, hi = self.groups.get(_group_key(u), (u.first, u.first))
            self.groups[_group_key(u)] = (lo, u.first + u.size)
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

    def _quarantine(self, u: _Unit, share_central: float) -> tuple[str, int | None]:
        if u.hotel is not None and self.rng.random() < share_central:
            return "central_quarantine", u.hotel
        return "home_quarantine", None

    def _history(self, spec: tuple, u: _Unit):
        if spec[0] == "cohort":
            cohort = spec[1]
            when, until = self._window(cohort.when), self._window(cohort.until)
            if when is None:
                return None
            return getattr(self, f"_profile_{cohort.profile}")(cohort, u, when, until)
        return self._cluster_member(spec[1], spec[2], spec[3], u)

    def _cluster_member(self, role: str, cluster: int, note: str | None, u: _Unit):
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

    def _profile_hubei(self, cohort: Cohort, u: _Unit, when, until):
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

    def _profile_abroad(self, cohort: Cohort, u: _Unit, when, until):
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

    def _profile_fever(self, cohort: Cohort, u: _Unit, when, until):
        """Seen at a fever clinic, tested negative within days, monitored at home for 14."""
        visit = self._draw_daytime(when)
        cats = [["fever", visit, visit + self._draw(DAY, 3 * DAY), "发热门诊就诊"]]
        return cats, self._chain(visit, [("home_monitoring", 14 * DAY, None)]), visit, True

    def _profile_suspected(self, cohort: Cohort, u: _Unit, when, until):
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

    # ---- rows

    def run(self) -> GenerateStats:
        started = time.perf_counter()
        parsed = [re.fullmatch(r"(\D+)(\d+)", token).groups() for token in SURNAMES.split()]
        self.surnames = [s for s, _w in parsed]
        self.surname_weights = list(itertools.accumulate(int(w) for _s, w in parsed))
        self.given = {k: (share, *(chars.split() for chars in lists)) for k, (share, *lists) in GIVEN.items()}
        self.plan()
        self.sources: dict[int, tuple] = {}
        with transaction.atomic(), _sqlite_cache(megabytes=512):
            self.issued = set(Person.objects.values_list("doc_number", flat=True).iterator(chunk_size=50_000))
            ids = self._reserve_ids(self.count)
            self._rows_reset()
            for u in self.units:
                self._unit_people(u, ids)
                if len(self.person_rows) >= FLUSH_PEOPLE:
                    self._flush()
            self._flush()
            self.stats.seconds = round(time.perf_counter() - started, 1)
            audit_record(actor=self.by, action="create", object_type="persons.person", object_id="generated",
                         object_repr=f"generated {self.stats.people} people (seed {self.seed})",
                         unit_path=_common_path([u.unit.path for u in self.units]),
                         after=self.stats.summary(),
                         note=f"deterministic generator, seed {self.seed}, {len(self.units)} units")
            if self.analyze:
                statistics_refresh()
        self.stats.seconds = round(time.perf_counter() - started, 1)
        return self.stats

    def _reserve_ids(self, n: int) -> list[int] | range:
        table = Person._meta.db_table
        with connection.cursor() as cursor:
            if self.pg:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                               [table, n])
                return [r[0] for r in cursor.fetchall()]
            # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so the range stays ours.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
            top = cursor.fetchone()[0]
            return range(top + 1, top + 1 + n)

    def _unit_people(self, u: _Unit, ids):
        """The households of one unit: members share the address; children the father's surname."""
        rng = self.rng
        slot, end = u.first, u.first + u.size
        building_base = (u.grid_no - 1) * 12
        while slot < end:
            size = self.household[slot]
            if u.village:
                address = f"{u.address}{rng.randint(1, 12)}组{rng.randint(1, 60)}号"
            else:
                address = (f"{u.address}{building_base + rng.randint(1, 12)}栋{rng.randint(1, 4)}单元"
                           f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}号")
            self.stats.households += 1
            if size == 1 and self.spec[slot] < 0 and slot not in self.dup_sources and rng.random() < 0.006:
                self._foreigner(u, ids, slot, address)
                slot += 1
                continue
            head_id, head_phone, head_surname, father_surname = ids[slot], "", None, None
            names: set[str] = set()  # nobody in a household is named like another member
            registered = self._registered_at()  # the household is registered at one visit
            for n, (relation, sex, age) in enumerate(self._household_members(size)):
                s = slot + n
                if s in self.dup_of:
                    self._duplicate(u, ids, s)
                    continue
                if relation in ("child", "grandchild"):
                    surname = father_surname or head_surname
                elif relation == "parent" and sex == "M":
                    surname = head_surname
                else:
                    surname = None
                phone, surname = self._person(u, ids, s, address, relation=relation if size > 1 else "", sex=sex,
                                              age=age, surname=surname, head=head_id if n else None,
                                              head_phone=head_phone, registered=registered, taken=names)
                if n == 0:
                    head_phone, head_surname = phone, surname
                if relation in ("head", "spouse") and sex == "M":
                    father_surname = surname
            slot += size

    def _person(self, u: _Unit, ids, slot: int, address: str, *, relation: str, sex: str, age: int,
                surname: str | None, head: int | None, head_phone: str, registered: int,
                taken: set[str]) -> tuple[str, str]:
        rng = self.rng
        birth = self._birth(age)
        surname, name = self._name(surname, sex, birth.year)
        while name in taken:
            surname, name = self._name(surname, sex, birth.year)
        taken.add(name)
        spec = self.specs[self.spec[slot]] if self.spec[slot] >= 0 else None
        source = slot in self.dup_sources
        abroad = spec is not None and spec[0] == "cohort" and spec[1].profile == "abroad"
        if self.dup_sources.get(slot) == "passport_near" or (abroad and rng.random() < 0.25):
            doc_type, doc = Person.DocType.PASSPORT, self._passport()
        else:
            doc_type, doc = Person.DocType.RESIDENT_ID, self._resident_id(u.county, birth, sex)
        if age < 14 and not source:  # children are reached on a parent's phone
            phone = head_phone if rng.random() < 0.7 else ""
        elif age >= 80 and not source:
            phone = self._phone() if rng.random() < 0.5 else ""
        else:
            phone = self._phone()
        history = self._history(spec, u) if spec is not None else None
        if history is not None:
            cats, statuses = self._clip(history[0], history[1])
            registered, fever_first = history[2], history[3]
        else:
            cats, statuses, fever_first = [], [], False
        registered = min(max(registered, self.start), self.stop - HOUR)
        self._person_row(ids[slot], name, sex, birth, doc_type, doc, phone, address, u, head, relation, registered)
        if source:
            self.sources[slot] = (name, sex, birth, phone, doc_type, doc, address)
        self._history_rows(ids[slot], u, cats, statuses, registered, fever_first)
        return phone, surname

    def _registered_at(self) -> int:
        """Most residents were registered in the door-to-door screening, the rest later."""
        screening = self.screening
        if screening[0] < screening[1] and (self.rng.random() < 0.8 or screening[1] >= self.stop):
            return self._draw_daytime(screening)
        return self._draw_daytime((max(screening[1], self.start), self.stop))

    def _foreigner(self, u: _Unit, ids, slot: int, address: str):
        rng = self.rng
        name = f"{rng.choice(FOREIGN_NAMES[0])} {rng.choice(FOREIGN_NAMES[1])}"
        sex, birth = rng.choice("MF"), self._birth(rng.randint(20, 60))
        doc = self._passport(rng.choice(FOREIGN_PASSPORTS))
        self._person_row(ids[slot], name, sex, birth, Person.DocType.PASSPORT, doc, self._phone(), address, u,
                         None, "", self._registered_at())

    def _duplicate(self, u: _Unit, ids, slot: int):
        """A second record of an earlier person, as a second registration would make it."""
        src_slot, kind = self.dup_of[slot]
        name, sex, birth, phone, doc_type, doc, address = self.sources[src_slot]
        if kind == "name_phone":  # registered again with a passport, birth date not taken
            birth, new_type, new_doc = None, Person.DocType.PASSPORT, self._passport()
        elif kind == "name_birth":  # registered again at another address with a passport and a new phone
            new_type, new_doc, phone = Person.DocType.PASSPORT, self._passport(), self._phone()
            address = self._unit_address(u)
        else:  # the passport number mistyped at one position, nothing else taken
            i = self.rng.randrange(1, len(doc))
            while True:
                new_doc = doc[:i] + self.rng.choice("0123456789".replace(doc[i], "")) + doc[i + 1:]
                if new_doc not in self.issued:
                    self.issued.add(new_doc)
                    break
            new_type, phone, birth = doc_type, "", None
        registered = self._draw_daytime((self.clock.at(SCREENING[1], end=True), self.stop))
        self._person_row(ids[slot], name, sex, birth, new_type, new_doc, phone, address, u, None, "", registered)
        self.stats.planted.append((ids[src_slot], ids[slot], kind))

    def _unit_address(self, u: _Unit) -> str:
        return f"{u.address}{(u.grid_no - 1) * 12 + self.rng.randint(1, 12)}栋"

    def _rows_reset(self):
        self.person_rows, self.category_rows, self.status_rows, self.check_rows = [], [], [], []

    def _ts(self, ts: int | None):
        """A moment as the database driver takes it (SQLite: Django's UTC text form)."""
        if ts is None:
            return None
        if self.pg:
            return dt.datetime.fromtimestamp(ts, dt.UTC)
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))

    def _person_row(self, pid, name, sex, birth, doc_type, doc, phone, address, u: _Unit, head, relation,
                    registered):
        at = self._ts(registered)
        self.person_rows.append((
            pid, name, pinyin_initials(name), sex, birth if self.pg or birth is None else birth.isoformat(),
            str(doc_type), doc, doc[-4:], phone, address, u.unit.pk, u.unit.path, head, relation, "", "{}", 1,
            at, at, None))
        self.stats.people += 1
        if self.stats.first_id is None:
            self.stats.first_id = pid
        self.stats.last_id = pid

    def _history_rows(self, pid: int, u: _Unit, cats: list, statuses: list, registered: int, fever_first: bool):
        path = u.unit.path
        for code, start, end, note in cats:
            self.category_rows.append((pid, self.categories[code], self._ts(start), self._ts(end), path, False,
                                       note, self._ts(max(start, registered)), None))
        for code, start, end, planned, site in statuses:
            self.status_rows.append((pid, self.status_ids[code], site, self._ts(start), self._ts(end),
                                     self._ts(planned), path, False, "", self._ts(max(start, registered)), None))
            if code in self.needs_checks:
                self._checks(pid, path, start, end if end is not None else self.stop, fever_first)
                fever_first = False
        self.stats.category_episodes += len(cats)
        self.stats.status_episodes += len(statuses)

    def _checks(self, pid: int, path: str, start: int, end: int, fever_first: bool):
        """One check a morning while the status lasts: mostly well, a few fevers, a few missed."""
        rng, end = self.rng, min(end, self.stop)
        day = self.clock.midnight(start)
        while day < end:
            at = day + 8 * HOUR + int(rng.random() * 3.5 * HOUR)
            day = self.clock.midnight(day + DAY + 2 * HOUR)
            if not start <= at < end:
                continue
            r = rng.random()
            symptoms, result, note = "[]", HealthCheck.Result.WELL, ""
            if fever_first or r < FEVER_SHARE:
                temp = rng.choice(self.fever_temps)
                symptoms = '["fever", "cough"]' if rng.random() < 0.4 else '["fever"]'
                result, fever_first = HealthCheck.Result.SYMPTOMS, False
            elif r < FEVER_SHARE + MISSED_SHARE:
                temp, result, note = None, HealthCheck.Result.MISSED, "电话未接通"
            else:
                temp = self.well_temps[int(rng.random() * len(self.well_temps))]
            flagged = temp is not None and temp >= self.threshold
            self.stats.fevers += flagged
            local_day = self.clock.date(at)
            self.check_rows.append((pid, self._ts(at), local_day if self.pg else local_day.isoformat(),
                                    temp if self.pg or temp is None else str(temp), symptoms, str(result),
                                    flagged, note, path, None, self._ts(at + self._draw(60, 1800))))
            self.stats.health_checks += 1

    def _flush(self):
        _insert(Person, ["id", "name", "name_initials", "sex", "birth_date", "doc_type", "doc_number", "doc_tail",
                         "phone", "address", "grid", "unit_path", "household_head", "household_relation", "notes",
                         "custom", "version", "created_at", "updated_at", "created_by"], self.person_rows)
        _insert(CategoryEpisode, ["person", "category", "start", "end", "unit_path", "continued", "note",
                                  "created_at", "created_by"], self.category_rows)
        _insert(StatusEpisode, ["person", "status", "site", "start", "end", "planned_end", "unit_path", "continued",
                                "note", "created_at", "created_by"], self.status_rows)
        _insert(HealthCheck, ["person", "checked_at", "check_date", "temperature", "symptoms", "result", "flagged",
                              "note", "unit_path", "recorded_by", "created_at"], self.check_rows)
        self._rows_reset()
        if self.progress:
            self.progress(self.stats.people, self.count)


def statistics_refresh() -> None:
    """ANALYZE the line-list tables: after a bulk load the query planner needs current statistics (without
    them SQLite answers a category filter by scanning the category's episodes once per person)."""
    with connection.cursor() as cursor:
        for model in (Person, CategoryEpisode, StatusEpisode, HealthCheck):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


@contextlib.contextmanager
def _sqlite_cache(*, megabytes: int):
    """A larger SQLite page cache while writing: index inserts at random keys otherwise thrash the default 2 MB."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-1024 * megabytes}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _common_path(paths: list[str]) -> str:
    prefix = paths[0]
    for p in paths[1:]:
        prefix = _common_prefix(prefix, p)
    return prefix[: prefix.rfind(SEPARATOR) + 1]


def _insert(model, fields: list[str], rows: list[tuple]) -> None:
    """Insert `rows` (values in the order of `fields`) in one set-based statement stream."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(model._meta.get_field(f).column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})",
                               rows)


def people_generate(*, units: list[OrgUnit], count: int, seed: int, start: dt.date = dt.date(2020, 1, 1),
                    end: dt.date = dt.date(2020, 6, 30), cohorts: Iterable[Cohort] = (),
                    clusters: list[Cluster] | None = None,
                    mix: Iterable[tuple[float, Cohort]] = DEFAULT_MIX, duplicates: int = 0, analyze: bool = True,
                    progress: Callable[[int, int], None] | None = None, by=None) -> GenerateStats:
    """Generate `count` people over `units` (grids or communities) with their histories; return counts.

    1. Plan: split `count` over the units, into households; give `cohorts` and `clusters` exactly their
       people, the rest their profile by the shares in `mix` (clusters drawn from it when None).
    2. Draw each household (names, documents under the unit's county, phones, address) and each
       history, clipped to [start, end]; `duplicates` deliberate second records of earlier people.
    3. Write in batches inside one transaction, with one audit entry for the run; then, with `analyze`,
       refresh the planner statistics of the line-list tables.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    return _Generator(units=list(units), count=count, seed=seed, start=start, end=end, cohorts=cohorts,
                      clusters=clusters, mix=tuple(mix), duplicates=duplicates, analyze=analyze, progress=progress,
                      by=by).run()


# -- more grids for large runs ---------------------------------------------------------------------------------

COMMUNITY_STEMS = ("三元 长青 月塘 杉山 花山 石塘 新星 湘中 东风 向阳 和平 建设 光明 幸福 青山 金桥 城南 城北 新华 "
                   "友谊 红旗 育才 学府 钢城 涟滨 大科 乐坪 黄泥 万宝 水洞 春园 秋实 枫林 桃源 梅溪 荷塘 竹山 "
                   "松柏 石马 珠山").split()
ORDINALS = "一二三四五六七八九十"


def _ordinal(n: int) -> str:
    if n <= 10:
        return ORDINALS[n - 1]
    if n < 20:
        return "十" + ORDINALS[n - 11]
    return str(n)


def grids_ensure(*, parent: OrgUnit, grids: int, per_community: int = 10, by=None) -> list[OrgUnit]:
    """Make sure at least `grids` grids exist under `parent`, adding communities of `per_community` grids
    with deterministic codes (parent code + 3 digits, grids "-NN") under it, or, for a county or city,
    spread over its townships. Returns every grid under `parent`, by path."""
    existing = OrgUnit.objects.filter(path__under=parent.path, kind=OrgUnit.Kind.GRID).count()
    missing = grids - existing
    if missing > 0:
        if parent.kind == OrgUnit.Kind.TOWNSHIP:
            streets = [parent]
        else:
            streets = list(OrgUnit.objects.filter(path__under=parent.path, kind=OrgUnit.Kind.TOWNSHIP)
                           .order_by("path"))
            if not streets:
                raise ValueError(f"{parent.name} has no township or street to add communities to")
        communities_needed = -(-missing // per_community)
        taken = set(OrgUnit.objects.filter(path__under=parent.path, kind=OrgUnit.Kind.COMMUNITY)
                    .values_list("code", flat=True))
        new_communities, next_suffix = [], {s.code: 1 for s in streets}
        for n in range(communities_needed):
            street = streets[n % len(streets)]
            while f"{street.code}{next_suffix[street.code]:03d}" in taken:
                next_suffix[street.code] += 1
            suffix = next_suffix[street.code]
            if suffix > 999:
                raise ValueError(f"{street.name} has no free community codes left")
            code = f"{street.code}{suffix:03d}"
            taken.add(code)
            stem = COMMUNITY_STEMS[(suffix - 1) % len(COMMUNITY_STEMS)]
            round_ = (suffix - 1) // len(COMMUNITY_STEMS)
            new_communities.append(OrgUnit(code=code, name=f"{stem}{_ordinal(round_ + 1) if round_ else ''}社区",
                                           kind=OrgUnit.Kind.COMMUNITY, parent=street,
                                           path=street.path + code + SEPARATOR, depth=street.depth + 1,
                                           source=OrgUnit.Source.LOCAL))
        with transaction.atomic():
            OrgUnit.objects.bulk_create(new_communities, batch_size=2000)
            new_grids = []
            for c in new_communities:
                for g in range(1, per_community + 1):
                    code = f"{c.code}-{g:02d}"
                    new_grids.append(OrgUnit(code=code, name=f"{c.name}第{_ordinal(g)}网格", kind=OrgUnit.Kind.GRID,
                                             parent=c, path=c.path + code + SEPARATOR, depth=c.depth + 1,
                                             source=OrgUnit.Source.LOCAL))
            OrgUnit.objects.bulk_create(new_grids, batch_size=2000)
            audit_record(actor=by, action="create", object_type="orgunits.orgunit", object_id="generated",
                         object_repr=f"{len(new_communities)} communities, {len(new_grids)} grids under {parent.name}",
                         unit_path=parent.path, after={"communities": len(new_communities), "grids": len(new_grids)})
    return list(OrgUnit.objects.filter(path__under=parent.path, kind=OrgUnit.Kind.GRID).order_by("path"))
