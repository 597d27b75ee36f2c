"""The line list (人员台账): one Person per real person, and everything about them as dated episodes.

Categories and management statuses are data (tables), held by a person over a time range; a question
"as of T" is `start <= T AND (end IS NULL OR end > T)`. Each episode carries the unit path the person
belonged to while it was open, so a report for a past day counts people where they were then.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.fields import PathField
from orgunits.models import OrgUnit, Site


class Bilingual(models.Model):
    """A row of reference data named in Chinese and English (shown in the reader's language)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (translation.get_language() or "").startswith("en") else self.name_zh


class Category(Bilingual):
    """A management category (管理类别): 涉鄂人员, 密切接触者, 确诊病例…"""

    period_days = models.PositiveSmallIntegerField(
        _("management period (days)"), default=14,
        help_text=_("Quarantine or monitoring period counted from the episode's start; gives planned end dates."))
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "code"]


class ManagementStatus(Bilingual):
    """A management status (管理状态): 居家隔离, 集中隔离, 住院治疗, 居家健康监测, 解除管理…"""

    needs_site = models.BooleanField(_("needs a site"), default=False,
                                     help_text=_("Centralised quarantine names its quarantine site."))
    needs_checks = models.BooleanField(_("daily health checks"), default=False)
    is_release = models.BooleanField(_("ends management"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("management status")
        verbose_name_plural = _("management statuses")
        ordering = ["order", "code"]


class Person(models.Model):
    class DocType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("resident ID card")
        PASSPORT = "passport", _("passport")
        HK_MACAO = "hk_macao", _("Hong Kong/Macao permit")
        TAIWAN = "taiwan", _("Taiwan permit")
        OTHER = "other", _("other document")

    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")
        UNKNOWN = "U", _("unknown")

    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("father or mother")
        GRANDCHILD = "grandchild", _("grandchild")
        SIBLING = "sibling", _("sibling")
        OTHER = "other", _("other relative or co-resident")

    name = models.CharField(_("full name"), max_length=50)
    name_initials = models.CharField(_("pinyin initials"), max_length=50, db_index=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    doc_type = models.CharField(_("document type"), max_length=12, choices=DocType.choices,
                                default=DocType.RESIDENT_ID)
    doc_number = models.CharField(_("document number"), max_length=32)
    doc_tail = models.CharField(max_length=4, db_index=True, editable=False)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, db_index=True)
    address = models.CharField(_("current address"), max_length=200, blank=True)
    # Indexes on this table are few on purpose: each one slows the million-row import. The subtree
    # filter and the list's keyset order use person_unit_idx (plus, on PostgreSQL, a pattern index
    # for LIKE created in migration 0004); grid and creator are never searched by.
    grid = models.ForeignKey(OrgUnit, verbose_name=_("grid responsible"), on_delete=models.PROTECT,
                             related_name="persons", db_index=False)
    unit_path = PathField(_("unit path"), db_index=False)
    household_head = models.ForeignKey("self", verbose_name=_("household head"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="household_members")
    household_relation = models.CharField(_("relation to household head"), max_length=12,
                                          choices=Relation.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    custom = models.JSONField(_("additional fields"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="optimistic-concurrency counter")
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    # Set when the retention rule replaced the identifying fields (persons.retention); never selected again.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "doc_number"], name="person_unique_document"),
        ]
        indexes = [
            models.Index(fields=["unit_path", "id"], name="person_unit_idx"),
        ]

    def __str__(self):
        return self.name


class Episode(models.Model):
    """A dated holding of a person: from `start` until `end` (open while `end` is null), kept under the unit
    the person belonged to then. A move or merge closes it and opens a `continued` one elsewhere."""

    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"), null=True, blank=True)
    unit_path = PathField(_("unit path"))
    continued = models.BooleanField(default=False, help_text="continues the previous episode after a move or merge")
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        abstract = True


class CategoryEpisode(Episode):
    """`person` held `category` from `start` until `end` (open while `end` is null)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="category_episodes")
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="episodes")
    # Where the person came from (来自), for arrivals: the official division's code (province or prefecture,
    # persons.origins) when known, and its name as given (a spreadsheet may name a place without a code).
    # db_default: the generator and the import write episodes with INSERTs of their own columns.
    origin_code = models.CharField(_("came from (division code)"), max_length=12, blank=True, db_default="")
    origin = models.CharField(_("came from"), max_length=100, blank=True, db_default="")

    class Meta:
        verbose_name = _("category episode")
        verbose_name_plural = _("category episodes")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                                   name="category_episode_end_after_start"),
            models.UniqueConstraint(fields=["person", "category"], condition=Q(end__isnull=True),
                                    name="category_episode_one_open"),
        ]
        indexes = [models.Index(fields=["category", "start", "end"], name="category_episode_asof_idx")]

    def __str__(self):
        return f"{self.person_id}·{self.category_id} {self.start:%Y-%m-%d}"


class StatusEpisode(Episode):
    """`person` was under `status` from `start` until `end`; one episode is open at a time."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="status_episodes")
    status = models.ForeignKey(ManagementStatus, verbose_name=_("status"), on_delete=models.PROTECT,
                               related_name="episodes")
    site = models.ForeignKey(Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)

    class Meta:
        verbose_name = _("status episode")
        verbose_name_plural = _("status episodes")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                                   name="status_episode_end_after_start"),
            models.UniqueConstraint(fields=["person"], condition=Q(end__isnull=True),
                                    name="status_episode_one_open"),
        ]
        indexes = [models.Index(fields=["status", "start", "end"], name="status_episode_asof_idx")]

    def __str__(self):
        return f"{self.person_id}·{self.status_id} {self.start:%Y-%m-%d}"


class CustomField(models.Model):
    """An additional field (新增要素) added by an administrator; values live in Person.custom[key]."""

    class Type(models.TextChoices):
        TEXT = "text", _("text")
        NUMBER = "number", _("number")
        DATE = "date", _("date")
        CHOICE = "choice", _("choice")
        BOOLEAN = "boolean", _("yes/no")

    key = models.SlugField(_("key"), max_length=40, unique=True,
                           help_text=_("Used in imports, exports and report definitions; never changes."))
    label = models.CharField(_("label"), max_length=50)
    label_en = models.CharField(_("English label"), max_length=80, blank=True)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required_from = models.DateField(_("required from"), null=True, blank=True,
                                     help_text=_("From this date the field must be filled for new and edited people."))
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("additional field")
        verbose_name_plural = _("additional fields")
        ordering = ["order", "id"]

    def __str__(self):
        return self.label

    @property
    def display_label(self) -> str:
        if self.label_en and (translation.get_language() or "").startswith("en"):
            return self.label_en
        return self.label


class HealthCheck(models.Model):
    """A daily health check (健康监测): temperature and symptoms, or why none could be taken."""

    class Result(models.TextChoices):
        WELL = "well", _("seen, well")
        SYMPTOMS = "symptoms", _("seen, with symptoms")
        MISSED = "missed", _("missed")
        UNREACHABLE = "unreachable", _("unreachable")

    # person: no index of its own, the first column of health_check_person_day_idx; recorded_by: none (users are
    # deactivated, not deleted), as the readings' (checkpoints.Reading)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="health_checks", db_index=False)
    checked_at = models.DateTimeField(_("time"))
    check_date = models.DateField(_("date"), help_text="local date of checked_at")
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    result = models.CharField(_("result"), max_length=12, choices=Result.choices, default=Result.WELL)
    flagged = models.BooleanField(_("fever"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    unit_path = PathField(_("unit path"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["unit_path", "check_date"], name="health_check_unit_day_idx"),
                   models.Index(fields=["person", "check_date"], name="health_check_person_day_idx"),
                   # the day's fevers under a unit (the home page, the fever list): few rows among many checks
                   models.Index(fields=["check_date", "unit_path"], name="health_check_fever_day_idx",
                                condition=Q(flagged=True))]
        constraints = [
            models.CheckConstraint(condition=Q(temperature__isnull=True) | Q(temperature__gte=30, temperature__lte=45),
                                   name="health_check_temperature_range"),
            # A fever is never "seen, well" (persons.health_checks).
            models.CheckConstraint(condition=~Q(flagged=True, result="well"), name="health_check_fever_not_well"),
        ]

    def __str__(self):
        return f"{self.person_id} {self.checked_at:%Y-%m-%d %H:%M} {self.temperature}"


class DuplicateDismissal(models.Model):
    """Two people reviewed and found not to be the same person (low id first)."""

    person_low = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_high = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pair marked as not duplicates")
        verbose_name_plural = _("pairs marked as not duplicates")
        constraints = [models.UniqueConstraint(fields=["person_low", "person_high"], name="dismissal_unique"),
                       models.CheckConstraint(condition=Q(person_low__lt=F("person_high")),
                                              name="dismissal_ordered")]

    def __str__(self):
        return f"{self.person_low_id} ≠ {self.person_high_id}"


class PersonMerge(models.Model):
    """`dropped` (now deleted) was found to be `kept`: its records moved; its last state is kept here."""

    kept = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges")
    dropped_id = models.BigIntegerField()
    dropped = models.JSONField(help_text="the dropped person's fields at the merge")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("merge of people")
        verbose_name_plural = _("merges of people")

    def __str__(self):
        return f"#{self.dropped_id} → #{self.kept_id}"


class PersonDisclosure(models.Model):
    """`person` was among the people an audited list view or export (`entry`, which names no single
    person) showed: the access log of a person reads these besides the entries about the person."""

    # The audit log is partitioned by time (fangkong/event_tables.py): no database constraint can point at it.
    entry = models.ForeignKey("core.AuditEntry", on_delete=models.PROTECT, related_name="+", db_index=False,
                              db_constraint=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="disclosures", db_index=False)

    class Meta:
        verbose_name = _("person shown in a list")
        verbose_name_plural = _("people shown in lists")
        indexes = [models.Index(fields=["person", "entry"], name="disclosure_person_idx")]

    def __str__(self):
        return f"{self.person_id} in {self.entry_id}"


class ImportMapping(models.Model):
    """A saved column mapping: which header of an official's spreadsheet feeds which field."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    columns = models.JSONField(_("columns"), help_text="{header: field key}")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ImportJob(models.Model):
    """One import of a CSV/XLSX file of people: validated whole, then written (or not)."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        REJECTED = "rejected", _("rejected: errors found, nothing written")
        FAILED = "failed", _("failed")

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    file = models.FileField(upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file"), max_length=200)
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    keep_valid = models.BooleanField(_("keep the valid rows"), default=False)
    year = models.PositiveSmallIntegerField(_("year of dates without one"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    error_file = models.FileField(upload_to="imports/errors/%Y/%m/", blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.filename
