"""The big-data audit (大数据审计) of donated money and goods: named checks over the ledger and the
donation records, each returning the findings it flags with the vouchers behind them.

Every check takes the auditor's scope, a date range and the parameters, and reads the database with a
few set-based queries (window functions and GROUP BY; Python only walks the candidate rows they return).
Reversed vouchers and reversals are left out where a check is about what happened, not what was booked.
What the National Audit Office found in 2020 — allocation delayed, goods stockpiled, receipts not
issued, directed donations not disbursed as directed, lists not published — is what they look for.

One module per family of checks; each check is a function registered with `@check(number, title,
description)` in `base`, which keeps CHECKS in the audit's order (the number). A new check is a decorated
function in its family's module (or a new module imported below).
"""

import datetime as dt

from django.db import connections, transaction

from accounts.access import Scope
from core.db import transaction_work_mem
from core.replicas import heavy_reads, read_alias
from supplies.checks import benford, deliveries, donations, duplicates, movements, purchases  # noqa: F401 (registers)
from supplies.checks.base import CHECKS, EARLIEST, MAX_DAYS, Check, Finding, Params, name_key, names_alike
from supplies.checks.benford import BENFORD, CONFORMITY_LABELS, benford_test, money_amounts

__all__ = ["BENFORD", "CHECKS", "CHECKS_BY_CODE", "CONFORMITY_LABELS", "EARLIEST", "MAX_DAYS", "Check", "Finding",
           "Params", "audit_run", "benford_test", "money_amounts", "name_key", "names_alike"]

CHECKS_BY_CODE = {c.code: c for c in CHECKS}
AUDIT_WORK_MEM = "64MB"


def audit_run(*, scope: Scope, start: dt.date, end: dt.date, params: Params | None = None,
              only: list[str] | None = None) -> list[tuple[Check, list[Finding]]]:
    """Run the checks (all, or those named in `only`) over the range; each with its findings."""
    params = params or Params()
    with heavy_reads():  # read-only: on a replica when one may serve (core.replicas), its transaction there
        alias = read_alias()
        with transaction.atomic(using=alias):
            # A year's ledger grouped per gift and item is tens of MB of hash tables: at the default 4 MB
            # PostgreSQL spills them to disk in dozens of batches. Only this read-only transaction gets more.
            transaction_work_mem(AUDIT_WORK_MEM, connections[alias])
            return [(check, check.function(scope, start, end, params)) for check in CHECKS
                    if only is None or check.code in only]
