"""Searching the legal knowledge base: 100,000 entries, the lawyer's queries, p95 against a LIKE scan.

The entries (BENCH_ENTRIES to shrink) are the demo's dozen plus generated ones: questions and answers
composed deterministically from the phrases of ten topics (rent, wages, quarantine, concealment, refunds,
prices, rumours, loans, dismissal, arbitration) with places, businesses and times, so common words
(疫情, 隔离, 商铺…) occur in tens of thousands of entries. Phrases are cut into words once and entries
written with bulk_create (the full-text index follows by trigger on SQLite, by a generated column on
PostgreSQL). Then 40 queries typed as a lawyer would run through legal.search.search — words, synonyms,
the ranked query, the entries and their highlighted snippets, as the page does — 3 times each; the
reference, measured in the same run, is what a search without an index does: LIKE '%word%' on the
question and answer for every word, best first by the number of words matched. Target: p95 < 50 ms.
"""

import datetime as dt
import os
import random
import statistics
import time
from functools import cache

from django.db import connection

from benchmarks.timing import percentile, timed
from core.db import is_postgresql, tables_analyze
from legal.demo import ENTRIES
from legal.models import KnowledgeEntry
from legal.search import query_groups, search, stats_forget, words

SIZE = int(os.environ.get("BENCH_ENTRIES", "100000"))
SEED = 12348
TARGET_P95_MS = 50
ON = dt.date(2026, 1, 1)

PLACES = "娄星区 双峰县 新化县 冷水江市 涟源市 长青街道 大科街道 乐坪街道 杉山镇 石井镇 三元社区 月塘社区".split()
BUSINESSES = "餐馆 服装店 理发店 超市 网吧 培训机构 棋牌室 药店 快递网点 美容院 小卖部 汽修厂 酒店 影院".split()
TIMES = "春节期间 疫情期间 隔离期间 封控期间 复工以后 停业期间 二月份 三月份 防控期间".split()
TOPICS = [
    (["{p}的{b}因疫情停业，{landlord}能不能减免{rent}？", "{t}{b}没有营业，{rent}还要照交吗？",
      "租的{b}因为防控不能开门，可以找{landlord}减少{rent}吗？"],
     ["承租人可以与出租人协商减免租金或者延长租期。", "协商不成的，可以请求人民法院依照公平原则变更合同。",
      "疫情防控措施导致租赁目的不能实现的，属于不可抗力或者情势变更。"], "《民法典》第五百三十三条"),
    (["{t}单位能不能停发{worker}的工资？", "{p}的{b}{t}不发工资合法吗？", "被隔离的{worker}工资怎么算？"],
     ["隔离期间企业应当支付职工正常工作期间的工资。", "不得因职工被隔离而停止支付工作报酬。"], "《传染病防治法》第四十一条"),
    (["拒绝{isolation}会受到什么处罚？", "{t}有人不配合{isolation}怎么办？", "{worker}擅自离开隔离点要负责吗？"],
     ["拒不执行隔离措施的，公安机关可以依法处罚。", "引起传染病传播的，依法追究刑事责任。"], "《治安管理处罚法》第五十条"),
    (["隐瞒{trip}会坐牢吗？", "{t}故意隐瞒{trip}要承担什么责任？", "从外地回{p}不报告{trip}违法吗？"],
     ["故意隐瞒行程史引起传播的，可能构成妨害传染病防治罪。", "尚不构成犯罪的，依法给予治安管理处罚。"], "《刑法》第三百三十条"),
    (["{t}取消的{trip2}定金能退吗？", "因为疫情退{trip2}，商家不退钱怎么办？"],
     ["因疫情不能履行合同属于不可抗力，可以解除合同并退还已付款项。"], "《民法典》第五百九十条"),
    (["{b}{t}哄抬{goods}价格怎么举报？", "{p}有人高价卖{goods}违法吗？"],
     ["哄抬价格的，由市场监管部门责令改正并处罚款。", "情节严重的，可能构成非法经营罪。"], "《价格法》第十四条"),
    (["在微信群转发疫情谣言要负责吗？", "{t}编造{p}疫情消息会被处罚吗？"],
     ["散布谣言扰乱公共秩序的，由公安机关处拘留并可以罚款。"], "《治安管理处罚法》第二十五条"),
    (["{t}还不上房贷怎么办？", "{worker}被隔离信用卡逾期会影响征信吗？"],
     ["可以向银行申请合理延后还款期限。", "相关逾期可以不作为征信报送。"], "银发〔2020〕29号"),
    (["{t}公司能辞退被隔离的{worker}吗？", "{b}{t}解除劳动合同要赔偿吗？"],
     ["隔离期间企业不得依据劳动合同法第四十条、第四十一条解除劳动合同。"], "《劳动合同法》第四十条"),
    (["{t}耽误了劳动仲裁怎么办？", "因为疫情过了仲裁时效还能申请吗？"],
     ["因不可抗力不能申请仲裁的，仲裁时效中止。"], "《劳动争议调解仲裁法》第二十七条"),
]
FILLS = {"landlord": ["房东", "出租人", "业主"], "rent": ["房租", "租金"], "worker": ["员工", "职工", "工人", "店员"],
         "isolation": ["居家隔离", "集中隔离", "隔离观察"], "trip": ["行程", "行程史", "接触史"],
         "trip2": ["婚宴", "旅游", "酒店", "机票"], "goods": ["口罩", "消毒液", "蔬菜", "体温计"]}
