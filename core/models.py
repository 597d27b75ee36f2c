"""The audit log: append-only, one row per write made through a service and per view/export of
personal data. The database refuses UPDATE and DELETE on it (triggers, migration 0002).
The notification outbox every app writes to (core.notifications): notifications and their deliveries."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import PathField


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a row written once: an audit entry, or (supplies.appendonly)
    a ledger entry or a publication."""


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that refuses to update or delete; `refusal` says what is append-only."""

    refusal = "the audit log is append-only"

    def update(self, **kwargs):
        raise AppendOnlyError(self.refusal)

    def delete(self):
        raise AppendOnlyError(self.refusal)


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        VIEW = "view", _("viewed")
        EXPORT = "export", _("exported")
        LOGIN = "login", _("logged in")
        LOGOUT = "logout", _("logged out")
        LOGIN_FAILED = "login_failed", _("failed login")
        SYNC = "sync", _("synced")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # actor and object_type have no index of their own: each is the first column of one below. An index fewer on
    # a table that nearly every request writes to, and on each of its partitions the planner weighs.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", db_index=False)
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    unit_path = PathField(_("unit path"), blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx"),
                   models.Index(fields=["actor", "at"], name="audit_actor_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the audit log is append-only")

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """Return (field, before, after) for each field whose value differs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class Notification(models.Model):
    """A message for one user, kept in an outbox: shown in the page badge and sent by each channel. `about`
    names what it is about (an app's object, "app.model" and its id) for lookups; the link is `url`."""

    # no index of its own: the first column of core_notification_unread_idx
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  db_index=False)
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    about_type = models.CharField(max_length=100, blank=True, help_text="app_label.model of what it is about")
    about_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="core_notification_unread_idx"),
                   models.Index(fields=["about_type", "about_id"], name="core_notification_about_idx")]

    def __str__(self):
        return self.title


class Delivery(models.Model):
    """A notification's passage through one channel (the outbox row a channel works off)."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("skipped")
        FAILED = "failed", _("failed")

    # Notifications are partitioned by time (fangkong/event_tables.py): no database constraint can point at one.
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries",
                                     db_constraint=False)
    channel = models.CharField(_("channel"), max_length=40)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"],
                                               name="core_delivery_one_per_channel")]
        indexes = [models.Index(fields=["state", "id"], name="core_delivery_pending_idx")]

    def __str__(self):
        return f"{self.notification_id} {self.channel} {self.state}"


class RateCount(models.Model):
    """One caller's requests against one budget (core.rates): the current period's and the one before's."""

    # the budget and the caller, e.g. "throttle:user:7"
    name = models.CharField(_("budget and caller"), max_length=200, primary_key=True)
    # the current period's number: Unix time // the period's length in seconds
    period = models.BigIntegerField(_("period number"))
    hits = models.PositiveIntegerField(_("requests this period"), default=0)
    previous = models.PositiveIntegerField(_("requests in the period before"), default=0)
    # Unix time the counts stop mattering: the next period's end
    expires = models.BigIntegerField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("request count")
        verbose_name_plural = _("request counts")

    def __str__(self):
        return f"{self.name} {self.hits}"
