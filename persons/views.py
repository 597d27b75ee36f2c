"""Line-list pages: the list, a person's page, register and edit, the grid worker's day, duplicates,
additional fields, exports. Each view parses, authorizes, calls one service or selector, renders."""

import html

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import (
    AUDIT_VIEW,
    FIELDS_MANAGE,
    PERSONS_EDIT,
    PERSONS_EXPORT,
    PERSONS_MERGE,
    PERSONS_VIEW,
)
from core import plain_reads
from core.forms import model_choices_shown
from core.models import AuditEntry
from core.pages import page_call, page_day, page_form_post
from core.pagination import keyset_page
from core.replicas import heavy_reads
from orgunits.models import OrgUnit
from persons import access_log, selectors, services
from persons.arrivals import quarantine_site_chosen, quarantine_sites_reading_for
from persons.disclosure import FULL, Disclosure
from persons.duplicates import duplicates_for_review
from persons.exporting import persons_export
from persons.forms import (
    CategoryAssignForm,
    CategoryEndForm,
    CustomFieldForm,
    HealthCheckForm,
    PersonFilterForm,
    PersonForm,
    StatusForm,
)
from persons.models import CustomField, Person


def _grids_for(user) -> list[OrgUnit]:
    scope = access.scope_for(user, PERSONS_EDIT)
    return list(OrgUnit.objects.filter(scope.q("path"), kind__in=[OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY])
                .order_by("path")[:2000])


def _filter_from(request) -> tuple[PersonFilterForm, selectors.PersonFilter, dict]:
    custom_fields, categories, statuses = plain_reads.at_once(
        selectors.custom_fields_reading(), selectors.categories_reading(), selectors.statuses_reading())
    form = PersonFilterForm(request.GET or None, categories=categories, statuses=statuses, custom_fields=custom_fields)
    f = selectors.PersonFilter()
    used = {}
    if form.is_valid():
        data = form.cleaned_data
        if data["unit"]:
            f.unit = access.unit_get_for_user(request.user, data["unit"].strip(), perm=PERSONS_VIEW)
            used["unit_path"] = f.unit.path
        for key in ("category", "status", "name", "initials", "doc_suffix", "phone"):
            setattr(f, key, data[key] or "")
            if data[key]:
                used[key] = data[key]
        if data["day"]:
            f.as_of = selectors.as_of_day(data["day"])
            used["day"] = data["day"].isoformat()
        if data["arrived"]:
            f.arrived = data["arrived"]
            used["arrived"] = data["arrived"].isoformat()
        for name, field in form.custom_keys:
            value = data.get(name)
            if value not in ("", None):
                f.custom[field.key] = (value == "true") if field.type == CustomField.Type.BOOLEAN else value
                used[name] = value
    return form, f, used


@login_required
@heavy_reads()
def person_list(request):
    access.require(request.user, PERSONS_VIEW)
    form, f, used = _filter_from(request)
    # Only what the rows show (and the keyset's columns): a person's other fields and their grid's cost more to
    # read and build than the page's queries.
    qs = selectors.persons_filtered(request.user, f).select_related("grid").only(*_LIST_FIELDS)
    page = keyset_page(qs, order=("unit_path", "id"), cursor=request.GET.get("after"), size=50)
    selectors.with_current_state(page.items, categories=form.categories, statuses=form.statuses)
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "persons/person_list.html", {
        "form": form, "page": page, "rows": _list_rows(page.items), "query": query.urlencode(),
        "filters_used": len(used),
        "can_edit": access.has_perm(request.user, PERSONS_EDIT),
        "can_export": access.has_perm(request.user, PERSONS_EXPORT),
    })


_LIST_FIELDS = ("id", "unit_path", "name", "sex", "doc_number", "phone", "grid", "grid__name")
_ROW = ('<tr>\n<td class="name"><a href="{}">{}</a> <span class="muted">{}</span></td>\n'
        '<td class="mono doc">{}</td><td class="mono phone">{}</td><td class="grid">{}</td>\n'
        '<td class="cats">{}</td>\n<td class="status">{}</td></tr>\n')


