"""Sign-up and assignment: first come with a waiting list, double bookings and long days refused with a clear
message, stays at an enterprise, check-in and check-out, the seed's audit-bureau scenario end to end."""

import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from core.errors import DomainError
from reports.engine import table_compute
from reports.models import Form
from volunteers import selectors, services
from volunteers.demo import REPORT_FORMS
from volunteers.models import Assignment, CivilisedUnit
from volunteers.tests.conftest import local


def _stationed(teams, cast):
    stay = services.need_post(site=teams.steel, post="stationed", title="驻企防控", people=2,
                              slots=[(local(2020, 2, 12, 8), local(2020, 4, 10, 8))], by=teams.office)
    return [services.signup(slot=stay.slots.get(), person=p, by=teams.audit_coordinator, assign=True)
            for p in teams.people[-2:]]


def test_the_audit_bureau_scenario(cast, teams, client_for):
    """何芳 signs up first on her phone, the other nine follow; two cadres are stationed 58 days at the steel
    company; the tally, the report form and the ranking page show 10 people and 116 stationed person-days."""
    with time_machine.travel(local(2020, 1, 31, 20), tick=True):
        response = client_for(teams.hefang_user).post(
            f"/api/volunteer-slots/{teams.slot.pk}/signups", data=json.dumps({"volunteer_id": teams.hefang.pk}),
            content_type="application/json")
        assert response.status_code == 201 and response.json()["state"] == "confirmed"
        for person in teams.people[1:]:
            services.signup(slot=teams.slot, person=person, by=teams.audit_coordinator, assign=True)
    late = services.signup(slot=teams.slot, person=teams.lawyer, by=teams.justice_coordinator, assign=True)
    assert late.state == Assignment.State.WAITING  # ten places, ten taken
    view = selectors.need_slots(teams.duty, user=teams.office)[0]
    assert [a.volunteer.name for a in view.confirmed][0] == "何芳" and len(view.confirmed) == 10
    assert [a.volunteer.name for a in view.waiting] == ["罗平"]
    page = client_for(cast.community_a_worker).get(f"/volunteers/needs/{teams.duty.pk}/").content.decode()
    assert page.index("何芳") < page.index("王洪军") < page.index("罗平")

    stays = _stationed(teams, cast)
    assert all(a.state == Assignment.State.CONFIRMED and a.stationed for a in stays)
    after = local(2020, 4, 30, 18)
    audit_row = next(r for r in selectors.tally(CivilisedUnit.objects.all(), cutoff=after)
                     if r["org"] == teams.audit)
    assert audit_row["people"] == 10 and audit_row["stationed_days"] == 116 and audit_row["rank"] == 1

    call_command("reports_seed", str(REPORT_FORMS), "--dry-run", stdout=StringIO())  # every indicator checks
    call_command("reports_seed", str(REPORT_FORMS), stdout=StringIO())
    total = table_compute(form=Form.objects.get(code="volunteer_contribution"), unit=cast.city,
                          day=dt.date(2020, 4, 30)).total
    assert total["mobilised"] == 10 and total["stationed_days"] == 116 and total["stationed"] == 2
    midway = table_compute(form=Form.objects.get(code="volunteer_contribution"), unit=cast.city,
                           day=dt.date(2020, 2, 20)).total
    assert midway["stationed_days"] == 2 * 8  # 12 Feb 08:00 to 20 Feb 18:00: eight days each

    ranking = client_for(teams.office).get("/volunteers/tally/").content.decode()
    assert ranking.index("娄底市审计局") < ranking.index("娄底市司法局")
    csv = client_for(teams.office).get("/volunteers/tally/?format=csv").content.decode("utf-8-sig")
    first = csv.splitlines()[1]
    assert first.startswith("1,娄底市审计局,") and first.endswith(",10,0.0,116,0,0")


