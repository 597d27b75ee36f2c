"""db_backup and db_restore round-trip the database in use (SQLite, or PostgreSQL with DATABASE_URL) with all
it holds — rows, the ledger's append-only triggers, the legal search index, the sequences — and refuse a
file that is not a good backup of the same kind of database before anything changes."""

import datetime as dt
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.db.migrations.recorder import MigrationRecorder
from stdnum.cn import ric

from core.backup import BackupError, _pg_tool, backup_examine, database_backup, database_restore, file_sha256
from core.models import AuditEntry
from legal.models import KnowledgeEntry
from legal.search import search, stats_forget
from legal.services import entry_save
from orgunits.models import OrgUnit
from persons.models import Person
from persons.services import person_register
from supplies.models import Donation, Donor, Item, Location, Voucher, VoucherLine
from supplies.services import donation_register, donor_register, location_create

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2020, 5, 21)
RENT = "疫情期间商铺房租可以减免吗"
MASKS = "口罩涨价怎么办"
TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def committed(transactional_db, tmp_path):
    """Committed rows, which the dump tools (other connections) see. Afterwards the database is emptied for
    the next test although the ledger and the audit log refuse DELETE (and the ledger TRUNCATE): SQLite gets
    back the empty state saved here before the flush's DELETEs; on PostgreSQL the flush's session skips
    triggers (session_replication_role, which the test database's superuser may set)."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        try:
            for tool in ("pg_dump", "pg_restore"):
                _pg_tool(tool, connection.pg_version // 10000)
        except BackupError as exc:
            pytest.skip(f"PostgreSQL client tools missing: {exc}")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    else:
        empty = database_backup(path=tmp_path / "empty.sqlite3")
        yield
        database_restore(backup=backup_examine(path=empty.path))


def resident_id(seq: int) -> str:
    body = f"43130219900101{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def person(cast, seq: int, name: str) -> Person:
    return person_register(data={"name": name, "doc_type": "resident_id", "doc_number": resident_id(seq),
                                 "phone": "13812345678", "address": "三元社区1栋", "grid": cast.grid_a.code},
                           by=cast.grid_a_worker)


def gift(cast, store: Location, masks: str) -> Donation:
    donor = donor_register(name="长青商会", kind=Donor.Kind.ORGANISATION, unit=cast.street, by=None)
    return donation_register(donor=donor, kind=Donation.Kind.GOODS, received_on=dt.date(2020, 2, 10),
                             channel=Donation.Channel.DELIVERY, recipient=store,
                             lines=[(Item.objects.get(code="mask-n95"), Decimal(masks), Decimal("0"))], by=None)


def backup(path: Path) -> list[str]:
    out = StringIO()
    call_command("db_backup", output=str(path), stdout=out)
    return out.getvalue().splitlines()


def restore(path: Path, *, yes: bool = True) -> str:
    out = StringIO()
    call_command("db_restore", str(path), yes=yes, stdout=out)
    return out.getvalue()


def questions(query: str) -> list[str]:
    return [hit.entry.question for hit in search(query, on=TODAY)]


@TRANSACTIONAL
def test_a_restore_brings_back_exactly_what_the_backup_held(committed, cast, tmp_path):
    he_fang = person(cast, 101, "何芳")
    store = location_create(unit=cast.street, kind=Location.Kind.WAREHOUSE, name="长青街道物资仓库", by=None)
    gift(cast, store, "1000")
    entry = entry_save(data={"question": RENT, "answer": "可以协商减免租金。", "valid_from": dt.date(2020, 1, 24)},
                       by=None)
    vouchers, audit_entries = list(Voucher.objects.values_list("pk", flat=True)), AuditEntry.objects.count()
    printed = backup(tmp_path / "before")

    path = Path(printed[0])
    assert path == (tmp_path / "before").resolve()
    assert printed[1] == f"size: {path.stat().st_size:,} bytes"
    manifest = json.loads((tmp_path / "before.json").read_text())
    assert printed[2] == f"sha256: {manifest['sha256']}"

    # Afterwards: a person removed and another added, a second gift booked, the entry reworded.
    Person.objects.filter(pk=he_fang.pk).delete()
    person(cast, 102, "贺英")
    gift(cast, store, "500")
    entry_save(entry=entry, data={"question": MASKS, "answer": "可以向市场监管部门举报哄抬物价。"}, by=None)
    stats_forget()
    assert questions("口罩 涨价") == [MASKS] and questions("房租 减免") == []

    report = restore(path)
    stats_forget()

    assert "row counts: every table matches the backup's" in report, report
    assert re.search(r"^migrations: (those recorded match the code|\d+ of this code not applied)", report, re.M)
    recorded = MigrationRecorder(connection).applied_migrations()
    assert sorted(f"{app}.{name}" for app, name in recorded) == sorted(manifest["migrations"])
    assert list(Person.objects.values_list("name", "doc_number")) == [("何芳", resident_id(101))]
    assert list(Voucher.objects.values_list("pk", flat=True)) == vouchers
    assert sorted(VoucherLine.objects.values_list("quantity", flat=True)) == [Decimal("-1000"), Decimal("1000")]
    assert AuditEntry.objects.count() == audit_entries
    assert KnowledgeEntry.objects.get().question == RENT
    assert questions("房租 减免") == [RENT] and questions("口罩 涨价") == []  # the search index came back too
    for sql in ("UPDATE supplies_voucher SET note = 'changed'", "DELETE FROM supplies_voucherline"):
        with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
            cursor.execute(sql)  # the database's own triggers came back too, beneath the models' guard
    # New rows carry on after the restored ones.
    assert person(cast, 103, "新人").pk > he_fang.pk
    assert gift(cast, store, "20").receipts.get().pk > vouchers[0]


@TRANSACTIONAL
def test_without_yes_the_file_is_checked_and_nothing_changes(committed, cast, tmp_path):
    person(cast, 101, "何芳")
    path = Path(backup(tmp_path / "before")[0])
    person(cast, 102, "贺英")
    with pytest.raises(CommandError, match="replaces all data in the (SQLite|PostgreSQL) database .* --yes"):
        restore(path, yes=False)
    assert Person.objects.count() == 2


@TRANSACTIONAL
def test_a_backup_is_named_by_the_time_readable_by_its_owner_only_and_never_overwritten(
        committed, cast, tmp_path, settings, time_machine):
    time_machine.move_to("2020-05-21 17:30:00 +0800", tick=False)
    settings.BACKUP_DIR = tmp_path / "backups"
    suffix = {"sqlite": "sqlite3", "postgresql": "pgdump"}[connection.vendor]
    out = StringIO()
    call_command("db_backup", stdout=out)
    path = tmp_path / "backups" / f"fangkong-20200521-173000.{suffix}"
    assert out.getvalue().splitlines()[0] == str(path.resolve())
    manifest = json.loads(Path(f"{path}.json").read_text())
    assert manifest["vendor"] == connection.vendor and manifest["created"] == "2020-05-21T17:30:00+08:00"
    assert manifest["counts"]["orgunits_orgunit"] == OrgUnit.objects.count() and "persons.0001_initial" in manifest["migrations"]
    for written in (path, Path(f"{path}.json")):
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
    before = path.read_bytes()
    with pytest.raises(CommandError, match="already exists"):
        call_command("db_backup", stdout=StringIO())
    assert path.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [path.name, f"{path.name}.json"]


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _add_future_migration(path: Path) -> None:
    """Record a migration this code lacks: in the SQLite file itself, or in the PostgreSQL archive's manifest."""
    manifest_path = Path(f"{path}.json")
    manifest = json.loads(manifest_path.read_text())
    manifest["migrations"].append("persons.9999_from_the_future")
    if connection.vendor == "sqlite":
        with sqlite3.connect(path) as db:
            db.execute("INSERT INTO django_migrations (app, name, applied) "
                       "VALUES ('persons', '9999_from_the_future', '2030-01-01')")
        db.close()
        manifest.update(size=path.stat().st_size, sha256=file_sha256(path))
    manifest_path.write_text(json.dumps(manifest))


