"""A contact under follow-up moves to a grid of another community: their tracing rows follow them, the new
community sees and works them, the old one no longer does, and open tasks go to the new grid's worker."""

from accounts.models import Membership, User
from accounts.roles import Role
from persons import services as person_services
from tracing import services
from tracing.models import Exposure, FollowUp, Task
from tracing.tests.conftest import TODAY, exposure


def test_tracing_rows_follow_a_move_to_another_community(cast, confirmed_case, client_for):
    contact = person_services.person_register(data={"name": "迁居密接", "doc_type": "passport",
                                                    "doc_number": "E1234567", "grid": cast.grid_a.code}, by=None)
    services.exposure_record(source=confirmed_case.person, exposed=contact, data=exposure(last=1),
                             by=cast.street_officer)
    services.tasks_generate_daily(day=TODAY)
    worker_b = User.objects.create_user(username="grid_b", password="Test-password-2020")
    Membership.objects.create(user=worker_b, role=Role.GRID_WORKER, unit=cast.grid_b, unit_path=cast.grid_b.path)
    follow_up = FollowUp.objects.get(person=contact)
    assert follow_up.unit_path == cast.grid_a.path

    person_services.person_update(person=contact, data={"grid": cast.grid_b.code}, version=contact.version,
                                  by=cast.street_officer)

    follow_up.refresh_from_db()
    assert follow_up.unit_path == cast.grid_b.path
    assert Exposure.objects.get(exposed=contact).unit_path == cast.grid_b.path
    [task] = Task.objects.filter(person=contact, status__in=Task.OPEN)
    assert task.unit_path == cast.grid_b.path and task.assignee == worker_b
    assert client_for(cast.community_b_worker).get(f"/tracing/follow-up/{follow_up.pk}/").status_code == 200
    assert client_for(cast.community_a_worker).get(f"/tracing/follow-up/{follow_up.pk}/").status_code == 404
