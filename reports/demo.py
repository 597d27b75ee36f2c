"""The demo's report forms: the five daily forms of a street office, from the data file."""

from reports.services import forms_seed


def reports_demo() -> int:
    return forms_seed(by=None)