@TRANSACTIONAL
@pytest.mark.parametrize(("damage", "message"), [
    (_flip_a_byte, "damaged or changed since it was made"),
    (_add_future_migration, "made by a newer version of Fangkong: .*persons.9999_from_the_future"),
])
def test_a_damaged_or_newer_backup_is_refused_before_anything_changes(committed, cast, tmp_path, damage,
                                                                     message):
    person(cast, 101, "何芳")
    path = Path(backup(tmp_path / "before")[0])
    person(cast, 102, "贺英")
    damage(path)
    with pytest.raises(CommandError, match=message):
        restore(path)
    assert Person.objects.count() == 2


def _fake_backup(path: Path, vendor: str) -> Path:
    """A file that begins like a backup of `vendor`."""
    if vendor == "postgresql":
        path.write_bytes(b"PGDMP\x01\x0e\x00\x04\x08\x01\x01" + bytes(200))
    else:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE django_migrations (id integer PRIMARY KEY, app text, name text)")
        db.close()
    return path


def _other_vendor_backup(path: Path) -> Path:
    return _fake_backup(path, "sqlite" if connection.vendor == "postgresql" else "postgresql")


@pytest.mark.parametrize(("make", "message"), [
    (_other_vendor_backup, r"is (an SQLite|a PostgreSQL) backup, but this database \(.*\) is "
                           r"(PostgreSQL|SQLite): restore it into"),
    (lambda path: path.write_text("-- PostgreSQL database dump\nCREATE TABLE x ();\n") and path,
     "plain-SQL dump"),
    (lambda path: path.write_text("姓名,身份证号码\n") and path, "not a backup made by db_backup"),
    (lambda path: path, "no such file"),
])
def test_a_file_that_is_not_a_backup_of_this_database_is_refused(db, tmp_path, make, message):
    path = make(tmp_path / "backup")
    with pytest.raises(CommandError, match=message):
        restore(path)


