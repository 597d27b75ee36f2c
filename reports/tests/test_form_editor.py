"""The form editor (settings and a new version of the criteria, on a page and through the API) and the
timeliness board and reconciliation through the API."""

import datetime as dt
import json

import pytest
import time_machine

from core.models import AuditEntry
from reports.models import Form, FormVersion
from reports.tests.test_board import DAY, at, register, submit

CODE = "hubei_wuhan_daily"


def version_post(version: FormVersion, *, effective_from: str, columns=None, rules=None, note="") -> dict:
    """The editor's POST for a new version: the given columns and rules (default: the version's own)."""
    columns = version.columns if columns is None else columns
    rules = version.rules if rules is None else rules
    data = {"part": "version", "effective_from": effective_from, "note": note,
            "col-TOTAL_FORMS": len(columns), "col-INITIAL_FORMS": len(columns),
            "rule-TOTAL_FORMS": len(rules), "rule-INITIAL_FORMS": len(rules)}
    for i, c in enumerate(columns):
        data.update({f"col-{i}-{k}": c.get(k, "") for k in ("key", "label_zh", "label_en", "kind", "expression")})
    for i, r in enumerate(rules):
        data.update({f"rule-{i}-{k}": r.get(k, d) for k, d in (
            ("left", ""), ("op", ""), ("right", ""), ("importance", "error"), ("missing", "skip"),
            ("message_zh", ""), ("message_en", ""))})
    return data


def test_a_new_version_from_a_date_adds_a_column_and_the_versions_page_shows_it(cast, client_for, forms):
    client = client_for(cast.city_admin)
    form = forms[CODE]
    latest = form.versions.order_by("-effective_from").first()
    page = client.get(f"/reports/forms/{CODE}/edit/")
    assert page.status_code == 200 and latest.columns[0]["label_zh"] in page.content.decode()
    added = {"key": "hubei_only", "label_zh": "其中涉鄂", "label_en": "of whom from Hubei", "kind": "indicator",
             "expression": "count people where category = hubei"}

    response = client.post(f"/reports/forms/{CODE}/edit/",
                           version_post(latest, effective_from="2020-06-01", columns=[*latest.columns, added],
                                        note="新增其中涉鄂"))

    assert response.status_code == 302 and response["Location"].endswith(f"/reports/forms/{CODE}/versions/")
    new = form.versions.get(effective_from=dt.date(2020, 6, 1))
    assert new.columns[-1] == added and new.rules == latest.rules and new.created_by == cast.city_admin
    assert AuditEntry.objects.filter(object_type="reports.formversion", object_id=str(new.pk)).exists()
    versions = client.get(f"/reports/forms/{CODE}/versions/").content.decode()
    assert "其中涉鄂" in versions and "新增栏目" in versions


def test_a_mistake_in_an_indicator_is_shown_on_its_column_with_its_position(cast, client_for, forms):
    client = client_for(cast.city_admin)
    latest = forms[CODE].versions.order_by("-effective_from").first()
    broken = [dict(latest.columns[0], expression="count people where categroy = hubei")]

    response = client.post(f"/reports/forms/{CODE}/edit/",
                           version_post(latest, effective_from="2020-06-01", columns=broken, rules=[]))

    assert response.status_code == 200
    column_form = response.context["columns"].forms[0]
    assert column_form.errors["expression"] and "categroy" in column_form.errors["expression"][0]
    assert "20" in column_form.errors["expression"][0]  # the position
    assert not forms[CODE].versions.filter(effective_from=dt.date(2020, 6, 1)).exists()


def test_a_rule_naming_no_column_is_refused_on_its_line(cast, client_for, forms):
    client = client_for(cast.city_admin)
    latest = forms[CODE].versions.order_by("-effective_from").first()
    rules = [{"left": "managed", "op": ">=", "right": "home + nowhere"}, {"left": "managed", "op": "~", "right": "1"}]

    response = client.post(f"/reports/forms/{CODE}/edit/",
                           version_post(latest, effective_from="2020-06-01", rules=rules[:1]))

    assert response.status_code == 200
    assert "nowhere" in str(response.context["rules"].forms[0].non_field_errors())
    assert not forms[CODE].versions.filter(effective_from=dt.date(2020, 6, 1)).exists()


def test_settings_an_ad_hoc_form_with_its_days(cast, client_for, forms):
    client = client_for(cast.city_admin)
    form = forms[CODE]
    data = {"part": "settings", "name_zh": form.name_zh, "name_en": form.name_en, "period": "adhoc",
            "cutoff_minutes": 900, "due_minutes": 120, "requested_days": "2020-05-21，2020-05-18", "rows": "children",
            "higher_levels": "computed", "unit_kind": "township", "order": 1, "active": "on"}

    assert client.post(f"/reports/forms/{CODE}/edit/", {**data, "requested_days": "2020-05-32"}).status_code == 200
    response = client.post(f"/reports/forms/{CODE}/edit/", data)

    assert response.status_code == 302
    form.refresh_from_db()
    assert (form.period, form.requested_days) == ("adhoc", ["2020-05-18", "2020-05-21"])


