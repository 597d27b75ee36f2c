"""Chinese full-text search over the knowledge base: words, synonyms, ranking, highlighted matches.

1. Text is cut into words with jieba (search mode: 传染病 also yields 传染 and 染病), lower-cased, with
   full-width forms folded; an entry keeps its words in `search_question` and `search_body`.
2. A query is cut the same way; each word becomes a group of itself and its synonyms (SynonymGroup),
   and an entry must match every group (房租 or 租金, and 减免 or 减少 …). When nothing matches every
   group, entries matching any group are ranked instead.
3. SQLite ranks with FTS5's bm25 over an external-content index kept by triggers (migration 0002);
   PostgreSQL with ts_rank_cd over a stored, GIN-indexed tsvector column (the same migration). Words in
   the question weigh more than words in the answer, basis and tags.
4. Matches are highlighted with <mark> in the question and in a snippet of the answer.
"""

import datetime as dt
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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


def search(query: str, *, limit: int = 20, on: dt.date | None = None) -> list[Hit]:
    """The entries valid on `on` (today) best matching `query`, best first, with their matches marked."""
    groups = query_groups(query)
    if not groups:
        return []
    on = on or dt.date.today()
    ranked = _ranked(groups, every=True, limit=limit, on=on) or _ranked(groups, every=False, limit=limit, on=on)
    entries = KnowledgeEntry.objects.in_bulk([pk for pk, _score in ranked])
    terms = sorted({w for g in groups for w in g}, key=len, reverse=True)
    return [Hit(entry=entries[pk], score=score, question_html=highlight(entries[pk].question, terms),
                snippet_html=highlight(snippet(entries[pk].answer, terms), terms))
            for pk, score in ranked if pk in entries]


def _ranked(groups: list[list[str]], *, every: bool, limit: int, on: dt.date) -> list[tuple[int, float]]:
    """(id, score) of the best `limit` entries valid on `on`. The index ranks on its own, a few times `limit`
    deep, before the entries' validity is read: a common word matches tens of thousands of entries, and
    reading each of them cost more than the ranking. Only when too few of those are valid does the query
    read every match."""
    words_ = [w for g in groups for w in g]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One tsquery: (w1 | synonym) & (w2 | …); plainto_tsquery quotes each word.
            group_sql = ["(" + " || ".join(["plainto_tsquery('simple', %s)"] * len(g)) + ")" for g in groups]
            query_sql = (" && " if every else " || ").join(group_sql)
            ranked = (f"SELECT id, ts_rank_cd(search_vector, q) AS score FROM legal_knowledgeentry, "
                      f"(SELECT {query_sql} AS q) AS query WHERE search_vector @@ q ORDER BY score DESC, id")
        else:
            match = (" AND " if every else " OR ").join("(" + " OR ".join(f'"{w}"' for w in g) + ")" for g in groups)
            ranked = "SELECT rowid AS id, -rank AS score FROM legal_entry_fts WHERE legal_entry_fts MATCH %s ORDER BY rank"
            words_ = [match]
        depth = limit * 4
        for bound in (f"LIMIT {depth}", ""):
            cursor.execute(
                f"SELECT r.id, r.score FROM ({ranked} {bound}) AS r JOIN legal_knowledgeentry e ON e.id = r.id "
                f"WHERE e.valid_from <= %s AND (e.valid_to IS NULL OR e.valid_to >= %s) ORDER BY r.score DESC, r.id "
                f"LIMIT %s", [*words_, on, on, limit])
            rows = cursor.fetchall()
            if len(rows) == limit or not bound:
                break
            cursor.execute(f"SELECT COUNT(*) FROM ({ranked} {bound}) AS r", words_)
            if cursor.fetchone()[0] < depth:  # every match was ranked: nothing more to find
                break
        return [(pk, float(score)) for pk, score in rows]


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
