"""FK multigraph and load plan over every fixture shape, plus random graphs."""
from __future__ import annotations

from dataclasses import replace

import networkx as nx
import numpy as np
import pytest

from connectors.base import Capabilities
from dbsynth.schema.graph import DeferredEdge, EdgeStrategy, LoadPlan, build_plan, fk_graph
from dbsynth.schema.model import (Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table, TableKind,
                                  UniqueConstraint)
from tests.fixtures.schemas import FIXTURES, schema_fixture

# name: (edge count, cycles, cut edges as (child table, FK columns))
EXPECTED: dict[str, tuple[int, tuple[tuple[str, ...], ...], tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "chain": (3, (), ()),
    "diamond": (4, (), ()),
    "self_reference": (1, (), ()),
    "cycle2_nullable": (2, (("member", "team"),), (("team", ("captain_id",)),)),
    "cycle2_notnull": (2, (("staff", "store"),), (("store", ("manager_staff_id",)),)),
    "cycle3_nullable": (3, (("author", "book", "publisher"),), (("author", ("favourite_book_id",)),)),
    "cycle3_notnull": (3, (("carrier", "route", "warehouse"),), (("route", ("carrier_id",)),)),
    "composite": (3, (), ()),
    "two_fks_one_parent": (2, (), ()),
    "constraints": (1, (), ()),
}


def _fks(schema: Schema) -> list[tuple[Table, ForeignKey]]:
    return [(t, fk) for t in schema.data_tables for fk in t.foreign_keys]


def _is_deferred(plan: LoadPlan, table: str, fk: ForeignKey) -> bool:
    return any(e.columns == fk.columns and e.referred_table == fk.referred_table
               for e in plan.deferred_for(table))


def _assert_valid_plan(schema: Schema, plan: LoadPlan) -> None:
    """Order is a topological order of the graph minus deferred edges and self-loops."""
    assert sorted(plan.order) == sorted(t.name for t in schema.data_tables)
    pos = {name: i for i, name in enumerate(plan.order)}
    for table, fk in _fks(schema):
        if fk.referred_table == table.name or _is_deferred(plan, table.name, fk):
            continue
        assert pos[fk.referred_table] < pos[table.name], f"{fk.label} loaded before its parent"
    graph = fk_graph(schema)
    for comp in nx.strongly_connected_components(graph):
        if len(comp) > 1:
            cuts = [e for e in plan.deferred if e.table in comp and e.referred_table in comp]
            assert cuts, f"cycle {sorted(comp)} has no deferred edge"
    for edge in plan.deferred:  # cuts only inside cycles, never a self-loop
        assert edge.table != edge.referred_table
        assert any(edge.table in c and edge.referred_table in c for c in plan.cycles)


# --------------------------------------------------------------------------- fixtures

@pytest.mark.parametrize("name", FIXTURES)
def test_fk_graph_has_one_edge_per_fk(name: str) -> None:
    schema = schema_fixture(name)
    graph = fk_graph(schema)
    assert graph.number_of_edges() == EXPECTED[name][0]
    assert set(graph.nodes) == {t.name for t in schema.data_tables}
    for table, fk in _fks(schema):
        assert graph.has_edge(fk.referred_table, table.name, key=fk.name)
        assert graph.edges[fk.referred_table, table.name, fk.name]["fk"] is fk


@pytest.mark.parametrize("name", FIXTURES)
@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_plan_cycles_cuts_and_order(name: str, dialect: str) -> None:
    schema = schema_fixture(name, dialect=dialect)
    plan = build_plan(schema)
    _, cycles, cuts = EXPECTED[name]
    assert plan.cycles == cycles
    assert tuple((e.table, e.columns) for e in plan.deferred) == cuts
    _assert_valid_plan(schema, plan)


def test_two_fks_to_one_parent_are_parallel_edges() -> None:
    graph = fk_graph(schema_fixture("two_fks_one_parent"))
    assert graph.number_of_edges("airport", "flight") == 2
    assert set(graph["airport"]["flight"]) == {"fk_flight_origin", "fk_flight_destination"}
    assert build_plan(schema_fixture("two_fks_one_parent")).order == ("airport", "flight")


def test_chain_and_diamond_orders() -> None:
    assert build_plan(schema_fixture("chain")).order == ("region", "country", "city", "address")
    order = build_plan(schema_fixture("diamond")).order
    assert order[0] == "company" and order[-1] == "assignment"


def test_composite_link_table_after_both_parents() -> None:
    order = build_plan(schema_fixture("composite")).order
    assert order.index("enrollment") > max(order.index("student"), order.index("course_offering"))
    assert order.index("lecture") > order.index("course_offering")


def test_self_reference_is_a_loop_not_a_cycle() -> None:
    schema = schema_fixture("self_reference")
    graph = fk_graph(schema)
    assert list(nx.selfloop_edges(graph)) == [("employee", "employee")]
    plan = build_plan(schema)
    assert plan.cycles == () and plan.deferred == () and plan.order == ("employee",)
    assert plan.self_references == (DeferredEdge(
        table="employee", columns=("manager_id",), referred_table="employee", referred_columns=("id",),
        strategy=EdgeStrategy.SELF_REFERENCE, constraint="fk_employee_manager"),)


@pytest.mark.parametrize("name", ["cycle2_nullable", "cycle3_nullable"])
@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_nullable_cut_is_backfilled(name: str, dialect: str) -> None:
    plan = build_plan(schema_fixture(name), target_dialect=dialect)
    assert [e.strategy for e in plan.deferred] == [EdgeStrategy.BACKFILL]


@pytest.mark.parametrize("name", ["cycle2_notnull", "cycle3_notnull"])
@pytest.mark.parametrize(("dialect", "strategy"), [("postgresql", EdgeStrategy.DROP_READD),
                                                   ("sqlite", EdgeStrategy.PRAGMA_DEFER)])
def test_not_null_cycle_strategy_by_dialect(name: str, dialect: str, strategy: EdgeStrategy) -> None:
    # target_dialect wins over the source schema's dialect.
    other = "sqlite" if dialect == "postgresql" else "postgresql"
    plan = build_plan(schema_fixture(name, dialect=other), target_dialect=dialect)
    assert [e.strategy for e in plan.deferred] == [strategy]
    assert build_plan(schema_fixture(name, dialect=dialect)).deferred == plan.deferred


def _deferrable(schema: Schema) -> Schema:
    tables = tuple(replace(t, foreign_keys=tuple(replace(fk, deferrable=True) for fk in t.foreign_keys))
                   for t in schema.tables)
    return schema.with_tables(tables)


@pytest.mark.parametrize(("caps", "strategy"), [
    (Capabilities(deferrable_constraints=True, alter_constraints=True), EdgeStrategy.DEFERRABLE),
    (Capabilities(deferrable_constraints=False, alter_constraints=True), EdgeStrategy.DROP_READD),
    (Capabilities(defer_foreign_keys_pragma=True), EdgeStrategy.PRAGMA_DEFER),
])
def test_capabilities_choose_strategy_for_deferrable_fk(caps: Capabilities, strategy: EdgeStrategy) -> None:
    plan = build_plan(_deferrable(schema_fixture("cycle2_notnull")), capabilities=caps)
    assert [(e.table, e.strategy, e.constraint) for e in plan.deferred] == [
        ("store", strategy, "fk_store_manager")]


def test_capabilities_path_for_plain_fk() -> None:
    schema = schema_fixture("cycle3_notnull")
    caps = Capabilities(deferrable_constraints=True, alter_constraints=True)
    assert [e.strategy for e in build_plan(schema, capabilities=caps).deferred] == [EdgeStrategy.DROP_READD]
    nullable = build_plan(schema_fixture("cycle2_nullable"), capabilities=caps)
    assert [e.strategy for e in nullable.deferred] == [EdgeStrategy.BACKFILL]


def test_deferrable_without_capabilities_depends_on_dialect() -> None:
    schema = _deferrable(schema_fixture("cycle2_notnull"))
    assert build_plan(schema, target_dialect="postgresql").deferred[0].strategy == EdgeStrategy.DEFERRABLE
    # SQLite has no SET CONSTRAINTS: the pragma is the only way to defer there.
    assert build_plan(schema, target_dialect="sqlite").deferred[0].strategy == EdgeStrategy.PRAGMA_DEFER


def test_deferred_for_filters_by_table() -> None:
    plan = build_plan(schema_fixture("cycle3_nullable"))
    assert [e.columns for e in plan.deferred_for("author")] == [("favourite_book_id",)]
    assert plan.deferred_for("book") == ()


def test_views_and_partitions_skipped() -> None:
    base = schema_fixture("chain")
    part = Table(name="address_2024", kind=TableKind.PARTITION, parent_table="address",
                 columns=base.table("address").columns, primary_key=PrimaryKey(("id",)),
                 foreign_keys=base.table("address").foreign_keys)
    view = Table(name="city_view", kind=TableKind.VIEW, columns=(Column("id", LogicalType.INTEGER, "INTEGER"),))
    schema = base.with_tables(base.tables + (part, view))
    graph = fk_graph(schema)
    assert "address_2024" not in graph and "city_view" not in graph
    plan = build_plan(schema)
    assert plan.skipped == ("address_2024", "city_view")
    assert plan.order == ("region", "country", "city", "address")
    skipped = build_plan(schema_fixture("constraints"))
    assert skipped.skipped == ("product_sales",) and skipped.order == ("product", "order line")


# --------------------------------------------------------------------------- random graphs

def _random_schema(rng: np.random.Generator) -> Schema:
    """Random DAG over t0..tn plus back-edges (cycles) and self-loops, each FK on its own column."""
    n = int(rng.integers(2, 10))
    fks: dict[int, list[ForeignKey]] = {i: [] for i in range(n)}
    for child in range(n):
        for parent in range(n):
            forward = parent < child and rng.random() < 0.3
            back = parent > child and rng.random() < 0.12
            loop = parent == child and rng.random() < 0.08
            for _ in range(int(rng.integers(1, 3)) if forward or back or loop else 0):
                k = len(fks[child])
                fks[child].append(ForeignKey(columns=(f"c{k}",), referred_table=f"t{parent}",
                                             referred_columns=("id",), name=f"fk_t{child}_{k}",
                                             nullable=bool(rng.random() < 0.4)))
    tables = tuple(Table(name=f"t{i}", primary_key=PrimaryKey(("id",)), foreign_keys=tuple(fks[i]),
                         columns=(Column("id", LogicalType.INTEGER, "INTEGER", nullable=False),)
                         + tuple(Column(fk.columns[0], LogicalType.INTEGER, "INTEGER", nullable=fk.nullable)
                                 for fk in fks[i]))
                   for i in range(n))
    return Schema(dialect=str(rng.choice(["postgresql", "sqlite"])), tables=tables)


def test_random_graphs_plan_is_valid() -> None:
    rng = np.random.default_rng(20240611)
    seen_cycles = 0
    for _ in range(150):
        schema = _random_schema(rng)
        plan = build_plan(schema)
        _assert_valid_plan(schema, plan)
        graph = fk_graph(schema)
        assert plan.cycles == tuple(sorted(tuple(sorted(c)) for c in nx.strongly_connected_components(graph)
                                           if len(c) > 1))
        loops = sum(1 for t, fk in _fks(schema) if fk.referred_table == t.name)
        assert len(plan.self_references) == loops
        assert all(e.strategy == EdgeStrategy.BACKFILL for e in plan.deferred if _nullable(schema, e))
        assert plan == build_plan(schema)  # deterministic
        seen_cycles += len(plan.cycles)
    assert seen_cycles > 20  # the generator really exercises cycles


def _nullable(schema: Schema, edge: DeferredEdge) -> bool:
    return next(fk.nullable for fk in schema.table(edge.table).foreign_keys if fk.columns == edge.columns)


def test_random_cycles_prefer_nullable_edges() -> None:
    """A simple cycle with one nullable edge is cut there, wherever it sits."""
    rng = np.random.default_rng(7)
    for _ in range(40):
        n = int(rng.integers(2, 7))
        weak = int(rng.integers(n))
        tables = tuple(Table(name=f"t{i}", primary_key=PrimaryKey(("id",)),
                             columns=(Column("id", LogicalType.INTEGER, "INTEGER", nullable=False),
                                      Column("p", LogicalType.INTEGER, "INTEGER", nullable=i == weak)),
                             foreign_keys=(ForeignKey(("p",), f"t{(i + 1) % n}", ("id",), nullable=i == weak),))
                       for i in rng.permutation(n))
        plan = build_plan(Schema(dialect="postgresql", tables=tables))
        assert [(e.table, e.strategy) for e in plan.deferred] == [(f"t{weak}", EdgeStrategy.BACKFILL)]
        assert plan.order[0] == f"t{weak}"  # its only FK is back-filled, so nothing precedes it


def _col(name: str, nullable: bool = False) -> Column:
    return Column(name, LogicalType.TEXT, "TEXT", nullable=nullable)


def test_cycle_is_not_cut_at_a_key_others_copy() -> None:
    """a -> c -> s -> a: cutting a -> c (first by name) would leave c's PK (a_id, seq) NULL while s copies it."""
    tables = (
        Table(name="a", primary_key=PrimaryKey(("id",)), columns=(_col("id"), _col("s_code")),
              foreign_keys=(ForeignKey(("s_code",), "s", ("code",), nullable=False, deferrable=True),)),
        Table(name="c", primary_key=PrimaryKey(("a_id", "seq")), columns=(_col("a_id"), _col("seq")),
              foreign_keys=(ForeignKey(("a_id",), "a", ("id",), nullable=False),)),
        Table(name="s", primary_key=PrimaryKey(("code",)), columns=(_col("code"), _col("c_a"), _col("c_seq")),
              foreign_keys=(ForeignKey(("c_a", "c_seq"), "c", ("a_id", "seq"), nullable=False),)),
    )
    plan = build_plan(Schema(dialect="postgresql", tables=tables))
    assert [(e.table, e.columns) for e in plan.deferred] == [("s", ("c_a", "c_seq"))]
    # a one-to-one FK making up a unique key alone, copied by nobody, is still a fine cut (its fill keeps it
    # unique): s refers to c's other key
    one = tables[:1] + (replace(tables[1], primary_key=PrimaryKey(("a_id",)), columns=(_col("a_id"), _col("k")),
                                unique_constraints=(UniqueConstraint(("k",)),)),
                        replace(tables[2], columns=(_col("code"), _col("c_k")),
                                foreign_keys=(ForeignKey(("c_k",), "c", ("k",), nullable=False),)))
    assert [e.table for e in build_plan(Schema(dialect="postgresql", tables=one)).deferred] == ["c"]
