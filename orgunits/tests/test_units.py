"""Communities, grids and sites: rules, the CSV import with row-level errors, pages and API."""

import pytest

from core.errors import DomainError
from core.models import AuditEntry
from orgunits import services
from orgunits.models import OrgUnit, Site

GOOD_CSV = ("编码,名称,上级编码,类型\n"
            "431302004009,新星社区,431302004,社区\n"
            "431302004009-01,新星社区第一网格,431302004009,网格\n"
            "431302004009-02,新星社区第二网格,431302004009,网格\n")


def _import(cast, text, keep_valid=False, encoding="utf-8"):
    street = cast.street
    return services.units_import_csv(data=text.encode(encoding), by=cast.street_officer, keep_valid=keep_valid,
                                     allowed_parent=lambda u: u.path.startswith(street.path))


def test_grid_goes_under_a_community_only(cast):
    with pytest.raises(DomainError) as exc:
        services.unit_create(parent=cast.street, code="X1", name="错位网格", kind="grid", by=cast.street_officer)
    assert "kind" in exc.value.fields
    grid = services.unit_create(parent=cast.community_a, code="431302004001-02", name="三元社区第二网格",
                                kind="grid", by=cast.street_officer)
    assert grid.path == cast.community_a.path + "431302004001-02/" and grid.depth == cast.community_a.depth + 1


def test_duplicate_and_malformed_codes_are_refused(cast):
    with pytest.raises(DomainError) as exc:
        services.unit_create(parent=cast.street, code="431302004001", name="重复", kind="community", by=None)
    assert "431302004001" in exc.value.fields["code"][0]
    with pytest.raises(DomainError) as exc:
        services.unit_create(parent=cast.street, code="a/b", name="坏编码", kind="community", by=None)
    assert exc.value.fields["code"]


def test_import_creates_communities_and_their_grids(cast):
    result = _import(cast, GOOD_CSV)
    assert (result.created, result.errors, result.written) == (3, [], True)
    assert OrgUnit.objects.get(code="431302004009-02").parent.code == "431302004009"
    assert AuditEntry.objects.filter(object_type="orgunits.orgunit", action="create").count() == 3


def test_import_twice_changes_nothing(cast):
    _import(cast, GOOD_CSV)
    audit_count = AuditEntry.objects.count()
    result = _import(cast, GOOD_CSV)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert AuditEntry.objects.count() == audit_count


def test_one_bad_row_writes_nothing_and_names_line_column_reason(cast):
    text = GOOD_CSV + "431302004010,,431302004,社区\n" + "431302004011,远方社区,999999999,社区\n"
    result = _import(cast, text)
    assert not result.written
    assert not OrgUnit.objects.filter(code__startswith="431302004009").exists()
    errors = {(e.line, e.column) for e in result.errors}
    assert errors == {(5, "名称"), (6, "上级编码")}
    assert any("999999999" in e.message for e in result.errors)


def test_keep_valid_rows_writes_the_rest(cast):
    text = GOOD_CSV + "431302004010,,431302004,社区\n"
    result = _import(cast, text, keep_valid=True)
    assert result.written and result.created == 3 and len(result.errors) == 1


def test_rows_under_a_parent_outside_scope_are_refused(cast):
    text = "编码,名称,上级编码,类型\n431302001001,外街社区,431302001,社区\n"
    result = _import(cast, text)
    assert result.errors[0].column == "上级编码" and not result.written


def test_gb18030_file_and_english_header(cast):
    text = "code,name,parent_code,kind\n431302004012,东风社区,431302004,community\n"
    assert _import(cast, text, encoding="gb18030").created == 1


def test_missing_column_is_named(cast):
    with pytest.raises(DomainError) as exc:
        _import(cast, "编码,名称\n1,x\n")
    assert "上级编码" in str(exc.value.message)


def test_site_belongs_to_its_unit(cast):
    site = services.site_create(unit=cast.community_a, kind=Site.Kind.ENTERPRISE, name="振兴金华建设",
                                by=cast.street_officer)
    assert site.unit_path == cast.community_a.path
    with pytest.raises(DomainError):
        services.site_create(unit=cast.community_a, kind=Site.Kind.ENTERPRISE, name="振兴金华建设", by=None)


def test_import_page_shows_row_errors(cast, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(cast.street_officer)
    bad = SimpleUploadedFile("units.csv", (GOOD_CSV + "431302004010,,431302004,社区\n").encode())
    response = client.post(f"/units/{cast.street.code}/import/", {"file": bad})
    assert response.status_code == 200
    assert "import-errors" in response.content.decode()
    assert not OrgUnit.objects.filter(code="431302004009").exists()


def test_unit_pages_for_the_street_officer(cast, client_for):
    client = client_for(cast.street_officer)
    assert client.get("/units/").status_code == 200
    page = client.get(f"/units/{cast.street.code}/").content.decode()
    assert "三元社区" in page and "月塘社区" in page
    response = client.post(f"/units/{cast.community_a.code}/children/new/",
                           {"code": "431302004001-03", "name": "三元社区第三网格", "kind": "grid"})
    assert response.status_code == 302
    assert OrgUnit.objects.filter(code="431302004001-03").exists()
    assert client.get("/units/?q=月塘", headers={"HX-Request": "true"}).content.decode().count("月塘社区") >= 1


def test_grid_worker_cannot_add_units(cast, client_for):
    client = client_for(cast.grid_a_worker)
    response = client.post(f"/units/{cast.grid_a.code}/children/new/", {"code": "Z", "name": "z", "kind": "grid"})
    assert response.status_code == 404
