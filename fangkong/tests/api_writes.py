"""A valid request for every write operation of the API, against the demo city, signed in as its administrator.

The tests that walk the API's write operations (test_api_lengths.py) start from these requests and change one
field at a time, so that what they see refused is refused for that field. An operation of /api/openapi.json
with no request here fails `test_every_write_operation_has_a_valid_request`: add one when adding an endpoint.

Each entry maps "METHOD /api/path/{param}" to a function of a `Demo` that returns (path, body, files); it may
make the requests it depends on first (a request to decide, an alert to recheck). Everything runs inside the
test's transaction and is rolled back after it.
"""

import datetime as dt
import io
from dataclasses import dataclass

from django.test import Client
from django.utils import timezone

from checkpoints.tests import scope as gates


@dataclass
class Demo:
    client: Client
    serial: int = 0

    def post(self, path: str, body: dict, *, username: str = "") -> dict:
        """A request the example depends on (as `username`, the administrator by default); it must succeed."""
        client = self.client
        if username:
            from accounts.models import User

            client = Client()
            client.force_login(User.objects.get(username=username))
        response = client.post(path, body, content_type="application/json")
        assert response.status_code in (200, 201), (path, response.status_code, response.content[:500])
        return response.json()

    def get(self, path: str):
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:500])
        return response.json()

    def next(self) -> int:
        self.serial += 1
        return self.serial


def _today() -> dt.date:
    return timezone.localdate()


def _now(hours: float = 0) -> str:
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


def _resident_id(seq: int) -> str:
    from stdnum.cn import ric

    body = f"43130219800101{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def _person(d: Demo) -> int:
    from persons.models import Person

    return Person.objects.filter(grid__code__startswith="431302004001", anonymised_at__isnull=True).order_by("pk") \
        .values_list("pk", flat=True)[d.next() % 5]


def _new_person(d: Demo) -> int:
    return d.post("/api/persons", {"name": "赵六", "doc_number": _resident_id(d.next() + 300), "grid": _grid()})["id"]


def _grid() -> str:
    from orgunits.models import OrgUnit

    return OrgUnit.objects.filter(kind=OrgUnit.Kind.GRID, code__startswith="431302004001").order_by("code")[0].code


def _case(d: Demo) -> int:
    from tracing.models import Case

    return Case.objects.order_by("pk").values_list("pk", flat=True)[0]


def _new_case(d: Demo) -> int:
    return d.post("/api/cases", {"person_id": _new_person(d), "classification": "suspected"})["id"]


def _exposure() -> int:
    from tracing.models import Exposure

    return Exposure.objects.order_by("pk").values_list("pk", flat=True)[0]


def _follow_up() -> int:
    from tracing.models import FollowUp

    return FollowUp.objects.filter(state=FollowUp.State.ACTIVE).order_by("pk").values_list("pk", flat=True)[0]


def _location(kind: str, unit: str = "431302004") -> int:
    from supplies.models import Location

    return Location.objects.filter(kind=kind, unit__code=unit).order_by("pk").values_list("pk", flat=True)[0]


def _checkpoint() -> int:
    from checkpoints.models import Checkpoint

    return Checkpoint.objects.order_by("pk").values_list("pk", flat=True)[0]


def _site() -> int:
    from orgunits.models import Site

    return Site.objects.filter(unit__code="431302004001").order_by("pk").values_list("pk", flat=True)[0]


def _org() -> int:
    from volunteers.models import CivilisedUnit

    return CivilisedUnit.objects.order_by("pk").values_list("pk", flat=True)[0]


def _request(d: Demo) -> dict:
    """A need raised by the community (whoever raises a need may not decide it)."""
    return d.post("/api/supplies/requests", {"location_id": _location("community", "431302004001"),
                                             "item": "mask-n95", "quantity": "10", "reason": "入户排查"},
                  username="sanyuan")


def _approved_request(d: Demo) -> dict:
    request = _request(d)
    return d.post(f"/api/supplies/requests/{request['id']}/decision",
                  {"approve": True, "quantity": "10", "version": request["version"]})


def _alert(d: Demo) -> dict:
    """A fever read a quarter of an hour ago, so that its recheck is due."""
    return d.post(f"/api/checkpoints/{_checkpoint()}/readings", {"temperature": "39.5", "person_id": _person(d),
                                                                 "taken_at": _now(-0.25)})


