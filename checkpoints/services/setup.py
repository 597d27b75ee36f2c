"""Setting checkpoints up: checkpoints at sites, devices with their own keys, stationed liaisons, shift
teams and their rosters, a site's own fever rule. Every write is audited."""

import datetime as dt
import hashlib
import secrets
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.access import scope_for
from accounts.models import User
from accounts.roles import CHECKPOINTS_MANAGE, PERSONS_VIEW, Role
from checkpoints.models import Checkpoint, Device, FeverRule, Station, Team, TeamMember
from checkpoints.selectors import liaison_for_site, person_by_document
from checkpoints.services.common import check_scope, in_future, rule_default, site_path_check
from core.audit import audit_record, fields_update, snapshot
from core.clock import aware
from core.errors import DomainError
from orgunits.models import Site
from persons.identity import normalize_doc_number
from persons.models import Person

CHECKPOINT_SITE_KINDS = (Site.Kind.CHECKPOINT, Site.Kind.ENTERPRISE)


def _name(value: str, field: str, limit: int = 100) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise DomainError("invalid_name", _("Give a name."), fields={field: [_("Required.")]})
    if len(value) > limit:
        raise DomainError("invalid_name", _("At most %(n)d characters.") % {"n": limit},
                          fields={field: [_("At most %(n)d characters.") % {"n": limit}]})
    return value


def checkpoint_create(*, site: Site, name: str, by) -> Checkpoint:
    """Open a checkpoint (a gate) at a community checkpoint site or an enterprise."""
    check_scope(by, CHECKPOINTS_MANAGE, site)
    if site.kind not in CHECKPOINT_SITE_KINDS:
        raise DomainError("invalid_site", _("Checkpoints are kept at community checkpoints and enterprises, not at "
                                            "a %(kind)s.") % {"kind": site.get_kind_display()},
                          fields={"site": [_("Not a checkpoint or an enterprise.")]})
    name = _name(name, "name")
    try:
        with transaction.atomic():
            checkpoint = Checkpoint.objects.create(site=site, unit_path=site.unit_path, name=name, created_by=by)
            audit_record(actor=by, action="create", obj=checkpoint, unit_path=site.unit_path,
                         after=snapshot(checkpoint, ["site", "name", "active"]))
    except IntegrityError:
        raise DomainError("duplicate_checkpoint", _("%(site)s already has a checkpoint called %(name)s.")
                          % {"site": site.name, "name": name}, fields={"name": [_("Already in use.")]},
                          status=409) from None
    return checkpoint


def checkpoint_set_active(*, checkpoint: Checkpoint, active: bool, by) -> Checkpoint:
    """Take a checkpoint out of use (or back); its history stays."""
    check_scope(by, CHECKPOINTS_MANAGE, checkpoint)
    if checkpoint.active != active:
        with transaction.atomic():
            fields_update(checkpoint, by=by, unit_path=checkpoint.unit_path, active=active)
    return checkpoint


def _device_key() -> tuple[str, str]:
    """A new device key and its SHA-256 (only the hash is stored)."""
    key = "fkd_" + secrets.token_urlsafe(32)
    return key, device_key_hash(key)


def device_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def device_register(*, checkpoint: Checkpoint, code: str, name: str = "", by) -> tuple[Device, str]:
    """Register a thermometer or gate terminal at a checkpoint with a key of its own (a credential of the
    device, not of the registering user); returns the device and its key, shown once."""
    check_scope(by, CHECKPOINTS_MANAGE, checkpoint)
    code = "".join((code or "").split())
    if not code or len(code) > 64:
        raise DomainError("invalid_device", _("A device id is 1–64 characters without spaces."),
                          fields={"code": [_("1–64 characters without spaces.")]})
    if Device.objects.filter(code=code).exists():
        raise DomainError("duplicate_device", _("A device with the id %(code)s is already registered.")
                          % {"code": code}, fields={"code": [_("Already registered.")]}, status=409)
    key, key_hash = _device_key()
    with transaction.atomic():
        device = Device.objects.create(checkpoint=checkpoint, site_id=checkpoint.site_id,
                                       unit_path=checkpoint.unit_path, code=code, name=(name or "").strip()[:100],
                                       key_hash=key_hash, key_prefix=key[:10], key_issued_at=timezone.now(),
                                       created_by=by)
        audit_record(actor=by, action="create", obj=device, unit_path=device.unit_path,
                     after=snapshot(device, DEVICE_AUDIT_FIELDS))
    return device, key


