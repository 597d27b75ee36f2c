"""Every write whose body names an object — a person, case, user, unit, site… by id, document number, code or user
name — looks it up through the caller's scope for the action (DESIGN invariant 8). The write operations of the
API (from its OpenAPI document) and the pages that take a POST (from their forms and the POST keys they read) are
walked, and every body field that names an object by the look of its name must be listed in BODY_REFERENCES: a
new one fails here until it is. Listed with a probe, the field is tried by each user of community A with
community B's object, with one that does not exist and with their own: B's is answered exactly as the missing
one (status, code, message, with what was typed taken out), the answer names nothing of B's, nothing is written
under B, and their own object is reached (the probe is not refused before the field is read).

Documents are the documented exception (one Person per real person): registering a document held outside the
caller's units is refused as `registered_elsewhere`, and a close contact registered there is referred to their
community (协查); both answer the same whoever holds the document, name no one and write nothing of the caller's
under B (the referral is B's own task)."""

import datetime as dt
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Role
from accounts.tests.test_scope_enumerated import USERS_OF_A
from core.fields import SEPARATOR
from fangkong.api import api
from intake import services as intake_services
from offline.tests import scope as offline
from orgunits.models import OrgUnit, Site
from persons import services as person_services
from persons.models import Person
from persons.tests.conftest import resident_id
from reports.tests import county_templates

MISSING_ID = 987654321
MISSING_DOC = resident_id(seq=999)
MISSING_GRID = "431302004099-99"
MISSING_UNIT = "431302004099"
B_WORDS = ["月塘"]  # every object of community B is named so, down to its people and its worker ("月塘干部")


# -- what is walked ---------------------------------------------------------------------------------------

REFERENCE_NAMES = {"code", "unit", "grid", "username", "user", "assignee", "observers", "coordinator", "site",
                   "person", "volunteer", "donor", "donation", "location", "source", "target", "recipient",
                   "hospital", "community", "household_head", "team", "member", "keep", "other", "remove",
                   "entries", "item", "account", "mapping", "category", "badge", "doc_number", "case", "who",
                   "request", "checkpoint", "device", "form", "follow_up", "task"}
REFERENCE_SUFFIX = re.compile(r"_(id|ids|code|unit|doc|number)$")
WRITES = re.compile(r"request\.POST|require_POST|method\s*==\s*[\"']POST")
POST_KEY = re.compile(r"request\.POST(?:\.get|\.getlist)?[\[(]\s*[\"'](\w+)[\"']")


def names_an_object(field: str) -> bool:
    """Whether a body field, by the look of its name, names an object (its last part: `lines[]item` → item)."""
    last = re.split(r"[.\[\]]+", field)[-1]
    return last in REFERENCE_NAMES or bool(REFERENCE_SUFFIX.search(last))


def _schema_fields(schema: dict, components: dict, prefix: str = ""):
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from _schema_fields(sub, components, prefix)
    if schema.get("type") == "array" and "items" in schema:
        yield from _schema_fields(schema["items"], components, prefix + "[]")
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}" if not prefix or prefix.endswith("[]") else f"{prefix}.{name}"
        yield path
        yield from _schema_fields(sub, components, path)


def api_body_references() -> set[tuple[str, str]]:
    """(operation, field) for every write operation of the API and every body field naming an object."""
    schema = api.get_openapi_schema()
    found = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            for content in operation.get("requestBody", {}).get("content", {}).values():
                for field in _schema_fields(content["schema"], schema["components"]["schemas"]):
                    if names_an_object(field):
                        found.add((f"{method.upper()} {path}", field))
    return found


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}", p.callback


def _source(func, seen: set) -> str:
    """A view's source with that of the functions of its module it calls (a shared form helper)."""
    func = inspect.unwrap(func)
    if func in seen:
        return ""
    seen.add(func)
    try:
        text = inspect.getsource(func)
    except (OSError, TypeError):
        return ""
    module = inspect.getmodule(func)
    for name in set(re.findall(r"(?<![.\w])([A-Za-z_]\w*)\s*\(", text)):
        called = getattr(module, name, None)
        if inspect.isfunction(called) and called.__module__ == module.__name__:
            text += _source(called, seen)
    return text


def page_body_references() -> set[tuple[str, str]]:
    """(URL name, field) for every page that takes a POST and every field of its forms, or POST key it reads,
    naming an object."""
    found = set()
    for route, name, callback in _walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/")):
            continue
        text = _source(callback, set())
        if not WRITES.search(text):
            continue
        module = inspect.getmodule(inspect.unwrap(callback))
        fields = set(POST_KEY.findall(text))
        for form_name in set(re.findall(r"\b([A-Z]\w*Form)\b", text)):
            form = getattr(module, form_name, None)
            if isinstance(form, type) and issubclass(form, forms.BaseForm):
                fields |= set(form.base_fields)
        found |= {(name, field) for field in fields if names_an_object(field)}
    return found


# -- the world: what community A's users work on, and community B's objects ---------------------------------

def _unit(code: str, name: str, kind: str, parent: OrgUnit) -> OrgUnit:
    return OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent, source="local",
                                  path=f"{parent.path}{code}{SEPARATOR}", depth=parent.depth + 1)


def _person(name: str, seq: int, grid: OrgUnit) -> Person:
    return person_services.person_register(data={"name": name, "doc_type": "resident_id",
                                                 "doc_number": resident_id(seq=seq), "grid": grid.code}, by=None)


