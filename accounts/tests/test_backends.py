"""accounts.backends.UserBackend: the signed-in user read in one plain statement, as Django's ModelBackend reads it;
and the sessions stored under Django's backend still signed in once migration 0003 has renamed it."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import UserBackend
from accounts.models import User

renaming = importlib.import_module("accounts.migrations.0003_sessions_backend_path")


def test_the_user_is_read_in_one_statement_as_django_s_backend_reads_it(cast):
    user = cast.street_officer
    user.language = "en"
    user.save()
    with CaptureQueriesContext(connection) as queries:
        read = UserBackend().get_user(str(user.pk))  # the session keeps the key as text
    assert len(queries) == 1
    expected = User.objects.get(pk=user.pk)
    assert [(f.attname, getattr(read, f.attname)) for f in User._meta.concrete_fields] == [
        (f.attname, getattr(expected, f.attname)) for f in User._meta.concrete_fields]
    assert read.is_active is True and read.last_login == expected.last_login


def test_an_unknown_inactive_or_malformed_key_reads_no_user(cast):
    User.objects.filter(pk=cast.grid_a_worker.pk).update(is_active=False)
    assert UserBackend().get_user(cast.grid_a_worker.pk) is None
    assert UserBackend().get_user(10 ** 9) is None
    assert UserBackend().get_user("x") is None


@pytest.mark.parametrize("migrated", [False, True])
def test_a_session_of_django_s_backend_stays_signed_in_once_migrated(cast, client, migrated):
    client.force_login(cast.street_officer, backend=renaming.DJANGO)
    if migrated:
        renaming.forward(apps, None)
    response = client.get("/persons/")
    assert response.status_code == (200 if migrated else 302)  # not listed any more: signed out, as Django does
    if migrated:
        renaming.backward(apps, None)
        assert client.get("/persons/").status_code == 302
        renaming.forward(apps, None)
        assert client.get("/persons/").status_code == 200
