"""Every URL and API operation that takes an object id answers 404 to users of community A for an
object of community B. A new endpoint with a parameter fails here until it is added to _objects_of_b().
Objects named in a write's body (ids, document numbers, codes, user names): test_scope_bodies.py."""

import datetime as dt
import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts import services as account_services
from checkpoints.tests.scope import API_BODIES as CHECKPOINT_API_BODIES
from checkpoints.tests.scope import objects_of_b as checkpoint_objects_of_b
from core.models import AuditEntry, Notification
from intake.tests.scope import API_BODIES as INTAKE_API_BODIES
from intake.tests.scope import PUBLIC as INTAKE_PUBLIC
from intake.tests.scope import objects_of_b as intake_objects_of_b
from legal.models import HotlineCall
from orgunits import services as unit_services
from persons.models import CustomField, ImportJob, Person
from persons.tests.conftest import resident_id
from reports.layouts import services as template_services
from reports.models import Form, Submission
from reports.services import forms_seed
from reports.tests import county_templates
from supplies.tests.scope import API_BODIES as SUPPLY_API_BODIES
from supplies.tests.scope import objects_of_b as supply_objects_of_b
from tracing import services as tracing_services
from tracing.models import FollowUp
from tracing.tests.scope import objects_of_b as tracing_objects_of_b
from volunteers.tests.scope import API_BODIES as VOLUNTEER_API_BODIES
from volunteers.tests.scope import objects_of_b as volunteer_objects_of_b

# Parameters that name shared definitions (a report form), not objects of a unit: readable by all
# who may read reports and changed only by those who manage forms (403 to others), so they are not
# expected to answer 404. tests in reports/tests/test_form_editor.py check who may change them.
SHARED = {"reports:versions", "reports:form_edit", "api:report_form_version_create",
          # the catalog of figures is one vocabulary for the whole city (reports/tests/test_catalog.py)
          "reports:figure", "reports:figure_edit",
          # the legal knowledge base is public law, readable by everyone signed in
          "legal:entry", "legal:entry_edit", "api:legal_entry_get",
          "api:legal_entry_update",
          # a form's settings and versions and a figure, through the API as on the editor's pages
          "api:report_form_update", "api:report_form_versions", "api:report_figure_update", "api:report_figure_count",
          # how a version's numbers compare with the one before: a form's definition, computed for the reader's unit
          "reports:version_jump", "api:report_version_jump",
          *INTAKE_PUBLIC}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}", p


def _parametrised_urls():
    for route, name, _pattern in _walk(get_resolver().url_patterns):
        if route.startswith("admin/"):
            continue  # the read-only Django admin is for superusers only
        if "<" in route:
            yield route, name