def _world(cast) -> SimpleNamespace:
    from checkpoints import services as gates
    from reports.services import forms_seed
    from supplies import services as supplies
    from supplies.models import Donation, Donor, Item, Location
    from tracing import services as tracing
    from volunteers import services as teams

    User = get_user_model()
    w = SimpleNamespace(cast=cast)
    now = timezone.now()
    # Two more users of A: one with a street officer's powers over A only, and a hotline lawyer, so that the
    # write paths a grid worker does not reach (supplies, accounts, the hotline) are tried too.
    w.officer_a = User.objects.create_user(username="sanyuan_officer", password="Test-password-2020",
                                           full_name="三元信息员")
    Membership.objects.create(user=w.officer_a, role=Role.STREET_OFFICER, unit=cast.community_a,
                              unit_path=cast.community_a.path)
    w.lawyer_a = User.objects.create_user(username="sanyuan_lawyer", password="Test-password-2020",
                                          full_name="三元值班律师")
    Membership.objects.create(user=w.lawyer_a, role=Role.LAWYER, unit=cast.community_a,
                              unit_path=cast.community_a.path)
    other_grid = _unit("431302001001-01", "乐坪社区第一网格", OrgUnit.Kind.GRID, cast.other_street)
    # people
    w.person_a = _person("张三", 111, cast.grid_a)
    w.person_a2 = _person("张三丰", 112, cast.grid_a)
    w.person_b = _person("月塘居民", 222, cast.grid_b)
    w.person_c = _person("乐坪居民", 333, other_grid)
    # tracing
    w.case_a = tracing.case_register(person=_person("王芳", 101, cast.grid_a), classification="confirmed", by=None)
    w.exposure_a, _new = tracing.contact_add(
        source=w.case_a.person, by=None, person_data={"name": "李明", "doc_number": resident_id(seq=201),
                                                      "grid": cast.grid_a.code},
        exposure_data={"last_contact": timezone.localdate() - dt.timedelta(days=1)})
    w.task_a = tracing.task_create(kind="verify", person=w.person_a, due_at=now + dt.timedelta(hours=2), by=None)
    w.hospital_a = Site.objects.create(unit=cast.community_a, unit_path=cast.community_a.path,
                                       kind=Site.Kind.HOSPITAL, name="三元医院")
    w.hospital_b = Site.objects.create(unit=cast.community_b, unit_path=cast.community_b.path,
                                       kind=Site.Kind.HOSPITAL, name="月塘医院")
    # supplies
    w.n95 = Item.objects.get(code="mask-n95")
    w.store_a = supplies.location_create(unit=cast.community_a, kind=Location.Kind.COMMUNITY, name="三元物资点",
                                         by=None)
    w.store_b = supplies.location_create(unit=cast.community_b, kind=Location.Kind.COMMUNITY, name="月塘物资点",
                                         by=None)
    w.donor_a = supplies.donor_register(name="三元居民", kind=Donor.Kind.PERSON, unit=cast.community_a, by=None)
    w.donor_b = supplies.donor_register(name="月塘爱心居民", kind=Donor.Kind.PERSON, unit=cast.community_b, by=None)
    day = dt.date(2020, 5, 21)
    w.gift_a = supplies.donation_register(donor=w.donor_a, kind=Donation.Kind.GOODS, received_on=day,
                                          channel=Donation.Channel.DELIVERY, recipient=w.store_a,
                                          lines=[(w.n95, 100, 0)], by=None)
    w.gift_b = supplies.donation_register(donor=w.donor_b, kind=Donation.Kind.GOODS, received_on=day,
                                          channel=Donation.Channel.DELIVERY, recipient=w.store_b,
                                          lines=[(w.n95, 100, 0)], by=None)
    w.need_a = supplies.request_submit(location=w.store_a, item=w.n95, quantity=10, by=None)
    w.need_b = supplies.request_submit(location=w.store_b, item=w.n95, quantity=10, by=None)
    # front-line teams: a civilised unit of each community, with a person on a shift at its community's site
    w.org_a = teams.org_create(code="sanyuan-org", name="三元文明单位", level="city", unit=cast.community_a, by=None)
    w.org_b = teams.org_create(code="yuetang-org", name="月塘文明单位", level="city", unit=cast.community_b, by=None)
    w.volunteer_a = teams.volunteer_add(org=w.org_a, name="三元志愿者", by=None)
    teams.org_donor_link(org=w.org_a, donor=w.donor_a, by=None)  # a donor to unlink
    w.volunteer_b = teams.volunteer_add(org=w.org_b, name="月塘志愿者", by=None)
    start = now + dt.timedelta(days=1)
    for org, site, person in ((w.org_a, cast.site_a, w.volunteer_a), (w.org_b, cast.site_b, w.volunteer_b)):
        need = teams.need_post(site=site, post="checkpoint", title="值守", people=5,
                               slots=[(start, start + dt.timedelta(hours=4))], by=None)
        setattr(w, f"slot_{org.code[:2]}", need.slots.get())
        setattr(w, f"shift_{org.code[:2]}", teams.signup(slot=need.slots.get(), person=person, by=None, assign=True))
    # checkpoints: an enterprise in each community with a gate, a device, a team and a worker on it
    for side, community, worker, name in (("a", cast.community_a, w.person_a2, "三元企业"),
                                          ("b", cast.community_b, w.person_b, "月塘企业")):
        site = Site.objects.create(unit=community, unit_path=community.path, kind=Site.Kind.ENTERPRISE, name=name)
        gate = gates.checkpoint_create(site=site, name="大门", by=None)
        device, _key = gates.device_register(checkpoint=gate, code=f"{side.upper()}-01", by=None)
        team = gates.team_create(site=site, name="一班", by=None)
        gates.team_member_add(team=team, person=worker, badge=f"{side.upper()}0001", by=None)
        liaison = User.objects.create_user(username=f"liaison_{side}", password="Test-password-2020",
                                           full_name=f"{name[:2]}驻企联络员")
        Membership.objects.create(user=liaison, role=Role.LIAISON, unit=community, unit_path=community.path)
        setattr(w, f"enterprise_{side}", site)
        setattr(w, f"gate_{side}", gate)
        setattr(w, f"device_{side}", device)
        setattr(w, f"team_{side}", team)
    alert = gates.passage_record(checkpoint=w.gate_a, direction="in", code="A0001", temperature="39.0", by=None).alert
    alert.recheck_due_at = alert.raised_at
    alert.save(update_fields=["recheck_due_at"])
    w.incident_a = gates.alert_recheck(alert=alert, temperature="39.0", by=None).incident
    forms_seed()
    poster = intake_services.poster_create(unit=cast.community_a, by=None)  # a resident's declaration to confirm
    w.declaration_a = intake_services.declaration_submit(poster=poster, address="127.0.0.1", data={
        "name": "申报人", "doc_type": "resident_id", "doc_number": resident_id(seq=600), "phone": "13800000009",
        "address": "三元社区5栋", "origin": "湖北省武汉市", "arrived_on": timezone.localdate()})
    return w


@pytest.fixture
def world(cast):
    return _world(cast)


def _users_of_a(w) -> list:
    return [getattr(w.cast, name) for name in USERS_OF_A] + [w.officer_a, w.lawyer_a]


# -- what is compared --------------------------------------------------------------------------------------

def _b_counts(w) -> tuple[list[str], str, list]:
    """The counts _b_state reads, as one statement of scalar subqueries (built once for the world)."""
    b = w.cast.community_b.path
    User = get_user_model()
    b_users = list(User.objects.filter(memberships__unit_path__startswith=b).values_list("pk", flat=True))

    def naming_b(target, name: str) -> dict | None:
        if target is User:
            return {f"{name}__in": b_users}
        if target is OrgUnit:
            return {f"{name}__path__startswith": b}
        if any(f.name == "unit_path" for f in target._meta.concrete_fields):
            return {f"{name}__unit_path__startswith": b}
        return None

    keys, parts, params = [], [], []
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        conditions = {}
        if any(f.name == "unit_path" for f in model._meta.concrete_fields):
            conditions[label] = {"unit_path__startswith": b}
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is not None and (condition := naming_b(f.related_model, f.name)):
                conditions[f"{label}.{f.name}"] = condition
        for key, condition in conditions.items():
            sql, more = model._base_manager.filter(**condition).values("pk").query.sql_with_params()
            keys.append(key)
            parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted)")
            params.extend(more)
    return keys, "SELECT " + ", ".join(parts), params


def _b_state(w) -> dict:
    """Everything a write could leave under community B or pointing at its objects: per table, the rows under
    B's units, and per reference, the rows (anywhere) naming B's people, users, units, sites, stores…"""
    if not hasattr(w, "b_counts"):
        w.b_counts = _b_counts(w)
    keys, sql, params = w.b_counts
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        state = dict(zip(keys, cursor.fetchone(), strict=True))
    state["people of B"] = list(Person.objects.filter(unit_path__startswith=w.cast.community_b.path).order_by(
        "pk").values_list("pk", "version", "name", "doc_number", "grid_id", "household_head_id"))
    return state


def _typed_out(text: str, typed: Any) -> str:
    """`text` with the values the caller typed taken out (an id as a whole number, not a part of a date)."""
    for value in typed if isinstance(typed, list | tuple) else [typed]:
        if isinstance(value, int):
            text = re.sub(rf"(?<![\d\-:]){value}(?![\d\-:])", "<typed>", text)
        else:
            text = text.replace(str(value), "<typed>")
    return text


def _new_ids_out(body):
    """A write's answer without the ids of the objects it created (sequences move on in a rolled-back write on
    PostgreSQL, so two equal writes get different ids)."""
    if isinstance(body, dict):
        return {k: "<new>" if k == "id" else _new_ids_out(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_new_ids_out(v) for v in body]
    return body


def _said(response) -> list[str]:
    """Every word an answer says: an API answer's body; a page's messages and its forms' errors."""
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.loads(response.content)
        if 200 <= response.status_code < 300:
            body = _new_ids_out(body)
        return [json.dumps(body, ensure_ascii=False, sort_keys=True)]
    words = [str(m) for m in getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])]
    context = response.context
    for key in (context.keys() if context is not None else []):
        value = context[key]
        if isinstance(value, forms.BaseForm) and value.is_bound:
            words.append(json.dumps(value.errors, ensure_ascii=False, sort_keys=True))
    return words


TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?")


