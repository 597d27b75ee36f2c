"""What the reports count and how, through the API as on the editor's pages: a form's settings made and changed,
its versions with what changed, the indicator preview, and the catalog of figures made and changed. The same
services (the same rows and audit entries), readable by whoever reads reports, written only by form managers."""

import json

from core.models import AuditEntry
from reports.models import Figure, Form
from reports.tests.test_catalog import DAY, _person

CODE = "hubei_wuhan_daily"
SETTINGS = {"name_zh": "宣传周报", "name_en": "publicity weekly", "period": "weekly", "cutoff_minutes": 1440,
            "due_minutes": 600, "rows": "unit", "higher_levels": "computed", "unit_kind": "county", "order": 9}
FIGURE = {"label_zh": "涉鄂人员·居家隔离", "label_en": "People from Hubei · home quarantine", "short_zh": "居家隔离",
          "short_en": "home quarantine", "expression": "count people where category = hubei and status = home_quarantine"}


def _send(client, method: str, url: str, body: dict):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json",
                                   HTTP_ACCEPT_LANGUAGE="zh-hans")


# -- forms ------------------------------------------------------------------------------------------------------

def test_a_form_manager_creates_a_form_and_changes_its_settings_as_on_the_editor(cast, client_for, forms):
    client = client_for(cast.city_admin)

    created = _send(client, "post", "/api/reports/forms", {"code": "publicity_weekly", **SETTINGS})
    changed = _send(client, "put", "/api/reports/forms/publicity_weekly",
                    {**SETTINGS, "period": "adhoc", "requested_days": ["2020-05-22", "2020-05-20", "2020-05-22"]})

    assert created.status_code == 201, created.content
    assert changed.status_code == 200 and changed.json()["requested_days"] == ["2020-05-20", "2020-05-22"]
    form = Form.objects.get(code="publicity_weekly")
    assert (form.period, form.cutoff_minutes, form.unit_kind) == ("adhoc", 1440, "county")
    entries = AuditEntry.objects.filter(object_type="reports.form", object_id=str(form.pk)).order_by("id")
    assert [e.action for e in entries] == ["create", "update"]


def test_a_cut_off_outside_the_day_is_refused_in_chinese_on_the_api_and_the_page(cast, client_for, forms):
    client = client_for(cast.city_admin)

    refused = _send(client, "put", f"/api/reports/forms/{CODE}", {**SETTINGS, "cutoff_minutes": 1441})
    page = client.post(f"/reports/forms/{CODE}/edit/", {"part": "settings", **SETTINGS, "cutoff_minutes": 0,
                                                         "requested_days": "", "active": "on"})

    assert refused.status_code == 400
    assert refused.json()["fields"]["cutoff_minutes"] == ["须为零点后 1 至 1440 分钟（24:00）。"]
    assert page.status_code == 200 and "须为零点后 1 至 1440 分钟" in page.content.decode()
    assert Form.objects.get(code=CODE).cutoff_minutes == 15 * 60


def test_a_taken_code_or_an_unknown_choice_is_refused_naming_the_field(cast, client_for, forms):
    client = client_for(cast.city_admin)
    taken = _send(client, "post", "/api/reports/forms", {"code": CODE, **SETTINGS})
    unknown = _send(client, "post", "/api/reports/forms", {"code": "x_weekly", **SETTINGS, "period": "hourly"})
    assert taken.status_code == 400 and "code" in taken.json()["fields"]
    assert unknown.status_code == 400 and "period" in unknown.json()["fields"]
    assert not Form.objects.filter(code="x_weekly").exists()


def test_a_street_officer_reads_forms_and_figures_but_changes_none(cast, client_for, forms):
    officer = client_for(cast.street_officer)
    assert _send(officer, "post", "/api/reports/forms", {"code": "x_weekly", **SETTINGS}).status_code == 403
    assert _send(officer, "put", f"/api/reports/forms/{CODE}", SETTINGS).status_code == 403
    assert _send(officer, "post", "/api/reports/figures", {"key": "x.y", **FIGURE}).status_code == 403
    assert _send(officer, "put", "/api/reports/figures/hubei_wuhan.managed", FIGURE).status_code == 403
    assert officer.get(f"/api/reports/forms/{CODE}/versions").status_code == 200
    assert _send(client_for(cast.city_admin), "put", "/api/reports/forms/no_such", SETTINGS).status_code == 404