def _objects_of_b(cast):
    """For each URL name, the path parameters naming an object of community B (or of its people)."""
    membership_b = cast.community_b_worker.memberships.get()
    token_b, _key = account_services.token_create(user=cast.community_b_worker, name="月塘测温枪")
    unit_services.unit_rename(unit=cast.community_b, name="月塘社区", by=cast.community_b_worker)
    audit_b = AuditEntry.objects.filter(unit_path=cast.community_b.path).latest("at")
    code_b = {"code": cast.community_b.code}
    person_b = Person.objects.create(name="月塘居民", doc_number="431302199001011239", grid=cast.grid_b,
                                     unit_path=cast.grid_b.path)
    field = CustomField.objects.create(key="nat", label="核酸", type="text")
    job_b = ImportJob.objects.create(unit=cast.community_b, unit_path=cast.community_b.path, filename="b.csv",
                                     file="imports/b.csv", error_file="imports/errors/b-errors.csv")
    page_b = {"pk": person_b.pk}
    forms_seed()
    form = Form.objects.get(code="hubei_wuhan_daily")
    submission_b = Submission.objects.create(form=form, version=form.versions.first(), unit=cast.community_b,
                                             unit_path=cast.community_b.path, day="2020-05-21",
                                             values={"rows": [], "total": {}})
    api_b = {"person_id": person_b.pk}
    template_b = template_services.template_upload(content=county_templates.merged_rows(), name="月塘模板.xlsx",
                                                   unit=cast.community_b, by=cast.city_admin)
    call_b = HotlineCall.objects.create(unit=cast.community_b, unit_path=cast.community_b.path, question="问",
                                        category="other", received_at=timezone.now(), follow_up_needed=True)
    now = dt.datetime.now(dt.UTC)
    case_b = tracing_services.case_register(person=person_b, classification="confirmed", by=None)
    exposure_b, _created = tracing_services.contact_add(
        source=person_b, by=None, person_data={"name": "月塘密接", "doc_number": resident_id(seq=456),
                                               "grid": cast.grid_b.code},
        exposure_data={"last_contact": (now - dt.timedelta(days=1)).date()})
    follow_up_b = FollowUp.objects.get(person=exposure_b.exposed)
    visit_b = tracing_services.visit_record(person=person_b, place="月塘菜市场", community=cast.community_b,
                                            start=now - dt.timedelta(hours=5), end=now - dt.timedelta(hours=4),
                                            by=None)
    task_b = tracing_services.task_create(kind="verify", person=exposure_b.exposed, by=None,
                                          due_at=now + dt.timedelta(hours=1))
    notification_b = Notification.objects.filter(recipient=cast.community_b_worker).latest("id")
    case_page, case_api = {"pk": case_b.pk}, {"case_id": case_b.pk}
    contact_page, contact_api = {"pk": exposure_b.pk}, {"exposure_id": exposure_b.pk}
    follow_up_page, follow_up_api = {"pk": follow_up_b.pk}, {"follow_up_id": follow_up_b.pk}
    return {
        "tracing:case_detail": case_page,
        "tracing:case_edit": case_page,
        "tracing:case_classify": case_page,
        "tracing:contact_add": case_page,
        "tracing:visit_add": case_page,
        "tracing:visit_delete": {"pk": visit_b.pk},
        "api:visit_delete": {"visit_id": visit_b.pk},
        "tracing:exposure_detail": contact_page,
        "tracing:contact_add_secondary": contact_page,
        "tracing:follow_up_detail": follow_up_page,
        "tracing:follow_up_result": follow_up_page,
        "tracing:follow_up_change": follow_up_page,
        "tracing:follow_up_stop": follow_up_page,
        "tracing:task_detail": {"pk": task_b.pk},
        "tracing:task_status": {"pk": task_b.pk},
        "notifications:read": {"pk": notification_b.pk},
        "api:case_get": case_api,
        "api:case_patch": case_api,
        "api:case_classify": case_api,
        "api:case_contacts": case_api,
        "api:visit_list": case_api,
        "api:visit_create": case_api,
        "api:exposure_get": contact_api,
        "api:exposure_patch": contact_api,
        "api:follow_up_get": follow_up_api,
        "api:follow_up_result": follow_up_api,
        "api:follow_up_change": follow_up_api,
        "api:task_get": {"task_id": task_b.pk},
        "api:task_patch": {"task_id": task_b.pk},
        "persons:detail": page_b,
        "persons:edit": page_b,
        "persons:access_log": page_b,
        "persons:category_assign": page_b,
        "persons:category_end": page_b,
        "persons:status_set": page_b,
        "persons:check_record": page_b,
        "persons:field_edit": {"pk": field.pk},
        "persons:import_detail": {"pk": job_b.pk},
        "persons:import_progress": {"pk": job_b.pk},
        "persons:import_remap": {"pk": job_b.pk},
        "persons:import_errors": {"pk": job_b.pk},
        "reports:compute": {"code": form.code},  # the unit (community B) is in the POST body
        "reports:submission": {"pk": submission_b.pk},
        "reports:submission_action": {"pk": submission_b.pk},
        "reports:cell": {"pk": submission_b.pk, "row": cast.grid_b.code, "column": "managed"},
        "reports:submission_csv": {"pk": submission_b.pk},
        "reports:submission_manual_xlsx": {"pk": submission_b.pk},
        "reports:template": {"pk": template_b.pk},
        "reports:template_day": {"pk": template_b.pk},
        "api:report_template_get": {"template_id": template_b.pk},
        "api:report_template_sheet_read": {"template_id": template_b.pk, "sheet": "涉鄂涉汉日报"},
        "api:report_template_columns_save": {"template_id": template_b.pk, "sheet": "涉鄂涉汉日报"},
        "api:report_template_form_make": {"template_id": template_b.pk, "sheet": "涉鄂涉汉日报"},
        "api:report_template_day": {"template_id": template_b.pk},
        "api:report_compute": {"code": form.code},  # the unit (community B) is in the body
        "api:report_submission_get": {"submission_id": submission_b.pk},
        "api:report_manual_set": {"submission_id": submission_b.pk},
        "api:report_manual_workbook": {"submission_id": submission_b.pk},
        "api:report_submission_csv": {"submission_id": submission_b.pk},
        "api:report_submit": {"submission_id": submission_b.pk},
        "api:report_review": {"submission_id": submission_b.pk},
        "api:report_cell": {"submission_id": submission_b.pk, "row": cast.grid_b.code, "column": "managed"},
        "api:report_cell_moves": {"submission_id": submission_b.pk, "row": cast.grid_b.code, "column": "managed"},
        "api:person_get": api_b,
        "api:person_patch": api_b,
        "api:category_assign": api_b,
        "api:category_end": api_b,
        "api:status_set": api_b,
        "api:checks_list": api_b,
        "api:check_create": api_b,
        "api:person_grid_assign": api_b,
        "api:person_access_log": api_b,
        "api:person_import_get": {"job_id": job_b.pk},
        "api:person_import_errors": {"job_id": job_b.pk},
        "api:person_import_remap": {"job_id": job_b.pk},
        "api:custom_field_update": {"field_id": field.pk},  # answered 404 to all but those who manage fields
        "orgunits:detail": code_b,
        "orgunits:child_create": code_b,
        "orgunits:rename": code_b,
        "orgunits:import": code_b,
        "orgunits:site_create": code_b,
        "sites:site_detail": {"pk": cast.site_b.pk},
        "accounts:user_detail": {"pk": cast.community_b_worker.pk},
        "accounts:membership_revoke": {"pk": membership_b.pk},
        "accounts:token_revoke": {"pk": token_b.pk},
        "audit:detail": {"pk": audit_b.pk},
        "api:unit_get": code_b,
        "api:unit_children": code_b,
        "api:unit_child_create": code_b,
        "api:unit_subtree": code_b,
        "api:unit_sites": code_b,
        "api:site_get": {"site_id": cast.site_b.pk},
        "api:unit_rename": code_b,
        "api:unit_import": code_b,
        "api:unit_site_create": code_b,
        "api:site_patch": {"site_id": cast.site_b.pk},
        **checkpoint_objects_of_b(cast),
        **supply_objects_of_b(cast),
        **tracing_objects_of_b(cast),
        **volunteer_objects_of_b(cast),
        **intake_objects_of_b(cast),
        "legal:call": {"pk": call_b.pk},
        "legal:call_follow_up": {"pk": call_b.pk},
        "api:legal_call_get": {"call_id": call_b.pk},
        "api:legal_call_follow_up": {"call_id": call_b.pk},
    }


