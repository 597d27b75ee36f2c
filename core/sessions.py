"""SESSION_ENGINE: the sessions in the database, kept as django.contrib.sessions.backends.db keeps them, read by one
plain statement.

Every request that carries a session cookie reads its session first, and building the ORM's
`Session.objects.get(session_key=..., expire_date__gt=now)` costs more than running it. `load()` runs that statement
as written text instead, on the database the router names for sessions, with the time passed as the ORM passes a
DateTimeField's value (the backend's own adaptation); everything else (creating, saving, deleting, clearing the
expired) is Django's."""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def load(self):
        if self.session_key is None:  # no cookie, or one that is not a session key
            return {}
        table = self.model._meta.db_table
        connection = connections[router.db_for_read(self.model)]
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT "session_data" FROM "{table}" WHERE "session_key" = %s AND "expire_date" > %s',
                           [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:  # unknown or expired: a new key when something is stored, as Django's store does
            self._session_key = None
            return {}
        return self.decode(row[0])
