"""Read replicas against a real PostgreSQL primary and a real streaming replica (pg_basebackup -R), marker `replica`.

The environment names them: FANGKONG_TEST_PRIMARY_URL and FANGKONG_TEST_REPLICA_URL (a server each, superuser;
the database used is created here on the primary and reaches the replica by streaming), and
FANGKONG_TEST_REPLICA_CTL, a command taking pg_ctl's `stop` / `start` for the replica (the stopped-replica test).
`.ci/run` starts both and runs these tests; elsewhere they are skipped, saying why.

The application runs as in production, under gunicorn in separate processes (as fangkong/browser.py runs it):
- "replicas": DATABASE_REPLICA_URLS set, REPLICA_MAX_LAG=3600 (a paused replica stays in use);
- "strict": the same with REPLICA_MAX_LAG=1 (a paused replica is soon skipped as behind);
- "primary": no replica, the same pages on the primary alone, for the share of queries moved.
Queries are counted by each server's own statistics (pg_stat_database: every statement outside a transaction is
one), read after the application's processes have exited, which flushes them.
"""

import os
import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from benchmarks import replica_mix
from benchmarks.replica_mix import HEAVY_READS, entry_create, signed_in
from fangkong.browser import (
    BASE_DIR,
    DEMO_PASSWORD,
    TEST_SECRET_KEY,
    _free_port,
    _gunicorn_command,
    _manage,
    _pg_admin_connect,
    _pg_drop,
    _stop,
    _url_with_database,
    _wait_until_serving,
)

pytestmark = pytest.mark.replica

PRIMARY_URL = os.environ.get("FANGKONG_TEST_PRIMARY_URL", "").strip()
REPLICA_URL = os.environ.get("FANGKONG_TEST_REPLICA_URL", "").strip()
REPLICA_CTL = os.environ.get("FANGKONG_TEST_REPLICA_CTL", "").strip()
DATABASE = "fangkong_replication"
MIX_ROUNDS = 10
READ_YOUR_WRITES = 3  # seconds: signing in is a write too, so the tests wait this long after it


def _needed() -> None:
    if not (PRIMARY_URL and REPLICA_URL):
        pytest.skip("no streaming replica: set FANGKONG_TEST_PRIMARY_URL and FANGKONG_TEST_REPLICA_URL "
                    "(.ci/run starts a primary and a replica made by pg_basebackup -R)")


def _sql(url: str, sql: str, params=(), *, database: str | None = DATABASE):
    """One statement on the server of `url` (autocommit); its first row."""
    return replica_mix.sql_one(url, sql, params, database=database or "postgres")


def _caught_up(timeout: float = 60) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    if not replica_mix.caught_up(PRIMARY_URL, REPLICA_URL, timeout=timeout):
        pytest.fail(f"the replica did not catch up with the primary within {timeout} s", pytrace=False)


def _statements(url: str) -> int:
    """The statements the server has run in the test's database (benchmarks/replica_mix.py, shared with the
    replica's benchmark)."""
    return replica_mix.statements(url, DATABASE)


