"""Chinese full-text search over the knowledge base: words, synonyms, ranking, highlighted matches.

1. Text is cut into words with jieba (search mode: 传染病 also yields 传染 and 染病), lower-cased, with
   full-width forms folded; an entry keeps its words in `search_question` and `search_body`.
2. A query is cut the same way; each word becomes a group of itself and its synonyms (SynonymGroup),
   and an entry must match every group (房租 or 租金, and 减免 or 减少 …). When nothing matches every
   group, entries matching any group are ranked instead.
3. SQLite ranks with FTS5's bm25 over an external-content index kept by triggers (migration 0002);
   PostgreSQL with ts_rank_cd over a stored, GIN-indexed tsvector column (the same migration; 0005 adds
   one of the question alone). Words in
   the question weigh more than words in the answer, basis and tags.
4. Matches are highlighted with <mark> in the question and in a snippet of the answer.
"""

import datetime as dt
import hashlib
import json
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.db import is_postgresql, is_sqlite
from core.replicas import heavy_reads, read_connection
from legal.models import KnowledgeEntry, SynonymGroup

STOPWORDS = set("的 了 吗 呢 吧 啊 是 我 你 他 她 在 有 和 与 及 或 就 都 也 还 又 被 把 给 对 从 该 这 那 怎么 怎么办 "
                "什么 可以 能 能否 是否 如何 哪些 一个 因为 所以 如果 请问 要求 需要 应该 会 不 没有".split())
EXTRA_WORDS = ["出租人", "承租人", "次密接", "密接", "不可抗力", "情势变更", "妨害传染病防治罪", "隐瞒行程",
               "居家隔离", "集中隔离", "复工复产", "哄抬物价", "劳动报酬"]
_WORD = re.compile(r"\w+")
_ready = threading.Lock()
_jieba = None


def _cutter():
    """jieba, loaded once (its dictionary takes about a second) with the project's words added."""
    global _jieba
    with _ready:
        if _jieba is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            for word in EXTRA_WORDS:
                tokenizer.add_word(word)
            _jieba = tokenizer
    return _jieba


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def words(text: str, *, search_mode: bool = True) -> list[str]:
    """The words of `text` worth indexing or searching, in order (stop words and punctuation dropped)."""
    cutter = _cutter()
    pieces = cutter.cut_for_search(_normal(text)) if search_mode else cutter.cut(_normal(text))
    out = []
    for piece in pieces:
        word = "".join(_WORD.findall(piece))
        if word and word not in STOPWORDS:
            out.append(word)
    return out


def entry_index(entry: KnowledgeEntry) -> None:
    """Fill the entry's word columns (called before every save)."""
    entry.search_question = " ".join(words(entry.question))
    entry.search_body = " ".join(words(" ".join([entry.answer, entry.basis, entry.tags])))


def synonyms() -> dict[str, list[str]]:
    """Each word of a synonym group → the whole group."""
    out: dict[str, list[str]] = {}
    for group in SynonymGroup.objects.values_list("words", flat=True):
        members = [w for w in _normal(group).split() if w]
        for word in members:
            out.setdefault(word, [])
            out[word] += [m for m in members if m not in out[word]]
    return out


def query_groups(query: str) -> list[list[str]]:
    """The query's word groups: each word of the query with its synonyms, repeated words merged."""
    table = synonyms()
    groups, seen = [], set()
    for word in words(query, search_mode=False):
        if word in seen:
            continue
        group = table.get(word, [word])
        if word not in group:
            group = [word, *group]
        seen.update(group)
        groups.append(group)
    return groups


@dataclass
class Hit:
    entry: KnowledgeEntry
    score: float
    question_html: SafeString
    snippet_html: SafeString


@heavy_reads()
def search(query: str, *, limit: int = 20, on: dt.date | None = None) -> list[Hit]:
    """The entries valid on `on` (today) best matching `query`, best first, with their matches marked."""
    groups = query_groups(query)
    if not groups:
        return []
    ranked = _ranked(groups, limit=limit, on=on or dt.date.today())
    entries = KnowledgeEntry.objects.in_bulk([pk for pk, _score in ranked])
    terms = sorted({w for g in groups for w in g}, key=len, reverse=True)
    return [Hit(entry=entries[pk], score=score, question_html=highlight(entries[pk].question, terms),
                snippet_html=highlight(snippet(entries[pk].answer, terms), terms))
            for pk, score in ranked if pk in entries]


# ---- ranking ---------------------------------------------------------------------------------------------------

COMMON_SHARE = 0.1  # a word in more than this share of the entries does not narrow a search (疫情 in an epidemic's)
RANK_MAX = 1500  # matches ranked by relevance; above it the matches in the question come first, newest first
STATS_SECONDS = 300  # how long a word's document count is reused
WALK = 4000  # PostgreSQL: the newest entries read in turn for the newest matches before asking the index
# The document counts live in Django's cache (the database's cache table), shared by every process: a change
# to the knowledge base in one process (stats_forget) is seen by all. A key holds the counts' generation, so
# forgetting them is one write.
STATS_GENERATION = "legal.search.stats.generation"