def test_only_form_managers_edit_forms(cast, client_for, forms):
    officer = client_for(cast.street_officer)
    latest = forms[CODE].versions.first()
    assert officer.get(f"/reports/forms/{CODE}/edit/").status_code == 403
    assert officer.post(f"/reports/forms/{CODE}/edit/", version_post(latest, effective_from="2020-06-01")
                        ).status_code == 403
    assert officer.get("/reports/forms/new/").status_code == 403
    assert officer.get("/reports/forms/").status_code == 200
    response = officer.post(f"/api/reports/forms/{CODE}/versions", data=json.dumps(
        {"effective_from": "2020-06-01", "columns": latest.columns}), content_type="application/json")
    assert response.status_code == 403
    assert forms[CODE].versions.count() == 1


def test_the_api_creates_a_version_and_names_the_mistakes(cast, client_for, forms):
    client = client_for(cast.city_admin)
    latest = forms[CODE].versions.order_by("-effective_from").first()
    url = f"/api/reports/forms/{CODE}/versions"
    broken = [dict(latest.columns[0], expression="count people where")]
    refused = client.post(url, data=json.dumps({"effective_from": "2020-06-01", "columns": broken}),
                          content_type="application/json")
    assert refused.status_code == 400 and latest.columns[0]["key"] in refused.json()["fields"]

    created = client.post(url, data=json.dumps({"effective_from": "2020-06-01", "columns": latest.columns,
                                                "rules": latest.rules, "note": "同口径"}),
                          content_type="application/json")

    assert created.status_code == 201, created.content
    assert created.json()["versions"][-1]["effective_from"] == "2020-06-01"
    listed = client.get("/api/reports/forms").json()
    assert {f["code"] for f in listed} == set(forms)


def test_the_board_rates_and_reconciliation_through_the_api(cast, client_for, forms):
    register(1, cast.grid_a, "hubei", at(DAY, 9), "home_quarantine")
    submit(forms[CODE], cast.street, at(DAY, 16), cast.street_officer)
    register(2, cast.grid_a, "hubei", at(DAY, 10), "home_quarantine")  # after the submission
    client = client_for(cast.street_officer)

    with time_machine.travel(at(DAY, 18), tick=False):
        board = client.get(f"/api/reports/board?unit={cast.street.code}&day={DAY}").json()
        rates = client.get(f"/api/reports/rates?unit={cast.street.code}&first={DAY}&last={DAY}").json()
    cells = {c["form"]: c for c in board["rows"][0]["cells"]}
    assert cells[CODE]["status"] == "on_time" and cells[CODE]["submission_id"]
    assert board["counts"]["on_time"] == 1 and board["counts"]["missing"] == len(forms) - 1
    assert rates["total"] == {"expected": len(forms), "submitted": 1, "on_time": 1}

    rec = client.get(f"/api/reports/reconcile?unit={cast.street.code}&form={CODE}&day={DAY}").json()
    total = next(r for r in rec["rows"] if r["unit"] == "__total__")
    managed = next(c for c in total["cells"] if c["key"] == "managed")
    assert (managed["computed"], managed["submitted"], managed["differs"]) == (2, 1, True)
    assert rec["differences"] >= 1 and rec["history"][0]["actor"] == "贺英"

    outsider = client_for(cast.community_b_worker)
    assert outsider.get(f"/api/reports/reconcile?unit={cast.other_street.code}&form={CODE}&day={DAY}"
                        ).status_code == 404
    assert outsider.get(f"/api/reports/board?unit={cast.other_street.code}").status_code == 404


@pytest.mark.parametrize("first,last", [("2020-05-21", "2020-05-01"), ("2020-01-01", "2020-12-31")])
def test_rates_refuse_a_wrong_range(cast, client_for, forms, first, last):
    response = client_for(cast.street_officer).get(f"/api/reports/rates?first={first}&last={last}")
    assert response.status_code == 400 and response.json()["fields"]


def test_a_new_form_is_created_then_given_its_first_version(cast, client_for, forms):
    client = client_for(cast.city_admin)
    response = client.post("/reports/forms/new/", {
        "code": "publicity_weekly", "name_zh": "宣传周报", "name_en": "publicity weekly", "period": "weekly",
        "cutoff_minutes": 1440, "due_minutes": 600, "requested_days": "", "rows": "unit",
        "higher_levels": "computed", "unit_kind": "county", "order": 9, "active": "on"})
    assert response.status_code == 302 and response["Location"].endswith("/reports/forms/publicity_weekly/edit/")
    form = Form.objects.get(code="publicity_weekly")
    assert form.period == "weekly" and form.cutoff_minutes == 1440
    assert client.get(response["Location"]).status_code == 200
