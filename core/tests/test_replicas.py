"""The router's decisions (core.replicas): which database a read goes to, with a replica configured as a test
mirror of the primary (the same database, another connection). Real streaming replication, lag and a stopped
replica: core/tests/test_replication.py (marker `replica`)."""

import time

import pytest
import time_machine
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from core.replica_health import BEHIND, IN_USE, ReplicaState, replica_record
from core.replicas import (
    SESSION_KEY,
    ReplicaMiddleware,
    heavy_reads,
    lsn_parse,
    lsn_text,
    read_alias,
    streamed,
)
from orgunits.models import OrgUnit


def _add_alias(alias: str, **overrides) -> None:
    default = connections.settings["default"]
    connections.settings[alias] = {**default, **overrides, "TEST": {**default["TEST"], "MIRROR": "default"}}


def _drop_alias(alias: str) -> None:
    connections[alias].close()
    del connections.settings[alias]
    if hasattr(connections._connections, alias):
        delattr(connections._connections, alias)


@pytest.fixture(scope="module", autouse=True)
def _aliases(django_db_setup):
    """replica1: a mirror of the primary, as DATABASE_REPLICA_URLS makes each replica in a test run, for this
    module only, before its tests name it as a database they use. (A replica that is down:
    test_replicas_down.py.)"""
    if connections["default"].vendor == "postgresql":
        _add_alias("replica1")
    else:  # the shared in-memory database: a deferred transaction and reads that wait on no lock of the primary's
        _add_alias("replica1", OPTIONS={"init_command": "PRAGMA read_uncommitted = 1;"})
    yield
    _drop_alias("replica1")


pytestmark = pytest.mark.django_db(databases=["default", "replica1"])


@pytest.fixture
def replica(settings):
    settings.REPLICA_ALIASES = ["replica1"]
    return "replica1"


def test_without_a_replica_every_read_goes_to_the_primary():
    with heavy_reads():
        assert read_alias() == "default"
        assert OrgUnit.objects.all().db == "default"


def test_an_unmarked_read_goes_to_the_primary(replica):
    assert read_alias() == "default"
    assert OrgUnit.objects.all().db == "default"


def test_a_marked_read_goes_to_the_replica(replica):
    with heavy_reads():
        assert OrgUnit.objects.all().db == "replica1"
    assert OrgUnit.objects.all().db == "default"


def test_the_marker_works_as_a_decorator(replica):
    @heavy_reads()
    def count_query_db():
        return OrgUnit.objects.all().db

    assert count_query_db() == "replica1"


def test_a_marked_read_inside_a_transaction_goes_to_the_primary(replica):
    with heavy_reads(), transaction.atomic():
        assert OrgUnit.objects.all().db == "default"


def test_writes_go_to_the_primary_even_when_marked(replica):
    from django.db import router

    with heavy_reads():
        unit = OrgUnit(code="1", name="x", kind=OrgUnit.Kind.PROVINCE, path="1/", depth=1)
        assert router.db_for_write(OrgUnit, instance=unit) == "default"


def test_the_shared_cache_is_never_read_on_a_replica(replica):
    from django.core.cache.backends.db import BaseDatabaseCache
    from django.db import router

    cache_entry = BaseDatabaseCache("fangkong_cache", {}).cache_model_class
    with heavy_reads():
        assert router.db_for_read(cache_entry) == "default"


def test_a_replica_reported_behind_is_skipped_for_the_primary(replica):
    replica_record(ReplicaState("replica1", BEHIND, 45.0, None))
    with heavy_reads():
        assert read_alias() == "default"
        assert OrgUnit.objects.count() == 0  # the read is served, by the primary


def test_a_position_the_replica_has_not_replayed_sends_the_read_to_the_primary(replica):
    replica_record(ReplicaState("replica1", IN_USE, 0.0, lsn_parse("0/3000000")))
    with heavy_reads(min_lsn="0/3000100"):
        assert read_alias() == "default"
    with heavy_reads(min_lsn="0/2FFFF00"):
        assert read_alias() == "replica1"


def test_an_inner_block_keeps_the_outer_blocks_position(replica):
    replica_record(ReplicaState("replica1", IN_USE, 0.0, lsn_parse("0/3000000")))
    with heavy_reads(min_lsn="0/3000100"), heavy_reads():
        assert read_alias() == "default"


def _databases_read(count: int):
    """A generator reading `count` times, lazily: each read says the database it went to."""
    for _n in range(count):
        yield OrgUnit.objects.all().db


def test_rows_streamed_after_the_block_ended_are_read_on_its_replica(replica):
    with heavy_reads():
        plain, carried = _databases_read(2), streamed(_databases_read(2))
    assert list(plain) == ["default", "default"]  # read after the block: the primary
    first = next(carried)
    assert OrgUnit.objects.all().db == "default"  # nothing of the block left between two steps
    assert [first, *carried] == ["replica1", "replica1"]


def test_rows_streamed_for_a_request_that_may_not_use_a_replica_stay_on_the_primary(replica, cast):
    def view(request):
        with heavy_reads():
            return HttpResponse(b"".join(x.encode() for x in streamed(_databases_read(1))))

    read_at = ReplicaMiddleware(view)(_request("POST", cast.street_officer, {}))
    assert read_at.content == b"default"


def test_rows_streamed_outside_a_block_are_read_as_they_are(replica):
    assert list(streamed(_databases_read(1))) == ["default"]


