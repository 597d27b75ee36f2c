"""manage.py db_restore PATH [--yes]: replace the whole database with a backup made by db_backup."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from core.backup import VENDOR_NAMES, BackupError, backup_examine, database_label, database_restore, when


class Command(BaseCommand):
    help = ("Restore a backup made by db_backup, replacing every row of the database. The file is checked "
            "first (the same database vendor, its checksum against the manifest, the vendor's own integrity "
            "check, migrations this code knows); without --yes nothing more happens. Afterwards the row counts "
            "are compared with the manifest's and the migrations with the code's. Stop the web server and the "
            "worker before restoring and start them again after.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .sqlite3 or .pgdump file written by db_backup")
        parser.add_argument("--yes", action="store_true", help="really replace the data (it is lost otherwise)")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args, path, yes=False, database="default", **options):
        conn = connections[database]
        try:
            backup = backup_examine(path=path, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        checked = "checksum verified" if backup.manifest else "no manifest"
        self.stdout.write(f"backup: {backup.path} ({VENDOR_NAMES[backup.vendor]}, {backup.size:,} bytes, made "
                          f"{when(backup.manifest)}, {checked})")
        for note in backup.notes:
            self.stdout.write(self.style.WARNING(f"note: {note}"))
        target = f"the {VENDOR_NAMES[backup.vendor]} database {database_label(conn)}"
        if not yes:
            raise CommandError(f"restoring replaces all data in {target} with the backup's; nothing was "
                               "changed. Run again with --yes to restore.")
        self.stdout.write(f"restoring into {target} …")
        try:
            restored = database_restore(backup=backup, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(restored.counts.values())
        self.stdout.write(f"restored: {len(restored.counts)} tables, {rows:,} rows")
        problems = []
        if backup.counts is not None and not restored.counts_differ:
            self.stdout.write("row counts: every table matches the backup's")
        for table, (expected, now) in sorted(restored.counts_differ.items()):
            problems.append(f"{table} has {now:,} rows, the backup had {expected:,}")
        if restored.extra_tables:
            self.stdout.write(self.style.WARNING(
                "note: tables not in the backup were left as they were: " + ", ".join(restored.extra_tables)))
        if restored.unknown:
            problems.append("the restored database records migrations this code does not have: "
                            + ", ".join(restored.unknown))
        if restored.unapplied:
            self.stdout.write(self.style.WARNING(
                f"migrations: {len(restored.unapplied)} of this code not applied to the restored data; run "
                "`manage.py migrate`"))
        elif not restored.unknown:
            self.stdout.write("migrations: those recorded match the code")
        if problems:
            raise CommandError("the restored database does not match the backup: " + "; ".join(problems))
