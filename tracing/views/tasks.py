"""Task pages: a grid worker's open tasks, the list of tasks, giving one, a task's page and its status."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import TRACING_EDIT, TRACING_TASKS, TRACING_VIEW
from core.errors import DomainError
from core.pages import page_back, page_form_post
from core.pagination import keyset_page
from tracing import selectors, services
from tracing.forms import TaskForm, TaskStatusForm
from tracing.models import Task
from tracing.services.tasks import task_may_manage, task_may_work
from tracing.views.common import unit_param, workers


@login_required
def my_tasks(request):
    """A grid worker's phone: their open tasks, most urgent first, with one-tap status buttons."""
    access.require(request.user, TRACING_VIEW)
    tasks = list(selectors.my_tasks(request.user)[:200])
    now = timezone.now()
    for t in tasks:
        t.overdue = t.due_at < now
        t.label = services.task_label(t)
    return render(request, "tracing/my_tasks.html", {
        "tasks": tasks, "can_manage": access.has_perm(request.user, TRACING_TASKS)})


@login_required
def task_list(request):
    access.require(request.user, TRACING_VIEW)
    status = request.GET.get("status", "")
    status = status if status in Task.Status.values else ""
    unit = unit_param(request)
    qs = selectors.tasks_filtered(request.user, status=status, unit=unit, overdue=request.GET.get("overdue") == "1")
    page = keyset_page(qs, order=("-due_at", "-id"), cursor=request.GET.get("after"))
    for t in page.items:
        t.label = services.task_label(t)
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "tracing/task_list.html", {
        "page": page, "query": query.urlencode(), "status": status, "statuses": Task.Status.choices, "unit": unit,
        "can_manage": access.has_perm(request.user, TRACING_TASKS)})


def _task_create(request, d) -> Task:
    person = unit = None
    if d["doc_number"]:
        person = selectors.person_by_number_for_user(request.user, d["doc_number"])
        if person is None:
            raise DomainError("unknown_person", _("Nobody with this document is registered in your units."),
                              fields={"doc_number": [_("Not registered in your units.")]})
    elif d["unit"]:
        unit = access.unit_get_for_user(request.user, d["unit"].strip(), perm=TRACING_EDIT)
    return services.task_create(kind=d["kind"], priority=d["priority"], title=d["title"], person=person,
                                unit=unit, due_at=d["due_at"], assignee=d["assignee"],
                                observers=d["observers"], by=request.user)


@login_required
def task_create(request):
    access.require(request.user, TRACING_EDIT)
    initial = {"due_at": timezone.localtime(timezone.now() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
               "doc_number": request.GET.get("doc", "")}
    form = TaskForm(request.POST or None, users=workers(request.user), initial=initial)
    if request.method == "POST":
        posted = page_form_post(request, form, lambda d: _task_create(request, d), on_form=True, done=lambda task: _(
            "The task is given to %(who)s.") % {"who": task.assignee or _("nobody")})
        if posted:
            return redirect("tracing:task_detail", pk=posted.result.pk)
    return render(request, "tracing/form.html", {"form": form, "title": _("New task"), "cancel": "tracing:tasks"})


@login_required
def task_detail(request, pk: int):
    task = selectors.task_get_for_user(request.user, pk)
    task.label = services.task_label(task)
    return render(request, "tracing/task_detail.html", {
        "task": task, "observers": list(task.observers.all()),
        "can_work": task_may_work(request.user, task), "can_manage": task_may_manage(request.user, task),
        "status_form": TaskStatusForm(initial={"status": task.status, "result": task.result,
                                               "version": task.version}),
        "overdue": task.is_open and task.due_at < timezone.now()})


@login_required
@require_POST
def task_status(request, pk: int):
    task = selectors.task_get_for_user(request.user, pk, perm=TRACING_EDIT)
    if not task_may_work(request.user, task):
        raise Http404
    page_form_post(request, TaskStatusForm(request.POST), lambda d: services.task_update(
        task=task, data={"status": d["status"], "result": d["result"]}, version=d["version"], by=request.user))
    return page_back(request, "tracing:task_detail", task.pk)
