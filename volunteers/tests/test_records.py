"""Service records and what the tally counts: donors of the supplies ledger linked to a civilised unit (the
audit bureau's staff gave 58,200 yuan), duties done per post type on a person's and a unit's page, the tally's
Excel export, a volunteer cancelling their own duty to come (the waiting list moves up), the roster of a whole
street, and a shift's longest length."""

import datetime as dt
import io
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from core.errors import DomainError
from core.tabular import date_zh
from reports.engine import table_compute
from reports.models import Form
from reports.services import forms_seed
from supplies import services as supplies
from supplies.models import Donor, Location
from volunteers import selectors, services, views
from volunteers.demo import REPORT_FORMS
from volunteers.forms import DonorLinkForm
from volunteers.models import Assignment, CivilisedUnit, UnitDonor
from volunteers.tests.conftest import local


@pytest.fixture
def gifts(cast):
    """The bureau's staff's group gift (58,200 yuan, 5 Feb 2020), a later gift of theirs (1 May 2020), another
    donor of the city, and a donor registered with the province (outside the city office's scope)."""
    account = supplies.location_create(unit=cast.city, kind=Location.Kind.ACCOUNT, name="娄底市红十字会捐款账户",
                                       by=None)
    staff = supplies.donor_register(name="娄底市审计局干部职工", kind=Donor.Kind.GROUP, unit=cast.city, members=111,
                                    members_note="在职干部职工73名、离退休老干部38名", by=None)
    for day, amount in ((dt.date(2020, 2, 5), "58200"), (dt.date(2020, 5, 1), "1000")):
        supplies.donation_register(donor=staff, kind="money", received_on=day, channel="bank", recipient=account,
                                   amount=amount, receipt_number=f"R-{day:%m%d}", receipt_date=day, by=None)
    chamber = supplies.donor_register(name="长青商会", kind=Donor.Kind.ORGANISATION, unit=cast.city, by=None)
    supplies.donation_register(donor=chamber, kind="money", received_on=dt.date(2020, 2, 6), channel="bank",
                               recipient=account, amount="3000", by=None)
    far = supplies.donor_register(name="湖南省某基金会", kind=Donor.Kind.ORGANISATION, unit=cast.province, by=None)
    return type("Gifts", (), {"staff": staff, "chamber": chamber, "far": far})


def _audit_row(cutoff):
    return next(r for r in selectors.tally(CivilisedUnit.objects.all(), cutoff=cutoff) if r["org"].code == "audit")


# -- donations from the supplies ledger ----------------------------------------------------------------------

def test_the_office_links_the_bureaus_group_gift_and_the_tally_counts_it(cast, teams, gifts, client_for):
    office = client_for(teams.office)
    page = office.get(f"/volunteers/units/{teams.audit.pk}/").content.decode()
    assert f'action="/volunteers/units/{teams.audit.pk}/donors/"' in page
    picker = page.split('<select name="donor"')[1].split("</select>")[0]
    assert f'<option value="{gifts.staff.pk}">娄底市审计局干部职工</option>' in picker
    assert "湖南省某基金会" not in picker  # registered with the province: not the office's to see
    response = office.post(f"/volunteers/units/{teams.audit.pk}/donors/", {"donor": gifts.staff.pk})
    assert response.status_code == 302 and list(teams.audit.donors.all()) == [gifts.staff]

    assert _audit_row(local(2020, 4, 30, 18))["donations"] == 58200  # the May gift comes later
    assert _audit_row(local(2020, 5, 2, 18))["donations"] == 59200
    justice = next(r for r in selectors.tally(CivilisedUnit.objects.all()) if r["org"].code == "justice")
    assert justice["donations"] == 0  # the chamber of commerce gives for nobody here
    forms_seed(path=REPORT_FORMS)
    form = Form.objects.get(code="volunteer_contribution")
    assert table_compute(form=form, unit=cast.city, day=dt.date(2020, 4, 30)).total["donations"] == 58200
    assert table_compute(form=form, unit=cast.city, day=dt.date(2020, 2, 4)).total["donations"] == 0

    with translation.override("zh-hans"):
        unit_page = office.get(f"/volunteers/units/{teams.audit.pk}/").content.decode()
    donors = unit_page.split('class="donors"')[1].split("</ul>")[0]
    assert "娄底市审计局干部职工" in donors and "59200" in donors and "在职干部职工73名" in donors
    csv = office.get("/volunteers/tally/?format=csv").content.decode("utf-8-sig")
    assert next(line for line in csv.splitlines() if ",娄底市审计局," in line).endswith(",59200,0")

    # unlinked, the tally forgets the gift
    assert office.post(f"/volunteers/units/{teams.audit.pk}/donors/", {"remove": gifts.staff.pk}).status_code == 302
    assert not teams.audit.donors.exists() and _audit_row(local(2020, 4, 30, 18))["donations"] == 0


