"""Browser tests (a pytest plugin): the real application under gunicorn, driven by Debian's Chromium.

The application runs as a separate process against its own database, as in production: pytest-django's
live_server cannot be used because the audit log's triggers forbid the DELETE its flushes need. Tests
using these fixtures carry `@pytest.mark.browser`; screenshots go to var/test-artifacts/.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = BASE_DIR / "var" / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_PASSWORD = "Fangkong-demo-2020"  # accounts.demo.DEMO_PASSWORD, kept here so the plugin loads before Django
TEST_SECRET_KEY = "browser-tests-only-key-not-for-production-0123456789-abcdefghijklmnop"
SERVER_START_TIMEOUT = 30  # seconds until /accounts/login/ must answer
ACTION_TIMEOUT_MS = 10_000  # Playwright's default of 30 s hides a broken page behind a long wait

_reports_key = pytest.StashKey[dict]()
_server_log_key = pytest.StashKey[Path]()


# -- hooks -------------------------------------------------------------------------------------------

def _chromium_missing_outcome() -> None:
    """Skip (FANGKONG_SKIP_BROWSER=1) or fail when Chromium is not installed; return if it is."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("FANGKONG_SKIP_BROWSER") == "1":
        pytest.skip(f"{CHROMIUM} not installed (FANGKONG_SKIP_BROWSER=1)")
    pytest.fail(f"Browser tests need Chromium at {CHROMIUM}: `apt-get install -y chromium fonts-wqy-zenhei`, "
                "or set FANGKONG_SKIP_BROWSER=1 to skip them.", pytrace=False)


_FIXTURES = {"demo_server", "browser", "new_page", "page"}


def pytest_runtest_setup(item):
    marked = item.get_closest_marker("browser") is not None
    if not marked and _FIXTURES & set(getattr(item, "fixturenames", ())):
        pytest.fail(f"{item.nodeid} uses the browser fixtures: mark it @pytest.mark.browser", pytrace=False)
    # Before any fixture, so a missing browser does not first cost the demo server's start-up.
    if marked:
        _chromium_missing_outcome()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports_key, {})[report.when] = report
    log = item.config.stash.get(_server_log_key, None)
    if report.failed and log is not None and "demo_server" in getattr(item, "fixturenames", ()):
        report.sections.append(("demo server log (tail)", _tail(log)))
    return report


# -- helpers -----------------------------------------------------------------------------------------

def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(cannot read {path}: {exc})"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _is_postgres(url: str) -> bool:
    return url.split(":", 1)[0].lower() in {"postgres", "postgresql", "pgsql"}


def _url_with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def _pg_admin_connect(url: str):
    """An autocommit connection to the server of `url`, via its `postgres` database (else url's own)."""
    import psycopg

    try:
        return psycopg.connect(_url_with_database(url, "postgres"), autocommit=True)
    except psycopg.OperationalError:
        return psycopg.connect(url, autocommit=True)


def _pg_drop(conn, name: str) -> None:
    from psycopg import sql

    force = sql.SQL(" WITH (FORCE)") if conn.info.server_version >= 130000 else sql.SQL("")
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)) + force)


def _pg_recreate(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    try:
        conn = _pg_admin_connect(url)
    except psycopg.OperationalError as exc:
        pytest.fail(f"DATABASE_URL: cannot reach PostgreSQL to create {name}: {exc}", pytrace=False)
    with conn:
        _pg_drop(conn, name)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _manage(args: list[str], env: dict[str, str]) -> None:
    """Run `manage.py <args>` as the deployment would; fail the fixture with its output if it fails."""
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} exited with {proc.returncode}\n--- stdout\n{proc.stdout}"
                    f"\n--- stderr\n{proc.stderr}", pytrace=False)


def _wait_until_serving(proc: subprocess.Popen, url: str, log: Path) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 never via a proxy
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode} before serving\n{log.read_text(errors='replace')}",
                        pytrace=False)
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            pytest.fail(f"{url} answered {exc.code} instead of 200\n{log.read_text(errors='replace')}",
                        pytrace=False)
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer within {SERVER_START_TIMEOUT} s\n{log.read_text(errors='replace')}",
                        pytrace=False)
        time.sleep(0.2)


def _gunicorn_command(port: int) -> list[str]:
    from gunicorn.config import KNOWN_SETTINGS

    command = [sys.executable, "-m", "gunicorn", "fangkong.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
               "--access-logfile", "-"]
    # Newer gunicorn opens a control socket at one fixed path per user; two test runs would share it.
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        command.append("--no-control-socket")
    return command


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as var/test-artifacts/<name>.png and return its path."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / (re.sub(r"[^\w.-]+", "-", name).strip("-") + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, base_url: str, username: str, password: str = DEMO_PASSWORD, *, check: bool = True):
    """Sign in through the login form; with `check`, assert that the sign-in succeeded."""
    page.goto(base_url + "/accounts/login/")
    form = page.locator("main form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    if check:
        assert "/accounts/login/" not in page.url, f"login as {username} failed: still on {page.url}"


# -- fixtures ----------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def demo_server(tmp_path_factory, pytestconfig):
    """The base URL of the application under gunicorn, on a fresh database holding the demo city."""
    tmp = tmp_path_factory.mktemp("demo-server")
    url = os.environ.get("DATABASE_URL", "").strip()
    pg_name = None
    if url and _is_postgres(url):
        pg_name = (unquote(urlsplit(url).path.lstrip("/")) or "fangkong") + "_browser"
        _pg_recreate(url, pg_name)
        database_url = _url_with_database(url, pg_name)
    else:
        database_url = f"sqlite:///{tmp / 'fangkong.sqlite3'}"
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "HTTPS_ONLY": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or TEST_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(tmp / "static"),
        "DJANGO_SETTINGS_MODULE": "fangkong.settings",
    })
    log = tmp / "server.log"
    proc = None
    try:
        _manage(["migrate", "--no-input"], env)
        _manage(["catalogs_compile"], env)
        _manage(["collectstatic", "--no-input"], env)
        _manage(["demo_load"], env)
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        with open(log, "wb") as out:
            proc = subprocess.Popen(_gunicorn_command(port), cwd=BASE_DIR, env=env, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        pytestconfig.stash[_server_log_key] = log
        _wait_until_serving(proc, base_url + "/accounts/login/", log)
        yield base_url
    finally:
        if proc is not None:
            _stop(proc)
        if pg_name:
            with _pg_admin_connect(url) as conn:
                _pg_drop(conn, pg_name)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's), shared by the session."""
    _chromium_missing_outcome()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Browser tests need the playwright package: pip install -e '.[dev]'", pytrace=False)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, request):
    """Open pages, each in its own fresh context: `new_page(width=360, height=740, locale="zh-CN")`.

    The contexts close after the test; if the test failed, each page is screenshotted first.
    """
    contexts = []

    def make(*, width: int = 1280, height: int = 800, locale: str = "zh-CN"):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    reports = request.node.stash.get(_reports_key, {})
    failed = any(r.failed for r in reports.values())
    for i, context in enumerate(contexts):
        if failed:
            for j, page in enumerate(context.pages):
                try:
                    screenshot(page, f"FAILED-{request.node.name}-{i}-{j}")
                except Exception:  # a crashed page must not hide the test's own failure
                    pass
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh 1280×800 zh-CN context."""
    return new_page()
