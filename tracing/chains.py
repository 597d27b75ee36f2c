"""Transmission chains (传播链): reads of the exposure graph, and the layout that draws a case's part of it.

A case's *component* is everyone linked to the case by exposures, followed in either direction up to a
number of steps (one recursive query, on SQLite and on PostgreSQL). Within it:

generations  the steps along exposures (source → exposed) from the people nobody in the component exposed:
             0 is the index case, 1 its contacts (and the cases some of them became), 2 theirs…
chains       the cases linked by transmission (one case exposed another): the connected parts of the
             graph among cases (excluded cases are not infections and take no part)
cluster      all the cases of the component, linked by transmission or through contacts they share

Over a unit subtree: the contacts of each case, the sizes of chains and clusters, and their distribution.
"""

import datetime as dt
import statistics
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import TRACING_VIEW
from core.db import is_sqlite
from persons.disclosure import HIDDEN_PERSON, Disclosure, PersonShown
from persons.models import Person
from tracing.models import Case, Exposure

ACTIVE = (Case.Classification.SUSPECTED, Case.Classification.CONFIRMED, Case.Classification.ASYMPTOMATIC)
CHAIN_DEPTH = 8  # steps from the case, in either direction: three generations of cases and their contacts
CHAIN_DEPTH_MAX = 12
CHAIN_PEOPLE_MAX = 500  # a drawing of more people is unreadable; the page says the graph goes on

# The drawing, in SVG user units: one column per generation, one row per person.
NODE_W, NODE_H = 136, 36
COLUMN_GAP, ROW_GAP = 64, 10
MARGIN, HEADER = 12, 28


# -- the component of a case ----------------------------------------------------------------------------

def component_people(person_id: int, *, depth: int = CHAIN_DEPTH,
                     limit: int = CHAIN_PEOPLE_MAX) -> tuple[dict[int, int], bool]:
    """Everyone linked to the person by exposures in either direction within `depth` steps: {person id:
    fewest steps}, at most `limit` people (the nearest), and whether the limit cut the component.

    One recursive query. Its rows are (person, steps) pairs, breadth first; a person met again at more
    steps adds a row, so the rows are capped at `limit` × (depth + 1): inside the recursion on SQLite, by
    the outer LIMIT on PostgreSQL, which stops the recursion as soon as enough rows are read."""
    table = connection.ops.quote_name(Exposure._meta.db_table)
    cap = limit * (depth + 1)
    inner_limit = "LIMIT %s" if is_sqlite() else ""
    sql = f"""
        WITH RECURSIVE reached(person_id, steps) AS (
            SELECT CAST(%s AS BIGINT), 0
            UNION
            SELECT CASE WHEN e.source_id = r.person_id THEN e.exposed_id ELSE e.source_id END, r.steps + 1
            FROM reached r JOIN {table} e ON (e.source_id = r.person_id OR e.exposed_id = r.person_id)
            WHERE r.steps < %s
            {inner_limit}
        )
        SELECT person_id, steps FROM reached LIMIT %s
    """
    params = [person_id, int(depth), *([cap] if inner_limit else []), cap]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    steps: dict[int, int] = {}
    for pid, n in rows:
        if pid not in steps or n < steps[pid]:
            steps[pid] = n
    cut = len(rows) >= cap or len(steps) > limit
    if len(steps) > limit:
        kept = sorted(steps.items(), key=lambda item: (item[1], item[0]))[:limit]
        steps = dict(kept)
    return steps, cut


@dataclass
class ChainNode:
    """A person of the drawing: where they stand in the graph and what the viewer may see of them."""

    key: str
    person: Person
    steps: int
    case: Case | None
    exposure: Exposure | None  # how they were exposed (from the person before them in the drawing)
    contacts: int  # exposures from this person, inside the drawing or not
    in_scope: bool = False
    shown: PersonShown = HIDDEN_PERSON
    url: str = ""
    generation: int | None = None
    column: int = 0
    row: int = 0
    x: int = 0
    y: int = 0

    @property
    def is_case(self) -> bool:
        return self.case is not None and self.case.classification in ACTIVE

    @property
    def label(self) -> str:
        return self.shown.name


@dataclass
class ChainEdge:
    exposure: Exposure
    source: ChainNode
    exposed: ChainNode
    in_scope: bool
    path: str = ""

    @property
    def transmission(self) -> bool:
        return self.source.is_case and self.exposed.is_case


