"""Load: 50 people at work at once for 60 s against gunicorn on loopback; figures per kind of request.

The demo city (`manage.py demo_load`) with BENCH_PEOPLE more people (default 100,000) and their histories
from the deterministic generator under 长青街道's 15 grids, a gate checkpoint in each community. Then
BENCH_LOAD_USERS users (default 50), each with an account of their own, sign in through the login page
(session and CSRF cookies, as a browser does) and work at once for BENCH_LOAD_SECONDS (default 60):

- one in ten is a street information officer: the line list of the street and a person's page, and the
  street's daily reports computed (`POST /api/reports/forms/{code}/compute`, a random form and day of May
  2020);
- the others are community workers spread over the five communities: their community's line list (a third
  of the time filtered by a category) and a person's page, people registered (`POST /api/persons`), health
  checks (`POST /api/persons/{id}/checks`) and temperatures taken at their community's gate
  (`POST /api/checkpoints/{id}/readings`).

Each user begins at a random moment of a first pause, then waits a random 0.5–1.5 × BENCH_LOAD_THINK seconds
(default 3) between requests, as a person reads the answer or fills in the next form (a health check or a
registration takes longer in the field, so 50 such users ask more of the server than 50 real ones);
BENCH_LOAD_THINK=0 sends requests back to back (saturation). The pages are the HTML pages, the writes the
JSON API with the session's CSRF token. gunicorn runs 2 × cores + 1 sync workers (BENCH_LOAD_WORKERS to
change) on the benchmark's database, vacuumed after the load: PostgreSQL with BENCH_DATABASE_URL, which is
what the figures are for.

Today's code beside the new, in the same run: BENCH_LOAD_BASELINE names a commit (default bda8026, the code before
the page-throughput work; empty: not measured). Its tree is extracted under var/bench/ (benchmarks/baseline.py,
catalogs compiled, the same virtualenv), served by a gunicorn of its own on the same database beside this checkout's. The users sign in on each server (a
session names the code's own authentication backend, which the other code may not list). The servers take the same load in turn, in BENCH_LOAD_ROUNDS rounds (default 2) of
BENCH_LOAD_SECONDS / rounds each, the baseline first in one round and last in the next, so that whatever else the
machine does weighs on both alike. For each server, the reference first: one street officer and one community worker alone, back to back for 15 s
(BENCH_LOAD_REFERENCE_SECONDS), which gives each kind of request's time without queueing; then the load. Printed:
requests/s, p50/p95/p99 per kind of request and overall, and errors (any answer other than the one expected, or no
answer), with a sample of each; both servers side by side with their ratio. A baseline that cannot be built or
served is said so in the output. Goals: 0 errors; at saturation (BENCH_LOAD_THINK=0) at least twice the baseline's
requests/s; at a pace (e.g. BENCH_LOAD_USERS=100 BENCH_LOAD_THINK=1), p95 < 300 ms.
"""

import datetime as dt
import io
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db import connection
from requests.cookies import RequestsCookieJar
from stdnum.cn import ric

from accounts.models import Membership, User
from accounts.roles import Role
from benchmarks import baseline, http_server
from checkpoints import services as checkpoint_services
from checkpoints.models import Checkpoint
from core.db import tables_analyze
from orgunits.demo import DEMO_STREET
from orgunits.models import OrgUnit, Site
from orgunits.services import site_create
from persons.generator import people_generate
from persons.models import Category, Person
from reports.models import Form

USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "100000"))
THINK = float(os.environ.get("BENCH_LOAD_THINK", "3"))
REFERENCE_SECONDS = float(os.environ.get("BENCH_LOAD_REFERENCE_SECONDS", "15"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "0")) or 2 * (os.cpu_count() or 1) + 1
SEED = 20200521
PASSWORD = "Load-bench-2020"
TARGET_P95_MS = 300
TARGET_RATIO = 2  # at saturation, against the baseline
# Today's code, measured under the same load before this checkout's (empty: not measured, and said so).
BASELINE = os.environ.get("BENCH_LOAD_BASELINE", "bda8026").strip()
ROUNDS = max(1, int(os.environ.get("BENCH_LOAD_ROUNDS", "2")))  # turns of the load on each server, alternated
REPORT_DAYS = [dt.date(2020, 5, day) for day in range(1, 32)]
ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SURNAMES = "刘李王张陈周黄杨罗彭曾肖谭吴胡唐邓贺邹赵谢袁龚蒋孙朱何徐郭马"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红文斌玉梅春林海燕辉鹏飞"

