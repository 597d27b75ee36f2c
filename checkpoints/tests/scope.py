"""Community B's checkpoint objects, for the enumerated scope test (accounts/tests/test_scope_enumerated.py):
every checkpoint URL that takes an id answers 404 to community A's users."""

from accounts.models import Membership, User
from accounts.roles import Role
from checkpoints import services
from orgunits.models import Site
from persons.models import Person

# Bodies for the API operations whose payload is validated before the object is looked up.
API_BODIES = {
    "api:checkpoint_reading_create": {"temperature": "36.5", "subject": "越界"},
    "api:checkpoint_reading_list": {"temperature": "36.5", "subject": "越界"},  # its path's POST
    "api:checkpoint_alert_recheck": {"temperature": "36.5"},
    "api:checkpoint_incident_step": {"kind": "separated"},
    "api:checkpoint_create": {"name": "越界"},
    "api:checkpoint_team_create": {"name": "越界"},
    "api:checkpoint_station_assign": {"username": "yt_liaison"},
    "api:checkpoint_device_register": {"code": "YT-09"},
    "api:checkpoint_member_add": {"name": "月塘职工", "doc_number": "431302198808080011"},
    "api:checkpoint_team_suspend": {"reason": "越界"},
}


def objects_of_b(cast) -> dict[str, dict]:
    """URL name → the path parameters naming an object of community B."""
    enterprise = Site.objects.create(unit=cast.community_b, unit_path=cast.community_b.path,
                                     kind=Site.Kind.ENTERPRISE, name="月塘企业")
    gate = services.checkpoint_create(site=enterprise, name="大门", by=cast.community_b_worker)
    device, _key = services.device_register(checkpoint=gate, code="YT-01", by=cast.community_b_worker)
    liaison = User.objects.create_user(username="yt_liaison", password="Test-password-2020")
    Membership.objects.create(user=liaison, role=Role.LIAISON, unit=cast.community_b,
                              unit_path=cast.community_b.path)
    station = services.station_assign(site=enterprise, user=liaison, by=cast.community_b_worker)
    team = services.team_create(site=enterprise, name="一班", by=cast.community_b_worker)
    worker = Person.objects.create(name="月塘职工", doc_number="431302198808080011", grid=cast.grid_b,
                                   unit_path=cast.grid_b.path)
    member = services.team_member_add(team=team, person=worker, badge="YT0001", by=cast.community_b_worker)
    alert = services.passage_record(checkpoint=gate, direction="in", code="YT0001", temperature="39.0",
                                    by=cast.community_b_worker).alert
    alert.recheck_due_at = alert.raised_at  # recheck at once: the incident exists for the test
    alert.save(update_fields=["recheck_due_at"])
    incident = services.alert_recheck(alert=alert, temperature="39.0", by=cast.community_b_worker).incident
    site, checkpoint = {"pk": enterprise.pk}, {"pk": gate.pk}
    return {
        "checkpoints:site": site, "checkpoints:checkpoint_create": site, "checkpoints:team_create": site,
        "checkpoints:station_assign": site, "checkpoints:rule_set": site,
        "checkpoints:gate": checkpoint, "checkpoints:pass": checkpoint, "checkpoints:people": checkpoint,
        "checkpoints:log": checkpoint, "checkpoints:device_register": checkpoint,
        "checkpoints:station_end": {"pk": station.pk}, "checkpoints:device_deactivate": {"pk": device.pk},
        "checkpoints:device_key_rotate": {"pk": device.pk},
        "checkpoints:team": {"pk": team.pk}, "checkpoints:member_add": {"pk": team.pk},
        "checkpoints:team_suspend": {"pk": team.pk}, "checkpoints:team_release": {"pk": team.pk},
        "checkpoints:member_remove": {"pk": member.pk},
        "checkpoints:alert": {"pk": alert.pk}, "checkpoints:alert_recheck": {"pk": alert.pk},
        "checkpoints:incident": {"pk": incident.pk}, "checkpoints:incident_step": {"pk": incident.pk},
        "api:checkpoint_passage_list": {"checkpoint_id": gate.pk},
        "api:checkpoint_passage_create": {"checkpoint_id": gate.pk},
        "api:checkpoint_reading_create": {"checkpoint_id": gate.pk},
        "api:checkpoint_reading_list": {"checkpoint_id": gate.pk},
        "api:checkpoint_people_search": {"checkpoint_id": gate.pk},
        "api:checkpoint_alert_get": {"alert_id": alert.pk},
        "api:checkpoint_alert_recheck": {"alert_id": alert.pk},
        "api:checkpoint_incident_get": {"incident_id": incident.pk},
        "api:checkpoint_incident_step": {"incident_id": incident.pk},
        "api:checkpoint_team_get": {"team_id": team.pk},
        "api:checkpoint_site_get": {"site_id": enterprise.pk},
        "api:checkpoint_create": {"site_id": enterprise.pk},
        "api:checkpoint_team_create": {"site_id": enterprise.pk},
        "api:checkpoint_station_assign": {"site_id": enterprise.pk},
        "api:checkpoint_rule_get": {"site_id": enterprise.pk},
        "api:checkpoint_rule_set": {"site_id": enterprise.pk},  # its PUT: checkpoints/tests/test_api_setup.py
        "api:checkpoint_station_end": {"station_id": station.pk},
        "api:checkpoint_device_register": {"checkpoint_id": gate.pk},
        "api:checkpoint_device_key_rotate": {"device_id": device.pk},
        "api:checkpoint_device_deactivate": {"device_id": device.pk},
        "api:checkpoint_member_add": {"team_id": team.pk},
        "api:checkpoint_member_remove": {"member_id": member.pk},
        "api:checkpoint_team_suspend": {"team_id": team.pk},
        "api:checkpoint_team_release": {"team_id": team.pk},
    }


# -- the demo city's objects for the valid write requests of fangkong/tests/api_writes.py ---------------------------

def demo_enterprise() -> int:
    from checkpoints.demo import ENTERPRISE

    return Site.objects.get(name=ENTERPRISE).pk


def demo_team() -> int:
    from checkpoints.models import Team

    return Team.objects.filter(site_id=demo_enterprise()).order_by("pk").values_list("pk", flat=True)[0]


def demo_gate() -> int:
    from checkpoints.models import Checkpoint

    return Checkpoint.objects.filter(site_id=demo_enterprise()).order_by("pk").values_list("pk", flat=True)[0]


def demo_liaison(d) -> str:
    """A liaison of the demo's street not stationed anywhere yet."""
    from orgunits.demo import DEMO_STREET
    from orgunits.models import OrgUnit

    street = OrgUnit.objects.get(code=DEMO_STREET)
    user = User.objects.create_user(username=f"liaison{d.next()}", password="Test-password-2020")
    Membership.objects.create(user=user, role=Role.LIAISON, unit=street, unit_path=street.path)
    return user.username




def demo_worker(d) -> dict:
    """A registered person on no team yet, as on their ID card."""
    import datetime as dt

    from orgunits.models import OrgUnit
    from persons.tests.conftest import resident_id

    grid = OrgUnit.objects.filter(kind=OrgUnit.Kind.GRID, code__startswith="431302004001").order_by("code")[0]
    worker = {"name": "钱七", "doc_number": resident_id(birth=dt.date(1931, 2, 3), seq=600 + d.next())}
    d.post("/api/persons", {**worker, "grid": grid.code})
    return worker



def demo_suspended_team(d) -> int:
    team = demo_team()
    d.post(f"/api/checkpoint-teams/{team}/suspend", {"reason": "排查"})
    return team
