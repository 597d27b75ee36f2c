import io

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """The demo city and its users, loaded once for the module and rolled back after it; each test runs in a
    transaction of its own inside it (the `db` fixture)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo_load", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)