class App:
    """The application under gunicorn with `env`; started on demand, stopped when done."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log, self.proc, self.url = env, log, None, ""

    def start(self) -> "App":
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(_gunicorn_command(port), cwd=BASE_DIR, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _wait_until_serving(self.proc, self.url + "/accounts/login/", self.log)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None

    def errors(self) -> list[str]:
        return [line for line in self.log.read_text(errors="replace").splitlines()
                if "Traceback" in line or "Error" in line or '" 500 ' in line]


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    """{"replicas": App, "strict": App, "primary": App} over a fresh demo city on the primary, streamed to the
    replica (none started yet)."""
    _needed()
    tmp = tmp_path_factory.mktemp("replication")
    with _pg_admin_connect(PRIMARY_URL) as conn:
        _pg_drop(conn, DATABASE)
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    primary_db, replica_db = _url_with_database(PRIMARY_URL, DATABASE), _url_with_database(REPLICA_URL, DATABASE)
    base = dict(os.environ)
    for name in ("DATABASE_REPLICA_URLS", "REPLICA_MAX_LAG", "READ_YOUR_WRITES_SECONDS"):
        base.pop(name, None)
    base.update({"DATABASE_URL": primary_db, "DEBUG": "0", "HTTPS_ONLY": "0", "TASKS_RUN_INLINE": "1",
                 "SECRET_KEY": os.environ.get("SECRET_KEY") or TEST_SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1,localhost",
                 "STATIC_ROOT": str(tmp / "static"), "DJANGO_SETTINGS_MODULE": "fangkong.settings"})
    try:
        _manage(["migrate", "--no-input"], base)
        _manage(["collectstatic", "--no-input"], base)
        _manage(["demo_load"], base)
        _caught_up()
        with_replica = {**base, "DATABASE_REPLICA_URLS": replica_db, "READ_YOUR_WRITES_SECONDS": str(READ_YOUR_WRITES)}
        apps = {"replicas": App({**with_replica, "REPLICA_MAX_LAG": "3600"}, tmp / "replicas.log"),
                "strict": App({**with_replica, "REPLICA_MAX_LAG": "1"}, tmp / "strict.log"),
                "primary": App(base, tmp / "primary.log")}
        yield apps
    finally:
        for app in locals().get("apps", {}).values():
            app.stop()
        try:
            _sql(REPLICA_URL, "SELECT pg_wal_replay_resume()", database=None)
        except Exception:  # the replica is not running
            pass
        with _pg_admin_connect(PRIMARY_URL) as conn:
            _pg_drop(conn, DATABASE)


def _session(base_url: str, username: str):
    """A requests session signed in as `username` through the login form."""
    return signed_in(base_url, username, DEMO_PASSWORD)


def _get(session, url: str) -> str:
    response = session.get(url, timeout=30)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.text


def _entry_create(session, base_url: str, word: str) -> None:
    """The lawyer writes a knowledge entry holding `word` through the page's form."""
    entry_create(session, base_url, word)


def _found(session, app: App, word: str) -> bool:
    """Whether a legal search for `word` (a marked heavy read) lists the entry written with it."""
    return replica_mix.MARK in _get(session, app.url + f"/legal/?q={word}")


def _run_mix(app: App, cookies, rounds: int) -> tuple[int, int]:
    """(statements on the primary, on the replica) of `rounds` of the heavy read mix on a freshly started `app`."""
    import requests

    before = _statements(PRIMARY_URL), _statements(REPLICA_URL)
    app.start()
    try:
        session = requests.Session()
        session.trust_env = False
        session.cookies.update(cookies)
        for _round in range(rounds):
            for path in HEAVY_READS:
                _get(session, app.url + path)
    finally:
        app.stop()  # its connections close: their statistics are flushed
    return _statements(PRIMARY_URL) - before[0], _statements(REPLICA_URL) - before[1]


def test_the_heavy_read_mix_moves_most_of_its_queries_off_the_primary(apps):
    signed_in = apps["primary"].start()
    cookies = _session(signed_in.url, "admin").cookies
    signed_in.stop()
    # Ten rounds, as bench_replica_share: what a server does once per process and per few seconds (its
    # connections' first statements, the replicas' shared verdict read again) weighs on a few pages' counts.
    alone, _none = _run_mix(apps["primary"], cookies, rounds=MIX_ROUNDS)
    on_primary, on_replica = _run_mix(apps["replicas"], cookies, rounds=MIX_ROUNDS)
    moved = (alone - on_primary) / alone
    print(f"\nheavy read mix, {MIX_ROUNDS} rounds of {len(HEAVY_READS)} pages: primary alone {alone} statements; with a replica "
          f"{on_primary} on the primary and {on_replica} on the replica: {moved:.0%} moved off the primary")
    assert moved >= 0.8
    assert on_replica >= alone - on_primary  # what left the primary was served by the replica
    assert not apps["replicas"].errors()