def test_a_donor_gives_for_one_unit_only(cast, teams, gifts, client_for):
    services.org_donor_link(org=teams.audit, donor=gifts.staff, by=teams.office)
    with pytest.raises(DomainError) as exc:
        services.org_donor_link(org=teams.justice, donor=gifts.staff, by=teams.office)
    assert exc.value.code == "duplicate" and "娄底市审计局" in str(exc.value.message)
    page = client_for(teams.office).post(f"/volunteers/units/{teams.justice.pk}/donors/", {"donor": gifts.staff.pk},
                                         follow=True).content.decode()
    assert "娄底市审计局干部职工" in page and "娄底市审计局" in page
    assert UnitDonor.objects.get(donor=gifts.staff).org == teams.audit


def test_only_the_office_links_donors_it_may_see(cast, teams, gifts, client_for):
    # a coordinator does not link donors to their own unit
    assert client_for(teams.audit_coordinator).post(f"/volunteers/units/{teams.audit.pk}/donors/",
                                                    {"donor": gifts.staff.pk}).status_code == 403
    assert client_for(teams.justice_coordinator).post(f"/volunteers/units/{teams.audit.pk}/donors/",
                                                      {"donor": gifts.staff.pk}).status_code == 404
    # a donor outside the office's scope is refused, named
    office = client_for(teams.office)
    page = office.post(f"/volunteers/units/{teams.audit.pk}/donors/", {"donor": gifts.far.pk}, follow=True)
    assert page.status_code == 200 and not teams.audit.donors.exists()
    with translation.override("zh-hans"):
        page = office.post(f"/volunteers/units/{teams.audit.pk}/donors/", {"donor": "x"}, follow=True)
        label = str(DonorLinkForm.base_fields["donor"].label)
    assert label in page.content.decode().split('class="messages"')[1].split("</ul>")[0]
    # the search narrows the list to matching names
    found = office.get(f"/volunteers/units/{teams.audit.pk}/?donor_q=商会").content.decode()
    picker = found.split('<select name="donor"')[1].split("</select>")[0]
    assert "长青商会" in picker and "娄底市审计局干部职工" not in picker


def test_the_tally_is_a_fixed_number_of_queries_whatever_the_units(cast, teams, gifts):
    services.org_donor_link(org=teams.audit, donor=gifts.staff, by=teams.office)
    with CaptureQueriesContext(connection) as two:
        selectors.tally(CivilisedUnit.objects.all())
    for n in range(3):
        org = services.org_create(code=f"more-{n}", name=f"文明单位{n}", level="city", unit=cast.city, by=None)
        services.org_donor_link(org=org, donor=supplies.donor_register(name=f"捐赠人{n}", kind="organisation",
                                                                        unit=cast.city, by=None), by=None)
    with CaptureQueriesContext(connection) as five:
        rows = selectors.tally(CivilisedUnit.objects.all())
    assert len(rows) == 5 and len(five.captured_queries) == len(two.captured_queries)


def test_the_demo_links_the_bureau_to_its_staffs_gift(db):
    from orgunits.demo import demo_tree
    from supplies.demo import supplies_demo
    from volunteers.demo import volunteers_demo

    demo_tree()
    supplies_demo()
    assert volunteers_demo()["donors linked"] == 1
    assert volunteers_demo()["donors linked"] == 0  # once
    row = next(r for r in selectors.tally(CivilisedUnit.objects.all(), cutoff=local(2020, 4, 30, 18))
               if r["org"].name == "娄底市审计局")
    assert (row["people"], row["stationed_days"], row["donations"]) == (10, 116, 58200)


