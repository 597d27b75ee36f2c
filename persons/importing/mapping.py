"""After an import: columns no field is known for mapped on the job's page (the mapping saved for every later file)
and the file imported again; and the people a street's sheet placed in a community without a grid (待分配网格)."""

from django.conf import settings
from django.core.files import File
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.access import scope_for
from accounts.roles import PERSONS_EDIT
from core.errors import DomainError
from core.tabular import stored_path, table_inspect, table_rows
from orgunits.models import OrgUnit
from persons.importing.columns import columns_unknown, field_keys, header_row, known_titles, saved_columns
from persons.importing.services import import_job_create, import_mapping_save
from persons.models import CustomField, ImportJob, ImportMapping, Person
from persons.services import person_update


def import_job_unknown_columns(job: ImportJob) -> list[tuple[str, str | None]]:
    """(title, suggested field key or None) of each column of a rejected job's file no field is known for."""
    if job.state != ImportJob.State.REJECTED or not job.file:
        return []
    custom_fields = list(CustomField.objects.filter(active=True))
    known = known_titles(explicit=job.columns or {}, saved=saved_columns(), custom_fields=custom_fields)
    try:
        with stored_path(job.file) as path:
            table = table_inspect(path, name=job.filename)
            rows = table_rows(table)
            try:
                _line, cells, keys = header_row(rows, known)
            finally:
                rows.close()
    except (DomainError, OSError):
        return []
    return columns_unknown(cells, keys, known)


def import_job_remap(*, job: ImportJob, columns: dict[str, str], name: str, by) -> ImportJob:
    """Save `columns` ({title: field key or "ignore"}) under the mapping `name` (added to it when it exists) and
    import the job's file again with it, as a new job."""
    allowed = set(field_keys(list(CustomField.objects.filter(active=True))))
    if not columns or any(key not in allowed for key in columns.values()):
        with translation.override(settings.LANGUAGE_CODE):
            message = _("Choose a field (or “ignore”) for every column.")
        raise DomainError("invalid_mapping", message, fields={"columns": [message]})
    existing = ImportMapping.objects.filter(name=name.strip()).first()
    mapping = import_mapping_save(name=name, columns={**(existing.columns if existing else {}), **columns}, by=by)
    with job.file.open("rb") as f:
        return import_job_create(unit=job.unit, uploaded_file=File(f, name=job.filename), filename=job.filename,
                                 mapping=mapping, keep_valid=job.keep_valid, year=job.year, by=by)


def people_awaiting_grid(user) -> QuerySet[Person]:
    """People in the user's scope placed in a community without a grid (by a street's sheet), oldest first."""
    return (Person.objects.filter(scope_for(user, PERSONS_EDIT).q(), grid__kind=OrgUnit.Kind.COMMUNITY,
                                  anonymised_at__isnull=True)
            .select_related("grid").order_by("unit_path", "id"))


def grids_of(community: OrgUnit, user) -> list[OrgUnit]:
    """The grids of `community` the user may place people in."""
    scope = scope_for(user, PERSONS_EDIT)
    return [g for g in OrgUnit.objects.filter(parent=community, kind=OrgUnit.Kind.GRID).order_by("code")
            if scope.covers(g.path)]


def person_grid_assign(*, person: Person, grid: OrgUnit, by) -> Person:
    """Place a person awaiting a grid in `grid`, one of their community's grids (an audited move)."""
    if grid.parent_id != person.grid_id or grid.kind != OrgUnit.Kind.GRID:
        message = _("Choose one of the grids of %(community)s.") % {"community": person.grid.name}
        raise DomainError("invalid_grid", message, fields={"grid": [message]})
    return person_update(person=person, data={"grid": grid.code}, version=None, by=by)

