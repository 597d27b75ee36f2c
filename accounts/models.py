"""Users, their role memberships (a role over an org-unit subtree) and their API tokens."""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import RANK, Role
from core.fields import PathField
from orgunits.models import OrgUnit


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username


class Membership(models.Model):
    """`user` holds `role` over the subtree of `unit` (no unit: the whole tree, admins only)."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="memberships")
    unit_path = PathField(_("unit path"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        ordering = ["unit_path", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="membership_unique"),
            models.UniqueConstraint(fields=["user", "role"], condition=models.Q(unit__isnull=True),
                                    name="membership_unique_global"),
            models.CheckConstraint(condition=models.Q(unit__isnull=False) | models.Q(role=Role.ADMIN),
                                   name="membership_unit_required_except_admin"),
        ]

    def __str__(self):
        everywhere = _("everywhere")  # outside the f-string, where makemessages finds it
        return f"{self.user} · {self.get_role_display()} · {self.unit or everywhere}"

    @property
    def rank(self) -> int:
        return RANK[self.role]


class ApiToken(models.Model):
    """A revocable per-user API token; only its SHA-256 is stored, the key is shown once."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
