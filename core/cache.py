"""The shared cache (settings.CACHES["default"]): Django's database cache, one table every process and server reads,
with a write of one statement.

Django's DatabaseCache writes an entry with four statements in a transaction: it counts the whole table (to cull it
when over MAX_ENTRIES), looks the key up, then updates or inserts. The API's throttling writes its caller's window on
every request, so each API write paid for a scan of up to MAX_ENTRIES rows and the transaction's round trips. Here
`set` is one INSERT … ON CONFLICT DO UPDATE (PostgreSQL and SQLite alike, and atomic by itself), and the table is
counted for culling on one write in CULL_EVERY, on average: between two counts it may hold that many entries over
MAX_ENTRIES. Reads, add, touch and deletes are Django's.
"""

import base64
import datetime as dt
import pickle
import random

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from django.utils import timezone

CULL_EVERY = 100  # writes, on average, between two counts of the table


class SharedCache(DatabaseCache):
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        q = connection.ops.quote_name
        table = q(self._table)  # type: ignore[attr-defined]  # set by Django's BaseDatabaseCache
        key_column, value_column, expires_column = q("cache_key"), q("value"), q("expires")
        until = (dt.datetime.max if timeout is None
                 else dt.datetime.fromtimestamp(timeout, tz=dt.UTC if settings.USE_TZ else None))
        expires = connection.ops.adapt_datetimefield_value(until.replace(microsecond=0))
        # The column holds text: the pickled value in base64, as Django's own writes store it.
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        with connection.cursor() as cursor:
            if random.random() < 1 / CULL_EVERY:  # noqa: S311 (when to count, not a secret)
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                entries = cursor.fetchone()[0]
                if entries > self._max_entries:
                    cull = self._cull  # type: ignore[attr-defined]  # Django's DatabaseCache's
                    cull(db, cursor, timezone.now().replace(microsecond=0), entries)
            cursor.execute(
                f"INSERT INTO {table} ({key_column}, {value_column}, {expires_column}) VALUES (%s, %s, %s) "
                f"ON CONFLICT ({key_column}) DO UPDATE SET {value_column} = EXCLUDED.{value_column}, "
                f"{expires_column} = EXCLUDED.{expires_column}", [key, encoded, expires])
