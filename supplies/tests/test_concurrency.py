"""Postings from the same stock at the same moment run one after the other: of eight threads giving out 30
of 100 masks, three succeed and the warehouse keeps 10 — on SQLite (IMMEDIATE transactions) and on
PostgreSQL (the StockLock rows locked FOR UPDATE). Runs in a process of its own against a fresh database,
because the test database's transactions would hide each thread's postings from the others."""

import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import dj_database_url

HERE = Path(__file__).resolve().parent


def _postgres_database(url: str):
    """A throwaway database on the same server; returns (url, drop)."""
    import psycopg

    config = dj_database_url.parse(url)
    name = f"{config['NAME']}_supplies_{uuid.uuid4().hex[:8]}"
    params = {"host": config["HOST"] or None, "port": config["PORT"] or None, "user": config["USER"] or None,
              "password": config["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.rsplit("/", 1)[0] + "/" + name, drop


def test_concurrent_postings_never_overdraw_the_stock(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    drop = None
    if url.startswith(("postgres://", "postgresql://")):
        url, drop = _postgres_database(url)
    else:
        url = f"sqlite:///{tmp_path / 'concurrency.sqlite3'}"
    try:
        env = {**os.environ, "DATABASE_URL": url}
        done = subprocess.run([sys.executable, str(HERE / "concurrency_run.py")], env=env, capture_output=True,
                              text=True, timeout=300)
    finally:
        if drop is not None:
            drop()
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["failed"] == []
    assert result["posted"] == 3 and result["refused"] == ["insufficient_stock"] * 5
    assert Decimal(result["held"]) == 10
