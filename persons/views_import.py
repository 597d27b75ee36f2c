"""Import pages: the user's recent imports, uploading a file, a job with its live progress and error file, the
columns of a refused file mapped on its page, and the people a street's sheet left awaiting a grid.

Each view parses, authorizes and calls one function of persons.importing, as the API does.
"""


from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import PERSONS_EDIT, PERSONS_IMPORT
from core.errors import DomainError
from core.pages import page_form_post
from core.pagination import keyset_page
from core.tabular.import_jobs import import_errors_view, import_page_view
from orgunits.models import OrgUnit
from persons import importing
from persons.disclosure import Disclosure
from persons.importing.columns import field_keys, field_title
from persons.importing.mapping import (
    grids_of,
    import_job_remap,
    import_job_unknown_columns,
    people_awaiting_grid,
    person_grid_assign,
)
from persons.models import CustomField, ImportJob, ImportMapping
from persons.selectors import person_get_for_user

UNIT_CHOICES = 1000  # beyond this many units in scope, the code is typed
TARGET_KINDS = [OrgUnit.Kind.TOWNSHIP, OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.GRID]


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"), help_text=gettext_lazy(
        "The first sheet of a workbook; a header row names the columns (姓名, 身份证号码, 手机号码, 网格编码…)."))
    unit = forms.ChoiceField(label=gettext_lazy("Import into"), required=False)
    unit_code = forms.CharField(label=gettext_lazy("or type the unit's code"), required=False, max_length=32)
    mapping = forms.ModelChoiceField(label=gettext_lazy("Saved column mapping"), required=False,
                                     queryset=ImportMapping.objects.all())
    year = forms.IntegerField(label=gettext_lazy("Year of dates written without one (3月27日)"), required=False,
                              min_value=1900, max_value=2100, help_text=gettext_lazy(
                                  "Leave empty to take the most common year of the file's other dates."))
    keep_valid = forms.BooleanField(label=gettext_lazy("keep the valid rows"), required=False, help_text=gettext_lazy(
        "Write the rows without errors and return the others in the error file. Otherwise nothing is written "
        "while any row is wrong."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        units = OrgUnit.objects.filter(access.scope_for(user, PERSONS_IMPORT).q("path"), kind__in=TARGET_KINDS)
        self.fields["unit"].choices = [("", "—")] + [
            (code, f"{'　' * max(depth - 4, 0)}{name} ({code})")
            for code, name, depth in units.order_by("path").values_list("code", "name", "depth")[:UNIT_CHOICES]]

    def clean(self):
        data = super().clean()
        code = (data.get("unit_code") or "").strip() or data.get("unit")
        if not code:
            raise forms.ValidationError(_("Choose a unit from the list or type its code."))
        try:
            data["target"] = access.unit_get_for_user(self.user, code, perm=PERSONS_IMPORT)
        except Http404:  # the same answer for a unit elsewhere and for no unit at all
            self.add_error("unit_code", _("There is no unit with the code %(code)s among the units you may import "
                                          "into.") % {"code": code})
        return data


@login_required
def import_list(request):
    access.require(request.user, PERSONS_IMPORT)
    jobs = list(importing.import_jobs_for_user(request.user).order_by("-created_at")[:100])
    for job in jobs:
        job.done_rows, job.all_rows = importing.import_job_progress(job)
    return render(request, "persons/import_list.html", {"jobs": jobs})


@login_required
def import_create(request):
    access.require(request.user, PERSONS_IMPORT)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        posted = page_form_post(request, form, lambda d: importing.import_job_create(
            unit=d["target"], uploaded_file=d["file"], filename=d["file"].name, mapping=d["mapping"],
            keep_valid=d["keep_valid"], year=d.get("year"), by=request.user), done="", on_form=True)
        if posted:
            return redirect("persons:import_detail", pk=posted.result.pk)
    return render(request, "persons/import_form.html", {"form": form})


def _progress_context(job: ImportJob) -> dict:
    done, total = importing.import_job_progress(job)
    return {"job": job, "done": done, "total": total,
            "running": job.state in (ImportJob.State.PENDING, ImportJob.State.RUNNING)}


def _field_choices() -> list[tuple[str, str]]:
    custom_fields = list(CustomField.objects.filter(active=True))
    return [(key, _("ignore") if key == importing.IGNORE else field_title(key, custom_fields))
            for key in field_keys(custom_fields)]


def _unknown_context(job: ImportJob) -> dict:
    """The columns of a refused file no field is known for, each with the closest field chosen."""
    unknown = import_job_unknown_columns(job)
    return {"unknown": [(i, title, suggested or importing.IGNORE) for i, (title, suggested) in enumerate(unknown)],
            "field_choices": _field_choices(), "mapping_name": f"{job.unit.name}台账"}


import_detail = import_page_view(get=importing.import_job_get_for_user, template="persons/import_detail.html",
                                 context=lambda job: {**_progress_context(job), **_unknown_context(job)})


@login_required
@require_POST
def import_remap(request, pk: int):
    """The unknown columns mapped on the job's page: the mapping saved for every later file, the file imported
    again with it."""
    job = importing.import_job_get_for_user(request.user, pk)
    access.require(request.user, PERSONS_IMPORT)
    context = _unknown_context(job)
    columns = {title: request.POST.get(f"column-{i}", "") for i, title, _s in context["unknown"]}
    name = (request.POST.get("name") or "").strip()[:100] or context["mapping_name"]
    try:
        again = import_job_remap(job=job, columns=columns, name=name, by=request.user)
    except DomainError as exc:
        return render(request, "persons/import_detail.html",
                      {**_progress_context(job), **context, "mapping_error": exc.message}, status=400)
    return redirect("persons:import_detail", pk=again.pk)


@login_required
def import_awaiting_grid(request):
    """待分配网格: people a street's sheet placed in their community, for the community to give each a grid."""
    access.require(request.user, PERSONS_EDIT)
    error = None
    if request.method == "POST":
        try:
            person_pk = int(request.POST.get("person", ""))
        except ValueError:
            raise Http404 from None
        person = person_get_for_user(request.user, person_pk, perm=PERSONS_EDIT)
        grid = get_object_or_404(OrgUnit.objects.filter(access.scope_for(request.user, PERSONS_EDIT).q("path")),
                                 code=request.POST.get("grid", ""))
        try:
            person_grid_assign(person=person, grid=grid, by=request.user)
        except DomainError as exc:
            error = exc.message
        else:
            return redirect(request.get_full_path())
    page = keyset_page(people_awaiting_grid(request.user), order=("unit_path", "id"),
                       cursor=request.GET.get("after"), size=50)
    grids: dict[int, list] = {}
    rows = []
    shown = Disclosure(request.user).show_all(page.items)
    for person, seen in zip(page.items, shown, strict=True):
        if person.grid_id not in grids:
            grids[person.grid_id] = grids_of(person.grid, request.user)
        rows.append((person, seen, grids[person.grid_id]))
    return render(request, "persons/import_awaiting_grid.html", {"rows": rows, "page": page, "error": error},
                  status=400 if error else 200)


import_progress = import_page_view(get=importing.import_job_get_for_user, template="persons/import_progress.html",
                                   context=_progress_context)
import_errors = import_errors_view(get=importing.import_job_get_for_user, open_file=importing.import_error_file_open,
                                   fallback="import")
