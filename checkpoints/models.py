"""Checkpoints (卡点) at sites, the passages and temperature readings taken there, fever alerts, the
emergency plan's incidents, and the shift teams (班组) of enterprises with their suspensions.

Every row carries its site and the site's unit path: scope is a prefix filter on the path, narrowed for a
liaison (驻企联络员) to the sites they are stationed at (checkpoints.access). Suspensions are episodes
with a start and an end, so "who was stopped on day D" can be asked afterwards.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import PathField
from orgunits.models import Site
from persons.models import Person

PHYSICAL_MIN, PHYSICAL_MAX = Decimal("34.0"), Decimal("43.0")



class FeverRule(models.Model):
    """The fever rule: at or above `threshold` an alert, a recheck `recheck_minutes` later; which passages need a
    temperature (every entry by default). The row without a site is the default; a site's own row overrides it."""

    class Required(models.TextChoices):
        ENTRIES = "entries", _("at every entry")
        ALWAYS = "always", _("at every entry and exit")
        NEVER = "never", _("not required")

    site = models.OneToOneField(Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="fever_rule")
    unit_path = PathField(_("unit path"), blank=True)
    threshold = models.DecimalField(_("fever threshold (°C)"), max_digits=4, decimal_places=1,
                                    default=Decimal("37.3"))
    recheck_minutes = models.PositiveSmallIntegerField(_("recheck after (minutes)"), default=10)
    temperature_required = models.CharField(_("temperature required"), max_length=8, choices=Required.choices,
                                            default=Required.ENTRIES)
    questions = models.JSONField(_("exposure-history questions"), default=list, blank=True,
                                 help_text=_("Empty: the default rule's questions."))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("fever rule")
        verbose_name_plural = _("fever rules")
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=Decimal("35.0"), threshold__lte=Decimal("42.0")),
                                   name="fever_rule_threshold_range"),
            models.CheckConstraint(condition=Q(recheck_minutes__gte=1, recheck_minutes__lte=240),
                                   name="fever_rule_recheck_range"),
            models.UniqueConstraint(models.Value(1), condition=Q(site__isnull=True), name="fever_rule_one_default"),
        ]

    def __str__(self):
        default = _("default")  # outside the f-string, where makemessages finds it
        return f"{self.site or default}: {self.threshold} °C / {self.recheck_minutes} min"

    def requires_temperature(self, direction: str | None) -> bool:
        """Whether a passage in `direction` (in, out) needs a temperature under this rule."""
        return direction is not None and (self.temperature_required == self.Required.ALWAYS or (
            self.temperature_required == self.Required.ENTRIES and direction == "in"))


class Checkpoint(models.Model):
    """A gate where people pass in and out: a community gate or an enterprise's gate."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="checkpoints")
    unit_path = PathField(_("unit path"))
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["unit_path", "site_id", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="checkpoint_unique_name_at_site")]

    def __str__(self):
        return f"{self.site.name} · {self.name}"

    @property
    def at_enterprise(self) -> bool:
        return self.site.kind == Site.Kind.ENTERPRISE


class Device(models.Model):
    """A thermometer or gate terminal that sends readings; identified by its own `code` (device_id).

    Its key is a credential of the device alone, not of the officer who registered it: it is accepted only by
    the readings endpoint, for this device's own readings (only its SHA-256 is stored; the key is shown once).
    """

    checkpoint = models.ForeignKey(Checkpoint, verbose_name=_("checkpoint"), on_delete=models.PROTECT,
                                   related_name="devices")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    code = models.CharField(_("device id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    key_prefix = models.CharField(_("key prefix"), max_length=12, blank=True)
    key_issued_at = models.DateTimeField(_("key issued"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["checkpoint", "code"]

    def __str__(self):
        return self.name or self.code


class Station(models.Model):
    """A liaison stationed at a site (驻企): from `start` until `end`; their checkpoint scope is these sites."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="stations")
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="stations")
    unit_path = PathField(_("unit path"))
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("stationed liaison")
        verbose_name_plural = _("stationed liaisons")
        ordering = ["site", "start"]
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], condition=Q(end__isnull=True), name="station_one_open"),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                                   name="station_end_after_start"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.site}"