# What each role does, and how often (weights).
MIX = {
    Role.STREET_OFFICER: {"list": 30, "detail": 30, "report compute": 40},
    Role.COMMUNITY_WORKER: {"list": 25, "detail": 25, "register": 10, "health check": 25, "reading": 15},
}
KINDS = ["list", "detail", "register", "health check", "reading", "report compute"]
EXPECTED = {"list": 200, "detail": 200, "register": 201, "health check": 201, "reading": 201, "report compute": 200}


@dataclass
class Worker:
    """One person at work: the account, the unit, the people and the gate within reach."""

    username: str
    role: str
    unit: OrgUnit
    people: list[int]
    grids: list[str] = field(default_factory=list)
    checkpoint: int | None = None


# -- the city and the users ------------------------------------------------------------------------------------

def _setup() -> tuple[list[Worker], list[str], list[str]]:
    """The demo city, PEOPLE more people, a gate per community, and the users; (workers, forms, categories)."""
    started = time.perf_counter()
    call_command("demo_load", stdout=io.StringIO())
    street = OrgUnit.objects.get(code=DEMO_STREET)
    communities = list(OrgUnit.objects.filter(parent=street, kind=OrgUnit.Kind.COMMUNITY).order_by("code"))
    grids = list(OrgUnit.objects.filter(path__under=street.path, kind=OrgUnit.Kind.GRID).order_by("path"))
    print(f"   demo city loaded ({time.perf_counter() - started:.0f} s)", flush=True)
    last = [time.perf_counter()]

    def progress(done, total):
        if time.perf_counter() - last[0] > 15 or done == total:
            last[0] = time.perf_counter()
            print(f"   … {done:,}/{total:,} people ({time.perf_counter() - started:.0f} s)", flush=True)

    stats = people_generate(units=grids, count=PEOPLE, seed=SEED, progress=progress)
    gates = {}
    for community in communities:
        checkpoint = Checkpoint.objects.filter(site__unit=community).order_by("pk").first()
        if checkpoint is None:
            site = site_create(unit=community, kind=Site.Kind.CHECKPOINT, name=f"{community.name}南门卡点",
                               address=f"{community.name}南门", by=None)
            checkpoint = checkpoint_services.checkpoint_create(site=site, name="南门", by=None)
        gates[community.pk] = checkpoint.pk
    # The hash costs little to check once; signing in upgrades it to the full iteration count.
    password = PBKDF2PasswordHasher().encode(PASSWORD, "loadbenchsalt", iterations=1000)
    everyone = list(Person.objects.filter(unit_path__under=street.path).values_list("id", "unit_path"))
    workers = []
    for n in range(USERS):
        officer = n % 10 == 0
        unit = street if officer else communities[n % len(communities)]
        user = User.objects.create(username=f"load{n:03d}", password=password,
                                   full_name=f"{'信息员' if officer else unit.name + '干部'}{n:03d}")
        role = Role.STREET_OFFICER if officer else Role.COMMUNITY_WORKER
        Membership.objects.create(user=user, role=role, unit=unit, unit_path=unit.path)
        workers.append(Worker(username=user.username, role=role, unit=unit,
                              people=[pk for pk, path in everyone if path.startswith(unit.path)],
                              grids=[g.code for g in grids if g.path.startswith(unit.path)],
                              checkpoint=None if officer else gates[unit.pk]))
    forms = list(Form.objects.filter(active=True, unit_kind=OrgUnit.Kind.TOWNSHIP, period=Form.Period.DAILY)
                 .values_list("code", flat=True))
    categories = list(Category.objects.values_list("code", flat=True))
    # A city's database at work has been vacuumed since its last bulk load: done here rather than by autovacuum
    # in the middle of the measurement.
    tables_analyze(vacuum=True)
    print(f"   {Person.objects.count():,} people ({stats.people:,} generated with {stats.category_episodes:,} category "
          f"and {stats.status_episodes:,} status episodes, {stats.health_checks:,} health checks); "
          f"{len(communities)} communities, {len(grids)} grids; {len(forms)} daily forms; "
          f"set up in {time.perf_counter() - started:.0f} s", flush=True)
    return workers, forms, categories


# -- the server --------------------------------------------------------------------------------------------------

