"""The sessions stored before accounts.backends.UserBackend replaced Django's ModelBackend name the new backend, so that
nobody is signed out by the upgrade (django.contrib.auth.get_user refuses a session whose backend is not listed)."""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations

DJANGO = "django.contrib.auth.backends.ModelBackend"
OURS = "accounts.backends.UserBackend"


def _rename(apps, old: str, new: str) -> None:
    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.iterator(chunk_size=2000):
        data = store.decode(session.session_data)  # {} for data this key cannot read: left as it is
        if data.get(BACKEND_SESSION_KEY) == old:
            data[BACKEND_SESSION_KEY] = new
            Session.objects.filter(pk=session.pk).update(session_data=store.encode(data))


def forward(apps, _schema_editor) -> None:
    _rename(apps, DJANGO, OURS)


def backward(apps, _schema_editor) -> None:
    _rename(apps, OURS, DJANGO)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_alter_apitoken_created_at"), ("sessions", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
