"""Checkpoint readings: device batches through the HTTP API under gunicorn, a fever alert's delay, the gate page.

The gate page is measured with 10,000,000 readings stored.

1. Throughput. gunicorn (two workers, as the browser tests start it) serves the benchmark database; BENCH_SENDERS
   gate terminals, each a registered device with its own token, post BENCH_READINGS readings (default 200,000)
   in batches of BENCH_BATCH (2,000) to /api/checkpoint-readings, all at once; about one in a thousand is a fever.
   The bodies are encoded before the clock starts. Target: >= 10,000 readings/s.
2. Alert delay. One fever reading is posted and /api/checkpoint-alerts is polled every 20 ms until it lists the
   alert. Target: < 1 s.
3. The gate page. BENCH_STORED readings (default 10,000,000) and a tenth as many passages, spread over 200
   checkpoints and the last 120 days, are generated set-based in the database (INSERT … SELECT over a series);
   then the gate page of 100 random checkpoints is rendered through the Django test client as the community
   worker, with the day's log and the live alert list for comparison. Target: gate page p95 < 100 ms.
"""

import datetime as dt
import json
import os
import random
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Role
from accounts.services import token_create
from benchmarks import http_server
from benchmarks.timing import line, percentile
from checkpoints import services
from checkpoints.models import Checkpoint, Passage, Reading, Team, TeamMember
from core.db import is_sqlite
from core.partitions import months_create
from fangkong.event_tables import event_table
from orgunits.models import OrgUnit, Site
from orgunits.services import divisions_load, site_create, unit_create
from persons.models import Person

READINGS = int(os.environ.get("BENCH_READINGS", "200000"))
BATCH = int(os.environ.get("BENCH_BATCH", "2000"))
SENDERS = int(os.environ.get("BENCH_SENDERS", "4"))
STORED = int(os.environ.get("BENCH_STORED", "10000000"))
FEVER_RATE = 0.001
CHECKPOINTS = int(os.environ.get("BENCH_CHECKPOINTS", "200"))  # even: an enterprise, then a checkpoint
STAFF_PER_ENTERPRISE = 40
DAYS = 120
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "100"))
SEED = 20200221
TARGET_RATE = 10_000
TARGET_ALERT_S = 1.0
TARGET_GATE_P95_MS = 100
STREET = "431302004"  # 长青街道
ROOT = Path(__file__).resolve().parent.parent


