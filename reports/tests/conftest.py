import pytest

from reports.models import Form
from reports.services import forms_seed


@pytest.fixture
def forms(cast):
    """The five daily forms of a street office, by code."""
    forms_seed()
    return {f.code: f for f in Form.objects.all()}
