"""Every URL and API operation that takes an object id answers 404 to users of community A for an
object of community B. A new endpoint with a parameter fails here until it is added to _objects_of_b()."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts import services as account_services
from core.models import AuditEntry
from orgunits import services as unit_services
from persons.models import CustomField, ImportJob, Person
from reports.models import Form, Submission
from reports.services import forms_seed

# Parameters that name shared definitions (a report form), not objects of a unit: readable by all
# who may read reports and changed only by those who manage forms (403 to others), so they are not
# expected to answer 404. tests in reports/tests/test_form_editor.py check who may change them.
SHARED = {"reports:versions", "reports:form_edit", "api:report_form_version_create"}


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
    return {
        "persons:detail": page_b,
        "persons:edit": page_b,
        "persons:category_assign": page_b,
        "persons:category_end": page_b,
        "persons:status_set": page_b,
        "persons:check_record": page_b,
        "persons:field_edit": {"pk": field.pk},
        "persons:import_detail": {"pk": job_b.pk},
        "persons:import_progress": {"pk": job_b.pk},
        "persons:import_errors": {"pk": job_b.pk},
        "reports:compute": {"code": form.code},  # the unit (community B) is in the POST body
        "reports:submission": {"pk": submission_b.pk},
        "reports:submission_action": {"pk": submission_b.pk},
        "reports:cell": {"pk": submission_b.pk, "row": cast.grid_b.code, "column": "managed"},
        "reports:submission_csv": {"pk": submission_b.pk},
        "reports:submission_manual_xlsx": {"pk": submission_b.pk},
        "api:report_compute": {"code": form.code},  # the unit (community B) is in the body
        "api:report_submission_get": {"submission_id": submission_b.pk},
        "api:report_manual_set": {"submission_id": submission_b.pk},
        "api:report_submit": {"submission_id": submission_b.pk},
        "api:report_review": {"submission_id": submission_b.pk},
        "api:report_cell": {"submission_id": submission_b.pk, "row": cast.grid_b.code, "column": "managed"},
        "api:person_get": api_b,
        "api:person_patch": api_b,
        "api:category_assign": api_b,
        "api:category_end": api_b,
        "api:status_set": api_b,
        "api:checks_list": api_b,
        "api:check_create": api_b,
        "api:person_import_get": {"job_id": job_b.pk},
        "api:person_import_errors": {"job_id": job_b.pk},
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
    }


# The users of community A (and below it), from the weakest to the strongest.
USERS_OF_A = ["grid_a_worker", "community_a_worker", "command_a"]

_NEW_GRID = {"code": "431302004003-09", "name": "越界网格", "kind": "grid"}
API_BODIES = {"api:unit_children": _NEW_GRID, "api:unit_child_create": _NEW_GRID,
              "api:category_assign": {"category": "hubei"}, "api:category_end": {"category": "hubei"},
              "api:status_set": {"status": "released"}, "api:check_create": {"temperature": "36.5"},
              "api:checks_list": {"temperature": "36.5"},
              "api:report_compute": {"unit": "431302004003", "day": "2020-05-21"},
              "api:report_manual_set": {"values": {}}, "api:report_review": {"approve": True}}


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
            if name == "api:person_patch":
                post = client.patch(url, data=json.dumps({"version": 1, "name": "越界"}),
                                    content_type="application/json")
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
                 "persons:detail", "persons:edit", "api:person_get", "api:checks_list", "reports:submission"]:
        route = next(r for r, n in _parametrised_urls() if n == name)
        assert client.get(_fill(route, objects[name])).status_code == 200, name