# The users of community A (and below it), from the weakest to the strongest.
USERS_OF_A = ["grid_a_worker", "community_a_worker", "command_a"]

_NEW_GRID = {"code": "431302004003-09", "name": "越界网格", "kind": "grid"}
API_BODIES = {"api:unit_children": _NEW_GRID, "api:unit_child_create": _NEW_GRID,
              "api:unit_rename": {"name": "越界"}, "api:unit_sites": {"kind": "enterprise", "name": "越界"},
              "api:unit_site_create": {"kind": "enterprise", "name": "越界"},
              **CHECKPOINT_API_BODIES,
              **SUPPLY_API_BODIES,
              **VOLUNTEER_API_BODIES,
              **INTAKE_API_BODIES,
              "api:category_assign": {"category": "hubei"}, "api:category_end": {"category": "hubei"},
              "api:status_set": {"status": "released"}, "api:check_create": {"temperature": "36.5"},
              "api:checks_list": {"temperature": "36.5"},
              "api:person_import_remap": {"columns": {"备注": "ignore"}, "name": "越界"},
              "api:person_grid_assign": {"grid": "431302004001-01"},
              "api:report_compute": {"unit": "431302004003", "day": "2020-05-21"},
              "api:report_manual_set": {"values": {}}, "api:report_review": {"approve": True},
              "api:report_submit": {"lock_version": 1},
              "api:report_template_sheet_read": {"header_first": 3, "header_last": 4, "across": "indicators"},
              "api:report_template_form_make": {"effective_from": "2020-05-21"},
              "api:case_classify": {"classification": "excluded"},
              "api:visit_create": {"place": "越界", "start": "2020-05-20T10:00:00+08:00",
                                   "end": "2020-05-20T11:00:00+08:00"},
              "api:visit_list": {"place": "越界", "start": "2020-05-20T10:00:00+08:00",
                                 "end": "2020-05-20T11:00:00+08:00"},
              "api:follow_up_result": {"result": "well", "temperature": "36.5"},
              "api:follow_up_change": {"end": "2030-01-01", "reason": "越界"}}