class Team(models.Model):
    """A shift team (班组) of an enterprise."""

    site = models.ForeignKey(Site, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="teams")
    unit_path = PathField(_("unit path"))
    name = models.CharField(_("name"), max_length=100)
    leader = models.CharField(_("team leader"), max_length=50, blank=True)
    leader_phone = models.CharField(_("leader's phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("shift team")
        verbose_name_plural = _("shift teams")
        ordering = ["site", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="team_unique_name_at_site")]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    """A person on a team's roster, from `joined_at` until `left_at`; one team per person per enterprise."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    badge = models.CharField(_("badge"), max_length=40, blank=True,
                             help_text=_("The code on the staff badge, as its scanner reads it."))
    joined_at = models.DateTimeField(_("joined"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team", "joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "person"], condition=Q(left_at__isnull=True),
                                    name="team_member_one_team_at_site"),
            models.UniqueConstraint(fields=["site", "badge"], condition=Q(left_at__isnull=True) & ~Q(badge=""),
                                    name="team_member_unique_badge"),
            models.CheckConstraint(condition=Q(left_at__isnull=True) | Q(left_at__gte=F("joined_at")),
                                   name="team_member_left_after_joined"),
        ]
        indexes = [models.Index(fields=["person", "site"], name="team_member_person_idx")]

    def __str__(self):
        return f"{self.person_id} @ {self.team_id}"


class Reading(models.Model):
    """A body temperature taken at a checkpoint, by hand or by a device: one reading per device and event (the
    constraint holds the time too, the partition key; the batch insert keeps the pair unique under a lock per
    device: checkpoints.services.readings). Partitioned by time on PostgreSQL (core.partitions): what points at
    a reading (a passage's, an alert's) has no database constraint, and a passage's reading is a plain key,
    linked once by checkpoints.services.passages."""

    checkpoint = models.ForeignKey(Checkpoint, verbose_name=_("checkpoint"), on_delete=models.PROTECT,
                                   related_name="readings", db_index=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
    # Not indexed: the table grows by millions of rows and every index slows the bulk insert; lists
    # reach readings through the checkpoint, the site or the person, and the scope through those.
    unit_path = PathField(_("unit path"), db_index=False)
    device = models.ForeignKey(Device, verbose_name=_("device"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="readings", db_index=False)
    event_id = models.CharField(_("event id"), max_length=64, blank=True)
    person = models.ForeignKey(Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    subject = models.CharField(_("who"), max_length=64, blank=True,
                               help_text=_("The badge, document number or name given when no registered person "
                                           "matched."))
    taken_at = models.DateTimeField(_("time"))
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1)
    fever = models.BooleanField(_("fever"), default=False)
    is_recheck = models.BooleanField(_("recheck"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("temperature reading")
        verbose_name_plural = _("temperature readings")
        constraints = [
            models.UniqueConstraint(fields=["device", "event_id", "taken_at"], condition=Q(device__isnull=False),
                                    name="reading_unique_device_event"),
            models.CheckConstraint(condition=Q(temperature__gte=PHYSICAL_MIN, temperature__lte=PHYSICAL_MAX),
                                   name="reading_temperature_physical"),
        ]
        indexes = [
            models.Index(fields=["checkpoint", "taken_at"], name="reading_checkpoint_time_idx"),
            models.Index(fields=["site", "taken_at"], name="reading_site_time_idx"),
            models.Index(fields=["person", "taken_at"], name="reading_person_time_idx"),
        ]

    def __str__(self):
        return f"{self.taken_at:%Y-%m-%d %H:%M} {self.temperature}"


class Passage(models.Model):
    """Someone passing a checkpoint, in or out: a registered person (scanned, typed or picked) or a visitor."""

    class Direction(models.TextChoices):
        IN = "in", pgettext_lazy("passage", "in")
        OUT = "out", pgettext_lazy("passage", "out")

    class Method(models.TextChoices):
        SCAN = "scan", _("scanned or typed")
        PICK = "pick", _("picked from the list")
        VISITOR = "visitor", _("visitor form")

    checkpoint = models.ForeignKey(Checkpoint, verbose_name=_("checkpoint"), on_delete=models.PROTECT,
                                   related_name="passages", db_index=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = PathField(_("unit path"), db_index=False)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default=Direction.IN)
    method = models.CharField(_("how"), max_length=8, choices=Method.choices, default=Method.SCAN)
    at = models.DateTimeField(_("time"))
    person = models.ForeignKey(Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    visitor_name = models.CharField(_("visitor's name"), max_length=50, blank=True)
    visitor_phone = models.CharField(_("visitor's phone"), max_length=20, blank=True)
    visitor_doc = models.CharField(_("visitor's document number"), max_length=32, blank=True)
    reason = models.CharField(_("reason for the visit"), max_length=100, blank=True)
    reading = models.ForeignKey(Reading, null=True, blank=True, on_delete=models.SET_NULL, related_name="passages",
                                db_constraint=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=False) | ~Q(visitor_name=""),
                                   name="passage_names_someone"),
        ]
        indexes = [
            models.Index(fields=["checkpoint", "at"], name="passage_checkpoint_time_idx"),
            models.Index(fields=["person", "at"], name="passage_person_time_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.direction} {self.person_id or self.visitor_name}"

    @property
    def who(self) -> str:
        return self.person.name if self.person_id else self.visitor_name


class Alert(models.Model):
    """A fever reading at a checkpoint, waiting for its recheck: cleared, or escalated to an incident."""

    class State(models.TextChoices):
        OPEN = "open", _("waiting for the recheck")
        CLEARED = "cleared", _("cleared by the recheck")
        ESCALATED = "escalated", _("emergency plan started")

    reading = models.OneToOneField(Reading, on_delete=models.PROTECT, related_name="alert", db_constraint=False)
    checkpoint = models.ForeignKey(Checkpoint, verbose_name=_("checkpoint"), on_delete=models.PROTECT,
                                   related_name="alerts")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    person = models.ForeignKey(Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    subject = models.CharField(_("who"), max_length=64, blank=True)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1)
    threshold = models.DecimalField(_("threshold (°C)"), max_digits=4, decimal_places=1)
    raised_at = models.DateTimeField(_("raised"))
    recheck_due_at = models.DateTimeField(_("recheck due"))
    recheck = models.OneToOneField(Reading, verbose_name=_("recheck"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="rechecked_alert", db_constraint=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fever alert")
        verbose_name_plural = _("fever alerts")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["state", "raised_at"], name="alert_state_time_idx"),
                   models.Index(fields=["site", "raised_at"], name="alert_site_time_idx")]

    def __str__(self):
        return f"{self.who} {self.temperature} °C {self.raised_at:%Y-%m-%d %H:%M}"

    @property
    def who(self) -> str:
        return self.person.name if self.person_id else self.subject


class Incident(models.Model):
    """The emergency plan (应急预案) for a fever confirmed by its recheck: a checklist followed until the
    test result. Its steps (IncidentStep) are the timeline."""

    class State(models.TextChoices):
        OPEN = "open", _("in progress")
        CLOSED = "closed", _("closed: tests negative")
        HANDED_OVER = "handed_over", _("handed to contact tracing: positive")

    class Outcome(models.TextChoices):
        NEGATIVE = "negative", _("negative")
        POSITIVE = "positive", _("positive")

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="incident")
    checkpoint = models.ForeignKey(Checkpoint, verbose_name=_("checkpoint"), on_delete=models.PROTECT,
                                   related_name="incidents")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    person = models.ForeignKey(Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(_("test result"), max_length=10, choices=Outcome.choices, blank=True)
    started_at = models.DateTimeField(_("started"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="incidents")
    exposure = models.JSONField(_("exposure history"), default=dict, blank=True,
                                help_text="{question key: {answer: yes|no|unknown, detail}}")
    # The tracing case the person became (tracing's own id; checkpoints keeps no key into tracing's tables).
    case_id = models.BigIntegerField(_("tracing case"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["state", "started_at"], name="incident_state_time_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(state="open") | Q(closed_at__isnull=False),
                                   name="incident_closed_has_time"),
        ]

    def __str__(self):
        return f"{self.alert.who} {self.started_at:%Y-%m-%d %H:%M}"


class IncidentStep(models.Model):
    """One stamped step of an incident: what was done, when (as reported), by whom, recorded when."""

    class Kind(models.TextChoices):
        STARTED = "started", _("emergency plan started")
        SEPARATED = "separated", _("person separated, area cleared")
        AMBULANCE_CALLED = "ambulance_called", _("ambulance called")
        AMBULANCE_ARRIVED = "ambulance_arrived", _("ambulance arrived")
        LEAD_NOTIFIED = "lead_notified", _("enterprise or community lead notified")
        TEAM_SUSPENDED = "team_suspended", _("shift team stopped")
        EXPOSURE = "exposure", _("exposure history recorded")
        REGISTERED = "registered", _("registered as a fever patient")
        OUTCOME = "outcome", _("test result")
        TEAM_RELEASED = "team_released", _("shift team back at work")
        HANDED_OVER = "handed_over", _("handed to contact tracing")
        CLOSED = "closed", _("incident closed")
        NOTE = "note", _("note")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(_("by"), max_length=150, blank=True)
    data = models.JSONField(default=dict, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("incident step")
        verbose_name_plural = _("incident steps")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.incident_id} {self.kind} {self.at:%H:%M}"


class Suspension(models.Model):
    """A shift team stopped from `start` until `end` (open while `end` is null), usually for an incident."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="suspensions")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="suspensions")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta:
        verbose_name = _("team suspension")
        verbose_name_plural = _("team suspensions")
        ordering = ["-start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["team"], condition=Q(end__isnull=True), name="suspension_one_open"),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                                   name="suspension_end_after_start"),
        ]

    def __str__(self):
        return f"{self.team_id} {self.start:%Y-%m-%d %H:%M}"


class MemberSuspension(models.Model):
    """A team member stopped with their team: the mark on the member, with its times."""

    suspension = models.ForeignKey(Suspension, on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey(TeamMember, on_delete=models.PROTECT, related_name="suspensions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    start = models.DateTimeField(_("suspended at"))
    end = models.DateTimeField(_("back at work"), null=True, blank=True)

    class Meta:
        verbose_name = _("member suspension")
        verbose_name_plural = _("member suspensions")
        ordering = ["start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(end__isnull=True),
                                    name="member_suspension_one_open"),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                                   name="member_suspension_end_after_start"),
        ]
        indexes = [models.Index(fields=["person", "start"], name="member_suspension_person_idx")]

    def __str__(self):
        return f"{self.member_id} {self.start:%Y-%m-%d %H:%M}"