DEVICE_AUDIT_FIELDS = ["checkpoint", "code", "name", "key_prefix", "key_issued_at", "active"]


def device_key_rotate(*, device: Device, by) -> tuple[Device, str]:
    """Give an active device a new key; the old one stops working at once. Returns the new key, shown once."""
    check_scope(by, CHECKPOINTS_MANAGE, device)
    if not device.active:
        raise DomainError("device_inactive", _("The device %(code)s is no longer in use.") % {"code": device.code},
                          status=409)
    key, key_hash = _device_key()
    with transaction.atomic():
        before = snapshot(device, DEVICE_AUDIT_FIELDS)
        device.key_hash, device.key_prefix, device.key_issued_at = key_hash, key[:10], timezone.now()
        device.last_used_at = None
        device.save(update_fields=["key_hash", "key_prefix", "key_issued_at", "last_used_at"])
        audit_record(actor=by, action="update", obj=device, unit_path=device.unit_path, before=before,
                     after=snapshot(device, DEVICE_AUDIT_FIELDS), note=gettext_noop("new device key"))
    return device, key


def device_deactivate(*, device: Device, by) -> Device:
    """Stop accepting a device's readings and revoke its key."""
    check_scope(by, CHECKPOINTS_MANAGE, device)
    with transaction.atomic():
        before = snapshot(device, DEVICE_AUDIT_FIELDS)
        device.active = False
        device.key_hash, device.key_prefix = None, ""
        device.save(update_fields=["active", "key_hash", "key_prefix"])
        audit_record(actor=by, action="update", obj=device, unit_path=device.unit_path, before=before,
                     after=snapshot(device, DEVICE_AUDIT_FIELDS))
    return device


def device_authenticate(key: str) -> Device | None:
    """The active device holding the key `key`, or None (its last use noted at most once a minute)."""
    if not key or len(key) > 200:
        return None
    device = Device.objects.filter(key_hash=device_key_hash(key), active=True).first()
    if device is None:
        return None
    now = timezone.now()
    if device.last_used_at is None or (now - device.last_used_at).total_seconds() > 60:
        Device.objects.filter(pk=device.pk).update(last_used_at=now)
    return device


def station_assign(*, site: Site, user: User, start: dt.datetime | None = None, by) -> Station:
    """Station a liaison at an enterprise (驻企): their checkpoint scope becomes this site."""
    site_path_check(by, CHECKPOINTS_MANAGE, site)
    if site.kind != Site.Kind.ENTERPRISE:
        raise DomainError("invalid_site", _("Liaisons are stationed at enterprises."),
                          fields={"site": [_("Not an enterprise.")]})
    if not any(m.role == Role.LIAISON and site.unit_path.startswith(m.unit_path) for m in user.memberships.all()):
        raise DomainError("not_a_liaison", _("%(user)s holds no liaison role over %(site)s; grant it first.")
                          % {"user": user, "site": site.name}, fields={"user": [_("Not a liaison.")]})
    start = aware(start) or timezone.now()
    try:
        with transaction.atomic():
            station = Station.objects.create(user=user, site=site, unit_path=site.unit_path, start=start,
                                             created_by=by)
            audit_record(actor=by, action="create", obj=station, unit_path=site.unit_path,
                         after=snapshot(station, ["user", "site", "start"]))
    except IntegrityError:
        raise DomainError("already_stationed", _("%(user)s is already stationed at %(site)s.")
                          % {"user": user, "site": site.name}, fields={"user": [_("Already stationed.")]},
                          status=409) from None
    return station


def station_assign_named(*, site: Site, username: str, by) -> Station:
    """Station the liaison with the user name `username` (as typed on the site's page): the same refusal whether
    the account does not exist or holds no liaison role over the site."""
    user = liaison_for_site(site, username)
    if user is None:
        raise DomainError("unknown_user", _("No liaison whose units hold this site has the user name %(u)s.")
                          % {"u": (username or "").strip()})
    return station_assign(site=site, user=user, by=by)


