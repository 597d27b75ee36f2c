"""Two app servers and two background workers against one primary and one streaming replica, under the load.

The load benchmark's city and users (benchmarks/bench_load.py: BENCH_PEOPLE, BENCH_LOAD_USERS, BENCH_LOAD_SECONDS,
BENCH_LOAD_THINK) served by two gunicorn instances (BENCH_CLUSTER_WORKERS sync workers each, default half the load
benchmark's plus one) with DATABASE_REPLICA_URLS naming the replica, and two `manage.py db_worker` processes; all
share one database. Each user signs in on one server and then sends every other request to the other, so every
session is used on both servers. During the load:
- a line-list import of BENCH_CLUSTER_IMPORT_ROWS people (default 2,000) is queued twice, as a double click does;
- BENCH_CLUSTER_NOTIFICATIONS notifications (default 20) are sent to every load user, each queueing the outbox's
  delivery task, as every change that notifies does;
- BENCH_CLUSTER_READERS administrators (default 1) read the heavy read mix (benchmarks/replica_mix.py), the
  command centre's work that the replica takes, once their sign-in's read-your-writes window has passed;
- every scheduled command (core.scheduled.ScheduledCommand) is fired on both servers at the same moment, its work
  taking BENCH_CLUSTER_HOLD seconds more inside its lock (default 2, past the second's wait for a lock on SQLite)
  so that the two runs overlap;
- anonymous API requests with a token nobody holds are sent to the two servers in turn: the address's budget
  (API_THROTTLE_ANON) is counted in the shared cache, so the request past it is refused whichever server gets it.
Printed and checked (a check that fails ends the run with status 1): errors (0), each task run by one worker once
and the import's people written once, each delivery attempted once, each scheduled command run once (the other
run printing its skip), the shared cache; requests/s and p95; the statements each server ran (pg_stat_database).

BENCH_REPLICA_URL names the replica's server (postgres://user@host:port/postgres), a streaming replica of
BENCH_DATABASE_URL's server (the benchmark's database reaches it by streaming). Without it the run stops and says
how to make one; BENCH_REPLICA_URL=none runs the two servers and workers on the primary alone (the smoke test's
tiny run, on SQLite or PostgreSQL).
"""

import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from django.conf import settings
from django.core.files import File
from django.db import connection
from django.db.models import Count

from accounts.demo import DEMO_PASSWORD
from benchmarks import bench_load, cluster_process, http_server
from benchmarks.replica_mix import HEAVY_READS, caught_up, is_replica, sql_one, statements, url_with_database
from core.db import is_postgresql
from orgunits.demo import DEMO_STREET

NONE = "none"
SERVER_WORKERS = int(os.environ.get("BENCH_CLUSTER_WORKERS", "0")) or bench_load.WORKERS // 2 + 1
IMPORT_ROWS = int(os.environ.get("BENCH_CLUSTER_IMPORT_ROWS", "2000"))
NOTIFICATIONS = int(os.environ.get("BENCH_CLUSTER_NOTIFICATIONS", "20"))
PROBE_RATE = "30/min"  # the anonymous API budget the servers run with (API_THROTTLE_ANON's default)
READERS = int(os.environ.get("BENCH_CLUSTER_READERS", "1"))
HOLD = float(os.environ.get("BENCH_CLUSTER_HOLD", "2"))
ROOT, BENCH_DIR = bench_load.ROOT, bench_load.BENCH_DIR
TIMEOUT = 600  # seconds for the queue to drain or a scheduled run to end
ARGS = {"supplies_publish": ["--unit", DEMO_STREET]}  # a scheduled command's arguments as cron gives them
SKIPPED = "skipped, another run holds its lock"
HOW = ("make one with pg_basebackup -R from the benchmark database's server and start it on another port, e.g.\n"
       "     runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p 54329 -U postgres -D /tmp/fk-replica -R -X stream\n"
       "     runuser -u postgres -- pg_ctl -D /tmp/fk-replica -o \"-p 54333 -c listen_addresses=127.0.0.1\" -w start\n"
       "   then BENCH_REPLICA_URL=postgres://postgres@127.0.0.1:54333/postgres (.ci/run's replica step does this)")


def read_your_writes() -> float:
    """The servers' READ_YOUR_WRITES_SECONDS (their environment is this process's)."""
    return float(settings.READ_YOUR_WRITES_SECONDS)


