"""The supplies ledger's part in merging two records of the same person (persons.services.person_merge).

Vouchers name the person who received goods or money, and the ledger is never rewritten (its tables refuse
UPDATE): a record the ledger names cannot be the one dropped. The merge is refused with the way round that
works — keep the record the ledger names."""

from django.utils.translation import gettext as _

from core.errors import DomainError
from persons.models import Person
from supplies.models import Voucher


def person_merge_supplies(*, keep: Person, drop: Person, by) -> None:
    vouchers = [f"#{pk}" for pk in Voucher.objects.filter(person=drop).order_by("id").values_list("pk", flat=True)[:5]]
    if not vouchers:
        return
    if Voucher.objects.filter(person=keep).exists():
        message = _("Both records received supplies booked in the ledger (vouchers %(numbers)s name the record "
                    "to drop), and the ledger is never rewritten: these records cannot be merged.")
    else:
        message = _("The ledger's vouchers %(numbers)s name the record to drop, and the ledger is never "
                    "rewritten: merge the other way round, keeping that record.")
    raise DomainError("merge_ledger", message % {"numbers": ", ".join(vouchers)})