def station_end(*, station: Station, end: dt.datetime | None = None, by) -> Station:
    """End a liaison's station (they leave the enterprise)."""
    site_path_check(by, CHECKPOINTS_MANAGE, station.site)
    end = aware(end) or timezone.now()
    if station.end is not None:
        return station
    if end < station.start:
        raise DomainError("invalid_date", _("The end lies before the start."), fields={"end": [_("Before the start.")]})
    with transaction.atomic():
        fields_update(station, by=by, unit_path=station.unit_path, end=end)
    return station


def team_create(*, site: Site, name: str, leader: str = "", leader_phone: str = "", by) -> Team:
    """Add a shift team (班组) to an enterprise."""
    check_scope(by, CHECKPOINTS_MANAGE, site)
    if site.kind != Site.Kind.ENTERPRISE:
        raise DomainError("invalid_site", _("Shift teams belong to enterprises."),
                          fields={"site": [_("Not an enterprise.")]})
    name = _name(name, "name")
    try:
        with transaction.atomic():
            team = Team.objects.create(site=site, unit_path=site.unit_path, name=name, leader=leader.strip()[:50],
                                       leader_phone=leader_phone.strip()[:20], created_by=by)
            audit_record(actor=by, action="create", obj=team, unit_path=site.unit_path,
                         after=snapshot(team, ["site", "name", "leader", "leader_phone"]))
    except IntegrityError:
        raise DomainError("duplicate_team", _("%(site)s already has a team called %(name)s.")
                          % {"site": site.name, "name": name}, fields={"name": [_("Already in use.")]},
                          status=409) from None
    return team


def team_member_add(*, team: Team, person: Person, badge: str = "", joined_at: dt.datetime | None = None,
                    by, by_card: bool = False) -> TeamMember:
    """Put a registered person on a team's roster, with their badge code; one team per person per enterprise.
    A person outside the caller's line list only when found by the name and number of their ID card
    (`by_card`, see checkpoints.selectors.person_by_document)."""
    check_scope(by, CHECKPOINTS_MANAGE, team)
    if by is not None and not by_card and not scope_for(by, PERSONS_VIEW).covers(person.unit_path):
        raise DomainError("not_found", _("Not found."), status=404)  # as for someone not registered
    badge = normalize_doc_number(badge)[:40]
    joined_at = aware(joined_at) or timezone.now()
    if in_future(joined_at):
        raise DomainError("invalid_date", _("In the future."), fields={"joined_at": [_("In the future.")]})
    current = (TeamMember.objects.filter(site_id=team.site_id, person=person, left_at__isnull=True)
               .select_related("team").first())
    if current is not None:
        raise DomainError("already_in_team", _("%(name)s is already in the team %(team)s.")
                          % {"name": person.name, "team": current.team.name},
                          fields={"person": [_("Already in a team here.")]}, status=409)
    if badge and TeamMember.objects.filter(site_id=team.site_id, badge=badge, left_at__isnull=True).exists():
        raise DomainError("duplicate_badge", _("The badge %(badge)s is already given to someone here.")
                          % {"badge": badge}, fields={"badge": [_("Already in use.")]}, status=409)
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(team=team, person=person, site_id=team.site_id,
                                               unit_path=team.unit_path, badge=badge, joined_at=joined_at,
                                               created_by=by)
            audit_record(actor=by, action="create", obj=member, object_repr=f"{person.name} · {team.name}",
                         unit_path=team.unit_path, after=snapshot(member, ["team", "person", "badge", "joined_at"]))
    except IntegrityError:
        raise DomainError("already_in_team", _("%(name)s is already in a team here.") % {"name": person.name},
                          fields={"person": [_("Already in a team here.")]}, status=409) from None
    return member


def team_member_add_by_card(*, team: Team, name: str, doc_number: str, badge: str = "", by) -> TeamMember:
    """Put the registered person with this name and document number (as on their ID card) on the roster: the same
    refusal whether nobody has the number or its holder is outside the caller's scope under another name."""
    number = normalize_doc_number(doc_number)
    person = person_by_document(by, number, name=name)
    if person is None:
        raise DomainError("not_registered", _("Nobody named %(name)s with the document number %(n)s is registered: "
                                              "check both, or register them in the line list first.")
                          % {"name": name, "n": number})
    return team_member_add(team=team, person=person, badge=badge, by=by, by_card=True)


