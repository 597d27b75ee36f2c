"""The phone a grid worker works offline on, and each queued write of it the server applied (its idempotency key)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Device(models.Model):
    """A phone (or browser) a user registered for offline work: the key it made, a hash of the secret it holds."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="offline_devices")
    key = models.CharField(_("device key"), max_length=36)
    token_hash = models.CharField(_("token hash"), max_length=64)
    label = models.CharField(_("device"), max_length=200, blank=True)
    created = models.DateTimeField(_("registered"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("offline device")
        verbose_name_plural = _("offline devices")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="offline_device_unique_key")]

    def __str__(self):
        return self.label or self.key


class SyncedWrite(models.Model):
    """A queued write applied once: stored in the transaction of the write, so a key seen again is a duplicate.
    `outcome` is what the answer said (object, person, notices), so a duplicate is answered the same."""

    key = models.CharField(_("write key"), max_length=36, unique=True)
    device = models.ForeignKey(Device, verbose_name=_("offline device"), on_delete=models.CASCADE,
                               related_name="writes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+", db_index=False)
    kind = models.CharField(_("kind of write"), max_length=10)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied"), auto_now_add=True)
    outcome = models.JSONField(_("outcome"), default=dict)

    class Meta:
        verbose_name = _("synced write")
        verbose_name_plural = _("synced writes")

    def __str__(self):
        return f"{self.kind} {self.key}"