@dataclass
class ChainGraph:
    """A case's component: people, exposures, generations, the chains among its cases, its cluster."""

    case: Case
    nodes: list[ChainNode]
    edges: list[ChainEdge]
    generations: list[list[ChainNode]]
    chains: list[list[ChainNode]]  # largest first; each ordered by generation
    index: ChainNode | None  # the index case: the earliest case of the earliest generation with cases
    depth: int
    truncated: bool  # the component goes on beyond the steps or the people drawn
    width: int = 0
    height: int = 0
    focus: ChainNode | None = None  # the case the page is about

    @property
    def cluster(self) -> list[ChainNode]:
        return [n for n in self.nodes if n.is_case]

    @property
    def chain_of_case(self) -> list[ChainNode]:
        return next((c for c in self.chains if self.focus in c), [])


def _case_day(case: Case) -> dt.date:
    """The day a case is dated by, to tell which came first: onset, else confirmation, report, classification."""
    return (case.onset_date or case.confirmed_date or case.report_date
            or timezone.localtime(case.classified_at).date())


def _generations(nodes: dict[int, ChainNode], edges: list[ChainEdge], start: int) -> None:
    """Set each node's generation: the steps along exposures from the nearest person nobody in the
    component exposed (the viewed person when everyone was exposed by someone, in a cycle); people only
    reached against the arrows stand one generation before the person they exposed."""
    outgoing: dict[int, list[int]] = defaultdict(list)
    incoming: dict[int, list[int]] = defaultdict(list)
    for e in edges:
        outgoing[e.source.person.pk].append(e.exposed.person.pk)
        incoming[e.exposed.person.pk].append(e.source.person.pk)
    roots = [pid for pid in nodes if not incoming[pid]] or [start]
    queue = deque(roots)
    for pid in roots:
        nodes[pid].generation = 0
    while queue:
        pid = queue.popleft()
        for nxt in outgoing[pid]:
            if nodes[nxt].generation is None:
                nodes[nxt].generation = nodes[pid].generation + 1
                queue.append(nxt)
    changed = True
    while changed:  # the rest: upstream of someone placed (a cycle's way in)
        changed = False
        for pid, node in nodes.items():
            if node.generation is not None:
                continue
            later = [nodes[t].generation for t in outgoing[pid] if nodes[t].generation is not None]
            earlier = [nodes[s].generation for s in incoming[pid] if nodes[s].generation is not None]
            if earlier:
                node.generation = min(earlier) + 1
            elif later:
                node.generation = max(min(later) - 1, 0)
            changed = changed or node.generation is not None
    for node in nodes.values():
        if node.generation is None:
            node.generation = 0


def _components(members: Iterable[int], links: Iterable[tuple[int, int]]) -> list[list[int]]:
    """The connected parts of an undirected graph (union-find), each sorted, largest first."""
    parent = {m: m for m in members}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for m in parent:
        groups[find(m)].append(m)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g[0]))


def case_chain(user, case: Case, *, depth: int = CHAIN_DEPTH, limit: int = CHAIN_PEOPLE_MAX) -> ChainGraph:
    """The case's component as the user may see it: every person and exposure, each person linked to their
    case or contact page when in the user's area and masked (no name, no id, no link: persons.disclosure)
    otherwise; laid out by generation. The caller has checked that the user may see the case."""
    depth = max(1, min(int(depth), CHAIN_DEPTH_MAX))
    steps, cut = component_people(case.person_id, depth=depth, limit=limit)
    ids = list(steps)
    touching = list(Exposure.objects.filter(Q(source_id__in=ids) | Q(exposed_id__in=ids))
                    .order_by("last_contact", "id"))
    inside = [e for e in touching if e.source_id in steps and e.exposed_id in steps]
    truncated = cut or len(inside) < len(touching)
    contacts = defaultdict(int)
    for e in touching:
        contacts[e.source_id] += 1
    people = Person.objects.select_related("grid").in_bulk(ids)
    cases = {c.person_id: c for c in Case.objects.filter(person_id__in=ids)}
    exposed_by = {}
    for e in inside:
        exposed_by.setdefault(e.exposed_id, e)  # the earliest contact: the one drawn as how they were exposed

    # Tracing rows carry their person's unit, so the person's disclosure decides for the case and the
    # exposure too: a masked node gives no name, no id and no link, only its key.
    disclosure = Disclosure(user, perm=TRACING_VIEW)
    nodes: dict[int, ChainNode] = {}
    for n, pid in enumerate(sorted(ids, key=lambda p: (steps[p], p))):
        node = ChainNode(key=f"n{n}", person=people[pid], steps=steps[pid], case=cases.get(pid),
                         exposure=exposed_by.get(pid), contacts=contacts[pid])
        node.shown = disclosure.show(node.person)
        node.in_scope = node.shown.in_scope
        if node.in_scope:
            node.url = (reverse("tracing:case_detail", args=[node.case.pk]) if node.case is not None else
                        reverse("tracing:exposure_detail", args=[node.exposure.pk]) if node.exposure is not None
                        else node.shown.url)
        nodes[pid] = node
    edges = [ChainEdge(exposure=e, source=nodes[e.source_id], exposed=nodes[e.exposed_id],
                       in_scope=nodes[e.exposed_id].in_scope) for e in inside]
    _generations(nodes, edges, case.person_id)
    # When exposed by several, the drawing names the exposure from the earliest generation.
    for e in edges:
        current = e.exposed.exposure
        if current is None or nodes[current.source_id].generation > e.source.generation:
            e.exposed.exposure = e.exposure

    active = [pid for pid, node in nodes.items() if node.is_case]
    links = [(e.source.person.pk, e.exposed.person.pk) for e in edges if e.transmission]
    chains = [sorted((nodes[pid] for pid in group), key=lambda n: (n.generation, n.steps, n.person.pk))
              for group in _components(active, links)]
    first = min((n.generation for n in nodes.values() if n.is_case), default=None)
    roots = [n for n in nodes.values() if n.is_case and n.generation == first]
    index = min(roots, key=lambda n: (_case_day(n.case), n.case.pk)) if roots else None
    graph = ChainGraph(case=case, nodes=list(nodes.values()), edges=edges, generations=[], chains=chains,
                       index=index, depth=depth, truncated=truncated, focus=nodes.get(case.person_id))
    chain_layout(graph)
    return graph


