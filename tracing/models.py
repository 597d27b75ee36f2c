"""Contact tracing (流调与密接管理): cases, the exposures between people, places visited, follow-up of
contacts, the tasks it gives people (their notifications are core's outbox).

Every row carries the unit path of the person it is about (copied when written), so that scope is one
indexed prefix match. Classifications and follow-up windows keep their history as rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import PathField
from orgunits.models import OrgUnit, Site
from persons.models import Category, Person


class Case(models.Model):
    """A person who is, or was thought to be, infected: one case per person, reclassified over time."""

    class Classification(models.TextChoices):
        SUSPECTED = "suspected", _("suspected case")
        CONFIRMED = "confirmed", _("confirmed case")
        ASYMPTOMATIC = "asymptomatic", _("asymptomatic infection")
        EXCLUDED = "excluded", _("excluded")

    class Method(models.TextChoices):
        MANUAL = "manual", _("manual")
        RULE = "rule", _("rule")

    class Outcome(models.TextChoices):
        TREATMENT = "", _("under treatment")
        RECOVERED = "recovered", _("recovered and discharged")
        DIED = "died", _("died")
        TRANSFERRED = "transferred", _("transferred elsewhere")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="cases")
    unit_path = PathField(_("unit path"))
    label = models.CharField(_("case number"), max_length=40, blank=True,
                             help_text=_("The number the health authority gave the case, e.g. 娄底第3例."))
    classification = models.CharField(_("classification"), max_length=12, choices=Classification.choices)
    classification_method = models.CharField(_("classified by"), max_length=6, choices=Method.choices)
    classified_at = models.DateTimeField(_("classified at"))
    onset_date = models.DateField(_("onset date"), null=True, blank=True)
    report_date = models.DateField(_("report date"), null=True, blank=True)
    confirmed_date = models.DateField(_("confirmation date"), null=True, blank=True)
    hospital = models.ForeignKey(Site, verbose_name=_("hospital"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    hospital_name = models.CharField(_("hospital (text)"), max_length=100, blank=True,
                                     help_text=_("When the hospital is not a registered site."))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_date = models.DateField(_("outcome date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=1, help_text="optimistic-concurrency counter")
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["person"], name="case_one_per_person"),
            models.CheckConstraint(condition=Q(outcome_date__isnull=True) | ~Q(outcome=""),
                                   name="case_outcome_date_needs_outcome"),
        ]

    def __str__(self):
        return f"{self.person.name} · {self.get_classification_display()}" if self.person_id else self.label

    @property
    def active(self) -> bool:
        """Whether the case counts as an infection (not excluded)."""
        return self.classification != self.Classification.EXCLUDED

    @property
    def hospital_display(self) -> str:
        return self.hospital.name if self.hospital_id else self.hospital_name


class CaseClassification(models.Model):
    """One classification a case was given: when, by whom, by hand or by which rule, and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="classifications")
    classification = models.CharField(_("classification"), max_length=12, choices=Case.Classification.choices)
    method = models.CharField(_("classified by"), max_length=6, choices=Case.Method.choices)
    rule = models.CharField(_("rule"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    unit_path = PathField(_("unit path"))

    class Meta:
        verbose_name = _("case classification")
        verbose_name_plural = _("case classifications")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_classification_asof_idx")]

    def __str__(self):
        return f"{self.case_id} {self.classification} {self.at:%Y-%m-%d}"


class Exposure(models.Model):
    """`source` exposed `exposed` between the first and the last contact date: an edge of the
    transmission graph. `degree` 1 is a close contact of a case, 2 a contact of a close contact (次密接)."""

    class Setting(models.TextChoices):
        HOUSEHOLD = "household", _("household")
        WORKPLACE = "workplace", _("workplace")
        TRANSPORT = "transport", _("transport")
        GATHERING = "gathering", _("gathering")
        HEALTHCARE = "healthcare", _("healthcare")
        OTHER = "other", _("other")

    class Proximity(models.TextChoices):
        PHYSICAL = "physical", _("physical contact")
        CLOSE = "close", _("within one metre")
        SAME_ROOM = "same_room", _("same room or vehicle")
        SAME_PLACE = "same_place", _("same place, apart")

    class Certainty(models.TextChoices):
        HIGH = "high", _("high")
        MEDIUM = "medium", _("medium")
        LOW = "low", _("low")

    source = models.ForeignKey(Person, verbose_name=_("source"), on_delete=models.PROTECT,
                               related_name="exposures_caused")
    exposed = models.ForeignKey(Person, verbose_name=_("exposed person"), on_delete=models.PROTECT,
                                related_name="exposures")
    degree = models.PositiveSmallIntegerField(_("degree"), default=1)
    first_contact = models.DateField(_("first contact"))
    last_contact = models.DateField(_("last contact"))
    setting = models.CharField(_("setting"), max_length=12, choices=Setting.choices, default=Setting.OTHER)
    proximity = models.CharField(_("proximity"), max_length=12, choices=Proximity.choices, default=Proximity.CLOSE)
    certainty = models.CharField(_("certainty"), max_length=8, choices=Certainty.choices, default=Certainty.HIGH)
    note = models.CharField(_("note"), max_length=200, blank=True)
    unit_path = PathField(_("unit path"), help_text="the exposed person's unit")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("exposure")
        verbose_name_plural = _("exposures")
        constraints = [
            models.UniqueConstraint(fields=["source", "exposed"], name="exposure_one_per_pair"),
            models.CheckConstraint(condition=~Q(source=F("exposed")), name="exposure_not_self"),
            models.CheckConstraint(condition=Q(last_contact__gte=F("first_contact")),
                                   name="exposure_last_after_first"),
            models.CheckConstraint(condition=Q(degree__in=[1, 2]), name="exposure_degree_1_or_2"),
        ]

    def __str__(self):
        return f"{self.source_id} → {self.exposed_id}"


class Visit(models.Model):
    """A stay of a person at a place (活动轨迹): a site, or a place named in text, within a community."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="visits")
    unit_path = PathField(_("unit path"), help_text="the visiting person's unit")
    place = models.CharField(_("place"), max_length=100, blank=True)
    site = models.ForeignKey(Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    community = models.ForeignKey(OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    community_path = PathField(_("community path"))
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("place visited")
        verbose_name_plural = _("places visited")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="visit_end_after_start"),
            models.CheckConstraint(condition=~Q(place="") | Q(site__isnull=False), name="visit_place_or_site"),
        ]
        indexes = [models.Index(fields=["community_path", "start", "end"], name="visit_community_time_idx"),
                   models.Index(fields=["site", "start"], name="visit_site_time_idx")]

    def __str__(self):
        return f"{self.site.name if self.site_id else self.place} {self.start:%Y-%m-%d %H:%M}"

    @property
    def place_display(self) -> str:
        if self.site_id and self.place:
            return f"{self.site.name} · {self.place}"
        return self.site.name if self.site_id else self.place


class FollowUp(models.Model):
    """A contact's follow-up (医学观察): daily from `start` to `end` (inclusive), `end` being the last
    exposure plus the category's period unless extended or changed by hand."""

    class State(models.TextChoices):
        ACTIVE = "active", _("under follow-up")
        COMPLETED = "completed", _("completed")
        BECAME_CASE = "became_case", _("became a case")
        STOPPED = "stopped", _("stopped")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="follow_ups")
    unit_path = PathField(_("unit path"))
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.ACTIVE)
    start = models.DateField(_("from"))
    last_exposure = models.DateField(_("last exposure"))
    end = models.DateField(_("until"))
    end_manual = models.BooleanField(_("end set by hand"), default=False)
    missed_days = models.PositiveSmallIntegerField(_("days missed"), default=0)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(state="active"), name="follow_up_one_active"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="follow_up_end_after_start"),
        ]
        indexes = [models.Index(fields=["state", "start", "end"], name="follow_up_active_idx")]

    def __str__(self):
        return f"{self.person_id} {self.start}–{self.end} {self.state}"


