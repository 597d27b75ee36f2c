"""Objects of community B for accounts/tests/test_scope_enumerated.py: a poster, a declaration through it, a person
under home quarantine and their self-report link."""

import datetime as dt

from django.utils import timezone

from intake import services
from persons import services as person_services
from persons.models import ManagementStatus
from persons.tests.conftest import resident_id

# Public pages reached by an unguessable token (no sign-in, open to whoever holds it; see test_abuse.py and
# test_self_report.py): not objects of a unit's scope.
PUBLIC = {"intake:declare", "intake:self_report"}


# Bodies of its API writes, valid so that only the scope can refuse them.
API_BODIES = {"api:declaration_confirm": {"grid": "431302004001-01", "category": "hubei"},
              "api:declaration_reject": {"reason": "越界"}}


def objects_of_b(cast) -> dict:
    poster = services.poster_create(unit=cast.community_b, by=cast.community_b_worker)
    declaration = services.declaration_submit(poster=poster, address="127.0.0.1", data={
        "name": "月塘申报", "doc_type": "resident_id", "doc_number": resident_id(seq=777), "phone": "13900007777",
        "address": "月塘社区", "origin": "武汉", "arrived_on": timezone.localdate() - dt.timedelta(days=1)})
    person = person_services.person_register(data={
        "name": "月塘居家", "doc_type": "resident_id", "doc_number": resident_id(seq=778), "grid": cast.grid_b.code},
        by=cast.community_b_worker)
    person_services.status_set(person=person, status=ManagementStatus.objects.get(code="home_quarantine"),
                               by=cast.community_b_worker)
    link = services.self_report_link_create(person=person, by=cast.community_b_worker)
    page, poster_page = {"pk": declaration.pk}, {"pk": poster.pk}
    return {
        "intake:declaration": page, "intake:declaration_confirm": page, "intake:declaration_reject": page,
        "intake:poster": poster_page, "intake:poster_png": poster_page, "intake:poster_pdf": poster_page,
        "intake:poster_revoke": poster_page,
        "intake:self_report_links": {"pk": person.pk},
        "intake:self_report_qr": {"pk": link.pk}, "intake:self_report_revoke": {"pk": link.pk},
        "api:self_report_link_create": {"person_id": person.pk},
        "api:self_report_link_revoke": {"link_id": link.pk},
        "api:declaration_confirm": {"declaration_id": declaration.pk},
        "api:declaration_reject": {"declaration_id": declaration.pk},
        "api:poster_revoke": {"poster_id": poster.pk},
    }
