"""Community B's front-line objects, for the enumerated scope test (accounts/tests/test_scope_enumerated.py):
every volunteers URL that takes an id answers 404 to community A's users."""

import datetime as dt

from django.utils import timezone

from accounts.models import User
from volunteers import services


def objects_of_b(cast) -> dict[str, dict]:
    """URL name → the path parameters naming an object of community B."""
    org = services.org_create(code="yuetang-org", name="月塘文明单位", level="city", unit=cast.community_b,
                              by=cast.community_b_worker)
    coordinator = User.objects.create_user(username="yt_coordinator", password="Test-password-2020")
    services.coordinator_add(org=org, user=coordinator, by=None)
    person = services.volunteer_add(org=org, name="月塘志愿者", by=coordinator)
    start = timezone.now() - dt.timedelta(minutes=30)
    need = services.need_post(site=cast.site_b, post="checkpoint", title="月塘值守", people=1,
                              slots=[(start, start + dt.timedelta(hours=4))], by=cast.community_b_worker)
    slot = need.slots.get()
    assignment = services.signup(slot=slot, person=person, by=coordinator, assign=True)
    org_b, a = {"pk": org.pk}, {"pk": assignment.pk}
    return {
        "volunteers:org": org_b, "volunteers:volunteer_add": org_b, "volunteers:coordinator_add": org_b,
        "volunteers:commendation_add": org_b, "volunteers:org_donors": org_b, "volunteers:person": {"pk": person.pk},
        "volunteers:need_create": {"pk": cast.site_b.pk}, "volunteers:roster": {"pk": cast.site_b.pk},
        "volunteers:area_roster": {"code": cast.community_b.code},
        "volunteers:need": {"pk": need.pk}, "volunteers:signup": {"pk": slot.pk},
        "volunteers:check_in": a, "volunteers:check_out": a, "volunteers:cancel": a,
        "volunteers:swap": a,
        "api:volunteer_need_get": {"need_id": need.pk}, "api:volunteer_signup": {"slot_id": slot.pk},
        "api:volunteer_check_in": {"assignment_id": assignment.pk},
        "api:volunteer_check_out": {"assignment_id": assignment.pk},
        "api:volunteer_cancel": {"assignment_id": assignment.pk},
        "api:volunteer_swap": {"assignment_id": assignment.pk},
        "api:volunteer_need_create": {"site_id": cast.site_b.pk},
        "api:volunteer_site_roster": {"site_id": cast.site_b.pk},
        "api:volunteer_area_roster": {"code": cast.community_b.code},
        "api:volunteer_org_get": {"org_id": org.pk}, "api:volunteer_add": {"org_id": org.pk},
        "api:volunteer_coordinator_add": {"org_id": org.pk}, "api:volunteer_commendation_add": {"org_id": org.pk},
        "api:volunteer_org_donor_link": {"org_id": org.pk}, "api:volunteer_org_donor_unlink": {"org_id": org.pk},
        "api:volunteer_record": {"volunteer_id": person.pk},
    }


# Bodies for the API operations whose payload is validated before the object is looked up (the slot is
# looked up before the person, the shift before the other, so any id will do).
API_BODIES = {"api:volunteer_signup": {"volunteer_id": 1}, "api:volunteer_swap": {"other_id": 1},
              "api:volunteer_need_create": {"post": "checkpoint", "title": "越界", "people": 1, "slots": [
                  {"start": "2020-02-03T08:00:00+08:00", "end": "2020-02-03T18:00:00+08:00"}]},
              "api:volunteer_add": {"name": "越界"}, "api:volunteer_coordinator_add": {"username": "yt_coordinator"},
              "api:volunteer_commendation_add": {"title": "越界", "given_on": "2020-02-01"},
              "api:volunteer_org_donor_link": {"donor_id": 1}, "api:volunteer_org_donor_unlink": {"donor_id": 1}}