def _list_rows(people) -> SafeString:
    """The list's rows, escaped as the template would (a template loop, and even format_html, cost more than the
    page's queries; every value is plain text, escaped here): each person's link from one reversed URL, their masked
    numbers, grid, open categories and status."""
    marker = 9_876_543_210
    head, tail = reverse("persons:detail", args=[marker]).rsplit(str(marker), 1)
    sexes = {value: str(label) for value, label in Person._meta.get_field("sex").flatchoices}
    def e(value) -> str:
        return html.escape(str(value))

    return mark_safe("".join(_ROW.format(
        e(f"{head}{p.pk}{tail}"), e(p.name), e(sexes.get(p.sex, p.sex)), e(p.doc_masked), e(p.phone_masked),
        e(p.grid.name), "".join(f'<span class="tag">{e(c.name)}</span>' for c in p.current_categories),
        e(p.current_status.name) if p.current_status else "") for p in people))


@login_required
@heavy_reads()  # the count, the filters and the rows, which stream after the view returns (core.replicas.streamed)
def person_export(request, fmt: str):
    access.require(request.user, PERSONS_EXPORT)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, f, used = _filter_from(request)
    qs = selectors.persons_filtered(request.user, f, perm=PERSONS_EXPORT)
    return persons_export(user=request.user, qs=qs, fmt=fmt, filters=used)


@login_required
def person_detail(request, pk: int):
    """A person's page: data (unmasked only for roles that may see it, and that view audited),
    the whole history, and the forms to change it.

    The changes made to the record are listed to everyone who may open it; who viewed or exported the
    person's data (the access log) only to those who read the audit log over the person's unit (audit.view),
    as on the access log's own page."""
    person = selectors.person_get_for_user(request.user, pk)
    disclosure = Disclosure(request.user)
    shown = disclosure.subject(person)
    can_see_access_log = access.scope_for(request.user, AUDIT_VIEW).covers(person.unit_path)
    entries = {"object_type": "persons.person", "object_id": str(person.pk)}
    can_edit = (person.anonymised_at is None
                and access.scope_for(request.user, PERSONS_EDIT).covers(person.unit_path))
    # The page's reads, in one round trip (core.plain_reads.at_once).
    categories, statuses, checks, changes, accesses, custom_fields, statuses_all, categories_all, sites, head = (
        plain_reads.at_once(
            *selectors.person_history_readings(person),
            plain_reads.reading(AuditEntry, where=entries, exclude={"action": access_log.ACCESS_ACTIONS},
                                order=("-at",), limit=50),
            (plain_reads.reading(AuditEntry, where={**entries, "action": access_log.ACCESS_ACTIONS}, order=("-at",),
                                 limit=10) if can_see_access_log else None),
            selectors.custom_fields_reading(), selectors.statuses_reading(), selectors.categories_reading(),
            quarantine_sites_reading_for(request.user),
            selectors.person_with_grid_reading(person.household_head_id) if person.household_head_id else None))
    history = {"categories": categories, "statuses": statuses, "checks": checks}
    now = timezone.now()
    statuses_now = _open_now(statuses, now)
    status_form, category_form = StatusForm(), CategoryAssignForm()
    status_form.fields["site"].widget.choices = [("", "—")] + [(s.pk, s.name) for s in sites]
    model_choices_shown(status_form, "status", statuses_all)
    model_choices_shown(category_form, "category", categories_all)
    return render(request, "persons/person_detail.html", {
        "person": person, "full": shown.level == FULL, "can_edit": can_edit,
        "doc": shown.doc_number, "phone": shown.phone,
        "household_head": disclosure.show(head[0]) if head else None,
        "custom_values": [(f.display_label, person.custom.get(f.key)) for f in custom_fields],
        "status_now": statuses_now[-1] if statuses_now else None,  # the latest begun of those open
        "categories_now": _open_now(categories, now),
        "history": history,
        "audit": changes,
        "accesses": accesses,
        "can_see_access_log": can_see_access_log,
        "category_form": category_form, "status_form": status_form, "check_form": HealthCheckForm(),
    })


