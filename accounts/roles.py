"""The roles, what each may do, and their rank (a manager grants only roles at or below its own).

Permissions are strings `<area>.<verb>`; a membership grants its role's permissions over the subtree
of its unit. Later apps add their areas here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("system administrator")
    COMMAND = "command", _("command centre")
    STREET_OFFICER = "street_officer", _("street information officer")
    COMMUNITY_WORKER = "community_worker", _("community worker")
    GRID_WORKER = "grid_worker", _("grid worker")
    LIAISON = "liaison", _("enterprise liaison")
    AUDITOR = "auditor", _("auditor")
    LAWYER = "lawyer", _("hotline lawyer")


RANK: dict[str, int] = {
    Role.ADMIN: 100,
    Role.COMMAND: 80,
    Role.AUDITOR: 70,
    Role.STREET_OFFICER: 60,
    Role.LAWYER: 50,
    Role.COMMUNITY_WORKER: 40,
    Role.LIAISON: 30,
    Role.GRID_WORKER: 20,
}

ORGUNITS_VIEW = "orgunits.view"
ORGUNITS_MANAGE = "orgunits.manage"
USERS_MANAGE = "users.manage"
AUDIT_VIEW = "audit.view"
PERSONS_VIEW = "persons.view"  # the line list, with ID numbers and phones masked
PERSONS_VIEW_FULL = "persons.view_full"  # unmasked ID numbers and phones (each view audited)
PERSONS_EDIT = "persons.edit"  # register, edit, categories, statuses, health checks
PERSONS_IMPORT = "persons.import"
PERSONS_EXPORT = "persons.export"  # masked exports
PERSONS_EXPORT_FULL = "persons.export_full"
PERSONS_MERGE = "persons.merge"  # review probable duplicates and merge
FIELDS_MANAGE = "persons.fields"  # additional fields (新增要素) and categories
REPORTS_VIEW = "reports.view"  # computed reports and their drill-down (people masked)
REPORTS_SUBMIT = "reports.submit"  # compute, fill manual cells, submit
REPORTS_REVIEW = "reports.review"  # approve or return the reports of the units below
FORMS_MANAGE = "reports.forms"  # indicators, forms and their versions (口径)
REPORTS_TEMPLATES = "reports.templates"  # a county's template made into the unit's own form, filled for the day
TRACING_VIEW = "tracing.view"  # cases, contacts, places visited, follow-up, tasks (people masked as in persons)
TRACING_EDIT = "tracing.edit"  # register cases, add contacts and visits, record follow-up results, work on tasks
TRACING_CLASSIFY = "tracing.classify"  # classify cases by hand (overrides the automatic rules)
TRACING_TASKS = "tracing.tasks"  # give tasks to others, change any task in scope
# Checkpoints: a liaison's scope is narrowed to the enterprises they are stationed at (checkpoints.access).
CHECKPOINTS_VIEW = "checkpoints.view"  # checkpoints, passages, readings, fever alerts, incidents, shift teams
CHECKPOINTS_RECORD = "checkpoints.record"  # gate duty: passages, readings, rechecks, the emergency plan's steps
CHECKPOINTS_MANAGE = "checkpoints.manage"  # checkpoints, devices, stationed liaisons, teams, the fever rule
LEGAL_CALLS = "legal.calls"  # the 12348 hotline's call log (callers masked in lists, shown on the call)
LEGAL_MANAGE = "legal.manage"  # the legal knowledge base and its synonyms
PUBLICITY_RECORD = "legal.publicity"  # publicity activities of the campaign

ALL = "*"

_PERSONS_WORK = {PERSONS_VIEW, PERSONS_VIEW_FULL, PERSONS_EDIT}
_TRACING_WORK = {TRACING_VIEW, TRACING_EDIT}
_CHECKPOINTS_WORK = {CHECKPOINTS_VIEW, CHECKPOINTS_RECORD, CHECKPOINTS_MANAGE}

PERMISSIONS: dict[str, set[str]] = {
    Role.ADMIN: {ALL},
    Role.COMMAND: {ORGUNITS_VIEW, AUDIT_VIEW, PERSONS_VIEW, PERSONS_EXPORT, REPORTS_VIEW, REPORTS_REVIEW,
                   TRACING_VIEW, CHECKPOINTS_VIEW},
    Role.STREET_OFFICER: {ORGUNITS_VIEW, ORGUNITS_MANAGE, USERS_MANAGE, AUDIT_VIEW, *_PERSONS_WORK, PERSONS_IMPORT,
                          PERSONS_EXPORT, PERSONS_EXPORT_FULL, PERSONS_MERGE, REPORTS_VIEW, REPORTS_SUBMIT,
                          REPORTS_REVIEW, REPORTS_TEMPLATES, *_TRACING_WORK, TRACING_CLASSIFY, TRACING_TASKS, *_CHECKPOINTS_WORK,
                          PUBLICITY_RECORD},
    Role.COMMUNITY_WORKER: {ORGUNITS_VIEW, ORGUNITS_MANAGE, USERS_MANAGE, *_PERSONS_WORK, PERSONS_IMPORT,
                            PERSONS_EXPORT, PERSONS_MERGE, REPORTS_VIEW, *_TRACING_WORK, TRACING_TASKS,
                            *_CHECKPOINTS_WORK},
    Role.GRID_WORKER: {ORGUNITS_VIEW, *_PERSONS_WORK, *_TRACING_WORK, CHECKPOINTS_VIEW, CHECKPOINTS_RECORD},
    Role.LIAISON: {ORGUNITS_VIEW, *_PERSONS_WORK, *_CHECKPOINTS_WORK},
    Role.AUDITOR: {ORGUNITS_VIEW, AUDIT_VIEW},
    Role.LAWYER: {ORGUNITS_VIEW, LEGAL_CALLS, LEGAL_MANAGE, PUBLICITY_RECORD, REPORTS_VIEW},
}

# Supplies and donations: the ledger of goods and money, requests, audit checks, the transparency list.
SUPPLIES_VIEW = "supplies.view"  # items, locations, balances, stock cards, vouchers, donations, requests
SUPPLIES_POST = "supplies.post"  # the warehouse keeper: donations, receipts, transfers, distributions, reversals
SUPPLIES_REQUEST = "supplies.request"  # post a need (community, enterprise, hospital)
SUPPLIES_APPROVE = "supplies.approve"  # approve or reject needs, allocate stock to them
SUPPLIES_AUDIT = "supplies.audit"  # run the audit checks and export their findings (reads only)
SUPPLIES_PUBLISH = "supplies.publish"  # publish the public list of donations received
SUPPLIES_MANAGE = "supplies.manage"  # items and reference prices, locations, the frozen date

_SUPPLIES: dict[str, set[str]] = {
    Role.COMMAND: {SUPPLIES_VIEW, SUPPLIES_APPROVE},
    Role.STREET_OFFICER: {SUPPLIES_VIEW, SUPPLIES_POST, SUPPLIES_REQUEST, SUPPLIES_APPROVE, SUPPLIES_PUBLISH,
                          SUPPLIES_MANAGE},
    Role.COMMUNITY_WORKER: {SUPPLIES_VIEW, SUPPLIES_POST, SUPPLIES_REQUEST},
    Role.GRID_WORKER: {SUPPLIES_VIEW},
    Role.LIAISON: {SUPPLIES_VIEW, SUPPLIES_REQUEST},
    Role.AUDITOR: {SUPPLIES_VIEW, SUPPLIES_AUDIT},
}
for _role, _perms in _SUPPLIES.items():
    PERMISSIONS[_role] = PERMISSIONS[_role] | _perms


# Front-line teams (文明战队). A civilised unit's coordinators are named on the unit (volunteers.models), not by a
# role: they manage their own unit's people wherever they are registered.
VOLUNTEERS_VIEW = "volunteers.view"  # needs, and who is on duty at the sites in scope
VOLUNTEERS_COORDINATE = "volunteers.coordinate"  # post needs at sites in scope, check people in and out there
VOLUNTEERS_OFFICE = "volunteers.office"  # the civilisation office: civilised units, their people, tallies

_VOLUNTEERS: dict[str, set[str]] = {
    Role.COMMAND: {VOLUNTEERS_VIEW, VOLUNTEERS_COORDINATE, VOLUNTEERS_OFFICE},
    Role.STREET_OFFICER: {VOLUNTEERS_VIEW, VOLUNTEERS_COORDINATE},
    Role.COMMUNITY_WORKER: {VOLUNTEERS_VIEW, VOLUNTEERS_COORDINATE},
    Role.GRID_WORKER: {VOLUNTEERS_VIEW},
    Role.LIAISON: {VOLUNTEERS_VIEW},
}
for _role, _perms in _VOLUNTEERS.items():
    PERMISSIONS[_role] = PERMISSIONS[_role] | _perms


def role_grants(role: str, perm: str) -> bool:
    """Whether `role` carries permission `perm`."""
    granted = PERMISSIONS.get(role, set())
    return ALL in granted or perm in granted
