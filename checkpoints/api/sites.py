"""Setting checkpoints up through the API as on a site's and a team's pages: a site with its gates, devices,
stationed liaisons, teams and fever rule; opening a gate, registering a device (its key shown once), stationing a
liaison, adding a team and its workers, stopping and releasing a team. The same services, selectors and scope as
the pages: an object outside the caller's scope answers 404."""

from django.http import HttpRequest
from ninja import Router, Status

from accounts.roles import CHECKPOINTS_MANAGE, CHECKPOINTS_RECORD, CHECKPOINTS_VIEW
from checkpoints import schemas, selectors, services
from checkpoints.access import site_require
from checkpoints.people import roster_shown
from checkpoints.services.common import rule_for

router = Router(tags=["checkpoints"])


def checkpoint_out(c, *, site=None) -> dict:
    site = site or c.site
    return {"id": c.pk, "name": c.name, "site_id": c.site_id, "site": site.name, "site_kind": site.kind,
            "unit_path": c.unit_path, "active": c.active}


def _device_out(d) -> dict:
    return {"id": d.pk, "checkpoint_id": d.checkpoint_id, "code": d.code, "name": d.name, "active": d.active,
            "key_prefix": d.key_prefix, "key_issued_at": d.key_issued_at, "last_used_at": d.last_used_at}


def _device_key_out(device_and_key) -> dict:
    """A device with its key: the answer that gives a device a key is the only one that shows it."""
    device, key = device_and_key
    return {**_device_out(device), "key": key}


def _station_out(s) -> dict:
    return {"id": s.pk, "site_id": s.site_id, "user": str(s.user), "start": s.start, "end": s.end}


def _rule_out(site) -> dict:
    rule = rule_for(site.pk)
    return {"site_id": site.pk, "own": rule.site_id == site.pk, "threshold": rule.threshold,
            "recheck_minutes": rule.recheck_minutes, "temperature_required": rule.temperature_required}


def _member_out(m) -> dict:
    suspended = getattr(m, "suspended", None)
    return {"id": m.pk, "person_id": m.shown.id, "name": m.shown.name, "badge": m.badge,
            "suspended_at": suspended.start if suspended else None}


def team_out(user, team) -> dict:
    """A team as on its page: the roster as `user` may see it (checkpoints.people.roster_shown), its suspensions."""
    suspensions = selectors.suspensions_of(team)
    current = next((s for s in suspensions if s.end is None), None)
    return {"id": team.pk, "site_id": team.site_id, "name": team.name, "leader": team.leader,
            "leader_phone": team.leader_phone, "suspended_since": current.start if current else None,
            "members": [_member_out(m) for m in roster_shown(user, selectors.team_roster(team))],
            "suspensions": [{"start": s.start, "end": s.end, "reason": s.reason, "incident_id": s.incident_id,
                             "members": len(s.members.all())} for s in suspensions]}


@router.get("/checkpoint-sites", response=list[schemas.SiteSummaryOut],
            summary="Community checkpoints and enterprises in scope, with their gates, as on the duty page")
def checkpoint_site_list(request: HttpRequest):
    scope = site_require(request.user, CHECKPOINTS_VIEW)
    return [{"id": site.pk, "name": site.name, "kind": site.kind, "unit_path": site.unit_path,
             "checkpoints": [checkpoint_out(c, site=site) for c in site.checkpoints.all()]}
            for site in selectors.sites_in_scope(scope)[:300]]


@router.get("/checkpoint-sites/{site_id}", response=schemas.CheckpointSiteOut,
            summary="A community checkpoint or enterprise: its gates and devices, liaisons, teams and fever rule")
def checkpoint_site_get(request: HttpRequest, site_id: int):
    site = selectors.site_get_for_user(request.user, site_id)
    return {"id": site.pk, "name": site.name, "kind": site.kind, "unit_path": site.unit_path,
            "checkpoints": [{"id": c.pk, "name": c.name, "active": c.active,
                             "devices": [_device_out(d) for d in c.devices.all()]}
                            for c in selectors.site_checkpoints(site)],
            "stations": [_station_out(s) for s in selectors.stations_of(site)],
            "teams": [{"id": t.pk, "name": t.name, "leader": t.leader, "active": t.active, "members": t.current,
                       "suspended_since": t.suspension.start if t.suspension else None}
                      for t in selectors.teams_of(site)],
            "rule": _rule_out(site)}


def _site(request, site_id: int):
    return selectors.site_get_for_user(request.user, site_id, perm=CHECKPOINTS_MANAGE)


@router.post("/checkpoint-sites/{site_id}/checkpoints", response={201: schemas.CheckpointOut},
             summary="Open a checkpoint (a gate) at a community checkpoint or an enterprise")
def checkpoint_create(request: HttpRequest, site_id: int, payload: schemas.CheckpointIn):
    checkpoint = services.checkpoint_create(site=_site(request, site_id), name=payload.name, by=request.user)
    return Status(201, checkpoint_out(checkpoint))


