"""Statistical report forms (报表), their dated versions (口径), and submissions.

A form's cells are indicators over the line list (or manual entries for facts the system does not
hold). Changing the criteria is a new FormVersion effective from a date: a report for an earlier day
is computed under the version in force that day, so the past never changes.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.fields import PathField, path_ancestors
from orgunits.models import OrgUnit


def cutoff_in_day(value: int) -> None:
    """A cut-off is a time of the day: 1 to 1440 minutes after midnight (24:00 ends the day)."""
    if not 0 < value <= 24 * 60:
        raise ValidationError(_("Between 1 and 1440 minutes after midnight (24:00)."), code="cutoff_range")


class FormQuerySet(models.QuerySet):
    def for_unit(self, unit: OrgUnit) -> "FormQuerySet":
        """The active forms `unit` reports or reads: everyone's, and those a unit above it (or it) made for its own
        units from a template."""
        return self.filter(active=True).filter(Q(owner__isnull=True) | Q(owner_path__in=path_ancestors(unit.path)))

    def visible_in(self, scope) -> "FormQuerySet":
        """The forms a reader with `scope` (accounts.access.Scope) may open: everyone's, those a unit inside the
        scope made, and those a unit above one of its units made for the units below (which its units report).
        A street's own form is not shown to another street."""
        if scope.everything:
            return self
        above = {a for p in scope.paths for a in path_ancestors(p)}
        return self.filter(Q(owner__isnull=True) | scope.q("owner_path") | Q(owner_path__in=above))