def test_a_write_is_read_back_at_once_by_its_writer_while_the_replica_lags(apps):
    app = apps["replicas"].start()
    try:
        lawyer, admin = _session(app.url, "lawyer"), _session(app.url, "admin")
        time.sleep(READ_YOUR_WRITES + 0.5)  # the sign-ins' own window over
        _sql(REPLICA_URL, "SELECT pg_wal_replay_pause()", database=None)
        word = "rw" + uuid.uuid4().hex[:10]
        _entry_create(lawyer, app.url, word)
        assert _found(lawyer, app, word)  # the writer reads it back at once: from the primary
        assert not _found(admin, app, word)  # another user reads the paused replica, within the lag allowed
        _sql(REPLICA_URL, "SELECT pg_wal_replay_resume()", database=None)
        _caught_up()
        assert _found(admin, app, word)
    finally:
        _sql(REPLICA_URL, "SELECT pg_wal_replay_resume()", database=None)
        app.stop()
    assert not app.errors()


def test_a_replica_behind_the_limit_is_skipped_and_the_page_stays_correct(apps):
    app = apps["strict"].start()
    try:
        lawyer, admin = _session(app.url, "lawyer"), _session(app.url, "admin")
        assert "使用中" in _get(admin, app.url + "/audit/replicas/")
        _sql(REPLICA_URL, "SELECT pg_wal_replay_pause()", database=None)
        word = "lag" + uuid.uuid4().hex[:10]
        _entry_create(lawyer, app.url, word)
        time.sleep(2.5)  # past REPLICA_MAX_LAG=1 behind
        assert "已跳过：落后" in _get(admin, app.url + "/audit/replicas/")
        assert _found(admin, app, word)  # read on the primary: correct, no error
        _sql(REPLICA_URL, "SELECT pg_wal_replay_resume()", database=None)
        _caught_up()
        assert "使用中" in _get(admin, app.url + "/audit/replicas/")
    finally:
        _sql(REPLICA_URL, "SELECT pg_wal_replay_resume()", database=None)
        app.stop()
    assert not app.errors()


def _replica_ctl(action: str) -> None:
    proc = subprocess.run([*shlex.split(REPLICA_CTL), action], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{REPLICA_CTL} {action}: {proc.stdout}{proc.stderr}"


def test_a_stopped_replica_is_skipped_without_errors_and_used_again_once_started(apps):
    if not REPLICA_CTL:
        pytest.skip("FANGKONG_TEST_REPLICA_CTL (a command taking pg_ctl's stop and start for the replica) not set")
    app = apps["replicas"].start()
    try:
        admin = _session(app.url, "admin")
        for path in HEAVY_READS:  # the workers hold connections to the replica
            _get(admin, app.url + path)
        _replica_ctl("stop")
        for path in HEAVY_READS:
            _get(admin, app.url + path)  # every page answers, from the primary
        assert "已跳过：不可用" in _get(admin, app.url + "/audit/replicas/")
        _replica_ctl("start")
        _caught_up()
        assert "使用中" in _get(admin, app.url + "/audit/replicas/")
    finally:
        if REPLICA_CTL:
            subprocess.run([*shlex.split(REPLICA_CTL), "start"], capture_output=True, timeout=120)
        app.stop()
    assert not app.errors()


def test_the_replica_command_reports_the_replica_in_use(apps):
    env = {**apps["replicas"].env, "DJANGO_SETTINGS_MODULE": "fangkong.settings"}
    _caught_up()
    proc = subprocess.run([sys.executable, "manage.py", "replicas"], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    host = unquote(urlsplit(REPLICA_URL).hostname or "")
    assert proc.stdout.startswith("replica1\t") and host in proc.stdout
