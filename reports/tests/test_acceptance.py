"""The information officer's 21 May 2020, on the demo data: the five forms give the seed report's
figures because the line list says so; a broken record is caught, drilled down to, fixed; the forms
are submitted and the district approves them; 10 March still shows the old criteria."""

import datetime as dt
import re

import pytest

from accounts.demo import demo_users
from accounts.models import User
from orgunits.demo import DEMO_STREET, demo_tree
from orgunits.models import OrgUnit
from persons import demo as people_demo
from persons.models import Person
from persons.tests.conftest import resident_id
from reports.demo import reports_demo
from reports.models import Form, Submission

DAY = "2020-05-21"


@pytest.fixture
def demo(db, settings):
    demo_tree()
    demo_users()
    people_demo.persons_demo()
    people_demo.nat_test_demo()
    reports_demo()
    return OrgUnit.objects.get(code=DEMO_STREET)


def _compute_all(client, street) -> dict[str, Submission]:
    for form in Form.objects.all():
        response = client.post(f"/reports/forms/{form.code}/compute/", {"unit": street.code, "day": DAY})
        assert response.status_code == 302
    return {s.form.code: s for s in Submission.objects.filter(unit=street, day=DAY).select_related("form")}


def _seen(submission) -> int:
    """The lock version the report's page shows now (what its 上报 sends back)."""
    return Submission.objects.get(pk=submission.pk).lock_version


def test_the_officers_day(demo, client_for):
    street = demo
    officer = User.objects.get(username="heying")
    client = client_for(officer)

    # 1. the five forms from the line list: the figures of the seed report
    submissions = _compute_all(client, street)
    totals = {code: s.values["total"] for code, s in submissions.items()}
    assert totals["hubei_wuhan_daily"]["managed"] == people_demo.HUBEI_WUHAN_MANAGED == 459
    assert totals["abroad_daily"]["total"] == people_demo.ABROAD_OR_PLANNING > 400
    assert totals["overseas_returnee_daily"]["managed"] == people_demo.OVERSEAS_RETURNEES_MANAGED == 30
    assert totals["close_contact_daily"]["registered"] == people_demo.CLOSE_CONTACTS_REGISTERED == 42
    assert all(not s.issues or all(i["importance"] == "warning" for i in s.issues) for s in submissions.values())

    # 2. a deliberately broken record: a person from Hubei registered without a management status
    sanyuan = OrgUnit.objects.get(code=DEMO_STREET + "001")
    response = client.post("/persons/new/", {"name": "刘某某", "doc_type": "resident_id",
                                             "doc_number": resident_id("431302", dt.date(1985, 3, 15), 1), "grid": sanyuan.code + "-01"})
    assert response.status_code == 302, response.content.decode()[:2000]
    broken = Person.objects.get(name="刘某某")
    client.post(f"/persons/{broken.pk}/categories/", {"category": "hubei", "start": "2020-05-21T10:00"})
    form1 = submissions["hubei_wuhan_daily"]
    client.post(f"/reports/s/{form1.pk}/action/", {"action": "recompute"})
    page = client.get(f"/reports/s/{form1.pk}/").content.decode()
    assert "未落实管理措施" in page and "errorlist" in page
    refused = client.post(f"/reports/s/{form1.pk}/action/", {"action": "submit", "lock_version": _seen(form1)},
                          follow=True).content.decode()
    assert "<li class=\"error\">" in refused and "未落实管理措施（无管理状态）" in refused
    assert Submission.objects.get(pk=form1.pk).state == "draft"

    # 3. drill down to the person behind the number, fix the record, recompute
    cell = client.get(f"/reports/s/{form1.pk}/cell/{sanyuan.code}/no_status/").content.decode()
    assert "刘某某" in cell and f"/persons/{broken.pk}/" in cell
    client.post(f"/persons/{broken.pk}/status/", {"status": "home_quarantine", "start": "2020-05-21T10:30"})
    client.post(f"/reports/s/{form1.pk}/action/", {"action": "recompute"})
    assert Submission.objects.get(pk=form1.pk).values["total"]["managed"] == 460

    # 4. submit the five forms; the district approves them
    for s in Submission.objects.filter(unit=street, day=DAY):
        explanation = "已核实" if s.issues else ""
        none = {f"cell:{r['unit']}:{c['key']}": "无" for r in s.values["rows"] for c in s.version.columns
                if c["kind"] == "manual"}  # a manual cell is answered, 无 when there is none
        client.post(f"/reports/s/{s.pk}/action/", {"action": "submit", "explanation": explanation,
                                                   "lock_version": s.lock_version, **none})
    assert set(Submission.objects.filter(unit=street, day=DAY).values_list("state", flat=True)) == {"submitted"}
    assert client_for(officer).post(f"/reports/s/{form1.pk}/action/", {"action": "approve"}).status_code == 404
    assert Submission.objects.get(pk=form1.pk).state == "submitted"  # the street cannot approve its own report
    district = client_for(User.objects.get(username="louxing"))
    for s in Submission.objects.filter(unit=street, day=DAY):
        district.post(f"/reports/s/{s.pk}/action/", {"action": "approve"})
    assert set(Submission.objects.filter(unit=street, day=DAY).values_list("state", flat=True)) == {"approved"}

    # 5. 10 March: form (3) is computed under the criteria in force then, without the test column
    returnees = Form.objects.get(code="overseas_returnee_daily")
    client.post(f"/reports/forms/{returnees.code}/compute/", {"unit": street.code, "day": "2020-03-10"})
    march = Submission.objects.get(form=returnees, unit=street, day="2020-03-10")
    assert march.version.effective_from == dt.date(2020, 1, 1)
    assert "nat_tested" not in march.values["total"]
    assert "已做核酸检测" not in client.get(f"/reports/s/{march.pk}/").content.decode()
    may = Submission.objects.get(form=returnees, unit=street, day=DAY)
    assert may.values["total"]["nat_tested"] == 30
    versions = client.get(f"/reports/forms/{returnees.code}/versions/").content.decode()
    assert re.search(r"新增栏目.*已做核酸检测.*核酸检测为阴性或阳性", versions, re.S)  # the added column, in words
    approved = Submission.objects.filter(unit=street, day=DAY)
    assert {(s.reviewed_by.username, s.reviewed_at >= s.submitted_at) for s in approved} == {("louxing", True)}