def test_the_person_export_streams_its_rows_from_the_replica(replica, cast):
    from stdnum.cn import ric

    from persons.exporting import persons_export
    from persons.models import Person
    from persons.services import person_register

    body = "43130219900101123"
    person_register(data={"name": "张三", "doc_type": "resident_id", "doc_number": body + ric.calc_check_digit(body + "0"),
                          "phone": "13812345678", "address": "三元社区1栋", "grid": cast.grid_a.code}, by=None)
    with heavy_reads():  # as the export's view
        response = persons_export(user=cast.street_officer, qs=Person.objects.all(), fmt="csv", filters={})
    with CaptureQueriesContext(connections["replica1"]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        b"".join(response.streaming_content)  # the rows are read now, after the view returned
    assert any("persons_person" in q["sql"] for q in on_replica.captured_queries)
    assert not any("persons_person" in q["sql"] for q in on_primary.captured_queries)


def test_a_wal_position_reads_and_writes_back():
    assert lsn_parse("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert lsn_text(lsn_parse("16/B374D848")) == "16/B374D848"
    assert lsn_parse(None) is None and lsn_text(None) is None


# -- read-your-writes: the middleware ------------------------------------------------------------------------------

def _request(method: str, user, session: dict):
    request = RequestFactory().generic(method, "/")
    request.user = user

    class Session(dict):
        modified = False

    request.session = Session(session)
    if user.is_authenticated:  # a signed-in session names its user, as django.contrib.auth's login writes it
        request.session.setdefault("_auth_user_id", str(user.pk))
    return request


def _serve(request) -> str:
    """The database a marked read of the view serving `request` goes to."""
    seen = {}

    def view(req):
        with heavy_reads():
            seen["alias"] = read_alias()
        return HttpResponse("ok")

    ReplicaMiddleware(view)(request)
    return seen["alias"]


def test_a_reading_request_may_use_the_replica(replica, cast):
    assert _serve(_request("GET", cast.street_officer, {})) == "replica1"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_writing_request_reads_the_primary(replica, cast, method):
    assert _serve(_request(method, cast.street_officer, {})) == "default"


def test_after_a_write_the_users_reads_stay_on_the_primary_for_the_window(replica, cast, settings):
    settings.READ_YOUR_WRITES_SECONDS = 10
    session: dict = {}
    with time_machine.travel("2020-02-10 09:00:00 +0800", tick=False):
        post = _request("POST", cast.street_officer, session)
        _serve(post)
        session = dict(post.session)
        assert session[SESSION_KEY] == time.time()
        assert _serve(_request("GET", cast.street_officer, session)) == "default"
    with time_machine.travel("2020-02-10 09:00:09 +0800", tick=False):
        assert _serve(_request("GET", cast.street_officer, session)) == "default"
    with time_machine.travel("2020-02-10 09:00:11 +0800", tick=False):
        assert _serve(_request("GET", cast.street_officer, session)) == "replica1"


def test_another_users_write_does_not_keep_this_user_on_the_primary(replica, cast):
    post = _request("POST", cast.street_officer, {})
    _serve(post)
    assert SESSION_KEY in post.session
    assert _serve(_request("GET", cast.grid_a_worker, {})) == "replica1"


def test_without_a_replica_the_middleware_leaves_the_session_alone(cast):
    post = _request("POST", cast.street_officer, {})
    _serve(post)
    assert SESSION_KEY not in post.session



# -- read-your-writes for API token clients (no session to keep the time in) ---------------------------------------

def _token_request(method: str, key: str):
    from django.contrib.auth.models import AnonymousUser

    request = _request(method, AnonymousUser(), {})
    request.META["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return request


def _serve_api(request) -> str:
    """The database a marked read of an API operation serving `request` goes to: the token is checked inside the
    view, as django-ninja does."""
    from accounts.api import TokenAuth

    seen = {}

    def view(req):
        assert TokenAuth()(req) is not None
        with heavy_reads():
            seen["alias"] = read_alias()
        return HttpResponse("ok")

    ReplicaMiddleware(view)(request)
    return seen["alias"]


def test_after_an_api_write_the_token_clients_reads_stay_on_the_primary_for_the_window(replica, cast, settings):
    from accounts.services import token_create

    settings.READ_YOUR_WRITES_SECONDS = 10
    _token, key = token_create(user=cast.street_officer, name="接口")
    _other, other_key = token_create(user=cast.grid_a_worker, name="接口")
    with time_machine.travel("2020-02-10 09:00:00 +0800", tick=False):
        assert _serve_api(_token_request("GET", key)) == "replica1"
        post = _token_request("POST", key)
        _serve_api(post)
        assert SESSION_KEY not in post.session  # no session of its own: the token's requests share none
        assert _serve_api(_token_request("GET", key)) == "default"
        assert _serve_api(_token_request("GET", other_key)) == "replica1"  # another user's write is not theirs
    with time_machine.travel("2020-02-10 09:00:09 +0800", tick=False):
        assert _serve_api(_token_request("GET", key)) == "default"
    with time_machine.travel("2020-02-10 09:00:11 +0800", tick=False):
        assert _serve_api(_token_request("GET", key)) == "replica1"


def test_an_api_token_clients_write_leaves_no_session_behind(replica, cast, client):
    from django.contrib.sessions.models import Session
    from stdnum.cn import ric

    from accounts.services import token_create

    _token, key = token_create(user=cast.street_officer, name="接口")
    body = "43130219900101124"
    before = Session.objects.count()
    response = client.post("/api/persons", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}",
                           data={"name": "李四", "doc_number": body + ric.calc_check_digit(body + "0"),
                                 "phone": "13812345678", "address": "三元社区1栋", "grid": cast.grid_a.code})
    assert response.status_code == 201, response.content
    assert Session.objects.count() == before
    assert "sessionid" not in response.cookies