def _server(log: Path, static_root: Path, root: Path = ROOT, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """gunicorn serving the tree `root` (the checkout, or the baseline's) on the benchmark's database."""
    # A benchmark user sends back to back, far past a person's pace and the default API budget per user: the budget's
    # statement still runs on each request, only its limit is out of the way (both servers count in one table).
    env = {"STATIC_ROOT": str(static_root), "API_THROTTLE_USER": "1000000/min", **(env or {})}
    # The pages need the static files' manifest when DEBUG is off.
    if root == ROOT:
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"], cwd=ROOT,
                       env=dict(os.environ, DEBUG="0", HTTPS_ONLY="0", ALLOWED_HOSTS="127.0.0.1",
                                DJANGO_SETTINGS_MODULE="fangkong.settings", **env), check=True)
    else:
        baseline.collectstatic(root, static_root)
    return http_server.start(workers=WORKERS, log=log, env=env, options=("--timeout", "120"), root=root,
                             ready=lambda base: requests.get(base + "/accounts/login/", timeout=5).status_code == 200)


# -- one user ----------------------------------------------------------------------------------------------------

class Session:
    """A user's browser: signed in through the login page, cookies kept, the CSRF token sent with each write."""

    def __init__(self, base: str, worker: Worker, forms: list[str], categories: list[str], index: int):
        self.base, self.worker, self.forms, self.categories = base, worker, forms, categories
        self.rng = random.Random(SEED + index)
        self.index, self.registered = index, 0
        self.http = requests.Session()
        self.http.trust_env = False  # loopback: never through a proxy
        self._cookies: dict[str, RequestsCookieJar] = {}

    def use(self, base: str) -> None:
        """Send to the server at `base` from now on, with the cookies of the user's sign-in there: the user signs in
        on each server, as a session names the code's own authentication backend, which the other code may not
        list."""
        if base != self.base:
            self._cookies[self.base] = self.http.cookies
            self.http.cookies = self._cookies.get(base) or RequestsCookieJar()
            self.base = base

    def login(self) -> None:
        url = self.base + "/accounts/login/"
        self.http.get(url, timeout=60).raise_for_status()
        answer = self.http.post(url, data={"username": self.worker.username, "password": PASSWORD,
                                           "csrfmiddlewaretoken": self.http.cookies["csrftoken"]},
                                timeout=60, allow_redirects=False)
        if answer.status_code != 302 or "sessionid" not in self.http.cookies:
            raise SystemExit(f"   {self.worker.username} could not sign in: {answer.status_code} {answer.text[:300]!r}")

    def request(self, kind: str) -> requests.Response:
        rng, w = self.rng, self.worker
        if kind == "list":
            params = {"unit": w.unit.code}
            if rng.random() < 1 / 3:
                params["category"] = rng.choice(self.categories)
            return self.http.get(self.base + "/persons/", params=params, timeout=120)
        if kind == "detail":
            return self.http.get(f"{self.base}/persons/{rng.choice(w.people)}/", timeout=120)
        if kind == "register":
            self.registered += 1
            return self._post("/api/persons", {
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), "doc_number": self._new_id(),
                "phone": f"13{rng.randrange(10**9):09d}", "address": f"{w.unit.name}{rng.randrange(1, 60)}栋",
                "grid": rng.choice(w.grids)})
        if kind == "health check":
            fever = rng.random() < 0.01
            return self._post(f"/api/persons/{rng.choice(w.people)}/checks", {
                "temperature": round(rng.uniform(37.5, 39.0) if fever else rng.uniform(36.0, 37.0), 1),
                "result": "well"})
        if kind == "reading":
            return self._post(f"/api/checkpoints/{w.checkpoint}/readings", {
                "temperature": round(rng.uniform(35.8, 37.0), 1), "subject": "访客"})
        if kind == "report compute":
            return self._post(f"/api/reports/forms/{rng.choice(self.forms)}/compute", {
                "unit": w.unit.code, "day": rng.choice(REPORT_DAYS).isoformat()})
        raise ValueError(kind)

    def _post(self, path: str, body: dict) -> requests.Response:
        return self.http.post(self.base + path, json=body, timeout=120,
                              headers={"X-CSRFToken": self.http.cookies["csrftoken"]})

    def _new_id(self) -> str:
        """A resident ID nobody holds: born 2021 or later (the generator's people were born by 2019)."""
        n = self.registered * USERS + self.index
        birth = dt.date(2021, 1, 1) + dt.timedelta(days=n // 1000)
        body = f"431302{birth:%Y%m%d}{n % 1000:03d}"
        return body + ric.calc_check_digit(body + "0")


@dataclass
class Results:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    samples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.timings[kind].append(ms)
            if error is not None:
                self.errors[kind] += 1
                if len(self.samples[kind]) < 3:
                    self.samples[kind].append(error)


def _work(session: Session, results: Results, start: threading.Barrier, stop_at: list[float], think: float) -> None:
    kinds, weights = zip(*MIX[session.worker.role].items(), strict=True)
    rng = session.rng
    start.wait()
    if think:  # people at work do not all click at the same instant: each begins somewhere in a pause
        time.sleep(rng.uniform(0, 1.5) * think)
    while time.perf_counter() < stop_at[0]:
        kind = rng.choices(kinds, weights)[0]
        began = time.perf_counter()
        try:
            answer = session.request(kind)
            error = None if answer.status_code == EXPECTED[kind] else f"{answer.status_code} {answer.text[:200]!r}"
        except requests.RequestException as exc:
            error = f"{exc.__class__.__name__}: {exc}"[:200]
        results.record(kind, (time.perf_counter() - began) * 1000, error)
        if think:
            time.sleep(rng.uniform(0.5, 1.5) * think)


def _phase(sessions: list[Session], seconds: float, think: float) -> tuple[Results, float]:
    """`sessions` at work at once for `seconds`; their results and the seconds it took."""
    results = Results()
    start = threading.Barrier(len(sessions) + 1)
    stop_at = [float("inf")]
    threads = [threading.Thread(target=_work, args=(s, results, start, stop_at, think), daemon=True)
               for s in sessions]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - began


# -- the figures -------------------------------------------------------------------------------------------------

def _percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return (values[0],) * 3 if values else (0.0,) * 3
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def _print(results: Results, seconds: float) -> tuple[int, float]:
    print(f"   {'kind':<16} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    every = []
    for kind in [k for k in KINDS if k in results.timings] + ["all"]:
        values = every if kind == "all" else results.timings[kind]
        if kind != "all":
            every.extend(values)
        errors = sum(results.errors.values()) if kind == "all" else results.errors[kind]
        p50, p95, p99 = _percentiles(values)
        print(f"   {kind:<16} {len(values):>8,} {len(values) / seconds:>7.1f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} "
              f"{errors:>7,}")
    for kind, samples in results.samples.items():
        for sample in samples:
            print(f"   error ({kind}): {sample}")
    return sum(results.errors.values()), _percentiles(every)[1]


@dataclass
class Server:
    """A gunicorn serving one tree, and its figures: the reference (two users alone) and the load."""

    label: str
    proc: subprocess.Popen
    base: str
    log: Path
    static_root: Path
    reference: Results = field(default_factory=Results)
    reference_seconds: float = 0.0
    results: Results = field(default_factory=Results)
    seconds: float = 0.0
    tree: Path | None = None  # the baseline's extracted tree, removed with the server

    @property
    def rate(self) -> float:
        return sum(len(v) for v in self.results.timings.values()) / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return sum(self.results.errors.values()) + sum(self.reference.errors.values())

    def run(self, sessions: list["Session"], seconds: float, think: float, *, reference: bool = False) -> None:
        """`sessions` at work against this server for `seconds`, their figures added to the server's."""
        for session in sessions:  # signed in on this server before (main)
            session.use(self.base)
        results, took = _phase(sessions, seconds, think)
        into = self.reference if reference else self.results
        for kind, values in results.timings.items():
            into.timings[kind].extend(values)
        into.errors.update(results.errors)
        for kind, samples in results.samples.items():
            into.samples[kind].extend(samples[:3 - len(into.samples[kind])])
        if reference:
            self.reference_seconds += took
        else:
            self.seconds += took

    def stop(self) -> None:
        http_server.stop(self.proc)
        shutil.rmtree(self.static_root, ignore_errors=True)
        if self.tree is not None:  # an old copy of the code in the checkout would be walked by the code's tests
            shutil.rmtree(self.tree, ignore_errors=True)
        if self.errors:
            print(f"   ({self.label}: server log {self.log.relative_to(ROOT)})")
        else:
            self.log.unlink(missing_ok=True)


def _start(label: str, tag: str, root: Path = ROOT, env: dict | None = None) -> Server:
    log, static_root = BENCH_DIR / f"gunicorn-load-{tag}-{os.getpid()}.log", BENCH_DIR / f"static-{tag}-{os.getpid()}"
    proc, base = _server(log, static_root, root, env)
    return Server(label, proc, base, log, static_root)


def _baseline() -> tuple[Server | None, str]:
    """A server of today's code (BENCH_LOAD_BASELINE, a commit), or None and why not."""
    if not BASELINE:
        return None, "not measured (BENCH_LOAD_BASELINE is empty)"
    try:
        root = baseline.tree(BASELINE)
        baseline.check_imports(root)
    except baseline.BaselineError as exc:
        baseline.remove(BASELINE)
        return None, f"NOT MEASURED: the baseline {BASELINE} could not be built: {exc}"
    commit = (root / ".ready").read_text().strip()[:12]
    try:
        server = _start(f"baseline {commit}", "baseline", root, baseline.environment(root))
    except (baseline.BaselineError, SystemExit) as exc:
        shutil.rmtree(root, ignore_errors=True)
        return None, f"NOT MEASURED: the baseline {commit} could not be served: {exc}"
    server.tree = root
    return server, commit


def _report(run: Server) -> tuple[int, float]:
    print(f"   {run.label}: reference, {len(MIX)} users alone ({', '.join(str(role) for role in MIX)}), no pause, "
          f"{run.reference_seconds:.0f} s")
    _print(run.reference, run.reference_seconds)
    print(f"   {run.label}: {USERS} users at once for {run.seconds:.0f} s, "
          f"{'%.1f–%.1f s between requests' % (0.5 * THINK, 1.5 * THINK) if THINK else 'no pause'}")
    errors, p95 = _print(run.results, run.seconds)
    return errors + sum(run.reference.errors.values()), p95


def main():
    workers, forms, categories = _setup()
    connection.close()  # gunicorn's workers open their own connections
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    sessions = [Session("", w, forms, categories, i) for i, w in enumerate(workers)]
    alone = [next(s for s in sessions if s.worker.role == role) for role in MIX]
    servers = []
    try:
        now = _start("this checkout", "new")
        servers.append(now)
        started = time.perf_counter()
        for session in sessions:  # before the clock: each password is checked (and its hash upgraded) once
            session.use(now.base)
            session.login()
        before, said = _baseline()
        if before is not None:
            servers.insert(0, before)
            for session in sessions:
                session.use(before.base)
                session.login()
        print(f"   {len(sessions)} users signed in ({time.perf_counter() - started:.0f} s); gunicorn with {WORKERS} "
              f"workers on {connection.vendor} for {' and for '.join(s.label for s in servers)}; "
              f"{'the same load on each in turn, ' + str(ROUNDS) + ' rounds' if before else 'baseline: ' + said}",
              flush=True)
        # The reference: one officer and one community worker alone, back to back, through each server.
        for server in servers:
            server.run(alone, REFERENCE_SECONDS, 0, reference=True)
        # The load, in rounds, each server in turn (the first first, then the last first): whatever else the
        # machine does weighs on both alike.
        for n in range(ROUNDS):
            for server in (servers if n % 2 == 0 else servers[::-1]):
                server.run(sessions, SECONDS / ROUNDS, THINK)
    finally:
        for server in servers:
            server.stop()
    errors = sum(_report(server)[0] for server in servers)
    p95 = _percentiles(_every(now.results))[1]
    if before is not None:
        print(f"   {'':<16} {'baseline ' + said:>22} {'this checkout':>14} {'ratio':>7}")
        for name, old, new in [("requests/s", before.rate, now.rate),
                               ("p95 ms", _percentiles(_every(before.results))[1], p95)]:
            print(f"   {name:<16} {old:>22.1f} {new:>14.1f} {new / old if old else float('nan'):>6.2f}×")
    else:
        print(f"   baseline: {said}")
    print(f"   goal 0 errors: {'met' if not errors else 'NOT MET'} ({errors})")
    if not THINK:
        if before is None:
            print(f"   goal ≥ {TARGET_RATIO:g}× the baseline's requests/s at saturation: NOT MEASURED (no baseline)")
        else:
            ratio = now.rate / before.rate if before.rate else float("inf")
            print(f"   goal ≥ {TARGET_RATIO:g}× the baseline's requests/s at saturation: "
                  f"{'met' if ratio >= TARGET_RATIO else 'NOT MET'} ({now.rate:.1f} against {before.rate:.1f}, "
                  f"{ratio:.2f}×)")
    else:
        print(f"   goal p95 < {TARGET_P95_MS} ms at {0.5 * THINK:.1f}–{1.5 * THINK:.1f} s between requests "
              f"({USERS} users): {'met' if p95 < TARGET_P95_MS else 'NOT MET'} ({p95:.0f} ms)")


def _every(results: Results) -> list[float]:
    return [ms for values in results.timings.values() for ms in values]
