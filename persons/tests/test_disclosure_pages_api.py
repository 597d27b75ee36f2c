"""Page and API show people by one rule (persons.disclosure): for the users of community A, every page and
endpoint that shows people — a case, its contacts and the people also there at the time, its transmission
chain, a contact, a follow-up, the people behind a report figure, a person's page, a gate's passages and fever
alerts — names nobody of community B (no name, document, phone or id), and shows A's people the same way on
the page as in the API."""

import datetime as dt
import json
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone, translation

from accounts.models import Membership, User
from accounts.roles import Role
from checkpoints import services as checkpoints
from orgunits.models import Site
from persons import services as persons
from persons.disclosure import OUTSIDE
from persons.identity import mask_doc, mask_phone
from persons.models import Category, ManagementStatus
from persons.tests.conftest import resident_id
from reports import services as reports
from reports.models import Form
from tracing import services as tracing
from tracing.models import Case, Exposure, FollowUp

TZ = dt.timezone(dt.timedelta(hours=8))
DAY = dt.date(2020, 5, 21)
NOW = dt.datetime(2020, 5, 21, 16, 30, tzinfo=TZ)  # after the reports' 15:00 cut-off
USERS_OF_A = ["grid_a_worker", "community_a_worker", "command_a"]


@pytest.fixture(autouse=True)
def _english_at_the_day():
    with translation.override("en"), time_machine.travel(NOW, tick=False):
        yield


def _user(username: str, *memberships) -> User:
    user = User.objects.create_user(username=username, password="Test-password-2020", full_name=username)
    for role, unit in memberships:
        Membership.objects.create(user=user, role=role, unit=unit, unit_path=unit.path)
    return user


def _at(hour: int, days_ago: int = 1) -> dt.datetime:
    return dt.datetime.combine(DAY - dt.timedelta(days=days_ago), dt.time(hour)).replace(tzinfo=TZ)


@pytest.fixture
def world(cast):
    """王芳 (A, confirmed) exposed 李明 (A) and 孙八 (B); 孙八 exposed 周九 (A); 赵红 (B, confirmed) exposed 李明
    too. 赵红 and 张三 (A) were at 三元社区东门卡点 while 王芳 was. At that gate 赵红 passed with a fever, 李明
    without. 人甲 (A) and 人乙 (B) came from Hubei today. A hotline lawyer of the city, and a user who reads the
    street's reports and works grid A."""
    officer = cast.street_officer

    def person(name, seq, grid, phone):
        return persons.person_register(data={"name": name, "doc_type": "resident_id", "grid": grid.code,
                                             "doc_number": resident_id(seq=seq), "phone": phone}, by=None)

    a = SimpleNamespace(wang=person("王芳", 601, cast.grid_a, "13800000601"),
                        li=person("李明", 602, cast.grid_a, "13800000602"),
                        zhou=person("周九", 603, cast.grid_a, "13800000603"),
                        zhang=person("张三", 604, cast.grid_a, "13800000604"),
                        jia=person("人甲", 605, cast.grid_a, "13800000605"))
    b = SimpleNamespace(zhao=person("赵红", 701, cast.grid_b, "13900000701"),
                        sun=person("孙八", 702, cast.grid_b, "13900000702"),
                        yi=person("人乙", 703, cast.grid_b, "13900000703"))
    case = tracing.case_register(person=a.wang, classification="confirmed", onset_date=DAY - dt.timedelta(days=3),
                                 at=_at(9), by=officer)
    case_b = tracing.case_register(person=b.zhao, classification="confirmed", at=_at(9), by=officer)
    contact = {"first_contact": DAY - dt.timedelta(days=2), "last_contact": DAY - dt.timedelta(days=1),
               "setting": "household", "proximity": "close", "certainty": "high"}
    from_wang = tracing.exposure_record(source=a.wang, exposed=a.li, data=contact, by=officer)
    from_zhao = tracing.exposure_record(source=b.zhao, exposed=a.li, data=contact, by=officer)
    to_sun = tracing.exposure_record(source=a.wang, exposed=b.sun, data=contact, by=officer)
    from_sun = tracing.exposure_record(source=b.sun, exposed=a.zhou, data=contact, by=officer)
    for who in (a.wang, b.zhao, a.zhang):
        tracing.visit_record(person=who, site=cast.site_a, start=_at(9), end=_at(11), by=officer)

    grid_gate = Site.objects.create(unit=cast.grid_a, unit_path=cast.grid_a.path, kind=Site.Kind.CHECKPOINT,
                                    name="三元一网格卡点")
    gate = checkpoints.checkpoint_create(site=grid_gate, name="东门", by=officer)
    checkpoints.passage_record(checkpoint=gate, direction="in", person=b.zhao, temperature=Decimal("39.5"),
                               at=timezone.now() - dt.timedelta(minutes=5), by=None)
    checkpoints.passage_record(checkpoint=gate, direction="in", person=a.li, temperature=Decimal("36.5"),
                               at=timezone.now() - dt.timedelta(minutes=4), by=None)

    reports.forms_seed()
    hubei, home = Category.objects.get(code="hubei"), ManagementStatus.objects.get(code="home_quarantine")
    for who in (a.jia, b.yi):
        persons.category_assign(person=who, category=hubei, start=_at(10, 0), by=None)
        persons.status_set(person=who, status=home, start=_at(10, 0), by=None)
    report = reports.submission_compute(form=Form.objects.get(code="hubei_wuhan_daily"), unit=cast.street, day=DAY,
                                        by=officer)
    return SimpleNamespace(
        a=a, b=b, case=case, case_b=case_b, gate=gate, report=report,
        from_wang=from_wang, from_zhao=from_zhao, to_sun=to_sun, from_sun=from_sun,
        lawyer=_user("lawyer_city", (Role.LAWYER, cast.city)),
        reader_a=_user("reader_a", (Role.LAWYER, cast.street), (Role.GRID_WORKER, cast.grid_a)))