@router.post("/checkpoint-sites/{site_id}/teams", response={201: schemas.TeamOut}, summary="Add a shift team to an enterprise")
def checkpoint_team_create(request: HttpRequest, site_id: int, payload: schemas.TeamIn):
    team = services.team_create(site=_site(request, site_id), name=payload.name, leader=payload.leader,
                                leader_phone=payload.leader_phone, by=request.user)
    return Status(201, team_out(request.user, team))


@router.post("/checkpoint-sites/{site_id}/stations", response={201: schemas.StationOut},
             summary="Station a liaison at an enterprise: their checkpoint scope becomes this site")
def checkpoint_station_assign(request: HttpRequest, site_id: int, payload: schemas.StationIn):
    station = services.station_assign_named(site=_site(request, site_id), username=payload.username,
                                            by=request.user)
    return Status(201, _station_out(station))


@router.get("/checkpoint-sites/{site_id}/rule", response=schemas.RuleOut,
            summary="The fever rule in force at a site (its own, or the default)")
def checkpoint_rule_get(request: HttpRequest, site_id: int):
    return _rule_out(selectors.site_get_for_user(request.user, site_id))


@router.put("/checkpoint-sites/{site_id}/rule", response=schemas.RuleOut, summary="Set a site's own fever rule")
def checkpoint_rule_set(request: HttpRequest, site_id: int, payload: schemas.RuleIn):
    site = _site(request, site_id)
    services.fever_rule_set(site=site, threshold=payload.threshold, recheck_minutes=payload.recheck_minutes,
                            temperature_required=payload.temperature_required, by=request.user)
    return _rule_out(site)


@router.post("/checkpoint-stations/{station_id}/end", response=schemas.StationOut,
             summary="End a liaison's station (they leave the enterprise)")
def checkpoint_station_end(request: HttpRequest, station_id: int):
    station = selectors.station_get_for_user(request.user, station_id, perm=CHECKPOINTS_MANAGE)
    return _station_out(services.station_end(station=station, by=request.user))


@router.post("/checkpoints/{checkpoint_id}/devices", response={201: schemas.DeviceKeyOut},
             summary="Register a device at a checkpoint with a key of its own, shown only in this answer")
def checkpoint_device_register(request: HttpRequest, checkpoint_id: int, payload: schemas.DeviceIn):
    checkpoint = selectors.checkpoint_get_for_user(request.user, checkpoint_id, perm=CHECKPOINTS_MANAGE)
    return Status(201, _device_key_out(services.device_register(checkpoint=checkpoint, code=payload.code,
                                                                name=payload.name, by=request.user)))


def _device(request, device_id: int):
    return selectors.device_get_for_user(request.user, device_id, perm=CHECKPOINTS_MANAGE)


@router.post("/checkpoint-devices/{device_id}/key", response=schemas.DeviceKeyOut,
             summary="A new key for a device, shown only in this answer; the old one stops working at once")
def checkpoint_device_key_rotate(request: HttpRequest, device_id: int):
    return _device_key_out(services.device_key_rotate(device=_device(request, device_id), by=request.user))


@router.post("/checkpoint-devices/{device_id}/deactivate", response=schemas.DeviceOut,
             summary="Take a device out of use: its readings are refused and its key revoked")
def checkpoint_device_deactivate(request: HttpRequest, device_id: int):
    return _device_out(services.device_deactivate(device=_device(request, device_id), by=request.user))


def _team(request, team_id: int, perm: str):
    return selectors.team_get_for_user(request.user, team_id, perm=perm)


@router.post("/checkpoint-teams/{team_id}/members", response={201: schemas.MemberOut},
             summary="Put a registered worker on a team's roster, found by the name and number of their ID card")
def checkpoint_member_add(request: HttpRequest, team_id: int, payload: schemas.MemberIn):
    member = services.team_member_add_by_card(team=_team(request, team_id, CHECKPOINTS_MANAGE), name=payload.name,
                                              doc_number=payload.doc_number, badge=payload.badge, by=request.user)
    return Status(201, _member_out(roster_shown(request.user, [member])[0]))


@router.post("/checkpoint-members/{member_id}/remove", response=schemas.TeamOut,
             summary="Take a worker off the roster (the history stays); answers the team")
def checkpoint_member_remove(request: HttpRequest, member_id: int):
    member = selectors.member_get_for_user(request.user, member_id, perm=CHECKPOINTS_MANAGE)
    services.team_member_remove(member=member, by=request.user)
    return team_out(request.user, member.team)


@router.post("/checkpoint-teams/{team_id}/suspend", response=schemas.TeamOut,
             summary="Stop a shift team by hand (outside an emergency plan)")
def checkpoint_team_suspend(request: HttpRequest, team_id: int, payload: schemas.SuspendIn):
    team = _team(request, team_id, CHECKPOINTS_RECORD)
    services.team_suspend(team=team, at=payload.at, reason=payload.reason, by=request.user)
    return team_out(request.user, team)


@router.post("/checkpoint-teams/{team_id}/release", response=schemas.TeamOut, summary="Put a stopped team back to work")
def checkpoint_team_release(request: HttpRequest, team_id: int, payload: schemas.ReleaseIn):
    team = _team(request, team_id, CHECKPOINTS_RECORD)
    services.team_release(team=team, at=payload.at, by=request.user)
    return team_out(request.user, team)
