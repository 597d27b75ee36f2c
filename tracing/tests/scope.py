"""Tracing's objects of community B for accounts/tests/test_scope_enumerated.py: a case with its transmission
chain, and a contact list import with its error file."""

from persons.services import person_register
from persons.tests.conftest import resident_id
from tracing.models import ContactImport
from tracing.services import case_register


def objects_of_b(cast) -> dict[str, dict]:
    """For each URL name of these pages and endpoints, the path parameters naming an object of community B."""
    person = person_register(data={"name": "月塘病例", "doc_number": resident_id(seq=457), "grid": cast.grid_b.code},
                             by=None)
    case = case_register(person=person, classification="confirmed", by=None)
    record = ContactImport.objects.create(case=case, unit_path=case.unit_path, unit=cast.grid_b, filename="b.csv",
                                          file="tracing/imports/b.csv", state=ContactImport.State.REJECTED,
                                          error_file="tracing/imports/errors/b-errors.csv")
    case_page, case_api, import_page, import_api = ({"pk": case.pk}, {"case_id": case.pk}, {"pk": record.pk},
                                                    {"import_id": record.pk})
    return {
        "tracing:case_chain": case_page,
        "tracing:contact_import": case_page,
        "tracing:contact_import_detail": import_page,
        "tracing:contact_import_errors": import_page,
        "tracing:contact_import_progress": import_page,
        "api:case_chain": case_api,
        "api:contact_import_create": case_api,
        "api:contact_import_list": case_api,
        "api:contact_import_get": import_api,
        "api:contact_import_errors": import_api,
    }
