"""The knowledge base's word counts (which words narrow a search) are kept in Django's cache, the one every
process shares, not in one process's memory."""

import datetime as dt

from django.core.cache import cache

from legal.models import KnowledgeEntry
from legal.search import entry_index, search, stats_forget

TODAY = dt.date(2026, 11, 29)


def _entry_written_elsewhere(question: str) -> KnowledgeEntry:
    """An entry saved without going through this process's services (as another process would)."""
    entry = KnowledgeEntry(question=question, answer="按当地规定办理。", valid_from=dt.date(2020, 1, 24))
    entry_index(entry)
    entry.save()
    return entry


def test_a_word_count_is_reused_until_the_shared_cache_forgets_it(db):
    assert search("火星", on=TODAY) == []  # no entry holds the word: counted 0, and the count kept
    entry = _entry_written_elsewhere("火星基地的房租可以减免吗")
    assert search("火星", on=TODAY) == []  # the kept count still says no entry holds it

    cache.clear()  # the shared cache dropped (a deploy, or another process's reset)

    assert [h.entry.pk for h in search("火星", on=TODAY)] == [entry.pk]


def test_forgetting_the_counts_is_seen_through_the_cache(db):
    assert search("月球", on=TODAY) == []
    entry = _entry_written_elsewhere("月球上的租约怎么算")
    cache.set("legal.search.stats.generation", 41, timeout=None)  # another process forgot them before
    stats_forget()  # this process's change: the next generation, for every process
    assert cache.get("legal.search.stats.generation") == 42
    assert [h.entry.pk for h in search("月球", on=TODAY)] == [entry.pk]