# -- duties done -----------------------------------------------------------------------------------------

def _duties(teams, cast):
    """何芳: the checkpoint shift of 1 Feb checked out (10 h) and an errand of 3 Feb (2 h); two cadres stationed
    from 12 Feb for 58 days; 王洪军 on the checkpoint shift without checking in."""
    hefang = services.signup(slot=teams.slot, person=teams.hefang, by=teams.hefang_user)
    services.check_in(assignment=hefang, by=None, at=local(2020, 2, 1, 8))
    services.check_out(assignment=hefang, by=None, at=local(2020, 2, 1, 18))
    services.signup(slot=teams.slot, person=teams.people[1], by=teams.audit_coordinator, assign=True)
    errand = services.need_post(site=cast.site_a, post="errands", title="跑腿代购", people=1,
                                slots=[(local(2020, 2, 3, 9), local(2020, 2, 3, 11))], by=cast.community_a_worker)
    a = services.signup(slot=errand.slots.get(), person=teams.hefang, by=teams.hefang_user)
    services.check_in(assignment=a, by=None, at=local(2020, 2, 3, 9))
    services.check_out(assignment=a, by=None, at=local(2020, 2, 3, 11))
    stay = services.need_post(site=teams.steel, post="stationed", title="驻企", people=2,
                              slots=[(local(2020, 2, 12, 8), local(2020, 4, 10, 8))], by=teams.office)
    for p in teams.people[-2:]:
        services.signup(slot=stay.slots.get(), person=p, by=teams.audit_coordinator, assign=True)


def test_duties_done_per_post_on_the_person_and_unit_pages(cast, teams, client_for):
    _duties(teams, cast)
    mine = {d.post: d for d in selectors.duties_done(teams.hefang.assignments.all(), cutoff=local(2020, 5, 1))}
    assert set(mine) == {"checkpoint", "errands"}
    assert (mine["checkpoint"].shifts, mine["checkpoint"].hours) == (1, 10.0)
    assert (mine["errands"].shifts, mine["errands"].hours) == (1, 2.0)
    unit = {d.post: d for d in selectors.duties_done(Assignment.objects.filter(org=teams.audit),
                                                      cutoff=local(2020, 5, 1))}
    assert unit["checkpoint"].shifts == 1  # 王洪军 never checked in: no duty done
    assert (unit["stationed"].stays, unit["stationed"].stationed_days) == (2, 116)
    midway = {d.post: d for d in selectors.duties_done(Assignment.objects.filter(org=teams.audit),
                                                        cutoff=local(2020, 2, 20, 18))}
    assert midway["stationed"].stationed_days == 16
    assert selectors.person_hours(teams.hefang) == {"hours": 12.0, "shifts": 2, "stationed_days": 0}

    with translation.override("zh-hans"):
        person = client_for(teams.hefang_user).get(f"/volunteers/people/{teams.hefang.pk}/").content.decode()
        org = client_for(teams.audit_coordinator).get(f"/volunteers/units/{teams.audit.pk}/").content.decode()
    table = person.split('class="duties"')[1].split("</table>")[0]
    assert 'data-post="checkpoint"' in table and 'data-post="errands"' in table
    assert '<td class="hours">10.0</td>' in table and '<td class="hours">2.0</td>' in table
    table = org.split('class="duties"')[1].split("</table>")[0]
    assert 'data-post="stationed"' in table and '<td class="days">116</td>' in table


def test_duties_done_is_one_query(cast, teams):
    _duties(teams, cast)
    with CaptureQueriesContext(connection) as captured:
        selectors.duties_done(Assignment.objects.filter(org=teams.audit))
    assert len(captured.captured_queries) == 1


# -- exports ---------------------------------------------------------------------------------------------