# -- the drawing ---------------------------------------------------------------------------------------

def chain_layout(graph: ChainGraph) -> None:
    """Place the nodes in one column per generation, each column ordered after the people who exposed its
    members (so that arrows cross little), cases first; then route every exposure as a curve."""
    by_generation: dict[int, list[ChainNode]] = defaultdict(list)
    for node in graph.nodes:
        by_generation[node.generation].append(node)
    sources: dict[str, list[ChainNode]] = defaultdict(list)
    for e in graph.edges:
        sources[e.exposed.key].append(e.source)
    columns = []
    for generation in sorted(by_generation):
        column = by_generation[generation]
        column.sort(key=lambda node, g=generation: _layout_order(node, sources[node.key], g))
        for row, node in enumerate(column):
            node.column, node.row = len(columns), row
            node.x = MARGIN + node.column * (NODE_W + COLUMN_GAP)
            node.y = HEADER + row * (NODE_H + ROW_GAP)
        columns.append(column)
    graph.generations = columns
    graph.nodes = [n for column in columns for n in column]
    rows = max((len(c) for c in columns), default=1)
    graph.width = 2 * MARGIN + len(columns) * NODE_W + max(len(columns) - 1, 0) * COLUMN_GAP + COLUMN_GAP // 2
    graph.height = HEADER + rows * (NODE_H + ROW_GAP) + MARGIN
    for e in graph.edges:
        e.path = _edge_path(e.source, e.exposed)


def _layout_order(node: ChainNode, sources: list[ChainNode], generation: int) -> tuple:
    """Below the highest-placed person of an earlier generation who exposed them; cases first."""
    placed = [s.row for s in sources if s.generation < generation]
    return (min(placed) if placed else -1, not node.is_case, node.steps, node.person.pk)


def _edge_path(a: ChainNode, b: ChainNode) -> str:
    """An SVG path from the person who exposed to the person exposed: forward into the next columns from
    right side to left side; within a column, or back, a loop on the right."""
    mid_a, mid_b = a.y + NODE_H // 2, b.y + NODE_H // 2
    if b.column > a.column:
        x1, x2 = a.x + NODE_W, b.x
        bend = (x2 - x1) // 2
        return f"M{x1},{mid_a} C{x1 + bend},{mid_a} {x2 - bend},{mid_b} {x2},{mid_b}"
    x1, x2 = a.x + NODE_W, b.x + NODE_W
    reach = COLUMN_GAP // 2 + 8 * abs(a.row - b.row) ** 0.5
    return f"M{x1},{mid_a} C{x1 + reach:.0f},{mid_a} {x2 + reach:.0f},{mid_b} {x2},{mid_b}"


# -- over a unit subtree -------------------------------------------------------------------------------

@dataclass
class ChainSummary:
    """One chain among the cases of a subtree: its cases, its index case, its number of generations."""

    cases: list[Case]
    index: Case
    generations: int

    @property
    def size(self) -> int:
        return len(self.cases)