def _count(sql: str, params: list, cap: int) -> int:
    with read_connection().cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT {int(cap)}) AS capped", params)
        return cursor.fetchone()[0]


def stats_forget() -> None:
    """Forget the word counts (after the knowledge base changed), in every process."""
    try:
        cache.incr(STATS_GENERATION)
    except ValueError:  # no generation yet, or it expired
        cache.set(STATS_GENERATION, 1, timeout=None)


def _stats_key(generation: int, word: str) -> str:
    return f"legal.search.stats.{generation}.{hashlib.sha256(word.encode()).hexdigest()[:32]}"


def _counts(words: list[str]) -> dict[str, int]:
    """How many entries hold each of `words` ("": how many entries there are), from the cache where counted in
    the last STATS_SECONDS, counted (and cached) otherwise."""
    generation = cache.get(STATS_GENERATION, 0)
    keys = {word: _stats_key(generation, word) for word in words}
    known = cache.get_many(list(keys.values()))
    counts = {word: known[key] for word, key in keys.items() if key in known}
    fresh = {word: _documents(word) for word in words if word not in counts}
    if fresh:
        cache.set_many({keys[word]: n for word, n in fresh.items()}, timeout=STATS_SECONDS)
    return counts | fresh


def _documents(word: str) -> int:
    """How many entries hold `word` ("": all of them): the full-text index's own count on SQLite, the planner's
    estimate on PostgreSQL."""
    if not word:
        return KnowledgeEntry.objects.count()
    if is_postgresql():
        return _estimate(word)
    with read_connection().cursor() as cursor:
        cursor.execute("SELECT doc FROM legal_entry_vocab WHERE term = %s", [word])
        row = cursor.fetchone()
        return row[0] if row else 0


def _estimate(word: str) -> int:
    """PostgreSQL: the planner's estimate of the entries holding `word`, from the word statistics ANALYZE keeps
    for the tsvector column (exact enough to tell a word in a tenth of the entries from a rare one, and a
    millisecond where counting a common word read thousands of rows)."""
    condition = "FROM legal_knowledgeentry WHERE search_vector @@ plainto_tsquery('simple', %s)"
    with read_connection().cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 {condition}", [word])
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        if estimate > RANK_MAX:
            return estimate
        # a rare word (or one no entry holds, which the estimate cannot tell): counted through the index
        cursor.execute(f"SELECT COUNT(*) {condition}", [word])
        return cursor.fetchone()[0]


def _plans(groups: list[list[str]]) -> list[tuple[list[list[str]], int]]:
    """The sets of word groups to require, tried in turn until enough entries are found, each with the entries
    its rarest group holds (a bound on its matches): every selective group (common words only weigh on the
    ranking when nothing else is asked), then fewer, the rarest kept."""
    counts = _counts(["", *dict.fromkeys(w for g in groups for w in g)])
    common = max(RANK_MAX, int(counts[""] * COMMON_SHARE))
    frequency = {id(g): sum(counts[w] for w in g) for g in groups}
    ordered = sorted((g for g in groups if frequency[id(g)]), key=lambda g: frequency[id(g)])  # absent words: none
    selective = [g for g in ordered if frequency[id(g)] <= common]
    if not selective:
        return [(ordered, frequency[id(ordered[0])])] if ordered else []
    bound = frequency[id(selective[0])]
    return [(selective, bound)] + [(selective[:n], bound) for n in (3, 2, 1) if n < len(selective)]


def _match(groups: list[list[str]], *, question_only: bool = False,
           source: str = "legal_knowledgeentry") -> tuple[str, list]:
    """A query of the ids of the entries holding every group (any word of each), and its parameters: over the
    FTS5 table on SQLite (so that it orders and limits by itself), over `source` (the entries, or a subquery
    of them) on PostgreSQL."""
    if is_postgresql():
        parts = ["(" + " || ".join(["plainto_tsquery('simple', %s)"] * len(g)) + ")" for g in groups]
        column = "search_question_vector" if question_only else "search_vector"
        return (f"SELECT id FROM {source} WHERE {column} @@ ({' && '.join(parts)})",
                [w for g in groups for w in g])
    expression = " AND ".join("(" + " OR ".join(f'"{w}"' for w in g) + ")" for g in groups)
    if question_only:
        expression = f"{{search_question}} : ({expression})"
    return "SELECT rowid AS id FROM legal_entry_fts WHERE legal_entry_fts MATCH %s", [expression]


def _valid(ids_sql: str, params: list, on: dt.date, limit: int) -> list[int]:
    """The ids from `ids_sql` (in its order) whose entry is valid on `on`, at most `limit`."""
    with read_connection().cursor() as cursor:
        cursor.execute(f"SELECT e.id FROM ({ids_sql}) AS r JOIN legal_knowledgeentry e ON e.id = r.id "
                       f"WHERE e.valid_from <= %s AND (e.valid_to IS NULL OR e.valid_to >= %s)",
                       [*params, on, on])
        return [pk for (pk,) in cursor.fetchall()][:limit]


