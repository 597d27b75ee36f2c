"""Public intake: what residents send without signing in, kept apart from the line list until a worker confirms.

A Poster names a community or grid by an unguessable token (printed as a QR code); a Declaration is what a
resident (or a neighbour) sent through it, waiting in the grid's 待核实 queue; a SelfReportLink is one person's
personal link for the daily self-report (健康打卡), and a SelfReport marks the persons.HealthCheck it recorded.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import PathField
from orgunits.models import OrgUnit
from persons.models import HealthCheck, Person


class Revocable(models.Model):
    """What a poster and a self-report link share: an unguessable token, who made it and when, and its
    revocation."""

    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        abstract = True


class Poster(Revocable):
    """A printable QR poster of a community or grid: its token leads to the public declaration page."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))

    class Meta:
        verbose_name = _("declaration poster")
        verbose_name_plural = _("declaration posters")
        ordering = ["unit_path", "-created_at"]

    def __str__(self):
        return str(self.unit.name) if self.unit_id else str(self.pk)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Declaration(models.Model):
    """A resident's declaration (居民自主申报) sent through a poster, waiting for a worker to confirm or reject."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be checked")
        CONFIRMED = "confirmed", _("checked and registered")
        REJECTED = "rejected", _("not taken up")

    class Reporter(models.TextChoices):
        SELF = "self", _("myself")
        NEIGHBOUR = "neighbour", _("someone else (a neighbour, a relative)")

    poster = models.ForeignKey(Poster, verbose_name=_("declaration poster"), on_delete=models.PROTECT,
                               related_name="declarations")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"), db_index=False)
    receipt = models.CharField(_("receipt number"), max_length=24, unique=True, editable=False)
    reporter = models.CharField(_("declared by"), max_length=10, choices=Reporter.choices, default=Reporter.SELF)
    name = models.CharField(_("full name"), max_length=50)
    doc_type = models.CharField(_("document type"), max_length=12, choices=Person.DocType.choices,
                                default=Person.DocType.RESIDENT_ID)
    doc_number = models.CharField(_("document number"), max_length=32)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    address = models.CharField(_("current address"), max_length=200)
    origin = models.CharField(_("came from"), max_length=100)
    arrived_on = models.DateField(_("arrival date"))
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    person = models.ForeignKey(Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    reject_reason = models.CharField(_("reason"), max_length=200, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["unit_path", "state", "id"], name="declaration_queue_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(state="confirmed") | Q(person__isnull=False),
                                   name="declaration_confirmed_has_person"),
        ]

    def __str__(self):
        return f"{self.name} · {self.created_at:%Y-%m-%d}" if self.created_at else self.name


class SelfReportLink(Revocable):
    """A person's personal link for the daily self-report: valid until `expires_at` (the end of the management
    period it was given for) unless revoked."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    unit_path = PathField(_("unit path"))
    expires_at = models.DateTimeField(_("valid until"))

    class Meta:
        verbose_name = _("self-report link")
        verbose_name_plural = _("self-report links")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.person_id} → {self.expires_at:%Y-%m-%d}" if self.expires_at else str(self.person_id)

    def usable(self, now=None) -> bool:
        return self.revoked_at is None and (now or timezone.now()) < self.expires_at


class SelfReport(models.Model):
    """The health check a person recorded themselves through their link."""

    link = models.ForeignKey(SelfReportLink, verbose_name=_("self-report link"), on_delete=models.PROTECT,
                             related_name="reports")
    # Health checks are partitioned by date (fangkong/event_tables.py): no database constraint can point at one.
    health_check = models.OneToOneField(HealthCheck, verbose_name=_("health check"), on_delete=models.CASCADE,
                                        related_name="self_report", db_constraint=False)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("self-report")
        verbose_name_plural = _("self-reports")

    def __str__(self):
        return f"{self.link_id}: {self.health_check_id}"