GENERIC = ["具体情况可以拨打12348公共法律服务热线咨询。", "也可以向所在社区或者司法所寻求帮助。",
           "请保留好相关证据。", "各地政策可能不同，请以当地规定为准。"]
QUERIES = ["商铺 疫情 房租 减免", "房东 租金 减少", "隔离 工资", "隔离期间 不发工资", "隐瞒 行程 责任",
           "隐瞒行程 坐牢", "拒绝隔离 处罚", "口罩 涨价 举报", "哄抬物价", "旅游 退费", "婚宴 定金", "房贷 还不上",
           "信用卡 逾期 征信", "谣言 转发", "辞退 隔离 员工", "解除劳动合同 赔偿", "劳动仲裁 时效", "出租人 减免",
           "疫情", "工资", "租金", "理发店 停业 房租", "网吧 租金", "员工 隔离 工资 停发", "集中隔离 离开",
           "消毒液 价格", "酒店 退钱", "机票 退", "微信群 谣言", "仲裁 过了 时效", "自己租的商铺因疫情不能营业可以要求房东减点租金吗",
           "公司说隔离在家不发工资合法吗", "邻居从外地回来不报告算不算违法", "超市 高价 蔬菜", "不可抗力 合同",
           "情势变更", "征信", "防控期间 停业", "复工以后 工资", "培训机构 退费"]


@cache
def _words(phrase: str) -> str:
    return " ".join(words(phrase))


def _fill(template: str, rng: random.Random) -> str:
    values = {"p": rng.choice(PLACES), "b": rng.choice(BUSINESSES), "t": rng.choice(TIMES)}
    values.update({k: rng.choice(v) for k, v in FILLS.items()})
    return template.format(**values)


def entries_generate(size: int) -> None:
    """The demo's entries, then generated ones up to `size`, written in batches."""
    from legal import services

    for question, answer, basis, tags, valid_from, valid_to in ENTRIES:
        services.entry_save(data={"question": question, "answer": answer, "basis": basis, "tags": tags,
                                  "valid_from": valid_from, "valid_to": valid_to}, by=None)
    rng = random.Random(SEED)
    batch, started = [], time.perf_counter()
    for n in range(size - len(ENTRIES)):
        templates, sentences, basis = TOPICS[rng.randrange(len(TOPICS))]
        question = _fill(rng.choice(templates), rng)
        parts = rng.sample(sentences, rng.randint(1, len(sentences))) + rng.sample(GENERIC, rng.randint(1, 2))
        batch.append(KnowledgeEntry(
            question=question, answer="".join(parts), basis=basis, valid_from=dt.date(2020, 1, 24),
            search_question=_words(question), search_body=" ".join([*map(_words, parts), _words(basis)])))
        if len(batch) == 5000:
            KnowledgeEntry.objects.bulk_create(batch)
            batch = []
            if (n + 1) % 25000 < 5000:
                print(f"   … {n + len(ENTRIES) + 1:,} entries ({time.perf_counter() - started:.0f} s)", flush=True)
    KnowledgeEntry.objects.bulk_create(batch)
    stats_forget()
    if is_postgresql():  # SQLite's full-text index keeps its own counts
        tables_analyze(KnowledgeEntry._meta.db_table)


def _like(query: str, limit: int = 20) -> list[int]:
    """The reference: every word (or a synonym) of the query looked up with LIKE in question and answer; entries
    ranked by the number of words matched."""
    groups = query_groups(query)
    score = " + ".join(["(CASE WHEN " + " OR ".join(["question LIKE %s OR answer LIKE %s"] * len(g)) + " THEN 1 ELSE 0 END)"
                        for g in groups])
    params = [f"%{w}%" for g in groups for w in g for _ in (0, 1)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM (SELECT id, {score} AS score FROM legal_knowledgeentry WHERE valid_from <= %s "
                       f"AND (valid_to IS NULL OR valid_to >= %s)) AS s WHERE score > 0 ORDER BY score DESC, id "
                       f"LIMIT %s", [*params, ON, ON, limit])
        return [r[0] for r in cursor.fetchall()]


def main():
    started = time.perf_counter()
    entries_generate(SIZE)
    print(f"   {KnowledgeEntry.objects.count():,} entries written in {time.perf_counter() - started:.1f} s")
    search("疫情", on=ON)  # load jieba's dictionary before timing
    ours, reference = [], []
    for _round in range(3):
        for query in QUERIES:
            ms, _hits = timed(lambda: search(query, on=ON))  # noqa: B023
            ours.append(ms)
            ms, _ids = timed(lambda: _like(query))  # noqa: B023
            reference.append(ms)
    hits = search("商铺 疫情 房租 减免", on=ON)
    rank = next((i + 1 for i, h in enumerate(hits) if h.entry.question == ENTRIES[0][0]), None)
    for label, values in (("legal.search (full-text index, synonyms, snippets)", ours),
                          ("reference: LIKE on question and answer", reference)):
        print(f"   {label:<52} p50 {statistics.median(values):7.1f} ms   p95 {percentile(values, 95):7.1f} ms   "
              f"max {max(values):7.1f} ms")
    print(f"   {len(QUERIES)} queries × 3; p95 {percentile(ours, 95):.1f} ms (goal < {TARGET_P95_MS} ms: "
          f"{'yes' if percentile(ours, 95) < TARGET_P95_MS else 'NO'}); reference / ours at p95: "
          f"{percentile(reference, 95) / percentile(ours, 95):.0f}×")
    print(f"   “商铺 疫情 房租 减免” among {SIZE:,} entries: the demo's rent-relief entry is hit {rank}")