def _setup() -> tuple[User, str, list[Checkpoint], list[tuple[str, str]], dict[int, list[str]]]:
    """A community with 100 enterprises and 100 community checkpoints, a gate at each, enterprise rosters
    with badges, a community worker with an API token (the duty officer polling the alerts), and one device
    (with its own key) per sender."""
    divisions_load(root_code="431300")
    street = OrgUnit.objects.get(code=STREET)
    community = unit_create(parent=street, code=STREET + "901", name="测温基准社区", kind=OrgUnit.Kind.COMMUNITY,
                            by=None)
    grid = unit_create(parent=community, code=community.code + "-01", name="测温基准网格", kind=OrgUnit.Kind.GRID,
                       by=None)
    officer = User.objects.create(username="bench-gate", full_name="基准社区干部")
    Membership.objects.create(user=officer, role=Role.COMMUNITY_WORKER, unit=community, unit_path=community.path)
    checkpoints, badges = [], {}
    joined = timezone.now() - dt.timedelta(days=DAYS + 1)
    Person.objects.bulk_create([
        Person(name=f"职工{i:05d}", doc_number=f"BENCH{i:08d}", doc_type="other", doc_tail=f"{i % 10000:04d}",
               grid=grid, unit_path=grid.path) for i in range(CHECKPOINTS // 2 * STAFF_PER_ENTERPRISE)])
    people = list(Person.objects.filter(doc_number__startswith="BENCH").order_by("pk"))
    for n in range(CHECKPOINTS):
        enterprise = n % 2 == 0
        site = site_create(unit=community, kind=Site.Kind.ENTERPRISE if enterprise else Site.Kind.CHECKPOINT,
                           name=f"{'企业' if enterprise else '卡点'}{n:03d}", by=None)
        checkpoint = services.checkpoint_create(site=site, name="大门", by=None)
        checkpoints.append(checkpoint)
        if enterprise:
            team = Team.objects.create(site=site, unit_path=site.unit_path, name="一班")
            staff = people[(n // 2) * STAFF_PER_ENTERPRISE:(n // 2 + 1) * STAFF_PER_ENTERPRISE]
            TeamMember.objects.bulk_create([
                TeamMember(team=team, person=p, site=site, unit_path=site.unit_path, badge=f"B{n:03d}{i:03d}",
                           joined_at=joined) for i, p in enumerate(staff)])
            badges[checkpoint.pk] = [f"B{n:03d}{i:03d}" for i in range(len(staff))]
    devices = []
    for s in range(SENDERS):
        device, key = services.device_register(checkpoint=checkpoints[2 * s], code=f"BENCH-GATE-{s:02d}",
                                               by=officer)
        devices.append((device.code, key))
    _token, officer_key = token_create(user=officer, name="duty officer's alert screen")
    return officer, officer_key, checkpoints, devices, badges


# -- 1 and 2: through gunicorn ---------------------------------------------------------------------------------

def _request(url: str, key: str, body: bytes | None = None) -> dict:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET",
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=120) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"   {url}: {exc.code} {exc.read()[:500]!r}") from None


def _bodies(devices, badges, device_checkpoints) -> list[tuple[str, bytes]]:
    """(device key, encoded batch) for every batch, made before the clock starts."""
    rng = random.Random(SEED)
    now = timezone.now()
    bodies = []
    for b in range(max(1, READINGS // BATCH)):
        code, key = devices[b % len(devices)]
        roster = badges[device_checkpoints[code]]
        items = []
        for i in range(BATCH):
            fever = rng.random() < FEVER_RATE
            temperature = round(rng.uniform(37.5, 39.5) if fever else rng.uniform(35.8, 37.0), 1)
            taken = now - dt.timedelta(seconds=rng.randint(60, 7200))
            items.append({"device_id": code, "event_id": f"{b}-{i}", "time": taken.isoformat(),
                          "temperature": temperature, "badge": rng.choice(roster)})
        bodies.append((key, json.dumps(items).encode()))
    return bodies


def _throughput(devices, badges, device_checkpoints, officer_key: str) -> tuple[float, float]:
    bodies = _bodies(devices, badges, device_checkpoints)
    proc, base = http_server.start(workers=2, log=ROOT / "var" / "bench" / f"gunicorn-{os.getpid()}.log", timeout=30,
                                ready=lambda base: bool(_request(base + "/api/me", officer_key)))
    try:
        _request(base + "/api/checkpoint-readings", devices[0][1], b"[]")  # warm both workers' imports
        started = time.perf_counter()
        with ThreadPoolExecutor(SENDERS) as pool:
            answers = list(pool.map(lambda kb: _request(base + "/api/checkpoint-readings", kb[0], kb[1]), bodies))
        seconds = time.perf_counter() - started
        accepted = sum(a["accepted"] for a in answers)
        alerts = sum(len(a["alerts"]) for a in answers)
        stored = Reading.objects.count()
        assert accepted == stored == len(bodies) * BATCH, (accepted, stored)
        rate = accepted / seconds
        print(f"   {accepted:,} readings in {len(bodies)} batches of {BATCH:,} from {SENDERS} senders: {seconds:.1f} s, "
              f"{rate:,.0f} readings/s, {alerts} fever alerts")
        # The same batches again: every item a duplicate, nothing stored twice.
        started = time.perf_counter()
        again = _request(base + "/api/checkpoint-readings", bodies[0][0], bodies[0][1])
        print(f"   a batch sent twice: {again['duplicates']:,} duplicates, {again['accepted']} accepted "
              f"({(time.perf_counter() - started) * 1000:.0f} ms)")
        # One fever: how long until the duty officer's alert list shows it.
        code, key = devices[0]
        last = max([a for answer in answers for a in answer["alerts"]], default=0)
        body = json.dumps([{"device_id": code, "event_id": "fever-probe", "time": timezone.now().isoformat(),
                            "temperature": 39.5, "badge": "NOT-ON-THE-ROSTER"}]).encode()
        started = time.perf_counter()
        _request(base + "/api/checkpoint-readings", key, body)
        while not _request(base + f"/api/checkpoint-alerts?after={last}", officer_key):
            time.sleep(0.02)
        delay = time.perf_counter() - started
        print(f"   a fever reading listed among the live alerts after {delay * 1000:.0f} ms")
        return rate, delay
    finally:
        http_server.stop(proc, timeout=15)


# -- 3: the gate page over millions of readings ----------------------------------------------------------------

def _store(checkpoints: list[Checkpoint], officer: User) -> None:
    """STORED readings and STORED/10 passages over the checkpoints and the last DAYS days, generated set-based
    inside the database: one INSERT … SELECT over a numbered series (generate_series on PostgreSQL, a recursive
    CTE on SQLite) per table. Row n's checkpoint, time and temperature are fixed functions of n (multiplicative
    hashing), so every run stores the same rows; times rise with n, as readings arrive."""
    sqlite = is_sqlite()
    quote = connection.ops.quote_name
    now = int(timezone.now().timestamp())
    first, span = now - DAYS * 86400, DAYS * 86400 - 3600  # the last hour is left to the live readings
    for table in (Reading._meta.db_table, Passage._meta.db_table):  # their months' partitions, as in production
        months_create(event_table(table), timezone.localdate() - dt.timedelta(days=DAYS), timezone.localdate())
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if sqlite:
            cursor.execute("PRAGMA cache_size = -1048576")  # 1 GB while loading: the indexes stay in memory
        cursor.execute("CREATE TEMPORARY TABLE bench_checkpoint (n integer PRIMARY KEY, checkpoint_id bigint, "
                       "site_id bigint, unit_path varchar(255))")
        cursor.executemany("INSERT INTO bench_checkpoint VALUES (%s, %s, %s, %s)",
                           [(n, c.pk, c.site_id, c.unit_path) for n, c in enumerate(checkpoints)])
    created = connection.ops.adapt_datetimefield_value(timezone.now())

    def load(table: str, columns: list[str], values: str, count: int, salt: int) -> None:
        at_params, row_params = [first, span, count], [created, officer.pk]
        join_params = [salt, len(checkpoints)]
        if sqlite:
            sql = ("WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < %s - 1) "
                   "SELECT {values} FROM g JOIN bench_checkpoint c ON c.n = (g.i * %s) %% %s")
            at, params = "datetime(%s + g.i * %s / %s, 'unixepoch')", [count, *at_params, *row_params, *join_params]
        else:
            sql = ("SELECT {values} FROM generate_series(0::bigint, %s::bigint - 1) AS g(i) "
                   "JOIN bench_checkpoint c ON c.n = (g.i * %s) %% %s")
            at, params = "to_timestamp(%s + g.i * %s / %s)", [*at_params, *row_params, count, *join_params]
        sql = (f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
               + sql.format(values=values.format(at=at)))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)

    # Readings: 35.8–37.1 °C (no fevers: the live list stays as the throughput run left it).
    temperature = "(358 + (g.i * 40503) %% 14) / 10.0" if sqlite else "((358 + (g.i * 40503) %% 14) / 10.0)::numeric(4, 1)"
    load(Reading._meta.db_table,
         ["checkpoint_id", "site_id", "unit_path", "taken_at", "temperature", "fever", "is_recheck", "subject",
          "event_id", "created_at", "recorded_by_id"],
         f"c.checkpoint_id, c.site_id, c.unit_path, {{at}}, {temperature}, {temperature} >= 37.3, "
         "false, '访客', '', %s, %s", STORED, 2654435761)
    print(f"   … {STORED:,} readings ({time.perf_counter() - started:.0f} s)", flush=True)
    passages = STORED // 10
    load(Passage._meta.db_table,
         ["checkpoint_id", "site_id", "unit_path", "at", "direction", "method", "visitor_name", "visitor_phone",
          "visitor_doc", "reason", "created_at", "recorded_by_id"],
         "c.checkpoint_id, c.site_id, c.unit_path, {at}, CASE WHEN (g.i * 7919) %% 2 = 0 THEN 'in' ELSE 'out' END, "
         "'visitor', '访客', '', '', '', %s, %s", passages, 2246822519)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_checkpoint")
        if sqlite:
            cursor.execute("PRAGMA cache_size = -2000")
        cursor.execute("ANALYZE")
    print(f"   stored {Reading.objects.count():,} readings and {Passage.objects.count():,} passages "
          f"in {time.perf_counter() - started:.0f} s (set-based, with ANALYZE)")


def _gate_pages(checkpoints: list[Checkpoint], officer: User) -> float:
    client = Client()
    client.force_login(officer)
    rng = random.Random(SEED + 2)
    sample = rng.sample(checkpoints, min(SAMPLES, len(checkpoints)))
    timings: dict[str, list[float]] = {"gate": [], "log": [], "live": []}
    with override_settings(ALLOWED_HOSTS=["testserver"], STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
        for checkpoint in sample[:5]:
            client.get(f"/checkpoints/{checkpoint.pk}/", secure=True)  # warm the templates
        for checkpoint in sample:
            for name, url in (("gate", f"/checkpoints/{checkpoint.pk}/"), ("log", f"/checkpoints/{checkpoint.pk}/log/"),
                              ("live", f"/checkpoints/alerts/live/?checkpoint={checkpoint.pk}")):
                started = time.perf_counter()
                response = client.get(url, secure=True)
                timings[name].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
    line(f"gate page ({len(sample)} checkpoints)", timings["gate"], width=44)
    line("the day's log (all readings and passages)", timings["log"], width=44)
    line("live alert list (polled every 2 s)", timings["live"], width=44)
    return percentile(timings["gate"], 95)


def main():
    officer, officer_key, checkpoints, devices, badges = _setup()
    device_checkpoints = {code: checkpoints[2 * s].pk for s, (code, _key) in enumerate(devices)}
    connection.close()  # gunicorn's workers open their own connections
    rate, delay = _throughput(devices, badges, device_checkpoints, officer_key)
    _store(checkpoints, officer)
    gate_p95 = _gate_pages(checkpoints, officer)
    print(f"   target >= {TARGET_RATE:,} readings/s: {'met' if rate >= TARGET_RATE else 'NOT MET'} ({rate:,.0f}/s)")
    print(f"   target alert < {TARGET_ALERT_S:.0f} s: {'met' if delay < TARGET_ALERT_S else 'NOT MET'} "
          f"({delay * 1000:.0f} ms)")
    print(f"   target gate page p95 < {TARGET_GATE_P95_MS} ms: {'met' if gate_p95 < TARGET_GATE_P95_MS else 'NOT MET'} "
          f"({gate_p95:.1f} ms)")