def test_the_tally_exports_to_excel(cast, teams, gifts, client_for):
    services.org_donor_link(org=teams.audit, donor=gifts.staff, by=teams.office)
    services.signup(slot=teams.slot, person=teams.hefang, by=teams.hefang_user)
    office = client_for(teams.office)
    assert 'href="?format=xlsx"' in office.get("/volunteers/tally/").content.decode()
    with translation.override("zh-hans"):
        response = office.get("/volunteers/tally/?format=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="volunteer-tally.xlsx"' in response["Content-Disposition"]
    name = f"贡献统计-{date_zh(timezone.localdate())}.xlsx"
    assert response["Content-Disposition"].endswith(f"; filename*=UTF-8''{quote(name)}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:2] == ["排名", "文明单位"]
    assert rows[1][:4] == [1, "娄底市审计局", "全国", 1] and rows[1][6] == 59200
    assert rows[2][1] == "娄底市司法局" and len(rows) == 3
    # a coordinator exports only their own unit
    only = load_workbook(io.BytesIO(client_for(teams.justice_coordinator).get(
        "/volunteers/tally/?format=xlsx").content)).active
    assert [r[1] for r in only.iter_rows(min_row=2, values_only=True)] == ["娄底市司法局"]


# -- one's own duty to come ----------------------------------------------------------------------------------

def test_a_volunteer_cancels_their_duty_to_come_and_the_waiting_list_moves_up(cast, teams, client_for):
    small = services.need_post(site=cast.site_a, post="supplies", title="分发物资", people=1,
                               slots=[(local(2020, 2, 3, 8), local(2020, 2, 3, 12))], by=cast.community_a_worker)
    mine = services.signup(slot=small.slots.get(), person=teams.hefang, by=teams.hefang_user)
    waiting = services.signup(slot=small.slots.get(), person=teams.people[1], by=teams.audit_coordinator, assign=True)
    full = services.need_post(site=cast.site_a, post="errands", title="跑腿", people=1,
                              slots=[(local(2020, 2, 4, 8), local(2020, 2, 4, 12))], by=cast.community_a_worker)
    services.signup(slot=full.slots.get(), person=teams.people[2], by=teams.audit_coordinator, assign=True)
    queued = services.signup(slot=full.slots.get(), person=teams.hefang, by=teams.hefang_user)
    today = services.signup(slot=teams.slot, person=teams.hefang, by=teams.hefang_user)  # 1 Feb 08:00–18:00
    assert (mine.state, waiting.state, queued.state) == ("confirmed", "waiting", "waiting")
    phone = client_for(teams.hefang_user)
    with time_machine.travel(local(2020, 2, 1, 7), tick=False), translation.override("zh-hans"):
        home = phone.get("/volunteers/").content.decode()
        upcoming = home.split('class="vol-list upcoming"')[1].split("</ul>")[0]
        assert f'action="/volunteers/assignments/{mine.pk}/cancel/"' in upcoming
        assert f'action="/volunteers/assignments/{queued.pk}/cancel/"' in upcoming
        assert "候补" in upcoming  # the waiting-list place is shown as such
        assert f'action="/volunteers/assignments/{today.pk}/cancel/"' in home  # today's, not begun
        response = phone.post(f"/volunteers/assignments/{mine.pk}/cancel/", {"next": "/volunteers/"})
        assert response.status_code == 302 and response["Location"] == "/volunteers/"
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert mine.state == "cancelled" and waiting.state == "confirmed"
    with time_machine.travel(local(2020, 2, 1, 8, 30), tick=False):
        services.check_in(assignment=today, by=teams.hefang_user)
        home = phone.get("/volunteers/").content.decode()
    assert f'/assignments/{today.pk}/cancel/' not in home  # checked in: no cancelling
    assert f'/assignments/{mine.pk}/cancel/' not in home  # cancelled: gone from the list
    # nobody cancels someone else's shift
    assert client_for(teams.justice_coordinator).post(f"/volunteers/assignments/{waiting.pk}/cancel/").status_code \
        in (403, 404)


# -- the roster of an area ------------------------------------------------------------------------------------

def test_the_street_roster_lists_every_site_of_the_street_on_a_day(cast, teams, client_for, monkeypatch):
    _duties(teams, cast)
    south = services.need_post(site=cast.site_b, post="registration", title="南门登记", people=1,
                               slots=[(local(2020, 2, 1, 22), local(2020, 2, 2, 6))], by=cast.community_b_worker)
    services.signup(slot=south.slots.get(), person=teams.lawyer, by=teams.justice_coordinator, assign=True)
    officer = client_for(cast.street_officer)
    with translation.override("zh-hans"):
        page = officer.get(f"/volunteers/areas/{cast.street.code}/roster/?day=2020-02-01").content.decode()
    roster = page.split('class="roster area-roster"')[1].split("</table>")[0]
    assert roster.index("三元社区东门卡点") < roster.index("何芳") < roster.index("月塘社区南门卡点") \
        < roster.index("罗平")
    assert "08:00–18:00" in roster
    rows = {row.split("<td>")[2].split("<")[0]: row for row in roster.split("<tr data-assignment=")[1:]}
    assert 'class="tag late"' in rows["王洪军"] and "late" not in rows["何芳"]  # he never checked in; she did
    night = officer.get(f"/volunteers/areas/{cast.street.code}/roster/?day=2020-02-02").content.decode()
    assert "罗平" in night and "何芳" not in night  # the night shift runs past midnight
    stay = officer.get(f"/volunteers/areas/{cast.street.code}/roster/?day=2020-03-15").content.decode()
    assert "康双丰" in stay and "周里" in stay and teams.steel.name in stay
    assert officer.get(f"/volunteers/areas/{cast.street.code}/roster/?day=2020-04-11").content.decode().count(
        "data-assignment=") == 0
    # a community sees its own area, not its neighbour's
    community_a = client_for(cast.community_a_worker)
    own = community_a.get(f"/volunteers/areas/{cast.community_a.code}/roster/?day=2020-02-01").content.decode()
    assert "何芳" in own and "罗平" not in own
    assert community_a.get(f"/volunteers/areas/{cast.community_b.code}/roster/").status_code == 404
    assert community_a.get(f"/volunteers/areas/{cast.street.code}/roster/").status_code == 404
    assert client_for(teams.audit_coordinator).get(f"/volunteers/areas/{cast.street.code}/roster/").status_code == 404
    # an area with more people on duty than a page lists sends the reader to its parts
    monkeypatch.setattr(views, "AREA_ROSTER_LIMIT", 1)
    crowded = officer.get(f"/volunteers/areas/{cast.street.code}/roster/?day=2020-02-01").content.decode()
    assert "data-assignment=" not in crowded
    assert f'href="/volunteers/areas/{cast.community_a.code}/roster/?day=2020-02-01"' in crowded


def test_the_roster_finds_shifts_and_stays_in_a_fixed_number_of_queries(cast, teams):
    _duties(teams, cast)
    assert [a.volunteer.name for a in selectors.roster(teams.steel, dt.date(2020, 3, 1))] == ["周里", "康双丰"]
    with CaptureQueriesContext(connection) as captured:
        rows = selectors.area_roster(cast.street, dt.date(2020, 2, 1), limit=100)
    assert [(r.name, r.progress) for r in rows] == [("何芳", selectors.OUT), ("王洪军", selectors.NOT_IN)]
    assert len(captured.captured_queries) == 4
    assert rows[0].site == "三元社区东门卡点" and rows[0].post == "checkpoint" and rows[0].start == local(2020, 2, 1, 8)
    assert selectors.area_roster(cast.street, dt.date(2020, 2, 1), limit=1) is None  # too many for the page


def test_a_shift_longer_than_a_day_is_refused(cast, teams):
    with pytest.raises(DomainError) as exc:
        services.need_post(site=cast.site_a, post="checkpoint", title="连轴转", people=1,
                           slots=[(local(2020, 2, 1, 8), local(2020, 2, 2, 9))], by=cast.community_a_worker)
    assert exc.value.code == "invalid" and "24" in str(exc.value.message)
    need = services.need_post(site=cast.site_a, post="checkpoint", title="值守", people=1,
                              slots=[(local(2020, 2, 1, 8), local(2020, 2, 1, 18))], by=cast.community_a_worker)
    with pytest.raises(DomainError):
        services.slot_add(need=need, start=local(2020, 2, 3, 8), end=local(2020, 2, 5, 8), by=None)
    stay = services.need_post(site=teams.steel, post="stationed", title="驻企", people=1,
                              slots=[(local(2020, 2, 1, 8), local(2020, 3, 1, 8))], by=teams.office)
    assert stay.slots.count() == 1  # a stay runs for days or weeks