def test_a_double_booking_is_refused_with_a_clear_message(cast, teams, client_for):
    services.signup(slot=teams.slot, person=teams.hefang, by=teams.hefang_user)
    other = services.need_post(site=cast.site_a, post="errands", title="跑腿", people=2,
                               slots=[(local(2020, 2, 1, 17), local(2020, 2, 1, 19))], by=cast.community_a_worker)
    response = client_for(teams.hefang_user).post(
        f"/api/volunteer-slots/{other.slots.get().pk}/signups", data=json.dumps({"volunteer_id": teams.hefang.pk}),
        content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "double_booking" and "何芳" in body["message"] and "三元社区东门卡点" in body["message"]
    page = client_for(teams.audit_coordinator).post(f"/volunteers/slots/{other.slots.get().pk}/signup/",
                                                     {"volunteer": teams.hefang.pk}, follow=True)
    assert "三元社区东门卡点" in page.content.decode() and not Assignment.objects.filter(slot=other.slots.get()).exists()
    with pytest.raises(DomainError) as exc:  # the same slot twice
        services.signup(slot=teams.slot, person=teams.hefang, by=teams.hefang_user)
    assert exc.value.code == "double_booking"


def test_more_hours_in_a_day_than_the_maximum_is_refused(cast, teams, settings):
    services.signup(slot=teams.slot, person=teams.hefang, by=teams.hefang_user)  # 08:00–18:00, 10 hours
    evening = services.need_post(site=cast.site_a, post="registration", title="晚班登记", people=1,
                                 slots=[(local(2020, 2, 1, 19), local(2020, 2, 1, 22))], by=cast.community_a_worker)
    with pytest.raises(DomainError) as exc:
        services.signup(slot=evening.slots.get(), person=teams.hefang, by=teams.hefang_user)
    assert exc.value.code == "too_many_hours" and "13" in str(exc.value.message) and "12" in str(exc.value.message)
    settings.VOLUNTEERS_MAX_HOURS_PER_DAY = 14
    assert services.signup(slot=evening.slots.get(), person=teams.hefang, by=teams.hefang_user).state == "confirmed"


def test_a_stay_refuses_shifts_during_it(cast, teams):
    _stationed(teams, cast)
    later = services.need_post(site=cast.site_a, post="checkpoint", title="三月值守", people=1,
                               slots=[(local(2020, 3, 1, 8), local(2020, 3, 1, 18))], by=cast.community_a_worker)
    with pytest.raises(DomainError) as exc:
        services.signup(slot=later.slots.get(), person=teams.people[-1], by=teams.audit_coordinator, assign=True)
    assert exc.value.code == "double_booking" and "娄底市涟钢振兴金华建设有限公司" in str(exc.value.message)


def test_a_cancellation_moves_the_first_on_the_waiting_list_up(cast, teams):
    small = services.need_post(site=cast.site_a, post="supplies", title="分发物资", people=1,
                               slots=[(local(2020, 2, 2, 8), local(2020, 2, 2, 12))], by=cast.community_a_worker)
    slot = small.slots.get()
    first = services.signup(slot=slot, person=teams.people[0], by=teams.hefang_user)
    second = services.signup(slot=slot, person=teams.people[1], by=teams.audit_coordinator, assign=True)
    third = services.signup(slot=slot, person=teams.people[2], by=teams.audit_coordinator, assign=True)
    assert (second.state, third.state) == ("waiting", "waiting")
    with time_machine.travel(local(2020, 2, 1, 20), tick=False):
        moved = services.assignment_cancel(assignment=first, by=teams.hefang_user)
    assert moved.pk == second.pk and moved.state == "confirmed"
    third.refresh_from_db()
    assert third.state == "waiting"
    with time_machine.travel(local(2020, 2, 2, 13), tick=False), pytest.raises(DomainError) as exc:
        services.assignment_cancel(assignment=moved, by=teams.audit_coordinator)  # a no-show stays one
    assert exc.value.code == "ended"


def test_check_in_and_out_record_the_hours_served(cast, teams, client_for):
    a = services.signup(slot=teams.slot, person=teams.hefang, by=teams.hefang_user)
    phone = client_for(teams.hefang_user)
    with time_machine.travel(local(2020, 2, 1, 6), tick=False):
        early = phone.post(f"/api/volunteer-assignments/{a.pk}/check-in")
        assert early.status_code == 400 and early.json()["code"] == "outside_shift"
    with time_machine.travel(local(2020, 2, 1, 7, 50), tick=False):
        assert phone.get("/volunteers/").status_code == 200
        assert phone.post(f"/volunteers/assignments/{a.pk}/check-in/").status_code == 302
    with time_machine.travel(local(2020, 2, 1, 18, 5), tick=False):
        out = phone.post(f"/api/volunteer-assignments/{a.pk}/check-out")
    assert out.status_code == 200 and out.json()["minutes"] == 600  # the shift's ten hours, not the extra minutes
    assert selectors.person_hours(teams.hefang)["hours"] == 10.0
    assert selectors.site_hours([cast.site_a.pk]) == {cast.site_a.pk: 10.0}


def test_a_no_show_is_flagged_to_the_coordinator(cast, teams, client_for):
    services.signup(slot=teams.slot, person=teams.people[1], by=teams.audit_coordinator, assign=True)
    with time_machine.travel(local(2020, 2, 2, 9), tick=False):
        page = client_for(teams.audit_coordinator).get(f"/volunteers/units/{teams.audit.pk}/").content.decode()
    section = page.split('class="no-shows"')[1].split("</ul>")[0]
    assert "王洪军" in section


def test_commendations_count_in_the_tally(cast, teams, client_for):
    response = client_for(teams.office).post(f"/volunteers/units/{teams.audit.pk}/commendations/",
                                             {"title": "战疫一线显担当", "given_on": "2020-03-08",
                                              "volunteer": teams.hefang.pk})
    assert response.status_code == 302
    row = selectors.tally(CivilisedUnit.objects.filter(pk=teams.audit.pk))[0]
    assert row["commendations"] == 1
    # a coordinator does not commend their own unit
    assert client_for(teams.audit_coordinator).post(f"/volunteers/units/{teams.audit.pk}/commendations/",
                                                    {"title": "x", "given_on": "2020-03-08"}).status_code == 403


def test_two_people_swap_shifts_and_the_swap_is_recorded(cast, teams):
    morning = services.need_post(site=cast.site_a, post="errands", title="跑腿", people=1,
                                 slots=[(local(2020, 2, 2, 8), local(2020, 2, 2, 12))], by=cast.community_a_worker)
    hefang_day = services.signup(slot=teams.slot, person=teams.hefang, by=teams.hefang_user)
    wang_morning = services.signup(slot=morning.slots.get(), person=teams.people[1], by=teams.audit_coordinator,
                                   assign=True)
    first, second = services.assignment_swap(first=hefang_day, second=wang_morning, by=teams.audit_coordinator)
    hefang_day.refresh_from_db()
    wang_morning.refresh_from_db()
    assert hefang_day.volunteer == teams.people[1] and wang_morning.volunteer == teams.hefang
    assert hefang_day.state == wang_morning.state == "confirmed" and hefang_day.how == "swapped"
    # a swap that would double-book someone is refused
    clash = services.need_post(site=cast.site_b, post="checkpoint", title="南门", people=1,
                               slots=[(local(2020, 2, 2, 9), local(2020, 2, 2, 11))], by=cast.community_b_worker)
    other = services.signup(slot=clash.slots.get(), person=teams.people[2], by=teams.audit_coordinator, assign=True)
    later = services.need_post(site=cast.site_a, post="errands", title="跑腿", people=1,
                               slots=[(local(2020, 2, 3, 8), local(2020, 2, 3, 12))], by=cast.community_a_worker)
    hefang_later = services.signup(slot=later.slots.get(), person=teams.hefang, by=teams.hefang_user)
    with pytest.raises(DomainError) as exc:  # 何芳 is on the 2 Feb morning already
        services.assignment_swap(first=other, second=hefang_later, by=teams.audit_coordinator)
    assert exc.value.code == "double_booking"