# -- what may not be seen, and where ids are --------------------------------------------------------------

def _traces(person) -> list[str]:
    """Every way a person could be named: name, document and phone, unmasked or masked."""
    return [person.name, person.doc_number, mask_doc(person.doc_number), person.phone, mask_phone(person.phone)]


def _assert_page_names_none_of(page: str, people: list) -> None:
    for p in people:
        for trace in _traces(p):
            assert trace not in page, trace
        assert f"/persons/{p.pk}/" not in page


def _ids(body, key: str = "") -> list[int]:
    """The ids of people, cases and exposures anywhere in an answer: `person_id`, `case_id`, `exposure_id`,
    `ids`, and the `id` of a person's shape (under person, source, exposed)."""
    found = []
    if isinstance(body, dict):
        for k, v in body.items():
            if k in ("person_id", "case_id", "exposure_id") and v is not None:
                found.append((k, v))
            elif k == "id" and key in ("person", "source", "exposed") and v is not None:
                found.append(("person_id", v))
            elif k == "ids":
                found += [("person_id", i) for i in v]
            else:
                found += _ids(v, k)
    elif isinstance(body, list):
        for v in body:
            found += _ids(v, key)
    return found


def _assert_answer_names_none_of(body, people: list, *, cases=(), exposures=()) -> None:
    text = json.dumps(body, ensure_ascii=False)
    for p in people:
        for trace in _traces(p):
            assert trace not in text, trace
    ids = _ids(body)
    assert not {("person_id", p.pk) for p in people} & set(ids)
    assert not {("case_id", c.pk) for c in cases} & set(ids)
    assert not {("exposure_id", e.pk) for e in exposures} & set(ids)


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _api(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.json()


def _texts(page: str, attribute: str) -> list[str]:
    """The text of each element carrying `attribute`, its inner tags removed."""
    return [re.sub(r"<[^>]+>", "", inner).strip()
            for inner in re.findall(rf"<(\w+)[^>]*{attribute}[^>]*>(.*?)</\1>", page, re.S)
            for inner in [inner[1]]]


def _outside() -> str:
    """The placeholder as pages and answers give it (in Chinese, the interface's language)."""
    with translation.override("zh-hans"):
        return str(OUTSIDE)


# -- tracing -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", USERS_OF_A)
def test_users_of_a_see_no_one_of_b_on_tracing_pages_and_answers(cast, world, client_for, who):
    client = client_for(getattr(cast, who))
    b, b_people = world.b, [world.b.zhao, world.b.sun, world.b.yi]
    hidden_rows = {"cases": [world.case_b], "exposures": [world.to_sun]}
    follow_up = FollowUp.objects.get(person=world.a.li)
    pages = [f"/tracing/cases/{world.case.pk}/", f"/tracing/cases/{world.case.pk}/chain/",
             f"/tracing/contacts/{world.from_zhao.pk}/", f"/tracing/contacts/{world.from_sun.pk}/",
             f"/tracing/follow-up/{follow_up.pk}/", "/tracing/follow-up/", "/tracing/stays/"]
    for url in pages:
        _assert_page_names_none_of(_page(client, url), b_people)
    answers = [f"/api/cases/{world.case.pk}", f"/api/cases/{world.case.pk}/contacts",
               f"/api/cases/{world.case.pk}/chain", f"/api/exposures/{world.from_zhao.pk}",
               f"/api/exposures/{world.from_sun.pk}", "/api/exposures", f"/api/follow-ups/{follow_up.pk}",
               "/api/follow-ups", "/api/cases"]
    for url in answers:
        _assert_answer_names_none_of(_api(client, url), b_people, **hidden_rows)
    assert b.zhao.name not in _page(client, f"/tracing/cases/{world.case.pk}/")


@pytest.mark.parametrize("who", USERS_OF_A)
def test_the_case_page_and_its_answer_show_the_case_the_same_way(cast, world, client_for, who):
    client = client_for(getattr(cast, who))
    page = _page(client, f"/tracing/cases/{world.case.pk}/")
    person = _api(client, f"/api/cases/{world.case.pk}")["person"]
    assert person["name"] == "王芳" and person["id"] == world.a.wang.pk
    assert _texts(page, "data-doc") == [person["doc_number"]]
    assert _texts(page, "data-phone") == [person["phone"]]
    full = who != "command_a"  # the command centre sees documents and phones masked
    assert (person["doc_number"] == world.a.wang.doc_number) is full
    assert person["doc_number"] in (world.a.wang.doc_number, mask_doc(world.a.wang.doc_number))


def test_also_there_at_the_time_names_only_people_of_the_workers_area(cast, world, client_for):
    """赵红 of 月塘社区 was at the gate with 王芳: the grid worker of 三元社区 sees that someone else was there,
    not who (as the transmission chain shows her); 张三 of their own grid is named."""
    page = _page(client_for(cast.grid_a_worker), f"/tracing/cases/{world.case.pk}/")
    candidates = sorted(re.sub(r"\s+\d\d-\d\d \d\d:\d\d$", "", c) for c in _texts(page, 'class="tag candidate"'))
    assert candidates == sorted(["张三", _outside()]) and "赵红" not in page
    officer = _page(client_for(cast.street_officer), f"/tracing/cases/{world.case.pk}/")
    assert "赵红" in officer  # the street officer's area holds both communities


@pytest.mark.parametrize("who", USERS_OF_A)
def test_the_chain_page_and_answer_name_the_same_people_and_give_no_ids_of_the_masked(cast, world, client_for,
                                                                                        who):
    client = client_for(getattr(cast, who))
    page = _page(client, f"/tracing/cases/{world.case.pk}/chain/")
    body = _api(client, f"/api/cases/{world.case.pk}/chain")
    svg = page[page.index("<svg"):page.index("</svg>")]
    drawn = set(re.findall(r'<text class="name"[^>]*>([^<]*)</text>', svg))
    named = {n["person"]["name"] for n in body["nodes"] if n["person"]["in_scope"]}
    assert named == {"王芳", "李明", "周九"} and named <= drawn
    masked = [n for n in body["nodes"] if not n["person"]["in_scope"]]
    assert len(masked) == 2 and all(n["person"]["id"] is None and n["case_id"] is None
                                    and n["exposure_id"] is None and n["url"] is None for n in masked)
    keys = {n["key"] for n in body["nodes"]}
    assert all(e["source"] in keys and e["exposed"] in keys for e in body["edges"])  # the masked stay connected
    assert len(body["edges"]) == 4


@pytest.mark.parametrize("who", USERS_OF_A)
def test_a_contact_page_and_its_answer_mask_the_source_alike(cast, world, client_for, who):
    """李明 was exposed by 赵红 of 月塘社区: his page and /api/exposures/<id> name her the way the chain does."""
    client = client_for(getattr(cast, who))
    for exposure, source in ((world.from_zhao, None), (world.from_wang, "王芳")):
        page = _page(client, f"/tracing/contacts/{exposure.pk}/")
        body = _api(client, f"/api/exposures/{exposure.pk}")
        assert body["source"]["name"] == (source or "") and (body["source"]["id"] is None) == (source is None)
        assert _texts(page, "data-source") == [source or _outside()]
        assert _texts(page, "data-doc") == [body["exposed"]["doc_number"]]
    follow_up = FollowUp.objects.get(person=world.a.li)
    page = _page(client, f"/tracing/follow-up/{follow_up.pk}/")
    assert _outside() in page and "王芳" in page


# -- reports -----------------------------------------------------------------------------------------------

def _cell(client, world) -> tuple[str, dict]:
    url = f"/reports/s/{world.report.pk}/cell/__total__/managed/"
    return _page(client, url), _api(client, f"/api/reports/submissions/{world.report.pk}/cells/__total__/managed")


def test_a_report_cell_gives_a_lawyer_no_ids_as_its_page_names_no_one(cast, world, client_for):
    page, body = _cell(client_for(world.lawyer), world)
    assert body["count"] == 2 and body["ids"] == [] and body["hidden"] == 2
    assert re.findall(r'data-id="(\d+)"', page) == [] and 'data-hidden="2"' in page
    _assert_page_names_none_of(page, [world.a.jia, world.b.yi])


def test_a_report_cell_gives_the_ids_its_page_lists(cast, world, client_for):
    page, body = _cell(client_for(world.reader_a), world)
    assert body["ids"] == [world.a.jia.pk] and body["hidden"] == 1
    assert re.findall(r'data-id="(\d+)"', page) == [str(world.a.jia.pk)] and "人甲" in page
    assert 'data-hidden="1"' in page
    _assert_page_names_none_of(page, [world.b.yi])
    _assert_answer_names_none_of(body, [world.b.yi])
    page, body = _cell(client_for(cast.street_officer), world)
    assert sorted(body["ids"]) == sorted(int(i) for i in re.findall(r'data-id="(\d+)"', page))
    assert body["hidden"] == 0 and len(body["ids"]) == 2


# -- a person's page: their changes to all, who viewed them to the audit log's readers --------------------------

def test_a_grid_worker_sees_the_changes_to_a_person_but_not_who_viewed_them(cast, world, client_for):
    client_for(cast.street_officer).get(f"/api/persons/{world.a.li.pk}")  # "贺英 · viewed · the API"
    page = _page(client_for(cast.grid_a_worker), f"/persons/{world.a.li.pk}/")
    assert 'data-action="create"' in page and 'data-action="view"' not in page and 'id="accesses"' not in page
    assert "street_officer" not in page[page.index('class="card changes"'):]  # 李明 was registered by the system
    command = _page(client_for(cast.command_a), f"/persons/{world.a.li.pk}/")  # audit.view over 三元社区
    accesses = command[command.index('id="accesses"'):]
    assert re.search(r'data-action="view">[^<]*street_officer', accesses) and 'id="access-log-link"' in command
    assert 'data-action="view"' not in command[:command.index('id="accesses"')]


# -- the gate ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", USERS_OF_A)
def test_a_gates_passages_and_alerts_name_no_one_of_b_and_agree_with_the_api(cast, world, client_for, who):
    client = client_for(getattr(cast, who))
    b_people = [world.b.zhao]
    log = _page(client, f"/checkpoints/{world.gate.pk}/log/")
    passages = _api(client, f"/api/checkpoints/{world.gate.pk}/passages")
    alerts = _api(client, "/api/checkpoint-alerts")
    for page in (log, _page(client, f"/checkpoints/{world.gate.pk}/"), _page(client, "/checkpoints/"),
                 _page(client, f"/checkpoints/alerts/live/?checkpoint={world.gate.pk}"),
                 _page(client, f"/checkpoints/alerts/{alerts[0]['id']}/")):
        _assert_page_names_none_of(page, b_people)
    for body in (passages, alerts, _api(client, f"/api/checkpoint-alerts/{alerts[0]['id']}")):
        _assert_answer_names_none_of(body, b_people)
    assert [p["name"] for p in passages] == ["李明", _outside()]
    assert [p["person_id"] for p in passages] == [world.a.li.pk, None]
    table = log[log.index('class="passage-log"'):]
    rows = re.findall(r"<td>\d\d:\d\d:\d\d</td>\s*<td>([^<]*)", table[:table.index("</table>")])
    assert rows == [p["name"] for p in passages]
    assert [a["who"] for a in alerts] == [_outside()] and alerts[0]["person_id"] is None
    live = _page(client, f"/checkpoints/alerts/live/?checkpoint={world.gate.pk}")
    assert f"<strong>{_outside()}</strong>" in live


def test_the_street_officer_sees_both_communities_named(cast, world, client_for):
    client = client_for(cast.street_officer)
    passages = _api(client, f"/api/checkpoints/{world.gate.pk}/passages")
    assert [p["name"] for p in passages] == ["李明", "赵红"]
    chain = _api(client, f"/api/cases/{world.case.pk}/chain")
    assert all(n["person"]["in_scope"] for n in chain["nodes"])
    assert Case.objects.count() == 2 and Exposure.objects.count() == 4