def _open_now(episodes: list, now) -> list:
    """The episodes of a person's history (in start order) open at `now`, as selectors.open_at reads them: the
    person's page has read the whole history already."""
    return [e for e in episodes if e.start <= now and (e.end is None or e.end > now)]


@login_required
def person_access_log(request, pk: int):
    """Who viewed or exported the person's data: the audit log narrowed to them, for those who may read
    the audit log over the person's unit (audit.view); 404 to everyone else."""
    person = selectors.person_get_for_user(request.user, pk, perm=AUDIT_VIEW)
    page = access_log.person_access_read(request.user, person, cursor=request.GET.get("after"))
    return render(request, "persons/person_access_log.html", {
        "person": person, "page": page,
        "can_view_person": access.scope_for(request.user, PERSONS_VIEW).covers(person.unit_path),
    })


@login_required
def person_create(request):
    access.require(request.user, PERSONS_EDIT)
    custom_fields = selectors.custom_fields_active()
    grids = _grids_for(request.user)
    form = PersonForm(request.POST or None, grids=grids, custom_fields=custom_fields,
                      initial={"grid": grids[-1].code if len(grids) == 1 else None})
    if request.method == "POST":
        posted = page_form_post(request, form, lambda _d: services.person_register(data=form.raw(), by=request.user),
                                done=lambda person: _("%(name)s is registered.") % {"name": person.name}, on_form=True)
        if posted:
            return redirect("persons:detail", pk=posted.result.pk)
    return render(request, "persons/person_form.html", {"form": form, "title": _("Register a person")})


@login_required
def person_edit(request, pk: int):
    person = selectors.person_get_for_user(request.user, pk, perm=PERSONS_EDIT)
    custom_fields = selectors.custom_fields_active()
    initial = {"name": person.name, "doc_type": person.doc_type, "doc_number": person.doc_number,
               "sex": person.sex, "birth_date": person.birth_date, "phone": person.phone, "address": person.address,
               "grid": person.grid.code, "household_relation": person.household_relation, "notes": person.notes,
               "household_head": person.household_head.doc_number if person.household_head else "",
               "version": person.version}
    for field in custom_fields:
        value = person.custom.get(field.key)
        initial[f"custom.{field.key}"] = ("true" if value else "false") if isinstance(value, bool) else value
    grids = _grids_for(request.user)
    if person.grid not in grids:
        grids.append(person.grid)
    form = PersonForm(request.POST or None, grids=grids, custom_fields=custom_fields, initial=initial)
    if request.method == "POST" and page_form_post(request, form, lambda d: services.person_update(
            person=person, data=form.raw(), version=d["version"], by=request.user), on_form=True):
        return redirect("persons:detail", pk=person.pk)
    return render(request, "persons/person_form.html", {"form": form, "person": person, "title": _("Edit")})


def _post_on_person(request, pk: int, form_class, call):
    """The small forms on a person's page: posted through core.pages, then back to the person (or to the grid
    worker's day when `next` is "today")."""
    person = selectors.person_get_for_user(request.user, pk, perm=PERSONS_EDIT)
    page_form_post(request, form_class(request.POST), lambda d: call(person, d))
    if request.POST.get("next") == "today":
        return redirect("persons:today")
    return redirect("persons:detail", pk=person.pk)


@login_required
@require_POST
def category_assign(request, pk: int):
    return _post_on_person(request, pk, CategoryAssignForm, lambda p, d: services.category_assign(
        person=p, category=d["category"], start=d["start"], note=d["note"], by=request.user))


@login_required
@require_POST
def category_end(request, pk: int):
    return _post_on_person(request, pk, CategoryEndForm, lambda p, d: services.category_end(
        person=p, category=d["category"], end=d["end"], by=request.user))