def replica_server() -> str | None:
    """The replica's server URL from BENCH_REPLICA_URL, checked; None for "none". Stops the run, saying how to make
    one, when it is not given or is no replica of the benchmark database's server."""
    given = os.environ.get("BENCH_REPLICA_URL", "").strip()
    if given.lower() == NONE:
        print("   no replica (BENCH_REPLICA_URL=none): the primary alone")
        return None
    if not given:
        raise SystemExit("   this benchmark needs a streaming replica of BENCH_DATABASE_URL's server in BENCH_REPLICA_URL"
                         f" (or BENCH_REPLICA_URL=none for the primary alone): {HOW}")
    if not is_postgresql():
        raise SystemExit("   BENCH_REPLICA_URL: a replica needs the benchmark database on PostgreSQL (BENCH_DATABASE_URL)")
    if not is_replica(given):
        raise SystemExit(f"   BENCH_REPLICA_URL: that server is not in recovery, so no streaming replica: {HOW}")
    return given


def primary_server() -> str:
    s = connection.settings_dict
    credentials = (s["USER"] or "") + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/postgres"


def replica_ready(primary: str, replica: str, database: str) -> None:
    """Wait until the replica holds everything the primary wrote, the benchmark's database included."""
    if not caught_up(primary, replica, timeout=120):
        raise SystemExit("   the replica did not catch up with the primary within 120 s: is it a replica of "
                         f"BENCH_DATABASE_URL's server? {HOW}")
    if not sql_one(replica, "SELECT count(*) FROM pg_database WHERE datname = %s", (database,))[0]:
        raise SystemExit(f"   the replica has no database {database}: it is not a replica of BENCH_DATABASE_URL's "
                         f"server. {HOW}")


def collectstatic(static_root: Path) -> None:
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"], cwd=ROOT,
                   env=dict(os.environ, DEBUG="0", HTTPS_ONLY="0", ALLOWED_HOSTS="127.0.0.1",
                            DJANGO_SETTINGS_MODULE="fangkong.settings", STATIC_ROOT=str(static_root)), check=True)


def process_env(env: dict[str, str]) -> dict[str, str]:
    return {**os.environ, "DEBUG": "0", "HTTPS_ONLY": "0", "ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SETTINGS_MODULE": "fangkong.settings", "PYTHONUNBUFFERED": "1", **env}


class SharedSession(bench_load.Session):
    """A load user who signs in on one server and then sends each request to the other server in turn."""

    def __init__(self, bases: list[str], index: int, *args):
        super().__init__(bases[index % 2], *args, index)
        self.bases, self.turn = bases, index % 2

    def request(self, kind: str) -> requests.Response:
        self.turn += 1
        self.base = self.bases[self.turn % 2]
        return super().request(kind)


class Reader:
    """The command centre's administrator reading the heavy read mix (the replica's work), on the servers in turn."""

    def __init__(self, bases: list[str], index: int):
        self.bases, self.turn = bases, index
        self.rng = random.Random(bench_load.SEED - index)
        self.http = requests.Session()
        self.http.trust_env = False

    def login(self) -> None:
        url = self.bases[0] + "/accounts/login/"
        self.http.get(url, timeout=60).raise_for_status()
        answer = self.http.post(url, data={"username": "admin", "password": DEMO_PASSWORD,
                                           "csrfmiddlewaretoken": self.http.cookies["csrftoken"]},
                                timeout=60, allow_redirects=False)
        if answer.status_code != 302:
            raise SystemExit(f"   the administrator could not sign in: {answer.status_code}")

    def work(self, results: bench_load.Results, stop_at: float, think: float) -> None:
        while time.perf_counter() < stop_at:
            path = HEAVY_READS[self.turn % len(HEAVY_READS)]
            self.turn += 1
            began = time.perf_counter()
            try:
                answer = self.http.get(self.bases[self.turn % 2] + path, timeout=120)
                error = None if answer.status_code == 200 else f"{path}: {answer.status_code}"
            except requests.RequestException as exc:
                error = f"{path}: {exc.__class__.__name__}: {exc}"[:200]
            results.record("heavy read", (time.perf_counter() - began) * 1000, error)
            if think:
                time.sleep(self.rng.uniform(0.5, 1.5) * think)


# -- the work queued and fired during the load -------------------------------------------------------------------