def team_member_remove(*, member: TeamMember, left_at: dt.datetime | None = None, by) -> TeamMember:
    """Take a person off the roster (they left the team or the enterprise); the history stays."""
    check_scope(by, CHECKPOINTS_MANAGE, member)
    left_at = aware(left_at) or timezone.now()
    if member.left_at is not None:
        return member
    if left_at < member.joined_at:
        raise DomainError("invalid_date", _("The end lies before the start."),
                          fields={"left_at": [_("Before the start.")]})
    if member.suspensions.filter(end__isnull=True).exists():
        raise DomainError("suspended", _("The member's team is stopped; lift the suspension first."))
    with transaction.atomic():
        fields_update(member, by=by, unit_path=member.unit_path, left_at=left_at)
    return member


def fever_rule_set(*, site: Site | None, threshold, recheck_minutes: int, questions: list[dict] | None = None,
                   temperature_required: str | None = None, by) -> FeverRule:
    """Set a site's own fever rule (or, with `site=None`, the default rule: whole-tree managers only); which
    passages need a temperature stays as it was unless `temperature_required` is given."""
    if site is None:
        if by is not None and not (by.is_superuser or _site_scope_everything(by)):
            raise DomainError("forbidden", _("Only administrators change the default fever rule."), status=403)
    else:
        site_path_check(by, CHECKPOINTS_MANAGE, site)
    errors: dict[str, list[str]] = {}
    try:
        value = Decimal(str(threshold).strip()).quantize(Decimal("0.1"))
        if not value.is_finite() or not 35 <= value <= 42:
            raise ValueError
    except (InvalidOperation, ValueError):
        errors["threshold"] = [_("A fever threshold lies between 35 and 42 °C.")]
        value = None
    try:
        minutes = int(recheck_minutes)
        if not 1 <= minutes <= 240:
            raise ValueError
    except (TypeError, ValueError):
        errors["recheck_minutes"] = [_("Between 1 and 240 minutes.")]
        minutes = None
    cleaned = _questions_clean(questions, errors) if questions is not None else None
    if temperature_required not in (None, *FeverRule.Required.values):
        errors["temperature_required"] = [_("Choose which passages need a temperature.")]
    if errors:
        raise DomainError("invalid_rule", _("The fever rule cannot be saved."), fields=errors)
    with transaction.atomic():
        rule = rule_default() if site is None else FeverRule.objects.filter(site=site).first()
        fields = ["threshold", "recheck_minutes", "temperature_required", "questions"]
        before = snapshot(rule, fields) if rule else None
        if rule is None:
            rule = FeverRule(site=site, unit_path=site.unit_path)
            default = rule_default() if site is not None else None
            if default is not None:  # a site's own rule starts from the default's requirement
                rule.temperature_required = default.temperature_required
        rule.threshold, rule.recheck_minutes, rule.updated_by = value, minutes, by
        if cleaned is not None:
            rule.questions = cleaned
        if temperature_required is not None:
            rule.temperature_required = temperature_required
        rule.save()
        audit_record(actor=by, action="update" if before else "create", obj=rule,
                     unit_path=site.unit_path if site else "", before=before, after=snapshot(rule, fields))
    return rule


def _site_scope_everything(user) -> bool:
    from checkpoints.access import site_scope

    return site_scope(user, CHECKPOINTS_MANAGE).everything


def _questions_clean(questions, errors: dict) -> list[dict]:
    cleaned, keys = [], set()
    for i, q in enumerate(questions or [], 1):
        key = str((q or {}).get("key", "")).strip()
        zh = str((q or {}).get("zh", "")).strip()
        if not key or not key.replace("_", "").isalnum() or key in keys or not zh:
            errors.setdefault("questions", []).append(_("Question %(n)d needs its own key and its Chinese text.")
                                                      % {"n": i})
            continue
        keys.add(key)
        cleaned.append({"key": key, "zh": zh[:200], "en": str(q.get("en", "")).strip()[:200]})
    return cleaned
