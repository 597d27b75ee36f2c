import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from stdnum.cn import ric

from persons import importing, services
from persons.models import Category, ImportJob, ManagementStatus

TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: str, hour: int = 9) -> dt.datetime:
    """That hour of `day` (2020-02-03) in Beijing time."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


def cat(code: str) -> Category:
    return Category.objects.get(code=code)


def status(code: str) -> ManagementStatus:
    return ManagementStatus.objects.get(code=code)


def resident_id(region: str = "431302", birth: dt.date = dt.date(1990, 1, 1), seq: int = 123) -> str:
    """A valid resident ID number (GB 11643 check digit) for tests."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def person_data(cast):
    """Raw registration data for a person in grid A."""
    def make(**overrides):
        data = {"name": "张三", "doc_type": "resident_id", "doc_number": resident_id(seq=123),
                "phone": "13812345678", "address": "三元社区1栋", "grid": cast.grid_a.code}
        data.update(overrides)
        return data
    return make


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """run(content, by=…, unit=…, name=…): create the job as a page would; the task runs when it commits."""
    def go(content: bytes, *, by, unit, name="people.csv", **options) -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = importing.import_job_create(unit=unit, uploaded_file=ContentFile(content, name=name), filename=name,
                                              by=by, **options)
        job.refresh_from_db()
        return job
    return go


@pytest.fixture
def people(cast, person_data):
    """张三 in grid A and 李四 in grid B, registered by the system."""
    a = services.person_register(data=person_data(), by=None)
    b = services.person_register(data=person_data(name="李四", doc_number=resident_id(seq=222), phone="13900001111",
                                                  grid=cast.grid_b.code), by=None)
    return a, b