def test_a_manifest_that_is_not_one_is_refused(db, tmp_path):
    path = _fake_backup(tmp_path / "backup", connection.vendor)
    Path(f"{path}.json").write_text('{"format": "something else"}')
    with pytest.raises(CommandError, match="is not a db_backup manifest"):
        restore(path)


WRITER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('uncommitted', 'row', '2020-05-21')")
print("writing", flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="SQLite's online backup")
def test_an_sqlite_backup_runs_beside_a_writer_and_holds_committed_rows_only(tmp_path):
    """The server keeps its WAL database open and writing: the backup neither waits for the writer nor
    copies its uncommitted row."""
    live = tmp_path / "live.sqlite3"
    with sqlite3.connect(live) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE django_migrations (id integer PRIMARY KEY, app text, name text, applied text)")
        db.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('core', '0001_initial', '2020')")
    db.close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(live)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{live}", "BACKUP_DIR": str(tmp_path / "backups")}
        result = subprocess.run([sys.executable, "manage.py", "db_backup"], cwd=PROJECT_ROOT, env=env,
                                capture_output=True, text=True, timeout=45)
    finally:
        writer.kill()
        writer.wait()
    assert result.returncode == 0, result.stdout + result.stderr
    path = Path(result.stdout.splitlines()[0])
    assert re.fullmatch(r"fangkong-\d{8}-\d{6}\.sqlite3", path.name)
    with sqlite3.connect(path) as copy:
        assert copy.execute("SELECT app, name FROM django_migrations").fetchall() == [("core", "0001_initial")]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    copy.close()
    assert json.loads(Path(f"{path}.json").read_text())["migrations"] == ["core.0001_initial"]
