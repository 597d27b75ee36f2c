"""The legal side of the response: the knowledge base of epidemic-related legal questions, the 12348
hotline's call log, and the publicity campaign's activities.

A knowledge entry keeps its text segmented into words (`search_question`, `search_body`, written by
legal.search on every save) so the full-text index of each database (FTS5 on SQLite, a GIN index over
tsvectors on PostgreSQL) works on Chinese words, not single characters.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import PathField
from orgunits.models import OrgUnit


class KnowledgeEntry(models.Model):
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))
    basis = models.TextField(_("legal basis"), blank=True, help_text=_("The law and article, e.g. 《民法典》第五百三十三条"))
    tags = models.CharField(_("tags"), max_length=200, blank=True, help_text=_("Separated by spaces."))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    search_question = models.TextField(editable=False, default="")
    search_body = models.TextField(editable=False, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("knowledge entry")
        verbose_name_plural = _("knowledge entries")
        ordering = ["-valid_from", "id"]
        constraints = [models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                              name="knowledge_entry_valid_range")]

    def __str__(self):
        return self.question


class SynonymGroup(models.Model):
    """Words a search treats as the same, e.g. 房东 出租人; the first is the group's name."""

    words = models.CharField(_("words"), max_length=200, unique=True, help_text=_("Separated by spaces."))

    class Meta:
        verbose_name = _("synonyms")
        verbose_name_plural = _("synonyms")
        ordering = ["words"]

    def __str__(self):
        return self.words


class HotlineCall(models.Model):
    class Category(models.TextChoices):
        LEASE = "lease", _("rent and leases")
        LABOUR = "labour", _("wages and labour")
        CONTRACT = "contract", _("contracts and force majeure")
        PREVENTION = "prevention", _("quarantine and prevention measures")
        CRIME = "crime", _("offences (concealment, rumours, price gouging)")
        CONSUMER = "consumer", _("consumers and refunds")
        OTHER = "other", _("other")

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    received_at = models.DateTimeField(_("received at"))
    caller_name = models.CharField(_("caller"), max_length=50, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=20, blank=True)
    question = models.TextField(_("question"))
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    answer = models.TextField(_("answer given"), blank=True)
    entries = models.ManyToManyField(KnowledgeEntry, verbose_name=_("knowledge entries"), blank=True,
                                     related_name="calls")
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    follow_up_note = models.CharField(_("follow-up"), max_length=300, blank=True)
    follow_up_done_at = models.DateTimeField(_("follow-up done"), null=True, blank=True)
    lawyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("lawyer"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hotline call")
        verbose_name_plural = _("hotline calls")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["unit_path", "received_at"], name="hotline_call_unit_idx")]

    def __str__(self):
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.get_category_display()}"


class PublicityActivity(models.Model):
    """One piece of the campaign: so many booklets handed out, so many vehicle rounds, on a day, by a unit."""

    class Kind(models.TextChoices):
        BOOKLETS = "booklets", _("legal booklets distributed")
        POSTERS = "posters", _("posters put up")
        EVENTS = "events", _("on-site events")
        VEHICLES = "vehicles", _("publicity vehicles")
        VEHICLE_ROUNDS = "vehicle_rounds", _("vehicle rounds")
        BROADCAST_HOURS = "broadcast_hours", _("hours of loudspeaker broadcast")
        WECHAT_POSTS = "wechat_posts", _("WeChat posts pushed")
        VIEWS = "views", _("views")

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=1)
    day = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("publicity activity")
        verbose_name_plural = _("publicity activities")
        ordering = ["-day", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="publicity_quantity_positive")]
        indexes = [models.Index(fields=["kind", "day"], name="publicity_kind_day_idx"),
                   models.Index(fields=["unit_path", "day"], name="publicity_unit_day_idx")]

    def __str__(self):
        return f"{self.day} {self.get_kind_display()} {self.quantity}"
