"""The administrative tree (city > district > street > community > grid) and the sites on it."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import SEPARATOR, PathField

code_validator = RegexValidator(
    r"^[0-9A-Za-z][0-9A-Za-z.-]{0,31}$",
    _("A code is 1–32 letters, digits, dots or hyphens, starting with a letter or digit."),
)


class OrgUnit(models.Model):
    class Kind(models.TextChoices):
        PROVINCE = "province", _("province")
        PREFECTURE = "prefecture", _("prefecture")
        COUNTY = "county", _("county/district")
        TOWNSHIP = "township", _("township/street")
        COMMUNITY = "community", _("community/village")
        GRID = "grid", _("grid")

    class Source(models.TextChoices):
        OFFICIAL = "official", _("official divisions")
        LOCAL = "local", _("added locally")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    path = PathField(_("path"), unique=True)
    depth = models.PositiveSmallIntegerField(_("depth"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.LOCAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["path"]
        indexes = [models.Index(fields=["name"], name="orgunit_name_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(parent__isnull=True) | ~models.Q(kind="province"),
                                   name="orgunit_province_is_root"),
        ]

    def __str__(self):
        return self.name

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes of the ancestors, root first (the unit itself excluded)."""
        return [c for c in self.path.split(SEPARATOR) if c][:-1]


# Which kinds may be added under which (communities and grids are kept locally; the rest are official).
CHILD_KINDS: dict[str, list[OrgUnit.Kind]] = {
    OrgUnit.Kind.PROVINCE: [OrgUnit.Kind.PREFECTURE, OrgUnit.Kind.COUNTY],
    OrgUnit.Kind.PREFECTURE: [OrgUnit.Kind.COUNTY, OrgUnit.Kind.TOWNSHIP],
    OrgUnit.Kind.COUNTY: [OrgUnit.Kind.TOWNSHIP, OrgUnit.Kind.COMMUNITY],
    OrgUnit.Kind.TOWNSHIP: [OrgUnit.Kind.COMMUNITY],
    OrgUnit.Kind.COMMUNITY: [OrgUnit.Kind.GRID],
    OrgUnit.Kind.GRID: [],
}
LOCAL_KINDS = {OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.GRID}


class Site(models.Model):
    """A place that belongs to a unit: an enterprise, a checkpoint, a hospital, a quarantine hotel…"""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("enterprise")
        CHECKPOINT = "checkpoint", _("community checkpoint")
        HOSPITAL = "hospital", _("hospital")
        QUARANTINE_HOTEL = "quarantine_hotel", _("quarantine hotel")
        WAREHOUSE = "warehouse", _("warehouse")

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="sites")
    unit_path = PathField(_("unit path"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["unit_path", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="site_unique_name_in_unit")]

    def __str__(self):
        return self.name
