"""Tracing's part in moving a person to another grid (persons.services, the edit of a person's grid).

The rows that describe where the person's tracing stands now — their case, the exposures that made them a
contact, the places their case visited, their active follow-up and open tasks — carry the person's unit
path so that the person's community sees and works them. On a move they follow the person: the new
community takes them over, the old one no longer sees them. Open tasks go to the new grid's worker (who is
told); what was done already (finished follow-ups and tasks, classification history) stays where it was
done. The registry's dated episodes are split by the line list itself, so past reports do not change."""

from django.utils.translation import gettext_noop

from core.audit import audit_record
from persons.models import Person
from tracing.models import Case, Exposure, FollowUp, Task, Visit
from tracing.services.tasks import assignee_default, notify_assigned

MOVED = gettext_noop("the person moved to another grid")


def person_move_tracing(*, person: Person, old_path: str, by) -> None:
    new_path = person.unit_path
    if new_path == old_path:
        return
    moved = {
        "cases": Case.objects.filter(person=person).update(unit_path=new_path),
        "exposures": Exposure.objects.filter(exposed=person).update(unit_path=new_path),
        "visits": Visit.objects.filter(person=person).update(unit_path=new_path),
        "follow_ups": FollowUp.objects.filter(person=person, state=FollowUp.State.ACTIVE)
        .update(unit_path=new_path),
    }
    tasks = list(Task.objects.select_for_update().filter(person=person, status__in=Task.OPEN))
    if tasks:
        assignee = assignee_default(person)
        Task.objects.filter(pk__in=[t.pk for t in tasks]).update(unit_path=new_path, assignee=assignee)
        moved["tasks"] = len(tasks)
        if assignee is not None:
            for task in tasks:
                task.unit_path, task.assignee = new_path, assignee
                notify_assigned(task, [assignee])
    if any(moved.values()):
        audit_record(actor=by, action="update", obj=person, unit_path=new_path, before={"unit_path": old_path},
                     after={"unit_path": new_path, **moved}, note=MOVED)