def _incident(d: Demo) -> int:
    alert = _alert(d)
    rechecked = d.post(f"/api/checkpoint-alerts/{alert['alert_id']}/recheck", {"temperature": "39.6"})
    return rechecked["incident_id"]


def _submission(d: Demo, *, submitted: bool = False, form: str = "hubei_wuhan_daily") -> dict:
    computed = d.post(f"/api/reports/forms/{form}/compute", {"unit": "431302004", "day": _today().isoformat()})
    if submitted:
        d.post(f"/api/reports/submissions/{computed['id']}/submit", {"explanation": "已核对",
                                                                     "lock_version": computed["lock_version"]})
    return computed


def _manual_submission(d: Demo) -> dict:
    """Today's draft of a form whose criteria from today have a manual column."""
    d.post("/api/reports/forms/confirmed_daily/versions", {
        "effective_from": _today().isoformat(), "note": "手工列",
        "columns": [{"key": "confirmed", "label_zh": "确诊", "label_en": "confirmed", "kind": "indicator",
                     "expression": "count cases where classification = confirmed"},
                    {"key": "compounds", "label_zh": "涉及小区数", "label_en": "compounds", "kind": "manual"}]})
    return _submission(d, form="confirmed_daily")


def _xlsx() -> io.BytesIO:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["姓名", "证件号码", "网格"])
    book.active.append(["张三", _resident_id(901), _grid()])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "people.xlsx"
    return data


def _county_template() -> io.BytesIO:
    from reports.tests import county_templates

    data = io.BytesIO(county_templates.merged_rows())
    data.name = "县里模板.xlsx"
    return data


def _template_sheet(d: Demo, part: str) -> str:
    """The path of `part` of the sheet of a county template uploaded for the street."""
    response = d.client.post("/api/reports/templates", {"unit": "431302004", "file": _county_template()})
    assert response.status_code == 201, response.content[:500]
    return f"/api/reports/templates/{response.json()['id']}/sheets/%E6%B6%89%E9%84%82%E6%B6%89%E6%B1%89%E6%97%A5%E6%8A%A5/{part}"


def _awaiting_grid(d: Demo) -> int:
    """A person placed in their community, without a grid."""
    return d.post("/api/persons", {"name": "待分配", "doc_number": _resident_id(d.next() + 540),
                                   "grid": "431302004001"})["id"]


def _entry(d: Demo) -> int:
    return d.post("/api/legal/entries", {"question": "疫情期间房租能否减免？", "answer": "可以协商。",
                                         "valid_from": "2020-02-01"})["id"]


def _call(d: Demo) -> int:
    """A hotline call needing a follow-up."""
    return d.post("/api/legal/calls", {"unit": "431302004", "question": "隐瞒行程的责任", "category": "other",
                                       "follow_up_needed": True, "follow_up_note": "回访"})["id"]


def _declaration(d: Demo) -> int:
    """A resident's declaration waiting in the community's queue (sent through a poster made for it)."""
    from intake import services
    from intake.models import Poster

    poster = Poster.objects.get(pk=d.post("/api/posters", {"unit": "431302004001"})["id"])
    return services.declaration_submit(poster=poster, address="127.0.0.1", data={
        "name": "申报人", "doc_type": "resident_id", "doc_number": _resident_id(d.next() + 560),
        "phone": "13800000009", "address": "三元社区5栋", "origin": "湖北省武汉市", "arrived_on": _today()}).pk