def _answer(response, typed) -> str:
    """What the caller learns: the status, where they are sent, every word said, with what they typed taken out
    (and the clock: a time stamped now)."""
    said = json.dumps([response.status_code, response.get("Location", ""), _said(response)], ensure_ascii=False)
    return _typed_out(TIMESTAMP.sub("<now>", said), typed)


# -- the probes ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Probe:
    """Send a write naming `value` in one field; `values(world)` gives B's object, a missing one and A's own."""

    send: Callable[[Any, SimpleNamespace, Any], Any]
    values: Callable[[SimpleNamespace], tuple]
    document: bool = False  # a document number: the missing one is one held in another street (see module doc)
    public: bool = False  # any unit may be named (its name is public): only no B name, and no write but the reference
    silent: bool = False  # the answer never says whether the reference matched (a device's batch): not compared


@dataclass(frozen=True)
class Why:
    """A field that names no object of a unit, and why."""

    reason: str


SHARED = Why("a shared definition, the same for every unit (catalogue item, category, status, import mapping, "
             "report form, knowledge entry): not an object of a unit")
NEW_CODE = Why("the code or name of the object being created; a taken one is refused as taken")
TEXT = Why("free text or a choice, not a reference: a unit of measure, where a price came from, who was told")
DEVICE_EVENT = Why("the device's own event number, unique per device; duplicates are answered per device")


def _api(client, method: str, url: str, body) -> Any:
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def J(method: str, url: Callable[[SimpleNamespace], str], body: Callable[[SimpleNamespace, Any], dict]):
    """A JSON API request."""
    return lambda client, w, value: _api(client, method, url(w), body(w, value))


def F(name: str, args: Callable[[SimpleNamespace], list], data: Callable[[SimpleNamespace, Any], dict]):
    """A page's form post."""
    return lambda client, w, value: client.post(reverse(name, args=args(w)), data(w, value))


def _today() -> str:
    return timezone.localdate().isoformat()


def _yesterday() -> str:
    return (timezone.localdate() - dt.timedelta(days=1)).isoformat()


def _later() -> str:
    return (timezone.now() + dt.timedelta(hours=3)).isoformat()


