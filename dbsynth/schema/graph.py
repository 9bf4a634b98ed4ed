"""Foreign-key graph and load plan.

The graph is a `networkx.MultiDiGraph` parent → child with one edge per FK
(two FKs from `film` to `language` are two edges; self-references are loops).
Generation never needs a cycle break; loading does: each multi-table cycle is
broken at a nullable FK (insert NULL, back-fill by UPDATE) or, when no edge
of the cycle is nullable, its check is deferred to commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import networkx as nx

from dbsynth.schema.model import ForeignKey, Schema

if TYPE_CHECKING:
    from connectors.base import Capabilities


class EdgeStrategy(str, Enum):
    BACKFILL = "backfill"  # insert NULL, UPDATE once the cycle's tables exist
    DEFERRABLE = "deferrable"  # constraint is DEFERRABLE: SET CONSTRAINTS ... DEFERRED
    DROP_READD = "drop_readd"  # drop and re-add the FK inside the load transaction
    PRAGMA_DEFER = "pragma_defer"  # SQLite PRAGMA defer_foreign_keys
    SELF_REFERENCE = "self_reference"  # parents inserted before children in one table


@dataclass(frozen=True)
class DeferredEdge:
    """An FK whose check cannot hold row by row during the load."""

    table: str
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    strategy: EdgeStrategy
    constraint: str | None = None


@dataclass(frozen=True)
class LoadPlan:
    order: tuple[str, ...]  # data tables, parents first
    cycles: tuple[tuple[str, ...], ...]  # multi-table strongly connected components
    deferred: tuple[DeferredEdge, ...]
    self_references: tuple[DeferredEdge, ...] = ()
    skipped: tuple[str, ...] = field(default=())  # views and partitions: never filled

    def deferred_for(self, table: str) -> tuple[DeferredEdge, ...]:
        return tuple(e for e in self.deferred if e.table == table)


def fk_graph(schema: Schema) -> nx.MultiDiGraph:
    """Parent → child multigraph over the data tables, one edge per FK."""
    graph = nx.MultiDiGraph()
    tables = {t.name for t in schema.data_tables}
    graph.add_nodes_from(sorted(tables))
    for table in schema.data_tables:
        graph.nodes[table.name]["unique_sets"] = [frozenset(u) for u in table.unique_column_sets()]
        for fk in table.foreign_keys:
            if fk.referred_table in tables:
                graph.add_edge(fk.referred_table, table.name, key=_edge_key(fk), fk=fk)
    return graph


def _edge_key(fk: ForeignKey) -> str:
    return fk.name or ",".join(fk.columns)


def find_cycles(graph: nx.MultiDiGraph) -> list[tuple[str, ...]]:
    """Multi-table strongly connected components, each sorted, in a stable order."""
    comps = [tuple(sorted(c)) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    return sorted(comps)


def topological_order(graph: nx.MultiDiGraph, cut: set[tuple[str, str, str]]) -> list[str]:
    """Parents first, ties broken by name, after removing the `cut` edges."""
    dag = nx.DiGraph()
    dag.add_nodes_from(graph.nodes)
    for parent, child, key in graph.edges(keys=True):
        if parent != child and (parent, child, key) not in cut:
            dag.add_edge(parent, child)
    return list(nx.lexicographical_topological_sort(dag))


def _cycle_breaks(graph: nx.MultiDiGraph, cycle: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Edges to cut so the cycle's tables become a DAG: nullable edges first."""
    sub = nx.MultiDiGraph(graph.subgraph(cycle))
    sub.remove_edges_from([(u, v, k) for u, v, k in sub.edges(keys=True) if u == v])
    cut: list[tuple[str, str, str]] = []
    while True:
        try:
            loop = nx.find_cycle(sub)
        except nx.NetworkXNoCycle:
            return cut
        edges = [(u, v, k) for u, v, k in loop]
        # Not a key the sampler needs while the cycle is drawn (_is_keyed); then a nullable edge
        # (cheap NULL + UPDATE); else any edge, deterministically.
        edges.sort(key=lambda e: (_is_keyed(graph, e), not sub.edges[e]["fk"].nullable, e))
        cut.append(edges[0])
        sub.remove_edge(*edges[0])


def _is_keyed(graph: nx.MultiDiGraph, edge: tuple[str, str, str]) -> bool:
    """The cut FK's columns are part of a key of its table, or copied by another FK.

    A cut FK is sampled NULL and filled at the end of the batch, after the
    tables below it in the cycle are drawn: a child FK (or self-reference)
    that copies those columns meanwhile copies NULL (a composite FK into
    city(account_slug, seq) whose account_slug is the cut one), and a unique
    set holding them is deduplicated while they are NULL.
    """
    fk: ForeignKey = graph.edges[edge]["fk"]
    child = edge[1]
    cols = set(fk.columns)
    # a unique set the FK only partly covers (a composite PK (account_slug, seq)); one the FK's
    # columns make up alone is a one-to-one FK, which the deferred fill keeps unique itself
    if any(cols & u and u != cols for u in graph.nodes[child].get("unique_sets", ())):
        return True
    for _, _, other in graph.out_edges(child, data="fk"):
        if other is not fk and cols & set(other.referred_columns):
            return True
    return False


def _strategy(fk: ForeignKey, caps: "Capabilities | None", dialect: str) -> EdgeStrategy:
    if fk.nullable:
        return EdgeStrategy.BACKFILL
    # Without capabilities, trust DEFERRABLE except on SQLite, which has no SET CONSTRAINTS.
    if fk.deferrable and (caps.deferrable_constraints if caps is not None else dialect != "sqlite"):
        return EdgeStrategy.DEFERRABLE
    if caps is not None:
        return EdgeStrategy.PRAGMA_DEFER if caps.defer_foreign_keys_pragma else EdgeStrategy.DROP_READD
    return EdgeStrategy.PRAGMA_DEFER if dialect == "sqlite" else EdgeStrategy.DROP_READD


def _deferred(graph: nx.MultiDiGraph, edge: tuple[str, str, str], strategy: EdgeStrategy) -> DeferredEdge:
    fk: ForeignKey = graph.edges[edge]["fk"]
    return DeferredEdge(table=edge[1], columns=fk.columns, referred_table=fk.referred_table,
                        referred_columns=fk.referred_columns, strategy=strategy, constraint=fk.name)


def build_plan(schema: Schema, *, capabilities: "Capabilities | None" = None,
               target_dialect: str | None = None) -> LoadPlan:
    """Load order and cycle handling for loading `schema` into a target with `capabilities`."""
    graph = fk_graph(schema)
    dialect = target_dialect or schema.dialect
    cycles = find_cycles(graph)
    cut: list[tuple[str, str, str]] = []
    for cycle in cycles:
        cut += _cycle_breaks(graph, cycle)
    deferred = tuple(_deferred(graph, e, _strategy(graph.edges[e]["fk"], capabilities, dialect)) for e in cut)
    loops = tuple(_deferred(graph, (u, v, k), EdgeStrategy.SELF_REFERENCE)
                  for u, v, k in sorted(graph.edges(keys=True)) if u == v)
    skipped = tuple(t.name for t in schema.tables if not t.is_data_table)
    return LoadPlan(order=tuple(topological_order(graph, set(cut))), cycles=tuple(cycles),
                    deferred=deferred, self_references=loops, skipped=skipped)