class FollowUpEvent(models.Model):
    """A change of a follow-up: opened, window moved (by an exposure, by hand, by missed checks), ended."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("opened")
        EXPOSURE = "exposure", _("new exposure")
        MANUAL = "manual", _("changed by hand")
        MISSED = "missed", _("check missed")
        ESCALATED = "escalated", _("escalated")
        COMPLETED = "completed", _("completed")
        BECAME_CASE = "became_case", _("became a case")
        STOPPED = "stopped", _("stopped")

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("time"))
    day = models.DateField(_("day"), null=True, blank=True, help_text="the day a missed check is about")
    old_end = models.DateField(_("previous end"), null=True, blank=True)
    new_end = models.DateField(_("new end"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("follow-up event")
        verbose_name_plural = _("follow-up events")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["follow_up", "day"], condition=Q(kind="missed"),
                                               name="follow_up_event_one_missed_a_day")]

    def __str__(self):
        return f"{self.follow_up_id} {self.kind} {self.at:%Y-%m-%d}"


class Task(models.Model):
    """Work for a person to do by a time: a daily follow-up visit, verifying a contact, locating one…"""

    class Kind(models.TextChoices):
        FOLLOW_UP = "follow_up", _("daily follow-up")
        VERIFY = "verify", _("verify a contact")
        LOCATE = "locate", _("locate a contact")
        TRANSFER = "transfer", _("transfer to quarantine")
        SAMPLE = "sample", _("test sampling")
        FEVER = "fever", _("fever recheck")
        OTHER = "other", _("other")

    class Priority(models.IntegerChoices):
        LOW = 1, _("low")
        NORMAL = 2, _("normal")
        HIGH = 3, _("high")
        URGENT = 4, _("urgent")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        NOT_POSSIBLE = "not_possible", _("not possible")

    OPEN = (Status.PENDING, Status.IN_PROGRESS)

    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    title = models.CharField(_("title"), max_length=200, blank=True)
    person = models.ForeignKey(Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="tracing_tasks")
    follow_up = models.ForeignKey(FollowUp, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    day = models.DateField(_("day"), null=True, blank=True)
    unit_path = PathField(_("unit path"))
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="tracing_tasks")
    observers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("observers"), blank=True,
                                       related_name="tracing_tasks_observed")
    escalated_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("escalated to"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="tracing_tasks_escalated")
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=500, blank=True)
    done_at = models.DateTimeField(_("finished"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="optimistic-concurrency counter")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(fields=["follow_up", "day"], condition=Q(kind="follow_up"),
                                    name="task_one_follow_up_a_day"),
        ]
        indexes = [models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_idx"),
                   models.Index(fields=["status", "priority", "due_at"], name="task_due_idx")]

    def __str__(self):
        return self.title or self.get_kind_display()

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ContactImport(models.Model):
    """A contact list (xlsx or csv) imported for a case by the background worker: every row written, or none,
    with the rows' errors."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        REJECTED = "rejected", _("rejected: errors found, nothing written")
        FAILED = "failed", _("failed")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="imports")
    unit_path = PathField(_("unit path"), help_text="the case's unit")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("new contacts registered under"), on_delete=models.PROTECT,
                             related_name="+")
    file = models.FileField(upload_to="tracing/imports/%Y/%m/")
    filename = models.CharField(_("file"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("people registered"), default=0)
    linked = models.PositiveIntegerField(_("contacts added"), default=0)
    updated = models.PositiveIntegerField(_("contacts updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True,
                              help_text="[{line, column, reason}], the first 100, each shortened (the error file "
                                        "has them all)")
    error_file = models.FileField(upload_to="tracing/imports/errors/%Y/%m/", blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("contact list import")
        verbose_name_plural = _("contact list imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.filename