class Form(models.Model):
    class Period(models.TextChoices):
        DAILY = "daily", _("daily")
        WEEKLY = "weekly", _("weekly")
        MONTHLY = "monthly", _("monthly")
        AD_HOC = "adhoc", _("ad hoc, on the days asked for")

    class HigherLevels(models.TextChoices):
        COMPUTED = "computed", _("computed from the line list")
        CHILDREN = "children", _("rolled up from the children's submitted reports")

    class Rows(models.TextChoices):
        CHILDREN = "children", _("one row per unit below, with a total")
        UNIT = "unit", _("one row for the unit")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default=Period.DAILY)
    cutoff_minutes = models.PositiveSmallIntegerField(
        _("cut-off (minutes after midnight)"), default=15 * 60, validators=[cutoff_in_day],
        help_text=_("900 is 15:00; 1440 is 24:00 (midnight at the end of the day)."))
    due_minutes = models.PositiveSmallIntegerField(_("due after the cut-off (minutes)"), default=120)
    requested_days = models.JSONField(
        _("days asked for"), default=list, blank=True,
        help_text=_("Ad hoc forms only: the days (YYYY-MM-DD) a report is asked for; each covers the time since "
                    "the previous one."))
    rows = models.CharField(_("rows"), max_length=10, choices=Rows.choices, default=Rows.CHILDREN)
    higher_levels = models.CharField(
        _("units above the submitting level"), max_length=10, choices=HigherLevels.choices,
        default=HigherLevels.COMPUTED)
    unit_kind = models.CharField(_("submitted by units of kind"), max_length=16, choices=OrgUnit.Kind.choices,
                                 default=OrgUnit.Kind.TOWNSHIP)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)
    # A form a street made from its county's template is its own and its units' (None: everyone's).
    owner = models.ForeignKey(OrgUnit, verbose_name=_("made for"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    owner_path = PathField(_("made for (path)"), blank=True, default="")

    objects = FormQuerySet.as_manager()

    class Meta:
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (translation.get_language() or "").startswith("en") else self.name_zh

    def applies_to(self, unit: OrgUnit) -> bool:
        """Everyone's form, or one made for `unit` or a unit above it."""
        return not self.owner_path or unit.path.startswith(self.owner_path)


class FormVersion(models.Model):
    """The criteria (口径) of a form from `effective_from` on: its columns and validation rules.

    columns: [{"key", "label_zh", "label_en", "kind": "indicator"|"manual", "expression"}]
    rules:   [{"left", "op", "right", "importance": "error"|"warning", "message_zh", "message_en"}]
    """

    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="versions")
    effective_from = models.DateField(_("effective from"))
    columns = models.JSONField(_("columns"))
    rules = models.JSONField(_("validation rules"), default=list, blank=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Made from a county's template: its sheet is this version's official layout (columns carry their place in it).
    template = models.ForeignKey("ReportTemplate", verbose_name=_("template"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="versions")
    template_sheet = models.CharField(_("template sheet"), max_length=31, blank=True, default="")

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        ordering = ["form", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["form", "effective_from"], name="form_version_unique_date")]

    def __str__(self):
        return f"{self.form.code} @ {self.effective_from}"

    def column(self, key: str) -> dict | None:
        return next((c for c in self.columns if c["key"] == key), None)


class Submission(models.Model):
    """A form for one unit and one period: computed, completed, validated, submitted, reviewed."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        APPROVED = "approved", _("approved")

    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="submissions")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="submissions")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    day = models.DateField(_("period"), help_text="the day the period ends on")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    values = models.JSONField(_("values"), default=dict)
    manual = models.JSONField(_("manual values"), default=dict, blank=True)
    issues = models.JSONField(_("validation"), default=list, blank=True)
    explanation = models.TextField(_("explanation of warnings"), blank=True)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    # PostgreSQL's WAL position (an LSN as one number, core.replicas.lsn_parse) of the data the computation counted:
    # a replica's replayed position, or the primary's. A recomputation never counts on a replica behind it.
    # SQLite: none.
    data_lsn = models.BigIntegerField(_("data position"), null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    review_comment = models.TextField(_("review comment"), blank=True)
    revision = models.PositiveIntegerField(default=0)
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-day", "form__order"]
        constraints = [models.UniqueConstraint(fields=["form", "unit", "day"], name="submission_unique")]
        indexes = [models.Index(fields=["day", "unit_path"], name="submission_day_unit_idx")]

    def __str__(self):  # as the audit log names it: the form's and the unit's names, not their codes
        return f"{self.form.name} · {self.unit.name} · {self.day}"


class SubmissionRevision(models.Model):
    """Every submitted (and every reviewed) state of a submission, kept for good."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=Submission.State.choices)
    values = models.JSONField()
    manual = models.JSONField(default=dict)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report revision")
        verbose_name_plural = _("report revisions")
        ordering = ["submission", "revision", "at"]
        constraints = [models.UniqueConstraint(fields=["submission", "revision", "state"],
                                               name="submission_revision_unique",
                                               condition=~Q(state="draft"))]

    def __str__(self):
        return f"{self.submission} r{self.revision} {self.state}"


class Figure(models.Model):
    """A figure of the catalog (指标库): one meaning under one label, wherever it is shown.

    Its full label names the population and the measure ("涉鄂涉汉人员·登记在册"); its short label is what a form
    whose title names the population heads its column with. Its definition in words is generated from the
    expression, never typed. `parts` are the figures it is made of: with `parts_overlap` unset they sum to it;
    set, each part is at most the whole and the whole at most their sum (a person may be in several)."""

    class Home(models.TextChoices):
        NONE = "", _("not on the home page")
        PEOPLE = "people", _("home page: people")
        NEW = "new", _("home page: new in the period")
        CASES = "cases", _("home page: cases")

    key = models.CharField(_("key"), max_length=60, unique=True, validators=[RegexValidator(
        r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", _("Lower-case letters, digits, “_” and “.”, e.g. hubei_wuhan.registered."))])
    label_zh = models.CharField(_("Chinese label"), max_length=60, unique=True)
    label_en = models.CharField(_("English label"), max_length=150, unique=True)
    short_zh = models.CharField(_("Chinese column label"), max_length=40)
    short_en = models.CharField(_("English column label"), max_length=100)
    expression = models.TextField(_("indicator"), max_length=2000)
    parts = models.JSONField(_("parts"), default=list, blank=True)
    parts_overlap = models.BooleanField(_("parts overlap"), default=False)
    home = models.CharField(_("on the home page"), max_length=10, choices=Home.choices, default=Home.NONE, blank=True)
    home_parts = models.BooleanField(_("parts shown on the home page"), default=False)
    order = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        ordering = ["order", "key"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if (translation.get_language() or "").startswith("en") else self.label_zh

    @property
    def short(self) -> str:
        return self.short_en if (translation.get_language() or "").startswith("en") else self.short_zh


class Computation(models.Model):
    """One computation of a draft as its page showed it (one per lock version): the numbers and, per computed cell,
    the ids of the items counted, so that submitting can say which cells changed since the version the officer saw
    and who entered or left them. Only the latest few of a submission are kept."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="computations")
    lock_version = models.PositiveIntegerField()
    values = models.JSONField(default=dict)  # {"rows": [...], "total": {...}} as the draft held them
    members = models.JSONField(null=True, blank=True)  # {row code or "__total__": {column key: [ids]}}; None: too many
    computed_at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("computation")
        verbose_name_plural = _("computations")
        constraints = [models.UniqueConstraint(fields=["submission", "lock_version"], name="computation_unique")]

    def __str__(self):
        return f"{self.submission_id} v{self.lock_version}"


class ReportTemplate(models.Model):
    """A county's report template as it arrived, and what Fangkong understood of each sheet (reports.layouts):
    `layouts` [Layout as JSON], `proposals` {sheet: [Proposal as JSON, with the officer's choices]}."""

    name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("file"), upload_to="report_templates/%Y/%m/")
    digest = models.CharField(_("SHA-256"), max_length=64)
    layouts = models.JSONField(_("layouts"), default=list)
    proposals = models.JSONField(_("proposals"), default=dict)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")
        ordering = ["-created_at"]

    def __str__(self):
        return self.name
