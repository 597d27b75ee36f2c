"""Writes of contact tracing, one module per part; every write is audited. `by=None` is the system
(commands, periodic runs)."""

from tracing.services.cases import (
    case_classify,
    case_of_person_register,
    case_register,
    case_rules_apply,
    case_update,
)
from tracing.services.exposures import (
    CONTACT_REFERRED,
    contact_add,
    contact_added_message,
    exposure_record,
    exposure_update,
    person_find_by_document,
)
from tracing.services.followups import (
    follow_up_change,
    follow_up_end,
    follow_up_open_or_extend,
    followups_complete_due,
    followups_missed_apply,
)
from tracing.services.import_jobs import contact_import_create, contact_import_progress, contacts_import
from tracing.services.imports import contact_import_error_file_open
from tracing.services.results import follow_up_result_record
from tracing.services.tasks import (
    assignee_default,
    task_create,
    task_label,
    task_update,
    tasks_escalate_overdue,
    tasks_generate_daily,
)
from tracing.services.visits import visit_delete, visit_record

__all__ = [
    "CONTACT_REFERRED", "assignee_default", "case_classify", "case_of_person_register", "contact_import_create",
    "contact_import_error_file_open",
    "contact_import_progress", "contacts_import", "case_register", "case_rules_apply", "case_update", "contact_add",
    "contact_added_message",
    "exposure_record", "exposure_update", "follow_up_change", "follow_up_end", "follow_up_open_or_extend",
    "follow_up_result_record", "followups_complete_due", "followups_missed_apply",
    "person_find_by_document", "task_create",
    "task_label", "task_update", "tasks_escalate_overdue", "tasks_generate_daily", "visit_delete", "visit_record",
]
