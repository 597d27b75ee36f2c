"""manage.py db_backup [--output PATH]: a consistent copy of the whole database, safe while the server runs."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, database_backup


class Command(BaseCommand):
    help = ("Back up the whole database with its own consistent mechanism (SQLite: the online backup API; "
            "PostgreSQL: pg_dump --format=custom) to a new file, by default BACKUP_DIR/fangkong-<time>.sqlite3 "
            "or .pgdump, with a manifest beside it (PATH.json: checksum, migrations, row counts). Safe while "
            "the server runs. Prints the path, the size and the SHA-256. Restore with db_restore.")

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="the file to write (never overwritten), or a directory for a "
                                                   "file named with the time; default: BACKUP_DIR")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args, output=None, database="default", **options):
        try:
            backup = database_backup(path=Path(output) if output else None, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(backup.counts.values())
        self.stdout.write(str(backup.path.resolve()))
        self.stdout.write(f"size: {backup.size:,} bytes")
        self.stdout.write(f"sha256: {backup.sha256}")
        self.stdout.write(f"manifest: {backup.manifest_path.resolve()} ({len(backup.counts)} tables, "
                          f"{rows:,} rows, {len(backup.migrations)} migrations)")
