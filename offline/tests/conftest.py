"""The offline app's fixtures: a grid worker of each community, people under management in grids A and B, a phone
registered through the API, and its calls with the device headers."""

import datetime as dt
import json
import uuid
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Role
from core.tests.catalog import catalog_compile
from persons import services as person_services
from persons.models import ManagementStatus
from persons.tests.conftest import resident_id


@pytest.fixture(scope="session", autouse=True)
def _chinese_catalog():
    catalog_compile()


@pytest.fixture
def grid_b_worker(cast):
    user = User.objects.create_user(username="grid_b", password="Test-password-2020", full_name="月塘网格员")
    Membership.objects.create(user=user, role=Role.GRID_WORKER, unit=cast.grid_b, unit_path=cast.grid_b.path)
    return user


def managed(name: str, seq: int, grid, *, status: str = "home_quarantine", phone: str = "13812345678"):
    """A person of `grid` under `status` since two days ago (daily checks due), registered by the system."""
    person = person_services.person_register(data={"name": name, "doc_type": "resident_id",
                                                   "doc_number": resident_id(seq=seq), "phone": phone,
                                                   "address": "一栋", "grid": grid.code}, by=None)
    person_services.status_set(person=person, status=ManagementStatus.objects.get(code=status),
                               start=timezone.now() - dt.timedelta(days=2), by=None)
    return person


@pytest.fixture
def world(cast):
    return SimpleNamespace(a=managed("张三", 101, cast.grid_a), a2=managed("李四", 102, cast.grid_a),
                           b=managed("月塘居民", 201, cast.grid_b))


class Phone:
    """A phone of `user`: its session, its device key and token, its calls with the device headers."""

    def __init__(self, user, *, client: Client | None = None):
        self.user = user
        self.client = client or Client()
        if client is None:
            self.client.force_login(user)
        self.key = str(uuid.uuid4())
        self.token = ""

    def register(self, label: str = "Mozilla/5.0 (Linux; Android 10) 测试手机"):
        response = self.client.post("/api/offline/devices", json.dumps({"device": self.key, "label": label}),
                                    content_type="application/json")
        if response.status_code == 201:
            self.token = response.json()["token"]
        return response

    def headers(self) -> dict:
        return {"X-Offline-Device": self.key, "X-Offline-Token": self.token}

    def snapshot(self):
        return self.client.get("/api/offline/snapshot", headers=self.headers())

    def sync(self, writes: list[dict]):
        return self.client.post("/api/offline/sync", json.dumps({"writes": writes}), content_type="application/json",
                                headers=self.headers())


@pytest.fixture
def phone_of():
    def make(user, *, register: bool = True) -> Phone:
        phone = Phone(user)
        if register:
            assert phone.register().status_code == 201
        return phone
    return make


def write(kind: str, *, person=None, person_ref=None, seen=None, resolve=None, at=None, key=None, **data) -> dict:
    """A queued write as the phone sends it."""
    return {"key": key or str(uuid.uuid4()), "kind": kind, "at": (at or timezone.now()).isoformat(),
            "person": person, "person_ref": person_ref, "seen": seen, "resolve": resolve, "data": data}