def import_job_prepare():
    """An import job of IMPORT_ROWS people into the demo street by an officer of its own, not queued yet."""
    from accounts.models import Membership, User
    from accounts.roles import Role
    from orgunits.models import OrgUnit
    from persons.generator.people_csv import people_csv_write
    from persons.importing import import_job_create

    street = OrgUnit.objects.get(code=DEMO_STREET)
    grids = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.GRID, path__startswith=street.path).order_by("code"))
    importer = User.objects.create(username="cluster_importer", full_name="导入员")
    Membership.objects.create(user=importer, role=Role.STREET_OFFICER, unit=street, unit_path=street.path)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "people.csv"
        people_csv_write(path, IMPORT_ROWS, grids)
        with path.open("rb") as f:
            return import_job_create(unit=street, uploaded_file=File(f, name=path.name), filename=path.name,
                                     by=importer, start=False)


def queue_work(env: dict[str, str], job_id: int, usernames: list[str], log: Path) -> int:
    """The import queued twice and the notifications sent, by a process of the application (cluster_process);
    its exit status."""
    with open(log, "wb") as out:
        return subprocess.run([sys.executable, "-m", "benchmarks.cluster_process", "queue", str(job_id),
                               str(NOTIFICATIONS), *usernames], cwd=ROOT, env=process_env(env), stdout=out,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=TIMEOUT).returncode


def scheduled_names() -> list[str]:
    from django.core.management import get_commands, load_command_class

    from core.scheduled import ScheduledCommand

    return sorted(name for name, app in get_commands().items() if isinstance(app, str)
                  and isinstance(load_command_class(app, name), ScheduledCommand))


class Scheduled:
    """Each scheduled command started once per server (`envs`: each server's environment), set up and waiting;
    `release()` lets them all run at the same moment and returns {name: [(exit status, output), …]}."""

    def __init__(self, envs: list[dict[str, str]], logs: Path):
        self.go = logs / "go"
        self.go.unlink(missing_ok=True)
        self.runs = []
        for name in scheduled_names():
            for n, env in enumerate(envs):
                log = logs / f"scheduled-{name}-{n}.log"
                with open(log, "wb") as out:
                    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.cluster_process", "scheduled",
                                             str(self.go), str(HOLD), name, *ARGS.get(name, [])], cwd=ROOT, env=process_env(env),
                                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                self.runs.append((name, proc, log))
        deadline = time.monotonic() + TIMEOUT
        while not all("ready" in log.read_text(errors="replace") or proc.poll() is not None
                      for _n, proc, log in self.runs) and time.monotonic() < deadline:
            time.sleep(0.05)

    def release(self, after: float = 0) -> dict[str, list[tuple[int, str]]]:
        time.sleep(after)
        self.go.touch()
        deadline = time.monotonic() + TIMEOUT
        said: dict[str, list[tuple[int, str]]] = {}
        for name, proc, log in self.runs:
            try:
                status = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                status = proc.wait()
            said.setdefault(name, []).append((status, log.read_text(errors="replace")))
        return said

    def stop(self) -> None:
        for _name, proc, _log in self.runs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def cache_probe(bases: list[str]) -> tuple[int, list[int]]:
    """Anonymous API requests with a token nobody holds, to the servers in turn, one past the address's budget
    (PROBE_RATE); (budget, statuses)."""
    from ninja.throttling import SimpleRateThrottle

    budget, _seconds = SimpleRateThrottle(PROBE_RATE).parse_rate(PROBE_RATE)
    http = requests.Session()
    http.trust_env = False
    statuses = [http.get(bases[n % 2] + "/api/me", headers={"Authorization": "Bearer fk_nobody_holds_this"},
                         timeout=60).status_code for n in range(budget + 1)]
    return budget, statuses


# -- the run -------------------------------------------------------------------------------------------------------

