"""The front-line teams (文明战队): civilised units and their people, the needs posted at sites, the time
slots of a need, sign-ups and assignments (with the waiting list), check-in and check-out, commendations.

Rows about a unit's people carry the civilised unit's `unit_path` (where the unit is registered, e.g. the
city); rows about a site's duty carry the site's `unit_path` (a community) and the unit's as `org_path`,
so that a community sees who is on duty at its sites and a coordinator sees their own people."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import PathField
from orgunits.models import OrgUnit, Site

# A shift (a slot of any post but a stay) lasts at most this long: the roster finds a day's shifts among those
# that started at most this long before it. Longer is a stay (驻企).
SHIFT_MAX = dt.timedelta(hours=24)


class CivilisedUnit(models.Model):
    """A civilised unit (文明单位): an organisation that mobilises its people to the front line."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("national")
        PROVINCIAL = "provincial", _("provincial")
        CITY = "city", _("city")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("registered with"), on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    coordinators = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("coordinators"), blank=True,
                                          related_name="coordinated_units")
    donors = models.ManyToManyField(
        "supplies.Donor", verbose_name=_("donors"), blank=True, through="UnitDonor", related_name="civilised_units",
        help_text=_("Donors on the supplies ledger that give for this unit: the unit itself, a group gift of its staff."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("civilised unit")
        verbose_name_plural = _("civilised units")
        ordering = ["name"]

    def __str__(self):
        return self.name


class UnitDonor(models.Model):
    """A donor of the supplies ledger giving for a civilised unit. A donor gives for one unit at most, so that a
    gift is never counted for two."""

    org = models.ForeignKey(CivilisedUnit, on_delete=models.CASCADE, related_name="donor_links")
    donor = models.OneToOneField("supplies.Donor", on_delete=models.PROTECT, related_name="civilised_unit_link")
    linked_at = models.DateTimeField(auto_now_add=True)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        verbose_name = _("donor of a civilised unit")
        verbose_name_plural = _("donors of civilised units")

    def __str__(self):
        return f"{self.org_id} ← {self.donor_id}"


class Volunteer(models.Model):
    """One of a unit's people: a cadre, staff member or retiree, perhaps a party member, perhaps a user."""

    class Kind(models.TextChoices):
        CADRE = "cadre", _("cadre")
        STAFF = "staff", _("staff")
        RETIREE = "retiree", _("retiree")

    org = models.ForeignKey(CivilisedUnit, verbose_name=_("civilised unit"), on_delete=models.PROTECT,
                            related_name="people")
    unit_path = PathField(_("unit path"))
    name = models.CharField(_("full name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STAFF)
    party_member = models.BooleanField(_("party member"), default=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user account"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="volunteer")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["org_id", "name"]

    def __str__(self):
        return self.name


class Need(models.Model):
    """A need (需求) posted for a site: a post type, requirements and how many people per time slot."""

    class Post(models.TextChoices):
        CHECKPOINT = "checkpoint", _("checkpoint duty")
        REGISTRATION = "registration", _("entry registration")
        SUPPLIES = "supplies", _("supplies distribution")
        ERRANDS = "errands", _("errands for quarantined households")
        STATIONED = "stationed", _("stationed liaison (驻企)")

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    post = models.CharField(_("post"), max_length=14, choices=Post.choices)
    title = models.CharField(_("title"), max_length=100)
    requirements = models.CharField(_("requirements"), max_length=300, blank=True)
    people = models.PositiveSmallIntegerField(_("people per slot"))
    closed = models.BooleanField(_("closed"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(people__gt=0), name="need_people_positive")]

    def __str__(self):
        return self.title

    @property
    def stationed(self) -> bool:
        return self.post == self.Post.STATIONED


class Slot(models.Model):
    """A time slot of a need: a shift, or for a stationed post the whole stay (days or weeks)."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="slots")
    unit_path = PathField(_("unit path"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering = ["start", "id"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="slot_ends_after_start")]

    def __str__(self):
        return f"{self.need} {self.start:%Y-%m-%d %H:%M}"


class Assignment(models.Model):
    """A person on a slot: confirmed, on the waiting list (in sign-up order) or cancelled; with check-in."""

    class State(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITING = "waiting", _("waiting list")
        CANCELLED = "cancelled", _("cancelled")

    class How(models.TextChoices):
        SIGNUP = "signup", _("signed up")
        ASSIGNED = "assigned", _("assigned")
        SWAPPED = "swapped", _("swapped")

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="assignments")
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))  # the site's
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="assignments")
    org = models.ForeignKey(CivilisedUnit, on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("civilised unit's path"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    stationed = models.BooleanField(_("stationed"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    how = models.CharField(_("how"), max_length=10, choices=How.choices)
    signed_up_at = models.DateTimeField(_("signed up"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("minutes served"), default=0)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["start", "signed_up_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "volunteer"], condition=~Q(state="cancelled"),
                                    name="assignment_once_per_slot"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="assignment_ends_after_start"),
            models.CheckConstraint(condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False),
                                   name="assignment_out_after_in"),
        ]
        indexes = [
            models.Index(fields=["site", "start"], name="assignment_site_start_idx"),
            models.Index(fields=["volunteer", "start"], name="assignment_person_start_idx"),
            models.Index(fields=["org", "state"], name="assignment_org_state_idx"),
            # Stays overlapping a day: few rows, but their start may lie weeks before it.
            models.Index(fields=["site", "start"], condition=Q(stationed=True), name="assignment_stay_site_idx"),
        ]

    def __str__(self):
        return f"{self.volunteer} @ {self.slot}"


class Commendation(models.Model):
    """A commendation or story (like the seed's) attached to a unit and, if about one person, to them."""

    org = models.ForeignKey(CivilisedUnit, verbose_name=_("civilised unit"), on_delete=models.PROTECT,
                            related_name="commendations")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="commendations")
    unit_path = PathField(_("unit path"))
    title = models.CharField(_("title"), max_length=100)
    story = models.TextField(_("story"), blank=True)
    given_on = models.DateField(_("date"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["-given_on", "-id"]

    def __str__(self):
        return self.title
