"""What every import job has beyond its file, the same for the line list's imports and a case's contact lists:
the audited download of its error file, and its pages — the job's page, the part of it htmx polls every 2 s
while the job runs, and the error file.

An import job here is a record with the fields both have: filename, unit_path, error_rows, error_file. Each app
hands over how a job is found in the user's scope (404 otherwise), the context its templates read and how its
error file is opened (its service, with its audit note); the views are made here, once.
"""

import inspect
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.files import File
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.actors import Actor
from core.audit import audit_record
from core.tabular.writing import error_file_download

Get = Callable[[Any, int], Any]  # (user, pk) → the job, if in the user's scope; else Http404


def error_file_open(job, *, by: Actor, note: str) -> File:
    """Open the error file of import `job` for download, 404 when it has none. The file holds rows of personal
    data: the download is audited (an export of the job, its error rows, with `note`)."""
    if not job.error_file:
        raise Http404
    audit_record(actor=by, action="export", obj=job, object_repr=job.filename[:200], unit_path=job.unit_path,
                 after={"error_rows": job.error_rows}, note=note)
    return job.error_file.open("rb")


def error_file_response(job, opened: File, *, fallback: str) -> FileResponse:
    """`opened`, the error file of import `job` (error_file_open), as a download named after the file that was
    imported; <fallback>-<the job's id>-errors.<csv or xlsx> for ASCII-only clients."""
    return error_file_download(opened, stored=job.error_file.name, uploaded=job.filename,
                               fallback=f"{fallback}-{job.pk}")


def import_page_view(*, get: Get, template: str, context: Callable[[Any], dict]) -> Callable:
    """A GET view of job `pk` (its page, or the progress part of it): `template` with the job's `context`."""

    @login_required
    @require_GET
    def view(request, pk: int):
        return render(request, template, context(get(request.user, pk)))

    return view


def error_file_served(user, pk: int, *, get: Get, open_file: Callable[..., File], fallback: str) -> FileResponse:
    """The error file of job `pk` as a download, if the job is in `user`'s scope (`get`, 404 otherwise): opened
    by `open_file(job, by=user)`, which audits it; `fallback`-<id>-errors.<ext> for ASCII-only clients."""
    job = get(user, pk)
    return error_file_response(job, open_file(job, by=user), fallback=fallback)


def import_errors_view(*, get: Get, open_file: Callable[..., File], fallback: str) -> Callable:
    """The GET view of job `pk`'s error file (error_file_served)."""

    @login_required
    @require_GET
    def view(request, pk: int):
        return error_file_served(request.user, pk, get=get, open_file=open_file, fallback=fallback)

    return view


def import_job_api_reads(router, *, path: str, param: str, get: Get, out: Callable[[Any], dict], response: Any,
                         open_file: Callable[..., File], fallback: str, url_names: tuple[str, str],
                         operation_ids: tuple[str, str], summary: str = "") -> None:
    """Declare on the ninja `router` an import job's two reads, at this point of its paths: GET {path}/{param} (the
    job found by `get`, as `out` shows it) and GET {path}/{param}/errors (its error file, error_file_served). Each
    app names its path parameter and operations as its API has always named them."""

    def job_get(request, **ids):
        return out(get(request.user, ids[param]))

    def job_errors(request, **ids):
        return error_file_served(request.user, ids[param], get=get, open_file=open_file, fallback=fallback)

    signature = inspect.Signature([inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                                   inspect.Parameter(param, inspect.Parameter.KEYWORD_ONLY, annotation=int)])
    for view in (job_get, job_errors):
        view.__signature__ = signature  # type: ignore[attr-defined]  # ninja reads the path parameter from it
    router.get(f"{path}/{{{param}}}", response=response, url_name=url_names[0], operation_id=operation_ids[0],
               summary=summary or None)(job_get)
    router.get(f"{path}/{{{param}}}/errors", url_name=url_names[1], operation_id=operation_ids[1],
               summary="The rows that could not be imported, with the reasons (same format as the file)")(job_errors)