# PUT endpoints with no GET on their path are tried with these bodies (valid, so that only the scope can refuse them).
PUT_BODIES = {"api:report_template_columns_save": [{"index": 7, "kind": "manual"}]}
# DELETE endpoints are tried with a DELETE.
DELETES = {"api:visit_delete"}
# PATCH endpoints are tried with these bodies (valid, so that only the scope can refuse them).
PATCH_BODIES = {"api:person_patch": {"version": 1, "name": "越界"}, "api:custom_field_update": {"label": "越界"}, "api:case_patch": {"notes": "越界"},
                "api:exposure_patch": {"note": "越界"}, "api:task_patch": {"status": "done"},
                "api:supply_request_patch": {"version": 1, "quantity": "1"},
                "api:site_patch": {"name": "越界"}}


def _fill(route: str, params: dict) -> str:
    url = "/" + route
    for key, value in params.items():
        for conv in ("int", "str", "slug", "path", ""):
            url = url.replace(f"<{conv}:{key}>" if conv else f"<{key}>", str(value))
    assert "<" not in url, f"unfilled parameter in {url}"
    return url


@pytest.mark.parametrize("who", USERS_OF_A)
def test_every_object_endpoint_hides_community_b_from_community_a(cast, client_for, who):
    objects = _objects_of_b(cast)
    routes = list(_parametrised_urls())
    routes = [(route, name) for route, name in routes if name not in SHARED]
    missing = sorted({name for _route, name in routes} - set(objects))
    assert not missing, f"add these URL names to _objects_of_b() in this test: {missing}"
    client = client_for(getattr(cast, who))
    for route, name in routes:
        url = _fill(route, objects[name])
        get = client.get(url)
        if name.startswith("api:"):
            post = client.post(url, data=json.dumps(API_BODIES.get(name, {})), content_type="application/json")
            if name in PATCH_BODIES:
                post = client.patch(url, data=json.dumps(PATCH_BODIES[name]), content_type="application/json")
            if name in DELETES:
                post = client.delete(url)
            if name in PUT_BODIES:
                post = client.put(url, data=json.dumps(PUT_BODIES[name]), content_type="application/json")
        else:
            post = client.post(url, {"name": "越界", "code": "X-9", "kind": "grid", "role": "grid_worker",
                                     "unit_code": cast.community_b.code, "unit": cast.community_b.code,
                                     "action": "edit", "category": "hubei",
                                     "status": "released", "temperature": "36.5", "result": "well", "label": "x",
                                     "doc_type": "resident_id", "doc_number": "431302199001011239",
                                     "grid": cast.grid_b.code, "version": 1, "day": "2020-05-21"})
        statuses = {get.status_code, post.status_code}
        assert statuses <= {404, 405}, f"{who} {name} {url}: GET {get.status_code}, POST {post.status_code}"
        assert 404 in statuses, f"{who} {name} {url}: never answered 404"


def test_the_owner_of_b_reaches_the_same_objects(cast, client_for):
    """The check above is meaningful: the same URLs answer 200 for community B's own worker."""
    objects = _objects_of_b(cast)
    client = client_for(cast.community_b_worker)
    for name in ["orgunits:detail", "sites:site_detail", "api:unit_get", "api:unit_children", "api:site_get",
                 "persons:detail", "persons:edit", "api:person_get", "api:checks_list", "reports:submission",
                 "tracing:case_detail", "tracing:exposure_detail", "tracing:follow_up_detail", "tracing:task_detail",
                 "api:case_get", "api:exposure_get", "api:follow_up_get", "api:task_get"]:
        route = next(r for r, n in _parametrised_urls() if n == name)
        assert client.get(_fill(route, objects[name])).status_code == 200, name