def _unknown_column_job(d: Demo) -> int:
    """An import whose file has a column no field is known by (备注2)."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["姓名", "证件号码", "网格", "备注2"])
    book.active.append(["张三", _resident_id(902), _grid(), "无"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "people.xlsx"
    response = d.client.post("/api/person-imports", {"unit": "431302004001", "file": data})
    assert response.status_code == 202, response.content[:500]
    return response.json()["id"]


def _units_csv(d: Demo) -> io.BytesIO:
    data = io.BytesIO(f"编码,名称,上级编码,类型\n431302004001-8{d.next()},新网格,431302004001,网格\n".encode())
    data.name = "units.csv"
    return data


def _donation(d: Demo, kind: str = "goods") -> dict:
    donor = d.post("/api/supplies/donors", {"name": f"捐赠人{d.next()}", "kind": "organisation", "unit": "431302004"})
    body = {"donor_id": donor["id"], "kind": kind, "received_on": _today().isoformat(), "channel": "delivery",
            "recipient_id": _location("warehouse") if kind == "goods" else _location("account", "431300")}
    body.update({"amount": "1000"} if kind == "money" else {"lines": [{"item": "mask-n95", "quantity": "100"}],
                                                            "directed": False})
    return d.post("/api/supplies/donations", body)



def _offline_sync(d: Demo) -> tuple:
    """A phone registered by the administrator, then a queue of a check, an arrival, a status change and a task."""
    import uuid

    key = str(uuid.UUID(int=d.next(), version=4))
    token = d.post("/api/offline/devices", {"device": key, "label": "Mozilla/5.0 (Linux; Android 10)"})["token"]
    d.client.defaults.update(HTTP_X_OFFLINE_DEVICE=key, HTTP_X_OFFLINE_TOKEN=token)
    task = d.post("/api/tasks", {"kind": "other", "due_at": _now(4), "title": "送药上门", "person_id": _person(d)})

    def write(kind: str, **fields) -> dict:
        return {"key": str(uuid.uuid4()), "kind": kind, "at": _now(-0.1), "person": None, "person_ref": None,
                "seen": None, "resolve": None, **fields}

    return "/api/offline/sync", {"writes": [
        write("check", person=_person(d), data={"temperature": "36.5", "result": "well", "note": "无不适"}),
        write("arrival", data={"name": "来人", "doc_number": _resident_id(d.next() + 580), "grid": _grid(),
                               "phone": "13800000002", "address": "三元社区4栋", "category": "hubei",
                               "origin": "420100", "status": "home_quarantine"}),
        write("status", person=_person(d), resolve="mine", data={"status": "home_monitoring", "note": "居家"}),
        write("task", seen={"version": task["version"]}, data={"task": task["id"], "status": "done",
                                                               "result": "已送达"})]}, None


WRITES = {
    "POST /api/orgunits/{code}/children": lambda d: (
        "/api/orgunits/431302004001/children", {"code": f"431302004001-9{d.next()}", "name": "新网格",
                                                "kind": "grid"}, None),
    "POST /api/orgunits/{code}/rename": lambda d: ("/api/orgunits/431302004001/rename", {"name": "三元新村"}, None),
    "POST /api/orgunits/{code}/imports": lambda d: ("/api/orgunits/431302004001/imports", {"keep_valid": "true"}, {
        "file": _units_csv(d)}),
    "POST /api/orgunits/{code}/sites": lambda d: ("/api/orgunits/431302004001/sites", {
        "kind": "enterprise", "name": f"三元纺织厂{d.next()}", "address": "三元路1号", "contact_phone": "07388000000"},
        None),
    "PATCH /api/sites/{site_id}": lambda d: (f"/api/sites/{_site()}", {
        "kind": "checkpoint", "name": f"东门卡点{d.next()}", "address": "三元路2号", "contact_phone": "07388000001"},
        None),
    "POST /api/persons": lambda d: ("/api/persons", {
        "name": "王五", "doc_number": _resident_id(d.next() + 500), "grid": _grid(), "phone": "13800000000",
        "address": "三元社区1栋", "notes": "入户登记"}, None),
    "POST /api/persons/arrivals": lambda d: ("/api/persons/arrivals", {
        "name": "来人", "doc_number": _resident_id(d.next() + 520), "grid": _grid(), "phone": "13800000001",
        "address": "三元社区3栋", "category": "hubei", "origin": "420100", "status": "home_quarantine"}, None),
    "PATCH /api/persons/{person_id}": lambda d: (lambda p: (
        f"/api/persons/{p}", {"version": d.get(f"/api/persons/{p}")["version"], "address": "三元社区2栋",
                              "notes": "改址"}, None))(_person(d)),
    "POST /api/persons/{person_id}/categories": lambda d: (
        f"/api/persons/{_person(d)}/categories", {"category": "wuhan", "note": "自述"}, None),
    "POST /api/persons/{person_id}/categories/end": lambda d: (lambda p: (
        d.post(f"/api/persons/{p}/categories", {"category": "wuhan"}) and f"/api/persons/{p}/categories/end",
        {"category": "wuhan"}, None))(_person(d)),
    "POST /api/persons/{person_id}/status": lambda d: (
        f"/api/persons/{_person(d)}/status", {"status": "home_monitoring", "note": "居家"}, None),
    "POST /api/persons/{person_id}/checks": lambda d: (
        f"/api/persons/{_person(d)}/checks", {"temperature": "36.5", "note": "无不适"}, None),
    "POST /api/person-imports": lambda d: ("/api/person-imports", {"unit": "431302004001"}, {"file": _xlsx()}),
    "POST /api/person-imports/{job_id}/mapping": lambda d: (
        f"/api/person-imports/{_unknown_column_job(d)}/mapping", {"columns": {"备注2": "ignore"}, "name": "三元台账"},
        None),
    "POST /api/person-fields": lambda d: ("/api/person-fields", {
        "key": f"nat_{d.next()}", "label": "核酸结果", "label_en": "NAT result", "help_text": "最近一次",
        "type": "choice", "choices": ["阴性", "阳性"]}, None),
    "PATCH /api/person-fields/{field_id}": lambda d: (lambda f: (f"/api/person-fields/{f['id']}", {
        "label": "核酸", "label_en": "NAT", "help_text": "说明", "choices": ["阴性", "阳性", "待出"]}, None))(
        d.post("/api/person-fields", {"key": f"nat_{d.next()}", "label": "核酸结果", "type": "choice",
                                       "choices": ["阴性", "阳性"]})),
    "POST /api/cases": lambda d: ("/api/cases", {
        "person_id": _new_person(d), "classification": "suspected", "label": "疑似病例", "hospital_name": "市中心医院",
        "notes": "发热门诊"}, None),
    "PATCH /api/cases/{case_id}": lambda d: (lambda c: (
        f"/api/cases/{c}", {"version": d.get(f"/api/cases/{c}")["version"], "label": "病例1", "hospital_name": "医院",
                            "notes": "更新"}, None))(_case(d)),
    "POST /api/cases/{case_id}/classification": lambda d: (
        f"/api/cases/{_new_case(d)}/classification", {"classification": "confirmed", "reason": "核酸阳性"}, None),
    "POST /api/cases/{case_id}/contact-imports": lambda d: (
        f"/api/cases/{_case(d)}/contact-imports", {"unit": "431302004001"}, {"file": _xlsx()}),
    "DELETE /api/visits/{visit_id}": None,  # no body: nothing to make too long
    "POST /api/cases/{case_id}/visits": lambda d: (f"/api/cases/{_case(d)}/visits", {
        "place": "超市", "community": "431302004001", "start": _now(-30), "end": _now(-29), "note": "购物"}, None),
    "POST /api/exposures": lambda d: ("/api/exposures", {
        "source_person_id": d.get(f"/api/cases/{_case(d)}")["person"]["id"],
        "contact": {"name": "李四", "doc_number": _resident_id(d.next() + 700), "grid": _grid(), "phone": "13900000000",
                    "address": "三元社区3栋"},
        "last_contact": (_today() - dt.timedelta(days=1)).isoformat(), "setting": "household", "note": "同住"}, None),
    "PATCH /api/exposures/{exposure_id}": lambda d: (f"/api/exposures/{_exposure()}",
                                                     {"note": "补充", "setting": "household"}, None),
    "POST /api/follow-ups/{follow_up_id}/results": lambda d: (
        f"/api/follow-ups/{_follow_up()}/results", {"temperature": "36.6", "note": "正常"}, None),
    "POST /api/follow-ups/{follow_up_id}/end": lambda d: (
        f"/api/follow-ups/{_follow_up()}/end", {"end": _today().isoformat(), "reason": "期满解除"}, None),
    "POST /api/tasks": lambda d: ("/api/tasks", {"kind": "other", "due_at": _now(4), "title": "送药上门",
                                                 "person_id": _person(d)}, None),
    "PATCH /api/tasks/{task_id}": lambda d: (lambda t: (
        f"/api/tasks/{t['id']}", {"version": t["version"], "status": "done", "result": "已送达", "title": "送药"},
        None))(d.post("/api/tasks", {"kind": "other", "due_at": _now(4), "title": "送药上门", "person_id": _person(d)})),
    "POST /api/checkpoint-readings": None,  # a device's batch: device tokens only, see checkpoints' tests
    "POST /api/checkpoints/{checkpoint_id}/passages": lambda d: (
        f"/api/checkpoints/{_checkpoint()}/passages", {"direction": "in", "temperature": "36.4",
                                                       "visitor": {"name": "访客", "phone": "13700000000",
                                                                   "reason": "送货"}}, None),
    "POST /api/checkpoints/{checkpoint_id}/readings": lambda d: (
        f"/api/checkpoints/{_checkpoint()}/readings", {"temperature": "36.5", "subject": "访客甲"}, None),
    "POST /api/checkpoint-alerts/{alert_id}/recheck": lambda d: (
        f"/api/checkpoint-alerts/{_alert(d)['alert_id']}/recheck", {"temperature": "36.8"}, None),
    "POST /api/checkpoint-incidents/{incident_id}/steps": lambda d: (
        f"/api/checkpoint-incidents/{_incident(d)}/steps", {"kind": "lead_notified", "note": "已通知", "data": {"who": "厂长"}}, None),
    "POST /api/checkpoint-sites/{site_id}/checkpoints": lambda d: (
        f"/api/checkpoint-sites/{gates.demo_enterprise()}/checkpoints", {"name": f"侧门{d.next()}"}, None),
    "POST /api/checkpoint-sites/{site_id}/teams": lambda d: (
        f"/api/checkpoint-sites/{gates.demo_enterprise()}/teams", {
            "name": f"早班{d.next()}组", "leader": "周敏", "leader_phone": "13800000001"}, None),
    "POST /api/checkpoint-sites/{site_id}/stations": lambda d: (
        f"/api/checkpoint-sites/{gates.demo_enterprise()}/stations", {"username": gates.demo_liaison(d)}, None),
    "PUT /api/checkpoint-sites/{site_id}/rule": lambda d: (
        f"/api/checkpoint-sites/{gates.demo_enterprise()}/rule", {
            "threshold": "37.4", "recheck_minutes": 10, "temperature_required": "always"}, None),
    "POST /api/checkpoint-stations/{station_id}/end": None,  # no body
    "POST /api/checkpoints/{checkpoint_id}/devices": lambda d: (
        f"/api/checkpoints/{gates.demo_gate()}/devices", {"code": f"LGZX-{d.next()}", "name": "测温枪"}, None),
    "POST /api/checkpoint-devices/{device_id}/key": None,  # no body
    "POST /api/checkpoint-devices/{device_id}/deactivate": None,  # no body
    "POST /api/checkpoint-teams/{team_id}/members": lambda d: (
        f"/api/checkpoint-teams/{gates.demo_team()}/members", {**gates.demo_worker(d), "badge": f"LG09{d.next()}"},
        None),
    "POST /api/checkpoint-members/{member_id}/remove": None,  # no body
    "POST /api/checkpoint-teams/{team_id}/suspend": lambda d: (
        f"/api/checkpoint-teams/{gates.demo_team()}/suspend", {"reason": "密接排查", "at": _now(-1)}, None),
    "POST /api/checkpoint-teams/{team_id}/release": lambda d: (
        f"/api/checkpoint-teams/{gates.demo_suspended_team(d)}/release", {"at": _now()}, None),
    "POST /api/supplies/items": lambda d: ("/api/supplies/items", {
        "code": f"gloves-{d.next()}", "name": "手套", "unit": "副", "spec": "L", "standard": "GB 10213"}, None),
    "POST /api/supplies/item-prices": lambda d: ("/api/supplies/item-prices", {
        "item": "mask-n95", "valid_from": _today().isoformat(), "price": "5.5", "source": "发改委"}, None),
    "POST /api/supplies/locations": lambda d: ("/api/supplies/locations", {
        "unit": "431302004001", "kind": "community", "name": f"物资点{d.next()}"}, None),
    "POST /api/supplies/freezes": lambda d: ("/api/supplies/freezes", {
        "unit": "431302004", "frozen_before": (_today() - dt.timedelta(days=400)).isoformat(), "note": "年结"}, None),
    "POST /api/supplies/vouchers": lambda d: ("/api/supplies/vouchers", {
        "kind": "transfer", "occurred_on": _today().isoformat(), "source_id": _location("warehouse"),
        "target_id": _location("community", "431302004001"), "lines": [{"item": "mask-n95", "quantity": "1"}],
        "counterparty": "三元社区", "document": "调拨单1", "reason": "补充", "note": "无"}, None),
    "POST /api/supplies/vouchers/{voucher_id}/reverse": lambda d: (lambda v: (
        f"/api/supplies/vouchers/{v['id']}/reverse", {"reason": "录错"}, None))(d.post("/api/supplies/vouchers", {
            "kind": "transfer", "occurred_on": _today().isoformat(), "source_id": _location("warehouse"),
            "target_id": _location("community", "431302004001"), "lines": [{"item": "mask-n95", "quantity": "1"}]})),
    "POST /api/supplies/donors": lambda d: ("/api/supplies/donors", {
        "name": "爱心企业", "kind": "organisation", "unit": "431302004", "members_note": "员工", "contact": "张经理"},
        None),
    "POST /api/supplies/donations": lambda d: (lambda donor: ("/api/supplies/donations", {
        "donor_id": donor["id"], "kind": "goods", "received_on": _today().isoformat(), "channel": "delivery",
        "recipient_id": _location("warehouse"), "lines": [{"item": "mask-n95", "quantity": "50"}],
        "directed": True, "direction_unit": "431302004001", "direction_note": "定向三元", "receipt_number": "",
        "note": "捐赠"}, None))(d.post("/api/supplies/donors", {"name": "捐赠人", "kind": "organisation",
                                                               "unit": "431302004"})),
    "POST /api/supplies/donations/{donation_id}/receipt": lambda d: (
        f"/api/supplies/donations/{_donation(d)['id']}/receipt", {"number": "湘红捐字2020-9", "issued_on":
                                                                   _today().isoformat()}, None),
    "POST /api/supplies/donations/{donation_id}/deliveries": lambda d: (
        f"/api/supplies/donations/{_donation(d, 'money')['id']}/deliveries", {
            "lines": [{"item": "cny", "quantity": "100"}], "occurred_on": _today().isoformat()}, None),
    "POST /api/supplies/requests": lambda d: ("/api/supplies/requests", {
        "location_id": _location("community", "431302004001"), "item": "mask-n95", "quantity": "10", "spec": "N95",
        "reason": "入户排查"}, None),
    "PATCH /api/supplies/requests/{request_id}": lambda d: (lambda r: (
        f"/api/supplies/requests/{r['id']}", {"version": r["version"], "spec": "KN95", "reason": "改规格"},
        None))(_request(d)),
    "POST /api/supplies/requests/{request_id}/decision": lambda d: (lambda r: (
        f"/api/supplies/requests/{r['id']}/decision", {"approve": True, "quantity": "5", "note": "先发一半",
                                                       "version": r["version"]}, None))(_request(d)),
    "POST /api/supplies/requests/{request_id}/allocations": lambda d: (
        f"/api/supplies/requests/{_approved_request(d)['id']}/allocations", {
            "source_id": _location("warehouse"), "quantity": "1", "note": "先配"}, None),
    "POST /api/supplies/requests/{request_id}/close": lambda d: (lambda r: (
        f"/api/supplies/requests/{r['id']}/close", {"note": "不再需要", "version": r["version"]},
        None))(_approved_request(d)),
    "POST /api/supplies/publications": lambda d: ("/api/supplies/publications", {"unit": "431302004"}, None),
    "POST /api/supplies/donations/{donation_id}/direction": lambda d: (
        f"/api/supplies/donations/{_donation(d)['id']}/direction", {
            "directed": True, "direction_unit": "431302004001", "direction_note": "捐赠人来信定向三元"}, None),
    "POST /api/supplies/requests/{request_id}/deliveries": lambda d: (
        f"/api/supplies/requests/{_approved_request(d)['id']}/deliveries", {
            "source_id": _location("warehouse"), "item": "mask-n95", "quantity": "1",
            "occurred_on": _today().isoformat(), "note": "送达"}, None),
    "POST /api/supplies/requests/{request_id}/purchases": lambda d: (
        f"/api/supplies/requests/{_approved_request(d)['id']}/purchases", {
            "account_id": _location("account", "431300"), "target_id": _location("warehouse"), "item": "mask-n95",
            "quantity": "10", "value": "50", "occurred_on": _today().isoformat(), "counterparty": "大药房",
            "document": "发票001"}, None),
    "POST /api/volunteer-slots/{slot_id}/signups": None,  # a volunteer's id only: no text, no date
    "POST /api/volunteer-sites/{site_id}/needs": lambda d: (f"/api/volunteer-sites/{_site()}/needs", {
        "post": "checkpoint", "title": "东门值守", "requirements": "身体健康", "people": 2,
        "slots": [{"start": _now(24), "end": _now(30)}]}, None),
    "POST /api/volunteer-assignments/{assignment_id}/cancel": None,  # no body
    "POST /api/volunteer-assignments/{assignment_id}/swap": None,  # the other shift's id only
    "POST /api/volunteer-units": lambda d: ("/api/volunteer-units", {
        "code": f"unit-{d.next()}", "name": "娄底市审计局", "level": "city"}, None),
    "POST /api/volunteer-units/{org_id}/people": lambda d: (f"/api/volunteer-units/{_org()}/people", {
        "name": "聂子远", "kind": "retiree", "phone": "13700000001", "username": ""}, None),
    "POST /api/volunteer-units/{org_id}/coordinators": lambda d: (f"/api/volunteer-units/{_org()}/coordinators", {
        "username": "admin"}, None),
    "POST /api/volunteer-units/{org_id}/commendations": lambda d: (f"/api/volunteer-units/{_org()}/commendations", {
        "title": "优秀志愿者", "story": "连续值守", "given_on": _today().isoformat()}, None),
    "POST /api/volunteer-units/{org_id}/donors": None,  # a donor's id only
    "POST /api/volunteer-units/{org_id}/donors/unlink": None,
    "POST /api/persons/{person_id}/grid": lambda d: (f"/api/persons/{_awaiting_grid(d)}/grid", {"grid": _grid()},
                                                      None),
    "POST /api/persons/merges": None,  # two people's ids only
    "POST /api/persons/duplicate-dismissals": None,
    "POST /api/volunteer-assignments/{assignment_id}/check-in": None,  # no body: nothing to make too long
    "POST /api/volunteer-assignments/{assignment_id}/check-out": None,
    "POST /api/persons/{person_id}/self-report-link": None,  # no body: nothing to make too long
    "POST /api/self-report-links/{link_id}/revoke": None,
    "POST /api/offline/devices": lambda d: ("/api/offline/devices", {
        "device": "6f1c1c1e-8a4b-4c62-9d3e-1b2f3a4b5c6d", "label": "Mozilla/5.0 (Linux; Android 10)"}, None),
    "POST /api/offline/sync": _offline_sync,
    "POST /api/posters": lambda d: ("/api/posters", {"unit": "431302004001"}, None),
    "POST /api/posters/{poster_id}/revoke": None,  # no body: nothing to make too long
    "POST /api/declarations/{declaration_id}/confirm": lambda d: (f"/api/declarations/{_declaration(d)}/confirm", {
        "grid": _grid(), "category": "hubei", "status": "home_quarantine"}, None),
    "POST /api/declarations/{declaration_id}/reject": lambda d: (f"/api/declarations/{_declaration(d)}/reject", {
        "reason": "重复申报"}, None),
    "POST /api/reports/forms/{code}/compute": lambda d: ("/api/reports/forms/hubei_wuhan_daily/compute", {
        "unit": "431302004", "day": _today().isoformat()}, None),
    "POST /api/reports/submissions/{submission_id}/manual": lambda d: (lambda s: (
        f"/api/reports/submissions/{s['id']}/manual", {"values": {s["rows"][0]["unit"]: {"compounds": "2"}}},
        None))(_manual_submission(d)),
    "POST /api/reports/submissions/{submission_id}/manual-workbook": None,  # a workbook and a lock version only
    "POST /api/reports/submissions/{submission_id}/submit": lambda d: (lambda s: (
        f"/api/reports/submissions/{s['id']}/submit", {"explanation": "数字已核对", "lock_version": s["lock_version"]},
        None))(_submission(d)),
    "POST /api/reports/submissions/{submission_id}/review": lambda d: (
        f"/api/reports/submissions/{_submission(d, submitted=True)['id']}/review", {"approve": True, "comment": "同意"},
        None),
    "POST /api/reports/forms/{code}/versions": lambda d: ("/api/reports/forms/hubei_wuhan_daily/versions", {
        "effective_from": (_today() + dt.timedelta(days=1)).isoformat(), "note": "新口径",
        "columns": [{"key": "managed", "label_zh": "在管", "label_en": "managed", "kind": "indicator",
                     "expression": "count people where category = hubei"}], "rules": []}, None),
    "POST /api/reports/forms": lambda d: ("/api/reports/forms", {
        "code": f"publicity_{d.next()}", "name_zh": "宣传周报", "name_en": "publicity weekly", "period": "weekly",
        "cutoff_minutes": 1440, "due_minutes": 600, "rows": "unit", "unit_kind": "county"}, None),
    "PUT /api/reports/forms/{code}": lambda d: ("/api/reports/forms/hubei_wuhan_daily", {
        "name_zh": "涉鄂涉汉人员网格化管理日报", "name_en": "Hubei and Wuhan people daily", "cutoff_minutes": 900}, None),
    "POST /api/reports/figures": lambda d: (lambda n: ("/api/reports/figures", {
        "key": f"hubei.home_quarantine_{n}", "label_zh": f"涉鄂人员·居家隔离{n}", "label_en": f"Hubei · home {n}",
        "short_zh": "居家隔离", "short_en": "home quarantine",
        "expression": "count people where category = hubei and status = home_quarantine"}, None))(d.next()),
    "PUT /api/reports/figures/{key}": lambda d: (lambda n: ("/api/reports/figures/hubei_wuhan.managed", {
        "label_zh": f"涉鄂涉汉人员·在管{n}", "label_en": f"Hubei or Wuhan · managed {n}", "short_zh": "在管",
        "short_en": "managed", "expression": "count people where category in (hubei, wuhan)"}, None))(d.next()),
    "POST /api/reports/templates": lambda d: ("/api/reports/templates", {"unit": "431302004"},
                                              {"file": _county_template()}),
    "POST /api/reports/templates/{template_id}/sheets/{sheet}/read": lambda d: (_template_sheet(d, "read"), {
        "header_first": 3, "header_last": 4, "across": "indicators"}, None),
    "PUT /api/reports/templates/{template_id}/sheets/{sheet}/columns": lambda d: (_template_sheet(d, "columns"), [
        {"index": 6, "kind": "indicator", "label": "湖北来娄", "expression": "count people where category = hubei"},
        {"index": 7, "kind": "manual", "label": "武汉来娄"}], None),
    "POST /api/reports/templates/{template_id}/sheets/{sheet}/forms": lambda d: (_template_sheet(d, "forms"), {
        "name": "三元街道涉鄂涉汉日报", "effective_from": (_today() + dt.timedelta(days=1)).isoformat()}, None),
    "POST /api/legal/entries": lambda d: ("/api/legal/entries", {
        "question": "疫情期间房租能否减免？", "answer": "可以协商。", "basis": "民法典", "tags": "房租",
        "valid_from": "2020-02-01"}, None),
    "PUT /api/legal/entries/{entry_id}": lambda d: (f"/api/legal/entries/{_entry(d)}", {
        "question": "疫情期间房租能否减免？", "answer": "可以协商减免。", "basis": "民法典", "tags": "房租,减免",
        "valid_from": "2020-02-01"}, None),
    "POST /api/legal/calls/{call_id}/follow-up": lambda d: (f"/api/legal/calls/{_call(d)}/follow-up", {
        "note": "已回访"}, None),
    "POST /api/legal/calls": lambda d: ("/api/legal/calls", {
        "unit": "431302004", "caller_name": "刘先生", "caller_phone": "0738-8312348", "question": "隐瞒行程的责任",
        "category": "other", "answer": "须如实报告", "follow_up_needed": True, "follow_up_note": "回访"}, None),
    "POST /api/legal/publicity": lambda d: ("/api/legal/publicity", {
        "unit": "431302004", "kind": "booklets", "quantity": "100", "day": _today().isoformat(), "place": "三元社区",
        "note": "发放"}, None),
}