def _ranked(groups: list[list[str]], *, limit: int, on: dt.date) -> list[tuple[int, float]]:
    """(id, score) of the best `limit` entries valid on `on`, best first.

    For each plan (see _plans) while fewer than `limit` entries are found: when it matches at most RANK_MAX
    entries they are ranked (bm25 on SQLite, ts_rank_cd on PostgreSQL, the question weighing more); beyond
    that, ranking every match would cost hundreds of milliseconds, so the entries whose question matches
    come first, then the others, newest first. Later plans' entries rank below earlier ones'. The index
    orders and limits on its own (a few times `limit` deep) before the entries' validity is read."""
    found: dict[int, float] = {}
    depth = 4 * limit
    for step, (plan, bound) in enumerate(_plans(groups)):
        ids_sql, params = _match(plan)
        few = bound <= RANK_MAX or (len(plan) > 1 and _count(ids_sql, params, RANK_MAX + 1) <= RANK_MAX)
        if few:
            rows = _relevance(plan, ids_sql, params, on, limit)
        else:
            rows = []
            for tier, question_only in enumerate([True, False]):
                if len(rows) + len(found) >= limit:
                    break  # the question matches alone fill the page
                rows += [(pk, 1.0 - tier) for pk in _newest(plan, question_only, on, limit, depth=depth)]
        for pk, score in rows:
            if pk not in found and len(found) < limit:
                found[pk] = score - 10 * step  # a looser plan ranks below a stricter one
        if len(found) >= limit:
            break
    return sorted(found.items(), key=lambda item: -item[1])


def _newest(plan: list[list[str]], question_only: bool, on: dt.date, limit: int, *, depth: int) -> list[int]:
    """The newest entries valid on `on` matching `plan`, at most `limit`, found among the newest `depth` matches.
    SQLite's index yields matches newest first by itself. PostgreSQL's GIN index cannot: a bitmap scan fetches
    every match to sort them, thousands of rows for a common word. So the newest WALK entries are read in turn
    first, which finds dense matches in a few hundred rows; only when they hold too few are the matches (then
    sparse, so few) taken from the index."""
    ids_sql, params = _match(plan, question_only=question_only)
    if is_sqlite():
        return _valid(f"{ids_sql} ORDER BY rowid DESC LIMIT {depth}", params, on, limit)
    recent_sql, _params = _match(plan, question_only=question_only, source=(
        "(SELECT id, search_vector, search_question_vector FROM legal_knowledgeentry "
        f"ORDER BY id DESC LIMIT {WALK}) AS recent"))
    ids = _valid(f"{recent_sql} ORDER BY id DESC LIMIT {depth}", params, on, limit)
    if len(ids) < limit:
        ids = _valid(f"{ids_sql} ORDER BY id DESC LIMIT {depth}", params, on, limit)
    return ids


def _relevance(plan, ids_sql: str, params: list, on: dt.date, limit: int) -> list[tuple[int, float]]:
    """At most RANK_MAX matches ranked by relevance, the best `limit` valid ones."""
    with read_connection().cursor() as cursor:
        if is_postgresql():
            query = ids_sql.split("@@", 1)[1].strip()
            cursor.execute(f"SELECT e.id, ts_rank_cd(e.search_vector, {query}) AS score FROM legal_knowledgeentry e "
                           f"WHERE e.search_vector @@ {query} AND e.valid_from <= %s "
                           f"AND (e.valid_to IS NULL OR e.valid_to >= %s) ORDER BY score DESC, e.id DESC LIMIT %s",
                           [*params, *params, on, on, limit])
        else:
            cursor.execute("SELECT e.id, -r.rank FROM (SELECT rowid AS id, rank FROM legal_entry_fts "
                           "WHERE legal_entry_fts MATCH %s) AS r JOIN legal_knowledgeentry e ON e.id = r.id "
                           "WHERE e.valid_from <= %s AND (e.valid_to IS NULL OR e.valid_to >= %s) "
                           "ORDER BY r.rank, e.id DESC LIMIT %s", [params[0], on, on, limit])
        return [(pk, float(score)) for pk, score in cursor.fetchall()]


def snippet(text: str, terms: list[str], width: int = 120) -> str:
    """About `width` characters of `text` around its first match (its beginning when nothing matches)."""
    lowered = _normal(text)
    found = [i for i in (lowered.find(t) for t in terms) if i >= 0]
    start = max(0, min(found) - 30) if found else 0
    piece = text[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def highlight(text: str, terms: list[str]) -> SafeString:
    """`text` escaped, with every occurrence of a term wrapped in <mark>."""
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(f"<mark>{escape(text[match.start():match.end()])}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 (every piece escaped above)
