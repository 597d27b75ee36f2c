import datetime as dt
import re

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from intake import guard, services
from persons.tests.conftest import resident_id

_CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')


def answer_of(signed: str) -> str:
    data = signing.loads(signed, salt=guard.CHALLENGE_SALT)
    return str(data["a"] + data["b"])


def challenge_in(response) -> str:
    return _CHALLENGE.search(response.content.decode()).group(1)


def declaration_fields(**overrides) -> dict:
    data = {"reporter": "self", "name": "刘晓", "doc_type": "resident_id", "doc_number": resident_id(seq=371),
            "phone": "13907381234", "address": "三元社区5栋302", "origin": "湖北省武汉市",
            "arrived_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(), "symptoms": [],
            "note": "", "website": ""}
    data.update(overrides)
    return data


@pytest.fixture(scope="session", autouse=True)
def _chinese_catalog():
    """The pages here are read in Chinese: the catalog compiled as `make messages` does."""
    from core.tests.catalog import catalog_compile

    catalog_compile()


@pytest.fixture(autouse=True)
def _quick_forms(settings):
    """Forms may be sent back at once in these tests (test_abuse.py checks the minimum fill time itself)."""
    settings.INTAKE_MIN_FILL_SECONDS = 0


@pytest.fixture
def poster_a(cast):
    """The poster of community A (三元社区), made by its worker."""
    return services.poster_create(unit=cast.community_a, by=cast.community_a_worker)


@pytest.fixture
def declare():
    """declare(token, client=None, **fields): the public page opened, then sent as a resident would; the answer."""
    def send(token, client=None, *, answer=None, **fields):
        client = client or Client()
        page = client.get(f"/i/d/{token}/")
        if page.status_code != 200:
            return page
        signed = challenge_in(page)
        data = declaration_fields(**fields)
        data.update(challenge=signed, answer=answer_of(signed) if answer is None else answer)
        return client.post(f"/i/d/{token}/", data)
    return send


def receipt_in(response) -> str:
    return re.search(r'id="receipt">([^<]+)<', response.content.decode()).group(1)