@login_required
@require_POST
def status_set(request, pk: int):
    def call(person, d):
        site = quarantine_site_chosen(request.user, d["site"]) if d["site"] else None
        services.status_set(person=person, status=d["status"], start=d["start"], site=site,
                            planned_end=d["planned_end"], note=d["note"], by=request.user)
    return _post_on_person(request, pk, StatusForm, call)


@login_required
@require_POST
def check_record(request, pk: int):
    return _post_on_person(request, pk, HealthCheckForm, lambda p, d: services.health_check_record(
        person=p, temperature=d["temperature"], symptoms=d["symptoms"], result=d["result"], note=d["note"],
        by=request.user))


@login_required
def today(request):
    """The grid worker's day: checks due, arrivals, releases due or overdue, fevers."""
    scope = access.require(request.user, PERSONS_EDIT)
    persons_day = selectors.persons_day(scope, day=page_day(request))
    return render(request, "persons/today.html", {
        "day": persons_day.day, "checks_due": persons_day.checks_due, "arrivals": persons_day.arrivals,
        "releases_due": persons_day.releases_due, "releases_overdue": persons_day.releases_overdue,
        "fevers": persons_day.fevers, "check_form": HealthCheckForm(),
    })


@login_required
def fevers(request):
    """The day's fevers at home health checks under a unit (the whole scope without one), for the community and
    the street as for the grid worker: each person in the viewer's line-list scope, with the check."""
    scope = access.require(request.user, PERSONS_VIEW)
    day = page_day(request)
    code = (request.GET.get("unit") or "").strip()
    unit = access.unit_get_for_user(request.user, code, perm=PERSONS_VIEW) if code else None
    listed = selectors.fevers_listed(scope, day=day, under=unit.path if unit else None)
    return render(request, "persons/fevers.html", {
        "day": day, "unit": unit, "checks": listed.checks, "people": listed.people,
        "limit": selectors.FEVERS_LISTED})


@login_required
def duplicates(request):
    scope = access.require(request.user, PERSONS_MERGE)
    return render(request, "persons/duplicates.html", {"rows": duplicates_for_review(scope, limit=200)})


@login_required
@require_POST
def duplicate_resolve(request):
    """Merge two people (keeping the one chosen) or remember that they are different people."""
    try:
        keep = selectors.person_get_for_user(request.user, int(request.POST["keep"]), perm=PERSONS_MERGE)
        other = selectors.person_get_for_user(request.user, int(request.POST["other"]), perm=PERSONS_MERGE)
    except (KeyError, ValueError):
        raise Http404 from None
    if request.POST.get("action") == "dismiss":
        page_call(request, lambda: services.duplicate_dismiss(a=keep, b=other, by=request.user),
                  done=_("Marked as different people."))
    else:
        page_call(request, lambda: services.person_merge(keep=keep, drop=other, by=request.user),
                  done=_("Merged into %(name)s.") % {"name": keep.name})
    return redirect("persons:duplicates")


@login_required
def field_list(request):
    access.require(request.user, FIELDS_MANAGE)
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and page_form_post(
            request, form, lambda d: services.custom_field_save(data=d, by=request.user), on_form=True):
        return redirect("persons:fields")
    return render(request, "persons/fields.html", {"fields": CustomField.objects.all(), "form": form})


@login_required
def field_edit(request, pk: int):
    field = CustomField.objects.filter(pk=pk).first()
    if field is None or not access.has_perm(request.user, FIELDS_MANAGE):
        raise Http404
    form = CustomFieldForm(request.POST or None, initial={
        "key": field.key, "label": field.label, "label_en": field.label_en, "help_text": field.help_text,
        "type": field.type, "choices": ", ".join(field.choices), "required_from": field.required_from,
        "active": field.active})
    form.fields["key"].disabled = form.fields["type"].disabled = True
    if request.method == "POST" and page_form_post(
            request, form, lambda d: services.custom_field_save(data=d, field=field, by=request.user), on_form=True):
        return redirect("persons:fields")
    return render(request, "persons/field_form.html", {"field": field, "form": form})