def test_the_versions_say_what_changed_with_each_column_explained(cast, client_for, forms):
    latest = forms[CODE].versions.get()
    columns = [*latest.columns, {"key": "hq", "label_zh": "居家隔离", "label_en": "home quarantine", "kind": "indicator",
                                 "expression": "count people where category = hubei and status = home_quarantine"}]
    assert _send(client_for(cast.city_admin), "post", f"/api/reports/forms/{CODE}/versions",
                 {"effective_from": "2020-06-01", "columns": columns, "rules": latest.rules}).status_code == 201

    answer = client_for(cast.street_officer).get(f"/api/reports/forms/{CODE}/versions",
                                                 HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert [v["effective_from"] for v in answer["versions"]] == [latest.effective_from.isoformat(), "2020-06-01"]
    [diff] = answer["diffs"]
    added = next(c for c in diff["changes"] if c["key"] == "hq")
    assert (added["key"], added["change"], added["before"]) == ("hq", "added", None)
    assert added["after"]["label"] == "居家隔离"
    assert "管理状态为居家隔离的人数" in added["after"]["definition"]


# -- the indicator preview ---------------------------------------------------------------------------------------

def test_the_indicator_preview_counts_as_the_page(cast, client_for, forms):
    _person(cast, 1, cast.grid_a, ["hubei"], "home_quarantine")
    _person(cast, 2, cast.grid_b, ["hubei"], "home_quarantine")
    officer = client_for(cast.street_officer)
    query = {"expression": FIGURE["expression"], "unit": cast.street.code, "day": DAY.isoformat()}

    answer = officer.get("/api/reports/indicator", query)
    page = officer.get("/reports/indicator/", query)

    assert answer.status_code == 200 and answer.json()["value"] == page.context["result"]["value"] == 2
    assert answer.json()["definition"] == page.context["result"]["definition"]
    assert len(answer.json()["sample"]) == 2


def test_the_indicator_preview_names_a_mistake_and_hides_other_units(cast, client_for, forms):
    worker = client_for(cast.community_b_worker)
    mistake = worker.get("/api/reports/indicator", {"expression": "count people where"},
                         HTTP_ACCEPT_LANGUAGE="zh-hans")
    outside = worker.get("/api/reports/indicator", {"expression": FIGURE["expression"], "unit": cast.street.code})
    assert mistake.status_code == 400 and mistake.json()["code"] == "invalid_indicator"
    assert "个字符处" in mistake.json()["fields"]["expression"][0]
    assert outside.status_code == 404


# -- the catalog of figures ---------------------------------------------------------------------------------------

def test_a_form_manager_makes_and_changes_a_figure_as_on_its_page(cast, client_for, forms):
    client = client_for(cast.city_admin)

    created = _send(client, "post", "/api/reports/figures", {"key": "hubei.home_quarantine", **FIGURE})
    changed = _send(client, "put", "/api/reports/figures/hubei_wuhan.managed",
                    {**FIGURE, "label_zh": "涉鄂涉汉人员·正在管理", "label_en": "People from Hubei or Wuhan · managed",
                     "expression": "count people where category = hubei"})

    assert created.status_code == 201, created.content
    assert created.json()["definition"] and created.json()["otherwise"] == []
    assert changed.status_code == 200
    assert {v["form"] for v in changed.json()["otherwise"]} >= {CODE}  # its forms still count it as before
    assert Figure.objects.get(key="hubei_wuhan.managed").expression == "count people where category = hubei"
    entries = AuditEntry.objects.filter(object_type="reports.figure").order_by("id")
    assert [e.action for e in entries][-2:] == ["create", "update"]


def test_a_figure_with_mistakes_is_refused_naming_each_in_chinese(cast, client_for, forms):
    client = client_for(cast.city_admin)
    refused = _send(client, "post", "/api/reports/figures", {
        "key": "Bad Key", **FIGURE, "label_zh": "涉鄂涉汉人员·正在管理", "parts": ["no.such"]})
    assert refused.status_code == 400
    fields = refused.json()["fields"]
    assert set(fields) == {"label_zh", "parts"}  # the service's own checks first
    assert fields["parts"] == ["指标库中没有“no.such”这个指标。"]
    bad_key = _send(client, "post", "/api/reports/figures", {"key": "Bad Key", **FIGURE})
    assert bad_key.status_code == 400 and "key" in bad_key.json()["fields"]
    assert _send(client, "put", "/api/reports/figures/no.such", FIGURE).status_code == 404
    assert not Figure.objects.filter(key="Bad Key").exists()


def test_the_figures_list_their_definitions_and_managers_their_indicators(cast, client_for, forms):
    officer = client_for(cast.street_officer).get("/api/reports/figures", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    manager = client_for(cast.city_admin).get("/api/reports/figures").json()
    managed = {f["key"]: f for f in officer}["hubei_wuhan.managed"]
    assert managed["label"] == "涉鄂涉汉人员·正在管理" and managed["definition"] and managed["expression"] is None
    assert {f["key"]: f for f in manager}["hubei_wuhan.managed"]["expression"].startswith("count people")
    assert len(officer) == Figure.objects.count()


def test_a_version_through_the_api_names_figures_as_the_editor_does(cast, client_for, forms):
    client = client_for(cast.city_admin)
    url = f"/api/reports/forms/{CODE}/versions"
    named = {"key": "hq", "figure": "hubei_wuhan.home_quarantine"}

    made = _send(client, "post", url, {"effective_from": "2020-06-01", "columns": [named]})
    otherwise = _send(client, "post", url, {"effective_from": "2020-06-02", "columns": [
        {**named, "expression": "count people where category = hubei"}]})
    unlabelled = _send(client, "post", url, {"effective_from": "2020-06-03", "columns": [
        {"key": "x", "expression": "count people where category = hubei"}]})

    assert made.status_code == 201, made.content
    [column] = made.json()["versions"][-1]["columns"]
    figure = Figure.objects.get(key="hubei_wuhan.home_quarantine")
    assert (column["figure"], column["expression"], column["label_zh"]) == (figure.key, figure.expression,
                                                                              figure.short_zh)
    assert otherwise.status_code == 400 and "hubei_wuhan.home_quarantine" in otherwise.json()["fields"]["hq"][0]
    assert "引用了指标" in otherwise.json()["fields"]["hq"][0]
    assert unlabelled.status_code == 400 and unlabelled.json()["fields"]["x"] == ["未选择指标的栏目需要填写栏目名。"]
