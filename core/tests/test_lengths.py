"""Text is stored whole or not at all (core.lengths): a value longer than its column is refused naming the field,
on SQLite (which would store it) as on PostgreSQL (which would fail with a DataError, an error page). Every write
operation of the API is walked in fangkong/tests/test_api_lengths.py."""

import datetime as dt
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

from core.errors import DomainError
from core.lengths import PROJECT_APPS, lengths_errors


def test_a_legal_entry_question_of_200000_characters_is_refused_naming_the_field(cast):
    from legal.models import KnowledgeEntry
    from legal.services import entry_save

    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        entry_save(data={"question": "问" * 200_000, "answer": "答", "valid_from": dt.date(2020, 2, 1)},
                   by=cast.city_admin)
    assert exc.value.code == "too_long" and exc.value.status == 400
    assert exc.value.fields == {"question": ["问题太长：最多 300 个字符，现有 200000 个。"]}
    assert not KnowledgeEntry.objects.exists()


def test_the_api_answers_a_400_naming_the_field(cast, client_for):
    response = client_for(cast.city_admin).post("/api/legal/entries", {
        "question": "问" * 301, "answer": "答", "valid_from": "2020-02-01"}, content_type="application/json")
    assert response.status_code == 400 and set(response.json()["fields"]) == {"question"}


def test_a_text_as_long_as_its_column_is_kept(cast):
    from legal.services import entry_save

    entry = entry_save(data={"question": "问" * 300, "answer": "答", "valid_from": dt.date(2020, 2, 1)},
                       by=cast.city_admin)
    entry.refresh_from_db()
    assert len(entry.question) == 300


def test_every_app_of_the_project_is_checked():
    """A new app's models are checked once its label is in PROJECT_APPS."""
    ours = {a.label for a in apps.get_app_configs()
            if Path(a.path).is_relative_to(settings.BASE_DIR) and "site-packages" not in Path(a.path).parts}
    assert ours == PROJECT_APPS


def test_services_can_collect_the_reasons_beside_their_own():
    from legal.models import KnowledgeEntry

    assert set(lengths_errors(KnowledgeEntry, {"question": "x" * 301, "tags": "ok", "answer": "y" * 10_000,
                                               "nothing": "z" * 999})) == {"question"}