def _csv(text: str, name: str = "名单.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def ids(attribute: str) -> Callable:
    return lambda w: (getattr(w, f"{attribute}_b").pk, MISSING_ID, getattr(w, f"{attribute}_a").pk)


PERSON = ids("person")
DOC = lambda w: (w.person_b.doc_number, MISSING_DOC, w.person_a.doc_number)  # noqa: E731
DOC_HELD = lambda w: (w.person_b.doc_number, w.person_c.doc_number, w.person_a.doc_number)  # noqa: E731
GRID = lambda w: (w.cast.grid_b.code, MISSING_GRID, w.cast.grid_a.code)  # noqa: E731
UNIT = lambda w: (w.cast.community_b.code, MISSING_UNIT, w.cast.community_a.code)  # noqa: E731
SITE = lambda w: (w.cast.site_b.pk, MISSING_ID, w.cast.site_a.pk)  # noqa: E731
HOSPITAL = ids("hospital")  # also a site people are sent to under a status (a checkpoint is not)
USER = lambda w: (w.cast.community_b_worker.pk, MISSING_ID, w.cast.grid_a_worker.pk)  # noqa: E731
USERS = lambda w: ([w.cast.community_b_worker.pk], [MISSING_ID], [w.cast.grid_a_worker.pk])  # noqa: E731
USERNAME = lambda w: ("community_b", "nobody_here", "grid_a")  # noqa: E731
LIAISON = lambda w: ("liaison_b", "nobody_here", "liaison_a")  # noqa: E731
STORE = ids("store")
DONOR = ids("donor")
GIFT = ids("gift")
NEED = ids("need")
VOLUNTEER = ids("volunteer")
SHIFT = lambda w: (w.shift_yu.pk, MISSING_ID, w.shift_sa.pk)  # noqa: E731
TEAM = ids("team")
BADGE = lambda w: ("B0001", "Z9999", "A0001")  # noqa: E731
DEVICE = lambda w: (w.device_b.code, "NO-SUCH-01", w.device_a.code)  # noqa: E731

# Bodies valid but for the field tried, so that only its lookup can refuse them.
_contact = {"setting": "household", "proximity": "close", "certainty": "high"}


def _exposure(w, **fields) -> dict:
    return {"source_person_id": w.case_a.person_id, "last_contact": _yesterday(), **fields}


def _contact_form(w, **fields) -> dict:
    return {"name": "新密接", "doc_type": "resident_id", "doc_number": resident_id(seq=555),
            "grid": w.cast.grid_a.code, "last_contact": _yesterday(), **_contact, **fields}


def _person_json(w, **fields) -> dict:
    return {"name": "新登记", "doc_type": "resident_id", "doc_number": resident_id(seq=556),
            "grid": w.cast.grid_a.code, **fields}


def _person_form(w, **fields) -> dict:
    return {"name": "新登记", "doc_type": "resident_id", "doc_number": resident_id(seq=556),
            "grid": w.cast.grid_a.code, **fields}


def _arrival(w, **fields) -> dict:
    return {**_person_form(w), "category": "hubei", "status": "home_quarantine", **fields}


def _task(w, **fields) -> dict:
    return {"kind": "verify", "priority": 4, "person_id": w.person_a.pk, "due_at": _later(), **fields}


def _task_form(w, **fields) -> dict:
    return {"kind": "verify", "priority": 4, "doc_number": w.person_a.doc_number,
            "due_at": timezone.localtime(timezone.now() + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            **fields}


def _visit(w, **fields) -> dict:
    now = timezone.now()
    return {"place": "菜市场", "start": (now - dt.timedelta(hours=5)).isoformat(),
            "end": (now - dt.timedelta(hours=4)).isoformat(), **fields}


def _visit_form(w, **fields) -> dict:
    now = timezone.localtime()
    return {"place": "菜市场", "start": (now - dt.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
            "end": (now - dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"), **fields}


def _voucher(w, **fields) -> dict:
    return {"kind": "transfer", "occurred_on": _today(), "source_id": w.store_a.pk, "target_id": w.store_a.pk,
            "lines": [{"item": "mask-n95", "quantity": "1"}], **fields}


def _reading(w, **fields) -> list:
    return [{"device_id": w.device_a.code, "event_id": "e-1", "time": timezone.now().isoformat(),
             "temperature": 36.5, **fields}]


def _import_job(w, unit) -> dict:
    return {"unit": unit, "file": _csv(f"姓名,证件号码,网格编码\n新登记,{resident_id(seq=557)},{w.cast.grid_a.code}\n")}


def _contact_import(w, unit) -> dict:
    return {"unit": unit, "file": _csv(f"姓名,证件号码,末次接触日期\n新密接,{resident_id(seq=558)},{_yesterday()}\n")}


def _template_forms(w) -> SimpleNamespace:
    """A county template of A's and one of B's, each made its community's own form (made once, when first asked)."""
    if not hasattr(w, "templates"):
        from reports.layouts import services as layouts

        made = {}
        for side, unit in (("a", w.cast.community_a), ("b", w.cast.community_b)):
            template = layouts.template_upload(content=county_templates.merged_rows(), name="县里模板.xlsx", unit=unit,
                                               by=w.cast.city_admin)
            version = layouts.template_form_make(template=template, sheet="涉鄂涉汉日报", form=None,
                                                 effective_from=dt.date(2020, 5, 21), by=w.cast.city_admin)
            made[f"template_{side}"], made[f"form_{side}"] = template, version.form.code
        w.templates = SimpleNamespace(**made)
    return w.templates


TEMPLATE_FORM = lambda w: (_template_forms(w).form_b, "no_such_form", _template_forms(w).form_a)  # noqa: E731
A_PERSON = lambda w: [w.person_a.pk]  # noqa: E731
A_CASE = lambda w: [w.case_a.pk]  # noqa: E731
A_ORG = lambda w: [w.org_a.pk]  # noqa: E731
NO_ARGS = lambda w: []  # noqa: E731

BODY_REFERENCES: dict[str, dict[str, Probe | Why]] = {
    # -- the line list
    "POST /api/persons": {
        "doc_number": Probe(J("post", lambda w: "/api/persons", lambda w, v: _person_json(w, doc_number=v)),
                            DOC_HELD, document=True),
        "grid": Probe(J("post", lambda w: "/api/persons", lambda w, v: _person_json(w, grid=v)), GRID),
        "household_head": Probe(J("post", lambda w: "/api/persons",
                                  lambda w, v: _person_json(w, household_head=v)), DOC),
    },
    "PATCH /api/persons/{person_id}": {
        "doc_number": Probe(J("patch", lambda w: f"/api/persons/{w.person_a.pk}",
                              lambda w, v: {"version": 1, "doc_number": v}), DOC_HELD, document=True),
        "grid": Probe(J("patch", lambda w: f"/api/persons/{w.person_a.pk}", lambda w, v: {"version": 1, "grid": v}),
                      lambda w: (w.cast.grid_b.code, MISSING_GRID, w.cast.community_a.code)),
        "household_head": Probe(J("patch", lambda w: f"/api/persons/{w.person_a2.pk}",
                                  lambda w, v: {"version": 1, "household_head": v}), DOC),
    },
    "POST /api/persons/{person_id}/categories": {"category": SHARED},
    "POST /api/persons/{person_id}/categories/end": {"category": SHARED},
    "POST /api/persons/{person_id}/status": {
        "site_id": Probe(J("post", lambda w: f"/api/persons/{w.person_a.pk}/status",
                           lambda w, v: {"status": "central_quarantine", "site_id": v}), HOSPITAL),
    },
    "POST /api/person-imports": {
        "mapping": SHARED,
        "unit": Probe(lambda client, w, v: client.post("/api/person-imports", _import_job(w, v)), UNIT),
    },
    "persons:create": {
        "doc_number": Probe(F("persons:create", NO_ARGS, lambda w, v: _person_form(w, doc_number=v)), DOC_HELD,
                            document=True),
        "grid": Probe(F("persons:create", NO_ARGS, lambda w, v: _person_form(w, grid=v)), GRID),
        "household_head": Probe(F("persons:create", NO_ARGS, lambda w, v: _person_form(w, household_head=v)), DOC),
    },
    "persons:edit": {
        "doc_number": Probe(F("persons:edit", A_PERSON, lambda w, v: _person_form(
            w, name="张三", doc_number=v, version=w.person_a.version)), DOC_HELD, document=True),
        "grid": Probe(F("persons:edit", A_PERSON, lambda w, v: _person_form(
            w, name="张三", doc_number=w.person_a.doc_number, grid=v, version=w.person_a.version)), GRID),
        "household_head": Probe(F("persons:edit", A_PERSON, lambda w, v: _person_form(
            w, name="张三", doc_number=w.person_a.doc_number, household_head=v, version=w.person_a.version)), DOC),
    },
    "persons:duplicate_resolve": {
        "keep": Probe(F("persons:duplicate_resolve", NO_ARGS, lambda w, v: {
            "keep": v, "other": w.person_a2.pk, "action": "dismiss"}), PERSON),
        "other": Probe(F("persons:duplicate_resolve", NO_ARGS, lambda w, v: {
            "keep": w.person_a2.pk, "other": v, "action": "dismiss"}), PERSON),
    },
    "POST /api/persons/{person_id}/grid": {
        "grid": Probe(J("post", lambda w: f"/api/persons/{w.person_a.pk}/grid", lambda w, v: {"grid": v}), GRID),
    },
    "POST /api/persons/merges": {
        "keep_id": Probe(J("post", lambda w: "/api/persons/merges", lambda w, v: {
            "keep_id": v, "drop_id": w.person_a2.pk}), PERSON),
        "drop_id": Probe(J("post", lambda w: "/api/persons/merges", lambda w, v: {
            "keep_id": w.person_a2.pk, "drop_id": v}), PERSON),
    },
    "POST /api/persons/duplicate-dismissals": {
        "first_id": Probe(J("post", lambda w: "/api/persons/duplicate-dismissals", lambda w, v: {
            "first_id": v, "second_id": w.person_a2.pk}), PERSON),
        "second_id": Probe(J("post", lambda w: "/api/persons/duplicate-dismissals", lambda w, v: {
            "first_id": w.person_a2.pk, "second_id": v}), PERSON),
    },
    "persons:import_create": {
        "mapping": SHARED,
        "unit": Probe(lambda client, w, v: client.post(reverse("persons:import_create"), _import_job(w, v)), UNIT),
        "unit_code": Probe(lambda client, w, v: client.post(reverse("persons:import_create"), {
            **_import_job(w, ""), "unit_code": v}), UNIT),
    },
    "persons:awaiting_grid": {  # 待分配网格: a person placed in their community by a street's sheet gets a grid
        "person": Probe(F("persons:awaiting_grid", NO_ARGS, lambda w, v: {"person": v, "grid": w.cast.grid_a.code}),
                        PERSON),
        "grid": Probe(F("persons:awaiting_grid", NO_ARGS, lambda w, v: {"person": w.person_a.pk, "grid": v}), GRID),
    },
    "persons:category_assign": {"category": SHARED},
    "persons:category_end": {"category": SHARED},
    # -- public intake
    "intake:declare": {"doc_number": Why("typed by a resident on a public page and kept as typed: matched against the "
                                         "line list only in the worker's queue, within the worker's scope; the "
                                         "public answer is the same receipt whoever holds the document")},
    "intake:posters": {"unit": Probe(F("intake:posters", NO_ARGS, lambda w, v: {"unit": v}), UNIT)},
    "POST /api/posters": {"unit": Probe(J("post", lambda w: "/api/posters", lambda w, v: {"unit": v}), UNIT)},
    "POST /api/declarations/{declaration_id}/confirm": {
        "grid": Probe(J("post", lambda w: f"/api/declarations/{w.declaration_a.pk}/confirm", lambda w, v: {
            "grid": v, "category": "hubei", "status": "home_quarantine"}), GRID),
        "category": SHARED,
    },
    "intake:declaration_confirm": {
        "grid": Probe(F("intake:declaration_confirm", lambda w: [w.declaration_a.pk], lambda w, v: {
            "grid": v, "category": "hubei", "status": "home_quarantine"}), GRID),
        "category": SHARED,
    },
    "persons:status_set": {
        "site": Probe(F("persons:status_set", A_PERSON, lambda w, v: {
            "status": "central_quarantine", "site": v}), HOSPITAL),
    },
    "persons:arrival": {
        "doc_number": Probe(F("persons:arrival", NO_ARGS, lambda w, v: _arrival(w, doc_number=v)), DOC_HELD,
                            document=True),
        "grid": Probe(F("persons:arrival", NO_ARGS, lambda w, v: _arrival(w, grid=v)), GRID),
        "site": Probe(F("persons:arrival", NO_ARGS, lambda w, v: _arrival(w, status="central_quarantine", site=v)),
                      HOSPITAL),
        # the person on file whose arrival is confirmed: only the one the document names is ever taken
        "person": Probe(F("persons:arrival", NO_ARGS, lambda w, v: _arrival(
            w, doc_number=w.person_a.doc_number, person=v)), PERSON),
        "category": SHARED,
    },
    "POST /api/persons/arrivals": {
        "doc_number": Probe(J("post", lambda w: "/api/persons/arrivals", lambda w, v: _arrival(w, doc_number=v)),
                            DOC_HELD, document=True),
        "grid": Probe(J("post", lambda w: "/api/persons/arrivals", lambda w, v: _arrival(w, grid=v)), GRID),
        "site": Probe(J("post", lambda w: "/api/persons/arrivals", lambda w, v: _arrival(
            w, status="central_quarantine", site=v)), HOSPITAL),
        "person_id": Probe(J("post", lambda w: "/api/persons/arrivals", lambda w, v: _arrival(
            w, doc_number=w.person_a.doc_number, person_id=v)), PERSON),
        "category": SHARED,
    },
    # -- the offline app: a phone's device, and its queued writes (each write its own lookup, as on the pages)
    "POST /api/offline/devices": {"device": Why("the key the phone made for itself, registered under the caller's "
                                                "own account: no object of a unit")},
    "POST /api/offline/sync": {
        "writes[]person": Probe(offline.sync_send(lambda w, v: {"kind": "check", "person": v,
                                                                "data": {"temperature": "36.5"}}), PERSON),
        "writes[]data.grid": Probe(offline.sync_send(lambda w, v: offline.arrival(w, grid=v)), GRID),
        "writes[]data.doc_number": Probe(offline.sync_send(lambda w, v: offline.arrival(w, doc_number=v)), DOC_HELD,
                                         document=True),
        "writes[]data.site": Probe(offline.sync_send(lambda w, v: {
            "kind": "status", "person": w.person_a.pk, "seen": {"episode": None},
            "data": {"status": "central_quarantine", "site": v}}), HOSPITAL),
        "writes[]data.follow_up": Probe(offline.sync_send(lambda w, v: {
            "kind": "result", "data": {"follow_up": v, "result": "well", "temperature": "36.5"}}), offline.follow_ups),
        "writes[]data.task": Probe(offline.sync_send(lambda w, v: {
            "kind": "task", "data": {"task": v, "status": "done", "result": "已核实"}}), offline.tasks),
        "writes[]data.category": SHARED,
    },
    # -- tracing
    "POST /api/cases": {
        "person_id": Probe(J("post", lambda w: "/api/cases",
                             lambda w, v: {"person_id": v, "classification": "suspected"}), PERSON),
        "hospital_id": Probe(J("post", lambda w: "/api/cases", lambda w, v: {
            "person_id": w.person_a.pk, "classification": "suspected", "hospital_id": v}), HOSPITAL),
    },
    "PATCH /api/cases/{case_id}": {
        "hospital_id": Probe(J("patch", lambda w: f"/api/cases/{w.case_a.pk}", lambda w, v: {"hospital_id": v}),
                             HOSPITAL),
    },
    "POST /api/cases/{case_id}/contact-imports": {
        "unit": Probe(lambda client, w, v: client.post(f"/api/cases/{w.case_a.pk}/contact-imports",
                                                       _contact_import(w, v)), GRID),
    },
    "POST /api/cases/{case_id}/visits": {
        "community": Probe(J("post", lambda w: f"/api/cases/{w.case_a.pk}/visits",
                             lambda w, v: _visit(w, community=v)), UNIT),
        "site_id": Probe(J("post", lambda w: f"/api/cases/{w.case_a.pk}/visits", lambda w, v: _visit(w, site_id=v)),
                         SITE),
    },
    "POST /api/exposures": {
        "source_person_id": Probe(J("post", lambda w: "/api/exposures", lambda w, v: {
            **_exposure(w, source_person_id=v), "exposed_person_id": w.person_a.pk}),
            lambda w: (w.person_b.pk, MISSING_ID, w.exposure_a.exposed_id)),
        "exposed_person_id": Probe(J("post", lambda w: "/api/exposures",
                                     lambda w, v: _exposure(w, exposed_person_id=v)), PERSON),
        "contact.doc_number": Probe(J("post", lambda w: "/api/exposures", lambda w, v: _exposure(w, contact={
            "name": "新密接", "doc_number": v, "grid": w.cast.grid_a.code})), DOC_HELD, document=True),
        "contact.grid": Probe(J("post", lambda w: "/api/exposures", lambda w, v: _exposure(w, contact={
            "name": "新密接", "doc_number": resident_id(seq=555), "grid": v})), GRID),
    },
    "POST /api/tasks": {
        "assignee_id": Probe(J("post", lambda w: "/api/tasks", lambda w, v: _task(w, assignee_id=v)), USER),
        "observers": Probe(J("post", lambda w: "/api/tasks", lambda w, v: _task(w, observers=v)), USERS),
        "person_id": Probe(J("post", lambda w: "/api/tasks", lambda w, v: _task(w, person_id=v)), PERSON),
        "unit": Probe(J("post", lambda w: "/api/tasks", lambda w, v: _task(w, person_id=None, unit=v)), GRID),
    },
    "PATCH /api/tasks/{task_id}": {
        "assignee_id": Probe(J("patch", lambda w: f"/api/tasks/{w.task_a.pk}", lambda w, v: {"assignee_id": v}),
                             USER),
        "observers": Probe(J("patch", lambda w: f"/api/tasks/{w.task_a.pk}", lambda w, v: {"observers": v}), USERS),
    },
    "tracing:case_create": {
        "doc_number": Probe(F("tracing:case_create", NO_ARGS, lambda w, v: {
            "doc_type": "resident_id", "doc_number": v, "classification": "suspected"}), DOC),
        "hospital": Probe(F("tracing:case_create", NO_ARGS, lambda w, v: {
            "doc_type": "resident_id", "doc_number": w.person_a.doc_number, "classification": "suspected",
            "hospital": v}), HOSPITAL),
    },
    "tracing:case_edit": {
        "hospital": Probe(F("tracing:case_edit", A_CASE, lambda w, v: {"hospital": v, "version": w.case_a.version}),
                          HOSPITAL),
    },
    "tracing:contact_add": {
        "doc_number": Probe(F("tracing:contact_add", A_CASE, lambda w, v: _contact_form(w, doc_number=v)),
                            DOC_HELD, document=True),
        "grid": Probe(F("tracing:contact_add", A_CASE, lambda w, v: _contact_form(w, grid=v)), GRID),
    },
    "tracing:contact_add_secondary": {
        "doc_number": Probe(F("tracing:contact_add_secondary", lambda w: [w.exposure_a.pk],
                              lambda w, v: _contact_form(w, doc_number=v)), DOC_HELD, document=True),
        "grid": Probe(F("tracing:contact_add_secondary", lambda w: [w.exposure_a.pk],
                        lambda w, v: _contact_form(w, grid=v)), GRID),
    },
    "tracing:contact_import": {
        "unit": Probe(lambda client, w, v: client.post(reverse("tracing:contact_import", args=[w.case_a.pk]),
                                                       _contact_import(w, v)), GRID),
    },
    "tracing:visit_add": {
        "community": Probe(F("tracing:visit_add", A_CASE, lambda w, v: _visit_form(w, community=v)), UNIT),
        "site": Probe(F("tracing:visit_add", A_CASE, lambda w, v: _visit_form(w, site=v)), SITE),
    },
    "tracing:task_create": {
        "doc_number": Probe(F("tracing:task_create", NO_ARGS, lambda w, v: _task_form(w, doc_number=v)), DOC),
        "unit": Probe(F("tracing:task_create", NO_ARGS, lambda w, v: _task_form(w, doc_number="", unit=v)), GRID),
        "assignee": Probe(F("tracing:task_create", NO_ARGS, lambda w, v: _task_form(w, assignee=v)), USER),
        "observers": Probe(F("tracing:task_create", NO_ARGS, lambda w, v: _task_form(w, observers=v)), USERS),
    },
    # -- checkpoints
    "POST /api/checkpoint-readings": {
        "[]device_id": Probe(J("post", lambda w: "/api/checkpoint-readings",
                               lambda w, v: _reading(w, device_id=v, badge="A0001")), DEVICE),
        "[]event_id": DEVICE_EVENT,
        "[]person_id": Probe(J("post", lambda w: "/api/checkpoint-readings",
                               lambda w, v: _reading(w, person_id=v)), PERSON),
        "[]badge": Probe(J("post", lambda w: "/api/checkpoint-readings", lambda w, v: _reading(w, badge=v)), BADGE,
                         silent=True),
        "[]doc_number": Probe(J("post", lambda w: "/api/checkpoint-readings",
                                lambda w, v: _reading(w, doc_number=v)), DOC, silent=True),
    },
    "POST /api/checkpoints/{checkpoint_id}/passages": {
        "code": Probe(J("post", lambda w: f"/api/checkpoints/{w.gate_a.pk}/passages",
                        lambda w, v: {"direction": "in", "code": v, "temperature": "36.5"}), DOC),
        "person_id": Probe(J("post", lambda w: f"/api/checkpoints/{w.gate_a.pk}/passages",
                             lambda w, v: {"direction": "in", "person_id": v, "temperature": "36.5"}), PERSON),
    },
    "POST /api/checkpoints/{checkpoint_id}/readings": {
        "code": Probe(J("post", lambda w: f"/api/checkpoints/{w.gate_a.pk}/readings",
                        lambda w, v: {"code": v, "temperature": "36.5"}), DOC),
        "person_id": Probe(J("post", lambda w: f"/api/checkpoints/{w.gate_a.pk}/readings",
                             lambda w, v: {"person_id": v, "temperature": "36.5"}), PERSON),
    },
    "checkpoints:pass": {
        "code": Probe(F("checkpoints:pass", lambda w: [w.gate_a.pk], lambda w, v: {
            "direction": "in", "code": v, "temperature": "36.5"}), DOC),
        "person": Probe(F("checkpoints:pass", lambda w: [w.gate_a.pk], lambda w, v: {
            "direction": "in", "person": v, "temperature": "36.5"}), PERSON),
        "doc_number": Probe(F("checkpoints:pass", lambda w: [w.gate_a.pk], lambda w, v: {
            "form": "visitor", "direction": "in", "name": "来访者", "doc_number": v, "reason": "送货",
            "temperature": "36.5"}), DOC),
        "form": TEXT,  # which of the gate's forms was posted: a resident's pass or a visitor's
    },
    "checkpoints:member_add": {
        "doc_number": Probe(F("checkpoints:member_add", lambda w: [w.team_a.pk], lambda w, v: {"name": "不相干", "doc_number": v}),
                            DOC),
        "badge": NEW_CODE,
    },
    "checkpoints:station_assign": {
        "username": Probe(F("checkpoints:station_assign", lambda w: [w.enterprise_a.pk],
                            lambda w, v: {"username": v}), LIAISON),
    },
    "checkpoints:incident_step": {
        "team": Probe(F("checkpoints:incident_step", lambda w: [w.incident_a.pk], lambda w, v: {
            "kind": "team_suspended", "team": v}), TEAM),
        "who": TEXT,
    },
    "checkpoints:device_register": {"code": NEW_CODE},
    "POST /api/checkpoint-teams/{team_id}/members": {
        "doc_number": Probe(J("post", lambda w: f"/api/checkpoint-teams/{w.team_a.pk}/members",
                              lambda w, v: {"name": "不相干", "doc_number": v}), DOC),
        "badge": NEW_CODE,
    },
    "POST /api/checkpoint-sites/{site_id}/stations": {
        "username": Probe(J("post", lambda w: f"/api/checkpoint-sites/{w.enterprise_a.pk}/stations",
                            lambda w, v: {"username": v}), LIAISON),
    },
    "POST /api/checkpoints/{checkpoint_id}/devices": {"code": NEW_CODE},
    # -- supplies
    "POST /api/supplies/items": {"code": NEW_CODE, "unit": TEXT},
    "POST /api/supplies/item-prices": {"item": SHARED, "source": TEXT},
    "POST /api/supplies/locations": {
        "unit": Probe(J("post", lambda w: "/api/supplies/locations", lambda w, v: {
            "unit": v, "kind": "community", "name": "新物资点"}), UNIT),
    },
    "POST /api/supplies/freezes": {
        "unit": Probe(J("post", lambda w: "/api/supplies/freezes", lambda w, v: {
            "unit": v, "frozen_before": "2020-05-01"}), UNIT),
    },
    "POST /api/supplies/vouchers": {
        "source_id": Probe(J("post", lambda w: "/api/supplies/vouchers", lambda w, v: _voucher(w, source_id=v)),
                           STORE),
        "target_id": Probe(J("post", lambda w: "/api/supplies/vouchers", lambda w, v: _voucher(w, target_id=v)),
                           STORE),
        "request_id": Probe(J("post", lambda w: "/api/supplies/vouchers", lambda w, v: _voucher(
            w, kind="distribution", request_id=v)), NEED),
        "person_id": Probe(J("post", lambda w: "/api/supplies/vouchers", lambda w, v: _voucher(
            w, kind="distribution", target_id=None, person_id=v)), PERSON),
        "lines[]donation_id": Probe(J("post", lambda w: "/api/supplies/vouchers", lambda w, v: _voucher(
            w, lines=[{"item": "mask-n95", "quantity": "1", "donation_id": v}])), GIFT),
        "lines[]item": SHARED,
    },
    "POST /api/supplies/donors": {
        "unit": Probe(J("post", lambda w: "/api/supplies/donors", lambda w, v: {
            "name": "新捐赠人", "kind": "person", "unit": v}), UNIT),
    },
    "POST /api/supplies/donations": {
        "donor_id": Probe(J("post", lambda w: "/api/supplies/donations", lambda w, v: {
            "donor_id": v, "kind": "goods", "received_on": _today(), "channel": "delivery",
            "recipient_id": w.store_a.pk, "lines": [{"item": "mask-n95", "quantity": "5"}]}), DONOR),
        "recipient_id": Probe(J("post", lambda w: "/api/supplies/donations", lambda w, v: {
            "donor_id": w.donor_a.pk, "kind": "goods", "received_on": _today(), "channel": "delivery",
            "recipient_id": v, "lines": [{"item": "mask-n95", "quantity": "5"}]}), STORE),
        # A donor may direct a gift to any unit (a hospital in another district): unit names are public on
        # the transparency list. Nothing of the unit is written or shown back.
        "direction_unit": Probe(J("post", lambda w: "/api/supplies/donations", lambda w, v: {
            "donor_id": w.donor_a.pk, "kind": "goods", "received_on": _today(), "channel": "delivery",
            "recipient_id": w.store_a.pk, "lines": [{"item": "mask-n95", "quantity": "5"}], "directed": True,
            "direction_unit": v}), UNIT, public=True),
        "lines[]item": SHARED, "receipt_number": TEXT,
    },
    "POST /api/supplies/donations/{donation_id}/deliveries": {
        "location_id": Probe(J("post", lambda w: f"/api/supplies/donations/{w.gift_a.pk}/deliveries", lambda w, v: {
            "lines": [{"item": "mask-n95", "quantity": "1"}], "occurred_on": _today(), "location_id": v}), STORE),
        "lines[]item": SHARED,
    },
    "POST /api/supplies/requests": {
        "location_id": Probe(J("post", lambda w: "/api/supplies/requests", lambda w, v: {
            "location_id": v, "item": "mask-n95", "quantity": "3"}), STORE),
        "item": SHARED,
    },
    "POST /api/supplies/requests/{request_id}/allocations": {
        "source_id": Probe(J("post", lambda w: f"/api/supplies/requests/{w.need_a.pk}/allocations",
                             lambda w, v: {"source_id": v, "quantity": "1"}), STORE),
    },
    "POST /api/supplies/publications": {
        "unit": Probe(J("post", lambda w: "/api/supplies/publications", lambda w, v: {"unit": v}), UNIT),
    },
    "POST /api/supplies/donations/{donation_id}/direction": {
        "direction_unit": Probe(J("post", lambda w: f"/api/supplies/donations/{w.gift_a.pk}/direction",
                                  lambda w, v: {"directed": True, "direction_unit": v}), UNIT, public=True),
    },
    "POST /api/supplies/requests/{request_id}/deliveries": {
        "item": SHARED,
        "source_id": Probe(J("post", lambda w: f"/api/supplies/requests/{w.need_a.pk}/deliveries", lambda w, v: {
            "source_id": v, "item": "mask-n95", "quantity": "1", "occurred_on": _today()}), STORE),
    },
    "POST /api/supplies/requests/{request_id}/purchases": {
        "item": SHARED,
        "account_id": Probe(J("post", lambda w: f"/api/supplies/requests/{w.need_a.pk}/purchases", lambda w, v: {
            "account_id": v, "target_id": w.store_a.pk, "item": "mask-n95", "quantity": "1", "value": "5",
            "counterparty": "药店", "occurred_on": _today()}), STORE),
        "target_id": Probe(J("post", lambda w: f"/api/supplies/requests/{w.need_a.pk}/purchases", lambda w, v: {
            "account_id": w.store_a.pk, "target_id": v, "item": "mask-n95", "quantity": "1", "value": "5",
            "counterparty": "药店", "occurred_on": _today()}), STORE),
    },
    "supplies:publish": {
        "unit": Probe(F("supplies:publish", NO_ARGS, lambda w, v: {"unit": v, "until": _today()}), UNIT),
    },
    "supplies:catalogue": {
        "code": NEW_CODE, "item": SHARED, "source": TEXT,
        # the same name in the item form is its unit of measure; in the location and freeze forms a unit's code
        "unit": Probe(F("supplies:catalogue", NO_ARGS, lambda w, v: {
            "action": "location", "location-unit": v, "location-kind": "community", "location-name": "新物资点"}),
            UNIT),
    },
    "supplies:location_move": {
        "item": SHARED,
        "person": Probe(F("supplies:location_move", lambda w: [w.store_a.pk], lambda w, v: {
            "kind": "distribution", "item": w.n95.pk, "quantity": "1", "person": v, "occurred_on": _today()}),
            PERSON),
        "target": Probe(F("supplies:location_move", lambda w: [w.store_a.pk], lambda w, v: {
            "kind": "transfer", "item": w.n95.pk, "quantity": "1", "target": v, "occurred_on": _today()}), STORE),
    },
    "supplies:donation_create": {
        "donor": Probe(F("supplies:donation_create", NO_ARGS, lambda w, v: {
            "donor": v, "kind": "money", "amount": "100", "received_on": _today(), "channel": "delivery",
            "recipient": w.store_a.pk}), DONOR),
        "recipient": Probe(F("supplies:donation_create", NO_ARGS, lambda w, v: {
            "donor": w.donor_a.pk, "kind": "money", "amount": "100", "received_on": _today(), "channel": "delivery",
            "recipient": v}), STORE),
        "direction_unit": Probe(F("supplies:donation_create", NO_ARGS, lambda w, v: {
            "donor": w.donor_a.pk, "kind": "money", "amount": "100", "received_on": _today(), "channel": "delivery",
            "recipient": w.store_a.pk, "directed": "on", "direction_unit": v}), UNIT, public=True),
        "receipt_number": TEXT,
    },
    "supplies:donation_delivery": {"item": SHARED},
    "supplies:donation_direction": {
        "direction_unit": Probe(F("supplies:donation_direction", lambda w: [w.gift_a.pk], lambda w, v: {
            "directed": "on", "direction_unit": v}), UNIT, public=True),
    },
    "supplies:request_create": {
        "item": SHARED,
        "location": Probe(F("supplies:request_create", NO_ARGS, lambda w, v: {
            "location": v, "item": w.n95.pk, "quantity": "3", "urgency": 2}), STORE),
    },
    "supplies:request_allocate": {
        "source": Probe(F("supplies:request_allocate", lambda w: [w.need_a.pk], lambda w, v: {
            "source": v, "quantity": "1"}), STORE),
    },
    "supplies:request_deliver": {
        "item": SHARED,
        "source": Probe(F("supplies:request_deliver", lambda w: [w.need_a.pk], lambda w, v: {
            "source": v, "item": w.n95.pk, "quantity": "1", "occurred_on": _today()}), STORE),
    },
    "supplies:request_purchase": {
        "item": SHARED,
        "account": Probe(F("supplies:request_purchase", lambda w: [w.need_a.pk], lambda w, v: {
            "account": v, "target": w.store_a.pk, "item": w.n95.pk, "quantity": "1", "value": "5",
            "counterparty": "药店", "occurred_on": _today()}), STORE),
        "target": Probe(F("supplies:request_purchase", lambda w: [w.need_a.pk], lambda w, v: {
            "account": w.store_a.pk, "target": v, "item": w.n95.pk, "quantity": "1", "value": "5",
            "counterparty": "药店", "occurred_on": _today()}), STORE),
    },
    # -- front-line teams
    "POST /api/volunteer-slots/{slot_id}/signups": {
        "volunteer_id": Probe(J("post", lambda w: f"/api/volunteer-slots/{w.slot_sa.pk}/signups",
                                lambda w, v: {"volunteer_id": v}), VOLUNTEER),
    },
    "POST /api/volunteer-assignments/{assignment_id}/swap": {
        "other_id": Probe(J("post", lambda w: f"/api/volunteer-assignments/{w.shift_sa.pk}/swap",
                            lambda w, v: {"other_id": v}), SHIFT),
    },
    "POST /api/volunteer-units": {"code": NEW_CODE},
    "POST /api/volunteer-units/{org_id}/people": {
        "username": Probe(J("post", lambda w: f"/api/volunteer-units/{w.org_a.pk}/people", lambda w, v: {
            "name": "新志愿者", "kind": "staff", "username": v}), USERNAME),
    },
    "POST /api/volunteer-units/{org_id}/coordinators": {
        "username": Probe(J("post", lambda w: f"/api/volunteer-units/{w.org_a.pk}/coordinators",
                            lambda w, v: {"username": v}), USERNAME),
    },
    "POST /api/volunteer-units/{org_id}/commendations": {
        "volunteer_id": Probe(J("post", lambda w: f"/api/volunteer-units/{w.org_a.pk}/commendations", lambda w, v: {
            "title": "优秀志愿者", "given_on": _today(), "volunteer_id": v}), VOLUNTEER),
    },
    "POST /api/volunteer-units/{org_id}/donors": {
        "donor_id": Probe(J("post", lambda w: f"/api/volunteer-units/{w.org_a.pk}/donors",
                            lambda w, v: {"donor_id": v}), DONOR),
    },
    "POST /api/volunteer-units/{org_id}/donors/unlink": {
        "donor_id": Probe(J("post", lambda w: f"/api/volunteer-units/{w.org_a.pk}/donors/unlink",
                            lambda w, v: {"donor_id": v}), DONOR),
    },
    "volunteers:org_create": {"code": NEW_CODE},
    "volunteers:volunteer_add": {
        "username": Probe(F("volunteers:volunteer_add", A_ORG, lambda w, v: {
            "name": "新志愿者", "kind": "staff", "username": v}), USERNAME),
    },
    "volunteers:coordinator_add": {
        "username": Probe(F("volunteers:coordinator_add", A_ORG, lambda w, v: {"username": v}), USERNAME),
    },
    "volunteers:commendation_add": {
        "volunteer": Probe(F("volunteers:commendation_add", A_ORG, lambda w, v: {
            "title": "优秀志愿者", "given_on": _today(), "volunteer": v}), VOLUNTEER),
    },
    "volunteers:org_donors": {
        "donor": Probe(F("volunteers:org_donors", A_ORG, lambda w, v: {"donor": v}), DONOR),
        "remove": Probe(F("volunteers:org_donors", A_ORG, lambda w, v: {"remove": v}), DONOR),
    },
    "volunteers:signup": {
        "volunteer": Probe(F("volunteers:signup", lambda w: [w.slot_sa.pk], lambda w, v: {"volunteer": v}),
                           VOLUNTEER),
    },
    "volunteers:swap": {
        "other": Probe(F("volunteers:swap", lambda w: [w.shift_sa.pk], lambda w, v: {"other": v}), SHIFT),
    },
    # -- reports, legal, units and accounts
    "POST /api/reports/forms/{code}/compute": {
        "unit": Probe(J("post", lambda w: "/api/reports/forms/hubei_wuhan_daily/compute",
                        lambda w, v: {"unit": v, "day": "2020-05-21"}), UNIT),
    },
    "reports:compute": {
        "unit": Probe(F("reports:compute", lambda w: ["hubei_wuhan_daily"], lambda w, v: {
            "unit": v, "day": "2020-05-21"}), UNIT),
    },
    "POST /api/reports/forms": {"code": NEW_CODE},
    "reports:form_new": {"code": NEW_CODE},
    "reports:form_edit": {"code": SHARED},
    "reports:templates": {
        "unit": Probe(F("reports:templates", NO_ARGS, lambda w, v: {
            "unit": v, "file": SimpleUploadedFile("县里模板.xlsx", county_templates.merged_rows())}), UNIT),
    },
    "POST /api/reports/templates": {
        "unit": Probe(lambda client, w, v: client.post("/api/reports/templates", {
            "unit": v, "file": SimpleUploadedFile("县里模板.xlsx", county_templates.merged_rows())}), UNIT),
    },
    "POST /api/reports/templates/{template_id}/sheets/{sheet}/forms": {
        "form": Probe(J("post", lambda w: f"/api/reports/templates/{_template_forms(w).template_a.pk}/sheets/"
                                          "%E6%B6%89%E9%84%82%E6%B6%89%E6%B1%89%E6%97%A5%E6%8A%A5/forms",
                        lambda w, v: {"form": v, "effective_from": _today()}), TEMPLATE_FORM),
    },
    "reports:template": {"target": Why("a form's code, chosen from the forms the caller may give a version (any "
                                       "other is refused as not one of the choices)")},
    "POST /api/legal/calls": {
        "unit": Probe(J("post", lambda w: "/api/legal/calls", lambda w, v: {
            "unit": v, "received_at": timezone.now().isoformat(), "question": "房租能减免吗", "category": "other"}),
            UNIT),
        "entries": SHARED, "category": TEXT,
    },
    "POST /api/legal/publicity": {
        "unit": Probe(J("post", lambda w: "/api/legal/publicity", lambda w, v: {
            "unit": v, "kind": "booklets", "quantity": "10", "day": _today()}), UNIT),
    },
    "legal:call_new": {
        "unit": Probe(F("legal:call_new", NO_ARGS, lambda w, v: {
            "unit": v, "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "question": "房租能减免吗",
            "category": "other"}), UNIT),
        "entries": SHARED, "category": TEXT,
    },
    "legal:activities": {
        "unit": Probe(F("legal:activities", NO_ARGS, lambda w, v: {
            "unit": v, "kind": "booklets", "quantity": "10", "day": _today()}), UNIT),
    },
    "POST /api/orgunits/{code}/children": {"code": NEW_CODE},
    "orgunits:child_create": {"code": NEW_CODE},
    "accounts:user_create": {
        "username": NEW_CODE,
        "unit_code": Probe(F("accounts:user_create", NO_ARGS, lambda w, v: {
            "username": "xinzhanghao", "full_name": "新账号", "password": "Test-password-2020-新",
            "role": "grid_worker", "unit_code": v}), GRID),
    },
    "accounts:user_detail": {
        "unit_code": Probe(F("accounts:user_detail", lambda w: [w.cast.grid_a_worker.pk], lambda w, v: {
            "action": "grant", "role": "grid_worker", "unit_code": v}), GRID),
    },
}

def _probes(*, document: bool) -> list[tuple[str, str, Probe]]:
    return [(operation, field, entry) for operation, fields in BODY_REFERENCES.items()
            for field, entry in fields.items() if isinstance(entry, Probe) and entry.document == document]


# -- the tests ----------------------------------------------------------------------------------------------

def test_every_write_naming_an_object_in_its_body_is_listed(db):
    found = api_body_references() | page_body_references()
    listed = {(operation, field) for operation, fields in BODY_REFERENCES.items() for field in fields}
    missing = sorted(found - listed)
    assert not missing, ("these write operations name objects in their bodies: add each to BODY_REFERENCES with a "
                         f"probe (or the reason it names no object of a unit): {missing}")
    stale = sorted(listed - found)
    assert not stale, f"these entries of BODY_REFERENCES match no write operation any more: {stale}"


def _try(client, w, probe: Probe, value, baseline: dict | None) -> tuple[Any, str, dict]:
    """Send the probe naming `value` and undo whatever it wrote; return the answer, what it says, and (given B's
    state before, `baseline`) what changed under B."""
    sid = transaction.savepoint()
    try:
        response = probe.send(client, w, value)
        answer = _answer(response, value)  # the page's messages and forms are read before the savepoint goes
        changed = _changes(baseline, _b_state(w)) if baseline is not None else {}
    finally:
        transaction.savepoint_rollback(sid)
    return response, answer, changed


def _changes(before: dict, after: dict) -> dict:
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def _b_words(response, typed) -> list[str]:
    text = _typed_out(response.content.decode(errors="replace") + json.dumps(_said(response), ensure_ascii=False),
                      typed)
    return [word for word in B_WORDS if word in text]


# What a referral (协查) writes: a task about B's person in B's unit, given to B's worker and notified to them,
# with the task's audit entry; nothing else.
REFERRAL = ("tracing.task", "core.notification", "core.delivery", "core.auditentry")


def _a_referral(changed: dict) -> bool:
    task = changed.get("tracing.task")
    return (task is not None and task[1] - task[0] == 1 and "tracing.task.created_by" not in changed
            and all(k.startswith(REFERRAL) for k in changed))


def _check(w, client_for, operation: str, field: str, probe: Probe) -> list[str]:
    """What is wrong with one probe, for each user of A: B's object answered otherwise than the missing one (for a
    document: one held in another street), a name of B's in the answer, a write under B; and the field reached
    by none of them."""
    b, missing, own = probe.values(w)
    baseline = _b_state(w)
    wrong, reached = [], False
    for user in _users_of_a(w):
        client = client_for(user)
        _response, said_missing, _ = _try(client, w, probe, missing, None)
        response, said_b, changed = _try(client, w, probe, b, baseline)
        _response, said_own, _ = _try(client, w, probe, own, None)
        where = f"{operation} {field} as {user.username}"
        if (words := _b_words(response, b)) and not probe.public:
            wrong.append(f"{where}: the answer names {words}")
        if probe.public:  # only the reference itself: the gift names the unit it is directed to
            changed = {k: v for k, v in changed.items() if not k.endswith(".direction_unit")}
        if probe.document:  # at most a referral: B's own task about its person, made by the system
            if changed and not _a_referral(changed):
                wrong.append(f"{where}: B changed beyond a referral: {changed}")
        elif changed:
            wrong.append(f"{where}: B changed: {changed}")
        if not (probe.public or probe.silent) and said_b != said_missing:
            wrong.append(f"{where}: answered otherwise than for a missing one:\n  {said_b}\n  {said_missing}")
        reached = reached or said_own != said_missing or probe.silent
    if not reached:
        wrong.append(f"{operation} {field}: no user of A reaches the field (the probe is refused before it)")
    return wrong


def test_naming_community_b_s_objects_in_bodies_answers_as_missing_ones(cast, client_for, world):
    wrong = []
    for operation, field, probe in _probes(document=False):
        wrong += _check(world, client_for, operation, field, probe)
    assert not wrong, "\n".join(wrong)


def test_a_document_held_in_community_b_is_answered_as_one_held_anywhere_else(cast, client_for, world):
    """The answer is the same whether B or another street holds the document; it names no one, and B gets no
    write of the caller's: at most the referral, B's own task about its person, made by the system."""
    wrong = []
    for operation, field, probe in _probes(document=True):
        wrong += _check(world, client_for, operation, field, probe)
    assert not wrong, "\n".join(wrong)
