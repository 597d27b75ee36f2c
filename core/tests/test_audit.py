"""The audit log: services record before/after; nothing can change or remove an entry."""

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from core.audit import fields_update
from core.models import AppendOnlyError, AuditEntry
from orgunits import services
from orgunits.models import OrgUnit


def test_update_through_a_service_records_before_and_after(cast):
    services.unit_rename(unit=cast.community_a, name="三元新社区", by=cast.street_officer)
    entry = AuditEntry.objects.filter(object_type="orgunits.orgunit", object_id=str(cast.community_a.pk)).latest("at")
    assert entry.action == "update" and entry.actor == cast.street_officer
    assert entry.before == {"name": "三元社区"} and entry.after == {"name": "三元新社区"}
    assert entry.unit_path == cast.community_a.path
    assert entry.changed_fields() == [("name", "三元社区", "三元新社区")]



def test_a_field_update_saves_only_its_fields_and_records_them_before_and_after(cast):
    unit = cast.community_a
    old_name = unit.name
    unit.code = "unsaved"  # set but not named: stays as stored
    fields_update(unit, by=cast.street_officer, unit_path=unit.path, name="三元新社区")
    stored = OrgUnit.objects.get(pk=unit.pk)
    assert stored.name == "三元新社区" and stored.code != "unsaved"
    entry = AuditEntry.objects.filter(object_type="orgunits.orgunit", object_id=str(unit.pk)).latest("at")
    assert entry.action == "update" and entry.actor == cast.street_officer and entry.unit_path == unit.path
    assert entry.before == {"name": old_name} and entry.after == {"name": "三元新社区"}

def test_entries_cannot_be_changed_or_removed_through_the_orm(cast):
    services.unit_rename(unit=cast.community_a, name="三元新社区", by=cast.street_officer)
    entry = AuditEntry.objects.latest("at")
    entry.note = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


@pytest.mark.parametrize("statement", ["UPDATE core_auditentry SET note = 'tampered'", "DELETE FROM core_auditentry"])
def test_the_database_refuses_raw_changes(cast, statement):
    services.unit_rename(unit=cast.community_a, name="三元新社区", by=cast.street_officer)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEntry.objects.filter(note="tampered").count() == 0


def test_admin_offers_no_way_to_change_the_log(cast):
    request = RequestFactory().get("/admin/")
    request.user = cast.city_admin
    model_admin = admin_site._registry[AuditEntry]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_audit_page_is_scoped(cast, client_for):
    services.unit_rename(unit=cast.community_a, name="三元新社区", by=cast.street_officer)
    services.unit_rename(unit=cast.other_street, name="乐坪新街道", by=cast.other_street_officer)
    page = client_for(cast.street_officer).get("/audit/").content.decode()
    assert "三元新社区" in page and "乐坪新街道" not in page
    other = AuditEntry.objects.get(object_id=str(cast.other_street.pk), action="update")
    assert client_for(cast.street_officer).get(f"/audit/{other.pk}/").status_code == 404
    assert client_for(cast.other_street_officer).get(f"/audit/{other.pk}/").status_code == 200


def test_audit_page_filters_by_user_and_object(cast, client_for):
    services.unit_rename(unit=cast.community_a, name="三元新社区", by=cast.street_officer)
    services.unit_rename(unit=cast.community_b, name="月塘新社区", by=cast.city_admin)
    client = client_for(cast.street_officer)
    page = client.get("/audit/", {"actor": "city_admin"}).content.decode()
    assert "月塘新社区" in page and "三元新社区" not in page
    page = client.get("/audit/", {"object_type": "orgunits.orgunit", "object_id": cast.community_a.pk}).content.decode()
    assert "三元新社区" in page and "月塘新社区" not in page


def test_login_and_failed_login_are_recorded(cast, client):
    client.post("/accounts/login/", {"username": "grid_a", "password": "wrong"})
    client.post("/accounts/login/", {"username": "grid_a", "password": "Test-password-2020"})
    actions = list(AuditEntry.objects.filter(object_type="accounts.user").values_list("action", flat=True))
    assert "login_failed" in actions and "login" in actions