def wait_for_queue() -> bool:
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + TIMEOUT
    while DBTaskResult.objects.exclude(status__in=["SUCCESSFUL", "FAILED"]).exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def main():
    replica = replica_server()
    workers, forms, categories = bench_load._setup()
    job = import_job_prepare()
    from accounts.models import User

    importer = User.objects.get(username="cluster_importer")
    database = connection.settings_dict["NAME"]
    primary = primary_server() if is_postgresql() else None
    connection.close()  # the servers' and workers' processes open their own
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    logs = Path(tempfile.mkdtemp(prefix="cluster-", dir=BENCH_DIR))
    static_root = logs / "static"
    collectstatic(static_root)
    # Tasks in the database for the workers; the anonymous API budget at its production default, which the shared
    # cache's check counts on (every other setting as the environment gives it).
    env = {"STATIC_ROOT": str(static_root), "TASKS_RUN_INLINE": "0", "API_THROTTLE_ANON": PROBE_RATE}
    if replica:
        replica_ready(primary, replica, database)
        env["DATABASE_REPLICA_URLS"] = url_with_database(replica, database)
    before = (statements(primary, database), statements(replica, database) if replica else 0) if primary else None
    servers, worker_procs, scheduled = [], [], None
    try:
        for n in range(2):
            servers.append(http_server.start(
                workers=SERVER_WORKERS, log=logs / f"server-{n}.log", env=env, options=("--timeout", "120"),
                ready=lambda base: requests.get(base + "/accounts/login/", timeout=5).status_code == 200))
        for n in range(2):
            with open(logs / f"worker-{n}.log", "wb") as out:
                worker_procs.append(subprocess.Popen(
                    [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2", "--verbosity", "1"],
                    cwd=ROOT, env=process_env(env), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
        bases = [base for _proc, base in servers]
        readers = [Reader(bases, i) for i in range(READERS)]
        for reader in readers:  # first: their own sign-in's read-your-writes window passes meanwhile
            reader.login()
        signed_in = time.monotonic()
        sessions = [SharedSession(bases, i, w, forms, categories) for i, w in enumerate(workers)]
        for session in sessions:
            session.login()
        if replica and readers:
            time.sleep(max(0.0, signed_in + read_your_writes() + 0.5 - time.monotonic()))
        print(f"   {len(sessions)} users signed in; 2 servers of {SERVER_WORKERS} gunicorn workers and 2 background "
              f"workers on {'a primary and a replica' if replica else connection.vendor + ' alone'}", flush=True)
        fired: dict = {}
        scheduled = Scheduled([env, env], logs)  # started before the load: their start-up is not measured
        queued: list[int] = []
        side = [threading.Thread(target=lambda: queued.append(queue_work(env, job.pk, [w.username for w in workers],
                                                                         logs / "queue.log")), daemon=True),
                threading.Thread(target=lambda: fired.update(scheduled.release(after=bench_load.SECONDS / 3)),
                                 daemon=True)]
        for thread in side:
            thread.start()
        reads = bench_load.Results()
        stop_at = time.perf_counter() + bench_load.SECONDS
        reading = [threading.Thread(target=r.work, args=(reads, stop_at, bench_load.THINK), daemon=True)
                   for r in readers]
        for thread in reading:
            thread.start()
        results, seconds = bench_load._phase(sessions, bench_load.SECONDS, bench_load.THINK)
        for thread in reading:
            thread.join()
        for thread in side:
            thread.join(TIMEOUT)
        probe = cache_probe(bases)
        drained = wait_for_queue()
        connection.close()
    finally:
        if scheduled is not None:
            scheduled.stop()
        for proc in worker_procs:
            proc.terminate()
        for proc in worker_procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        for proc, _base in servers:
            http_server.stop(proc)
    after = (statements(primary, database), statements(replica, database) if replica else 0) if primary else None
    if queued != [0]:
        print(f"   the work was not queued: {(logs / 'queue.log').read_text(errors='replace')[-2000:]}")
    failures = report(results, reads, seconds, fired, probe, drained, job.pk, importer.pk, logs)
    report_statements(before, after)
    if failures:
        print(f"   FAILED: {', '.join(failures)} (logs: {logs.relative_to(ROOT)})")
        raise SystemExit(1)
    shutil.rmtree(logs, ignore_errors=True)


def report(results, reads, seconds, fired, probe, drained, job_id, importer_id, logs: Path) -> list[str]:
    from django_tasks_db.models import DBTaskResult

    from core.models import Delivery
    from persons.models import ImportJob, Person

    failures = []
    print(f"   {bench_load.USERS} users at once for {bench_load.SECONDS:.0f} s over both servers")
    errors, p95 = bench_load._print(results, seconds)
    heavy = reads.timings["heavy read"]
    if heavy:
        p50, heavy_p95, p99 = bench_load._percentiles(heavy)
        print(f"   {'heavy read':<16} {len(heavy):>8,} {len(heavy) / seconds:>7.1f} {p50:>8.1f} {heavy_p95:>8.1f} "
              f"{p99:>8.1f} {sum(reads.errors.values()):>7,}   ({READERS} administrator(s): {', '.join(HEAVY_READS)})")
    for sample in reads.samples["heavy read"]:
        print(f"   error (heavy read): {sample}")
    errors += sum(reads.errors.values())
    said = [(logs / f"server-{n}.log").read_text(errors="replace") for n in range(2)]
    server_errors = sum(text.count("Traceback") for text in said)
    print(f"   errors: {errors} answers, {server_errors} tracebacks in the servers' logs")
    if errors or server_errors:
        failures.append("errors")

    tasks = list(DBTaskResult.objects.values_list("task_path", "status", "worker_ids"))
    ran_by = {}
    for _path, _status, ids in tasks:
        for worker_id in ids:
            ran_by[worker_id] = ran_by.get(worker_id, 0) + 1
    claimed_twice = sum(1 for _path, _status, ids in tasks if len(ids) != 1)
    failed = sum(1 for _path, status, _ids in tasks if status != "SUCCESSFUL")
    print(f"   tasks: {len(tasks)} ({', '.join(sorted({p.rsplit('.', 1)[-1] for p, _s, _i in tasks}))}); queue "
          f"{'drained' if drained else 'NOT drained'}; claimed more than once or never {claimed_twice}; not "
          f"successful {failed}; run by the workers {sorted(ran_by.values(), reverse=True)}")
    if not drained or claimed_twice or failed or len(tasks) < 2:
        failures.append("tasks")
    imported = ImportJob.objects.get(pk=job_id)
    written = Person.objects.filter(created_by_id=importer_id).count()
    workers_said = "".join((logs / f"worker-{n}.log").read_text(errors="replace") for n in range(2))
    held = workers_said.count(f"import job {job_id} is being run by another process")
    print(f"   import queued twice: {imported.state}, {imported.processed_rows:,} rows, {written:,} people written "
          f"(of {IMPORT_ROWS:,}); the second run found the claim held: {held}")
    if imported.state != "done" or written != IMPORT_ROWS:
        failures.append("import")
    deliveries = Delivery.objects.filter(notification__kind=cluster_process.KIND)
    twice = deliveries.exclude(attempts=1).count()
    states = dict(deliveries.values_list("state").annotate(n=Count("id")).order_by())
    print(f"   deliveries: {deliveries.count():,} ({', '.join(f'{k} {v:,}' for k, v in sorted(states.items()))}); "
          f"attempted other than once: {twice}")
    if twice or not deliveries.exists():
        failures.append("deliveries")

    for name, runs in sorted(fired.items()):
        skipped = sum(SKIPPED in text for _status, text in runs)
        statuses = [status for status, _text in runs]
        verdict = "once" if skipped == 1 and statuses == [0, 0] else "NOT once"
        print(f"   scheduled {name}: fired on both servers, exit {statuses}, run {len(runs) - skipped}, "
              f"skipped {skipped}: {verdict}")
        if verdict != "once":
            failures.append(f"scheduled {name}")
            for status, text in runs:
                print(f"      ({status}) {text.strip()[-600:]}")
    if not fired:
        failures.append("scheduled")

    budget, statuses = probe
    shared = statuses[:-1] == [401] * budget and statuses[-1] == 429
    print(f"   shared cache: {budget + 1} requests with an unknown token to the two servers in turn: "
          f"{statuses.count(401)} refused 401, then {statuses[-1]} (429: the budget of {budget} counted once "
          f"across both): {'shared' if shared else 'NOT shared'}")
    if not shared:
        failures.append("cache")
    print(f"   goal p95 < {bench_load.TARGET_P95_MS} ms: {'met' if p95 < bench_load.TARGET_P95_MS else 'NOT MET'} "
          f"({p95:.0f} ms)")
    return failures


def report_statements(before, after) -> None:
    if before is None:
        print("   statements per server: counted on PostgreSQL only (pg_stat_database)")
        return
    on_primary, on_replica = after[0] - before[0], after[1] - before[1]
    total = on_primary + on_replica
    share = f"{on_replica / total:.0%}" if total else "-"
    print(f"   statements (pg_stat_database): primary {on_primary:,}, replica {on_replica:,} ({share} on the replica)")
