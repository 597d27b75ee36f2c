"""What the replica's benchmarks and fangkong/tests/test_replication.py share: the heavy read mix, and each server's
own count of the statements run in a database (pg_stat_database), read without adding to it.

A server is named by a PostgreSQL URL (postgres://user@host:port/anything); `database` is the database counted.
"""

import time
from urllib.parse import urlsplit, urlunsplit

# The heavy read mix: the situation overview, the line list, the reports' board and a street's day export, the supplies
# audit's checks, a legal search; each as the demo city's administrator (manage.py demo_load).
HEAVY_READS = ["/", "/persons/", "/reports/board/", "/reports/day.json?unit=431302004", "/supplies/audit/",
               "/legal/?q=房租"]


def url_with_database(url: str, database: str) -> str:
    """`url` naming `database` instead of its own."""
    return urlunsplit(urlsplit(url)._replace(path="/" + database))


def sql_one(url: str, query: str, params=(), *, database: str = "postgres"):
    """One statement on the server of `url`, in `database` (autocommit); its first row."""
    import psycopg

    with psycopg.connect(url_with_database(url, database), autocommit=True, connect_timeout=5) as conn:
        return conn.execute(query, params).fetchone()


def caught_up(primary: str, replica: str, *, timeout: float = 60) -> bool:
    """Wait until the replica has replayed everything the primary has written so far; False if not within
    `timeout` seconds."""
    target = sql_one(primary, "SELECT pg_current_wal_lsn()::text")[0]
    deadline = time.monotonic() + timeout
    while True:
        try:
            if sql_one(replica, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))[0]:
                return True
        except Exception:  # the replica is starting
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def is_replica(url: str) -> bool:
    """Whether the server of `url` is a streaming replica (in recovery)."""
    return bool(sql_one(url, "SELECT pg_is_in_recovery()")[0])


def statements(url: str, database: str, *, timeout: float = 30) -> int:
    """The statements the server of `url` has run in `database` (committed and rolled back transactions: every
    statement outside a transaction is one), once every connection to it has ended (a backend flushes its
    statistics when it exits). Asked from the server's own database `postgres`, so that asking adds nothing."""
    deadline = time.monotonic() + timeout
    while sql_one(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,))[0] \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    sql_one(url, "SELECT pg_stat_clear_snapshot()")
    row = sql_one(url, "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", (database,))
    return int(row[0]) if row and row[0] is not None else 0


# -- the application through HTTP, as a browser uses it ------------------------------------------------------------

MARK = "复制测试条目"  # in the question of each entry written here, found by a search only when the entry is read


def signed_in(base_url: str, username: str, password: str):
    """A requests session signed in as `username` through the login form."""
    import re

    import requests

    session = requests.Session()
    session.trust_env = False  # 127.0.0.1 never through a proxy
    page = session.get(base_url + "/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(base_url + "/accounts/login/", timeout=30, allow_redirects=False,
                            data={"csrfmiddlewaretoken": token, "username": username, "password": password},
                            headers={"Referer": base_url + "/accounts/login/"})
    if response.status_code != 302:
        raise RuntimeError(f"login as {username} failed: {response.status_code}")
    return session


def page(session, url: str) -> str:
    response = session.get(url, timeout=60)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return response.text


def entry_create(session, base_url: str, word: str) -> None:
    """A knowledge entry holding `word` and MARK written through the page's form (the demo city's lawyer may)."""
    import re

    form = session.get(base_url + "/legal/entries/new/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = session.post(base_url + "/legal/entries/new/", timeout=30, allow_redirects=False,
                            headers={"Referer": base_url + "/legal/entries/new/"},
                            data={"csrfmiddlewaretoken": token, "question": f"{word} {MARK}：复工企业的房租能减免吗",
                                  "answer": "可以与出租人协商减免。", "basis": "", "tags": "",
                                  "valid_from": "2020-01-01", "valid_to": ""})
    if response.status_code != 302:
        raise RuntimeError(f"the entry was not saved: {response.status_code}")


def found(session, base_url: str, word: str) -> bool:
    """Whether a legal search for `word` (a marked heavy read) lists the entry written with it."""
    return MARK in page(session, base_url + f"/legal/?q={word}")