@dataclass
class ChainStatistics:
    cases: int = 0
    contacts: int = 0  # exposures from the cases (close contacts, each counted per case that exposed them)
    contacts_per_case: list[tuple[int, int]] = field(default_factory=list)  # (contacts, cases)
    contacts_mean: float = 0.0
    contacts_median: float = 0.0
    contacts_max: int = 0
    chain_sizes: list[tuple[int, int]] = field(default_factory=list)  # (cases in the chain, chains)
    cluster_sizes: list[tuple[int, int]] = field(default_factory=list)  # (cases in the cluster, clusters)
    largest: list[ChainSummary] = field(default_factory=list)

    @property
    def chains(self) -> int:
        return sum(n for _size, n in self.chain_sizes)

    @property
    def clusters(self) -> int:
        return sum(n for _size, n in self.cluster_sizes)

    @property
    def transmitted(self) -> int:
        """Cases in chains of two or more: infected by, or infecting, another case of the subtree."""
        return sum(size * n for size, n in self.chain_sizes if size > 1)


def _histogram(values: Iterable[int]) -> list[tuple[int, int]]:
    counts: dict[int, int] = defaultdict(int)
    for v in values:
        counts[v] += 1
    return sorted(counts.items())


def chain_statistics(*, under: Sequence[str], classifications: Sequence[str] = ACTIVE,
                     largest: int = 10) -> ChainStatistics:
    """Over the cases of the given classifications whose unit lies under any of the paths ("" is the whole
    tree): contacts per case, chains (cases linked by transmission) and clusters (cases linked by
    transmission or by a contact they share), with the distribution of their sizes and the largest chains.

    Only cases of the subtree count, and only links between them: a scope's figures say nothing of the
    cases outside it. Three set-based queries; the components are joined up in memory, one entry per case."""
    where = reduce(or_, (Q(unit_path__under=p) for p in under)) if under else Q(pk__in=[])
    cases_qs = Case.objects.filter(where, classification__in=list(classifications))
    persons = cases_qs.values("person_id")
    cases = {c.person_id: c for c in cases_qs.select_related("person").order_by("id")}
    stats = ChainStatistics(cases=len(cases))
    if not cases:
        return stats
    per_case = dict(Exposure.objects.filter(source_id__in=persons).order_by().values("source_id")
                    .annotate(n=Count("id")).values_list("source_id", "n"))
    counts = [per_case.get(pid, 0) for pid in cases]
    stats.contacts = sum(counts)
    stats.contacts_per_case = _histogram(counts)
    stats.contacts_mean = round(stats.contacts / len(counts), 2)
    stats.contacts_median = float(statistics.median(counts))
    stats.contacts_max = max(counts)

    links = list(Exposure.objects.filter(source_id__in=persons, exposed_id__in=persons)
                 .values_list("source_id", "exposed_id"))
    # Pairs of cases that exposed the same person (one join, both conditions on the same second exposure).
    shared = list(Exposure.objects.filter(source_id__in=persons, exposed__exposures__source_id__in=persons,
                                          exposed__exposures__source_id__gt=F("source_id"))
                  .values_list("source_id", "exposed__exposures__source_id").distinct())
    chains = _components(cases, links)
    stats.chain_sizes = _histogram(len(c) for c in chains)
    stats.cluster_sizes = _histogram(len(c) for c in _components(cases, links + shared))
    stats.largest = [_chain_summary([cases[pid] for pid in chain], links) for chain in chains[:largest]
                     if len(chain) > 1]
    return stats


def chain_statistics_for_user(user, *, unit_code: str = "", classification: str = ""):
    """(statistics, unit or None) over the unit named (404 outside the user's scope), or over all the user's
    units; over one classification, or over every case not excluded."""
    from accounts import access

    scope = access.require(user, TRACING_VIEW)
    code = (unit_code or "").strip()
    unit = access.unit_get_for_user(user, code, perm=TRACING_VIEW) if code else None
    under = [unit.path] if unit else ([""] if scope.everything else list(scope.paths))
    classifications = [classification] if classification in ACTIVE else list(ACTIVE)
    return chain_statistics(under=under, classifications=classifications), unit


def _chain_summary(members: list[Case], links: list[tuple[int, int]]) -> ChainSummary:
    """A chain's index case (the earliest case not exposed by another of the chain) and its generations."""
    ids = {c.person_id for c in members}
    outgoing: dict[int, list[int]] = defaultdict(list)
    exposed = set()
    for a, b in links:
        if a in ids and b in ids:
            outgoing[a].append(b)
            exposed.add(b)
    roots = [c for c in members if c.person_id not in exposed] or members
    index = min(roots, key=lambda c: (_case_day(c), c.pk))
    depth = {index.person_id: 0}
    queue = deque([index.person_id])
    while queue:
        pid = queue.popleft()
        for nxt in outgoing[pid]:
            if nxt not in depth:
                depth[nxt] = depth[pid] + 1
                queue.append(nxt)
    ordered = sorted(members, key=lambda c: (depth.get(c.person_id, 0), _case_day(c), c.pk))
    return ChainSummary(cases=ordered, index=index, generations=max(depth.values()) + 1)
