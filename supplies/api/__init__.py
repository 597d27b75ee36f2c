"""Supplies endpoints: the same services, selectors and scope as the pages. Objects out of scope answer 404.
One module per part (the ledger, gifts, needs, the audit and transparency), all on one router."""

from supplies.api import audit, donations, ledger, requests  # noqa: F401 (they register their operations)
from supplies.api.common import router

__all__ = ["router"]
