"""The admin shows checkpoints' and volunteers' rows for inspection only: every model is registered read-only
(core.admin.read_only_register) and its list opens, with the columns it declares."""

from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory

from accounts.models import User


def test_every_checkpoint_and_volunteer_model_is_in_the_admin_read_only(db, client):
    root = User.objects.create_superuser(username="root", password="Test-password-2020")
    request = RequestFactory().get("/admin/")
    request.user = root
    registered = {m._meta.label: a for m, a in admin_site._registry.items()
                  if m._meta.app_label in ("checkpoints", "volunteers")}
    assert {"checkpoints.Checkpoint", "checkpoints.Device", "checkpoints.Team", "checkpoints.Incident",
            "volunteers.Volunteer", "volunteers.Assignment"} <= set(registered)
    client.force_login(root)
    for label, model_admin in registered.items():
        assert not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
                    or model_admin.has_delete_permission(request)), label
        app, model = label.lower().split(".")
        page = client.get(f"/admin/{app}/{model}/")
        assert page.status_code == 200, label
        assert tuple(model_admin.list_display) != ("__str__",), label  # its own columns, not the default
