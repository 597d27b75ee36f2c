"""The administrators' page of the read replicas (/audit/replicas/) and `manage.py replicas`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from core.replica_health import BEHIND, DOWN, ReplicaState, replica_describe
from core.tests.test_replicas import _aliases  # noqa: F401  (replica1, a mirror of the primary, for this module)

pytestmark = pytest.mark.django_db(databases=["default", "replica1"])


@pytest.fixture
def replica(settings):
    settings.REPLICA_ALIASES = ["replica1"]
    return "replica1"


def test_a_street_officer_cannot_open_the_replicas_page(cast, client_for, replica):
    assert client_for(cast.street_officer).get(reverse("audit:replicas")).status_code == 403


def test_a_grid_worker_cannot_open_the_replicas_page(cast, client_for, replica):
    assert client_for(cast.grid_a_worker).get(reverse("audit:replicas")).status_code == 403


def test_signing_in_is_needed_for_the_replicas_page(client, replica):
    response = client.get(reverse("audit:replicas"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_administrator_reads_each_replicas_lag_and_state(cast, client_for, replica):
    text = client_for(cast.city_admin).get(reverse("audit:replicas")).content.decode()
    assert "只读副本" in text and "replica1" in text
    assert "0.0 秒" in text and "使用中：读取走此副本" in text


def test_the_administrator_reads_that_no_replica_is_configured(cast, client_for):
    text = client_for(cast.city_admin).get(reverse("audit:replicas")).content.decode()
    assert "未配置只读副本" in text


def test_a_replica_skipped_says_why_in_chinese_and_english():
    behind = ReplicaState("replica2", BEHIND, 45.25, 0x3000060, "10.0.0.2:5432/fangkong")
    down = ReplicaState("replica3", DOWN, None, None, "10.0.0.3:5432/fangkong")
    with translation.override("zh-hans"):
        assert replica_describe(behind) == {"alias": "replica2", "host": "10.0.0.2:5432/fangkong",
                                            "lag": "45.2 秒", "position": "0/3000060", "state": "已跳过：落后"}
        assert replica_describe(down)["state"] == "已跳过：不可用" and replica_describe(down)["lag"] == "未知"
    with translation.override("en"):
        assert replica_describe(down)["state"] == "skipped: down"


def test_the_command_prints_what_the_page_shows(replica):
    out = StringIO()
    with translation.override("en"):
        call_command("replicas", stdout=out)
    assert out.getvalue().split("\t")[0] == "replica1" and "in use: reads go to it" in out.getvalue()
