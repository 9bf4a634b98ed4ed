"""Finding exact relations: they must hold in every source row, and nothing else qualifies."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.relations.apply import set_aggregates, set_row_values
from dbsynth.relations.detect import find_relations
from dbsynth.relations.model import Relation
from dbsynth.schema.model import Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table


def _col(name: str, lt: LogicalType = LogicalType.INTEGER, scale: int | None = None) -> Column:
    type_sql = f"NUMERIC(10,{scale})" if lt == LogicalType.DECIMAL else lt.value
    return Column(name=name, logical_type=lt, type_sql=type_sql, nullable=False, scale=scale,
                  precision=10 if scale is not None else None)


def _schema(line_total: bool = True) -> Schema:
    orders = Table(name="orders", columns=(_col("id"), _col("total", LogicalType.DECIMAL, 2), _col("lines"),
                                           _col("dearest", LogicalType.DECIMAL, 2)),
                   primary_key=PrimaryKey(columns=("id",)))
    cols = [_col("order_id"), _col("line_no"), _col("qty"), _col("price", LogicalType.DECIMAL, 2)]
    if line_total:
        cols.append(_col("amount", LogicalType.DECIMAL, 2))
    lines = Table(name="line", columns=tuple(cols), primary_key=PrimaryKey(columns=("order_id", "line_no")),
                  foreign_keys=(ForeignKey(columns=("order_id",), referred_table="orders", referred_columns=("id",)),))
    return Schema(dialect="sqlite", tables=(orders, lines))


def _frames(n_orders: int = 60, seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for o in range(1, n_orders + 1):
        for k in range(1, int(rng.integers(1, 5)) + 1):
            qty, price = int(rng.integers(1, 6)), round(float(rng.uniform(0.5, 20)), 2)
            rows.append({"order_id": o, "line_no": k, "qty": qty, "price": price, "amount": round(qty * price, 2)})
    line = pd.DataFrame(rows)
    per = line.groupby("order_id")
    orders = pd.DataFrame({"id": range(1, n_orders + 1)})
    orders["total"] = orders["id"].map(per["amount"].sum()).round(2)
    orders["lines"] = orders["id"].map(per.size())
    orders["dearest"] = orders["id"].map(per["price"].max())
    return {"orders": orders, "line": line}


def _texts(relations: list[Relation]) -> set[str]:
    return {r.text() for r in relations}


def test_finds_row_aggregate_and_sequence_relations() -> None:
    found = _texts(find_relations(_schema(), _frames()))
    assert "line.amount = qty * price" in found
    assert "orders.total = sum(line.amount)" in found
    assert "orders.lines = count(line rows)" in found
    assert "orders.dearest = max(line.price)" in found
    assert "line.line_no = 1, 2, … within each (order_id)" in found


def test_sum_of_a_product_when_no_line_total() -> None:
    frames = _frames()
    frames["line"] = frames["line"].drop(columns=["amount"])
    frames["orders"]["total"] = frames["orders"]["id"].map(
        (frames["line"]["qty"] * frames["line"]["price"]).groupby(frames["line"]["order_id"]).sum()).round(2)
    found = _texts(find_relations(_schema(line_total=False), frames))
    assert "orders.total = sum(line.qty * line.price)" in found


def test_a_relation_true_in_97_percent_of_rows_is_not_exact() -> None:
    frames = _frames(n_orders=100)
    line, orders = frames["line"], frames["orders"]
    bad_lines = line.sample(frac=0.03, random_state=1).index
    line.loc[bad_lines, "amount"] = line.loc[bad_lines, "amount"] + 1.0
    bad_orders = orders.sample(frac=0.03, random_state=1).index
    orders.loc[bad_orders, "total"] = orders.loc[bad_orders, "total"] + 0.5
    orders.loc[bad_orders, "lines"] = orders.loc[bad_orders, "lines"] + 1
    found = _texts(find_relations(_schema(), frames))
    assert not any(t.startswith("line.amount =") for t in found)
    assert not any(t.startswith("orders.total =") for t in found)
    assert not any(t.startswith("orders.lines =") for t in found)


def test_rounding_within_the_scale_is_tolerated_not_more() -> None:
    frames = _frames()
    frames["line"]["amount"] = (frames["line"]["qty"] * frames["line"]["price"]).round(2)
    assert "line.amount = qty * price" in _texts(find_relations(_schema(), frames))
    frames["line"].loc[3, "amount"] += 0.01  # one cent off in one row
    assert not any(t.startswith("line.amount =") for t in _texts(find_relations(_schema(), frames)))


def test_line_numbers_with_a_gap_are_not_a_sequence() -> None:
    frames = _frames()
    line = frames["line"]
    first_multi = line.groupby("order_id")["line_no"].transform("size") > 1
    line.loc[first_multi[first_multi].index[-1], "line_no"] = 9  # 1, 2, …, 9: a gap
    assert not any("within each" in t for t in _texts(find_relations(_schema(), frames)))


def test_a_column_copying_another_is_not_arithmetic() -> None:
    schema = Schema(dialect="sqlite", tables=(Table(name="t", columns=(_col("id"), _col("a"), _col("zero"), _col("c")),
                                  primary_key=PrimaryKey(columns=("id",))),))
    rng = np.random.default_rng(0)
    a = rng.integers(1, 100, 50)
    frame = pd.DataFrame({"id": range(50), "a": a, "zero": np.where(np.arange(50) == 0, 0, 0), "c": a})
    assert find_relations(schema, {"t": frame}) == []


def test_applied_values_are_typed_and_rounded() -> None:
    schema = _schema()
    rel = Relation(kind="row", table="line", column="amount", op="mul", inputs=("qty", "price"), decimals=2)
    cols = {"qty": np.array([3, 2], dtype=object), "price": np.array([0.1, 1.005], dtype=object)}
    set_row_values([rel], cols, 2, schema, {})
    assert list(cols["amount"]) == [0.3, 2.01]
    agg = Relation(kind="aggregate", table="orders", column="lines", op="count", child="line", fk=("order_id",),
                   referred=("id",), decimals=0)
    frames = {"orders": pd.DataFrame({"id": [1, 2, 3], "lines": [9, 9, 9]}),
              "line": pd.DataFrame({"order_id": [1, 1, 3]})}
    set_aggregates([agg], frames, ["orders"], schema)
    assert list(frames["orders"]["lines"]) == [2, 0, 1]
    assert all(isinstance(v, int) for v in frames["orders"]["lines"])


def test_held_share_measures_each_kind() -> None:
    from dbsynth.relations.check import held_share

    frames = _frames()
    found = find_relations(_schema(), frames)
    assert found and all(held_share(r, frames) == 1.0 for r in found)
    broken = {"orders": frames["orders"].copy(), "line": frames["line"].copy()}
    broken["orders"].loc[:5, "total"] += 1.0  # 6 of 60 orders
    broken["line"]["line_no"] += 1  # every order numbered from 2
    share = {r.column: held_share(r, broken) for r in found}
    assert share["total"] == 0.9 and share["line_no"] == 0.0 and share["lines"] == 1.0
