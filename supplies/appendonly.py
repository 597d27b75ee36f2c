"""Rows written once: the ledger's vouchers and lines, the freezes and the publications. Saving an
existing row, deleting one, or updating or deleting through a queryset raises AppendOnlyError; the database
refuses the same (triggers, migration 0002)."""

from django.db import models

from core.models import AppendOnlyError, AppendOnlyQuerySet

__all__ = ["AppendOnly", "AppendOnlyError", "LedgerQuerySet"]


class LedgerQuerySet(AppendOnlyQuerySet):
    refusal = "the supplies ledger is append-only"


class AppendOnly(models.Model):
    """A row that is written once: saving an existing row or deleting one raises."""

    objects = LedgerQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(LedgerQuerySet.refusal)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(LedgerQuerySet.refusal)
