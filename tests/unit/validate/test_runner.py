"""Streaming validator: key state across chunks, cascade, repair, deferred cycle edges, summary."""
from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dbsynth.errors import ConstraintError
from dbsynth.sample.types import TableChunk
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import (CheckConstraint, Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table,
                                  UniqueConstraint)
from dbsynth.validate import Validator

INT = LogicalType.INTEGER


def icol(name: str, *, nullable: bool = False) -> Column:
    return Column(name, INT, "INTEGER", nullable=nullable)


def shop_schema() -> Schema:
    parent = Table("parent", (icol("id"), Column("code", LogicalType.TEXT, "VARCHAR(5)", length=5)),
                   primary_key=PrimaryKey(("id",)), unique_constraints=(UniqueConstraint(("code",)),))
    child = Table("child", (icol("id"), icol("pid"), icol("qty")), primary_key=PrimaryKey(("id",)),
                  foreign_keys=(ForeignKey(("pid",), "parent", ("id",)),),
                  checks=(CheckConstraint("[qty] > (0)"),))
    return Schema(dialect="sqlite", tables=(parent, child))


def validator(schema: Schema, **kw: int) -> Validator:
    return Validator(schema, build_plan(schema), **kw)


def parents(ids: list[int], codes: list[str] | None = None) -> TableChunk:
    return TableChunk("parent", pd.DataFrame({"id": ids, "code": codes or [f"c{i}" for i in ids]}))


def children(ids: list[int], pids: list[int], qty: list[int] | None = None) -> TableChunk:
    return TableChunk("child", pd.DataFrame({"id": ids, "pid": pids, "qty": qty or [1] * len(ids)}))


def test_check_drops_bad_rows_and_reports() -> None:
    v = validator(shop_schema())
    res = v.check(parents([1, 2, 2, 3], ["a", "b", "c", "toolong"]))
    assert res.valid["id"].tolist() == [1, 2] and res.rejected == 2
    kinds = {x.kind: x.rows for x in res.violations}
    assert kinds == {"type_bounds": 1, "primary_key": 1}
    res = v.check(children([1, 2, 3, 4], [1, 2, 3, 1], [5, 0, 1, 1]))
    assert res.valid["id"].tolist() == [1, 4]
    assert {x.kind: x.rows for x in res.violations} == {"check": 1, "foreign_key": 1}


def test_cross_chunk_duplicates_pk_and_unique() -> None:
    v = validator(shop_schema())
    v.check(parents([1, 2], ["a", "b"]))
    res = v.check(parents([2, 3, 4], ["x", "b", "y"]))
    assert res.valid["id"].tolist() == [4]
    assert {x.kind for x in res.violations} == {"primary_key", "unique"}


def test_cascade_dropped_parent_rejects_children_in_later_chunks() -> None:
    v = validator(shop_schema())
    v.check(parents([1, 2], ["a", "waytoolong"]))  # parent 2 is dropped
    res = v.check(children([10, 11, 12], [1, 2, 2]))
    assert res.valid["id"].tolist() == [10] and res.rejected == 2
    assert res.violations[0].kind == "foreign_key" and res.violations[0].example == "2"


def test_repair_resamples_until_good() -> None:
    v = validator(shop_schema())
    v.check(parents([1, 2], ["a", "b"]))
    calls: list[int] = []

    def resample(n: int) -> pd.DataFrame:
        calls.append(n)
        qty = [-1] * n if len(calls) == 1 else [3] * n  # bad on the 1st try, good on the 2nd
        return pd.DataFrame({"id": np.arange(100, 100 + n), "pid": [1] * n, "qty": qty})

    res = v.repair(children([1, 2, 3, 4], [1, 9, 2, 1], [1, 1, -5, 2]), resample=resample)
    assert calls == [2, 2]
    assert len(res.valid) == 4 and res.rejected == 0
    # repaired rows keep their key; the FK-failing row took a fresh pid, the CHECK-failing one kept its own
    assert res.valid["id"].tolist() == [1, 4, 2, 3] and res.valid["pid"].tolist() == [1, 1, 1, 2]
    counts = v.summary().counts["child"]
    assert counts["foreign_key"] == {"found": 1, "repaired": 1, "dropped": 0}
    assert counts["check"] == {"found": 1, "repaired": 1, "dropped": 0}


def test_repair_gives_up_after_max_retries_and_never_returns_bad_rows() -> None:
    v = validator(shop_schema(), max_retries=2)
    v.check(parents([1], ["a"]))
    calls: list[int] = []

    def always_bad(n: int) -> pd.DataFrame:
        calls.append(n)
        return pd.DataFrame({"id": [1] * n, "pid": [1] * n, "qty": [0] * n})  # duplicate PK 1, failing CHECK

    res = v.repair(children([1, 2], [1, 1], [1, 0]), resample=always_bad)
    assert len(calls) == 2
    assert res.valid["id"].tolist() == [1] and res.rejected == 1
    assert v.summary().counts["child"]["check"] == {"found": 1, "repaired": 0, "dropped": 1}
    assert not v.summary().ok


def test_repair_with_short_resample_drops_the_rest() -> None:
    v = validator(shop_schema())
    v.check(parents([1], ["a"]))
    res = v.repair(children([1, 2, 3], [1, 5, 6]),
                   resample=lambda n: pd.DataFrame({"id": [50], "pid": [1], "qty": [1]}))
    assert res.valid["id"].tolist() == [1, 2] and res.rejected == 1  # the stand-in keeps the key of row 2
    assert v.summary().counts["child"]["foreign_key"] == {"found": 2, "repaired": 1, "dropped": 1}


def test_composite_pk_and_fk() -> None:
    order_line = Table("line", (icol("order_id"), icol("line_no")), primary_key=PrimaryKey(("order_id", "line_no")))
    note = Table("note", (icol("id"), icol("order_id", nullable=True), icol("line_no", nullable=True)),
                 primary_key=PrimaryKey(("id",)),
                 foreign_keys=(ForeignKey(("order_id", "line_no"), "line", ("order_id", "line_no"), nullable=True),))
    v = validator(Schema("postgresql", (order_line, note)))
    res = v.check(TableChunk("line", pd.DataFrame({"order_id": [1, 1, 2, 1], "line_no": [1, 2, 1, 1]})))
    assert res.rejected == 1
    res = v.check(TableChunk("line", pd.DataFrame({"order_id": [2, 3], "line_no": [1, 1]})))
    assert res.valid["order_id"].tolist() == [3]
    notes = pd.DataFrame({"id": [1, 2, 3, 4, 5], "order_id": [1, 1, None, 3, 2],
                          "line_no": [2, 3, 7, None, 1]})
    res = v.check(TableChunk("note", notes))
    # (1,3) has no parent; rows with a NULL part pass (MATCH SIMPLE)
    assert res.valid["id"].tolist() == [1, 3, 4, 5]


def test_self_reference_in_chunk_cascades() -> None:
    emp = Table("emp", (icol("id"), icol("boss", nullable=True)), primary_key=PrimaryKey(("id",)),
                foreign_keys=(ForeignKey(("boss",), "emp", ("id",), nullable=True),))
    v = validator(Schema("postgresql", (emp,)))
    res = v.check(TableChunk("emp", pd.DataFrame({"id": [1, 2, 3, 4, 5], "boss": [None, 1, 9, 3, 4]})))
    assert res.valid["id"].tolist() == [1, 2]
    assert res.violations[0].kind == "foreign_key" and res.violations[0].rows == 3
    res = v.check(TableChunk("emp", pd.DataFrame({"id": [6, 7], "boss": [2, 5]})))  # 5 was dropped
    assert res.valid["id"].tolist() == [6]


def cycle_schema() -> Schema:
    store = Table("store", (icol("store_id"), icol("manager_staff_id")), primary_key=PrimaryKey(("store_id",)),
                  foreign_keys=(ForeignKey(("manager_staff_id",), "staff", ("staff_id",)),))
    staff = Table("staff", (icol("staff_id"), icol("store_id")), primary_key=PrimaryKey(("staff_id",)),
                  foreign_keys=(ForeignKey(("store_id",), "store", ("store_id",)),))
    return Schema("sqlite", (store, staff))


def test_deferred_cycle_edge_checked_in_finish() -> None:
    schema = cycle_schema()
    plan = build_plan(schema)
    assert len(plan.deferred) == 1
    edge = plan.deferred[0]
    v = Validator(schema, plan)
    first, second = plan.order
    frames = {"store": pd.DataFrame({"store_id": [1, 2], "manager_staff_id": [10, 99]}),
              "staff": pd.DataFrame({"staff_id": [10, 11], "store_id": [1, 2]})}
    for name in (first, second):
        assert v.check(TableChunk(name, frames[name])).rejected == 0
    found = v.finish()
    assert len(found) == 1
    assert found[0].table == edge.table and found[0].rows == 1 and "deferred" in found[0].detail
    assert v.summary().deferred == found and not v.summary().ok
    with pytest.raises(ConstraintError) as err:
        v.finish(strict=True)
    assert err.value.violations == found


def test_deferred_cycle_all_good() -> None:
    schema = cycle_schema()
    plan = build_plan(schema)
    v = Validator(schema, plan)
    frames = {"store": pd.DataFrame({"store_id": [1], "manager_staff_id": [10]}),
              "staff": pd.DataFrame({"staff_id": [10], "store_id": [1]})}
    for name in plan.order:
        v.check(TableChunk(name, frames[name]))
    assert v.finish(strict=True) == [] and v.summary().ok


def test_unchecked_check_warned_once_and_rows_kept() -> None:
    t = Table("t", (icol("id"), icol("x")), primary_key=PrimaryKey(("id",)),
              checks=(CheckConstraint("x >>> ("), CheckConstraint("x > 0"), CheckConstraint("nope > 1")))
    v = validator(Schema("postgresql", (t,)))
    for batch in range(2):
        res = v.check(TableChunk("t", pd.DataFrame({"id": [batch * 10 + 1, batch * 10 + 2], "x": [1, -1]}), batch))
        assert res.rejected == 1
    summary = v.summary()
    assert len(summary.unchecked) == 2 and len(summary.warnings) == 2
    assert {u["constraint"] for u in summary.unchecked} == {"x >>> (", "nope > 1"}


def test_summary_is_json_and_counts_rows() -> None:
    v = validator(shop_schema())
    v.check(parents([1, 1], ["a", "b"]))
    data = json.loads(json.dumps(v.summary().to_dict()))
    assert data["tables"]["parent"]["rows_in"] == 2 and data["tables"]["parent"]["rows_valid"] == 1
    assert data["tables"]["parent"]["kinds"]["primary_key"]["dropped"] == 1
    assert data["ok"] is False
    assert data["totals"] == {"found": 1, "repaired": 0, "dropped": 1, "unchecked": 0, "deferred": 0}


def test_hundred_thousand_rows_with_keys_fk_and_check() -> None:
    n = 100_000
    v = validator(shop_schema())
    v.check(parents(list(range(1, 1001))))
    rng = np.random.default_rng(3)
    pids = rng.integers(1, 1100, n)  # ~9% point past the last parent
    qty = rng.integers(-2, 20, n)
    res = v.check(TableChunk("child", pd.DataFrame({"id": np.arange(n), "pid": pids, "qty": qty})))
    expected = int(((pids <= 1000) & (qty > 0)).sum())
    assert len(res.valid) == expected and res.rejected == n - expected


def test_domain_enum_and_check_through_the_validator() -> None:
    film = Table("film", (icol("film_id"),
                          Column("release_year", INT, "year", domain="year",
                                 domain_checks=("((VALUE >= 1901) AND (VALUE <= 2155))",)),
                          Column("rating", LogicalType.ENUM, "mpaa_rating", enum_values=("G", "PG", "PG-13"),
                                 enum_name="mpaa_rating"),
                          Column("rental_rate", LogicalType.DECIMAL, "numeric(4,2)", precision=4, scale=2)),
                 primary_key=PrimaryKey(("film_id",)), checks=(CheckConstraint("(rental_rate >= (0)::numeric)"),))
    v = validator(Schema("postgresql", (film,)))
    frame = pd.DataFrame({"film_id": [1, 2, 3, 4, 5], "release_year": [2006, 1800, 2006, None, 2006],
                          "rating": ["G", "G", "PG-13X", "PG", "PG"], "rental_rate": [4.99, 0.99, 2.99, 99.999, -1.0]})
    res = v.check(TableChunk("film", frame))
    assert res.valid["film_id"].tolist() == [1]
    counts = v.summary().counts["film"]
    assert counts["type_bounds"]["dropped"] == 3 and counts["check"]["dropped"] == 1
    assert v.summary().unchecked == []


def line_schema() -> Schema:
    """Fuzz seed 30's shape: a parent with CHECKs and a UNIQUE, a child with a NOT NULL FK to it."""
    line = Table("line", (icol("id"), Column("code", LogicalType.TEXT, "TEXT"), icol("n"), icol("lo"), icol("hi")),
                 primary_key=PrimaryKey(("id",)), unique_constraints=(UniqueConstraint(("code",)),),
                 checks=(CheckConstraint("n BETWEEN 46 AND 172"), CheckConstraint("lo <= hi")))
    item = Table("item", (icol("id"), icol("line_id"), icol("qty")), primary_key=PrimaryKey(("id",)),
                 foreign_keys=(ForeignKey(("line_id",), "line", ("id",)),), checks=(CheckConstraint("qty > 0"),))
    return Schema("postgresql", (line, item))


def fresh_lines(ns: list[list[int]]) -> Any:
    """A resample callback: new ids and codes on every call, `n` values from `ns` in turn."""
    calls = iter(range(1, 1000))

    def resample(k: int) -> pd.DataFrame:
        c = next(calls)
        n = ns[min(c, len(ns)) - 1]
        return pd.DataFrame({"id": np.arange(k) + 100 * c, "code": [f"new{c}_{i}" for i in range(k)],
                             "n": (n * k)[:k], "lo": [1] * k, "hi": [2] * k})
    return resample


def test_repaired_parent_keeps_its_key_and_children_stay_valid() -> None:
    v = validator(line_schema())
    lines = pd.DataFrame({"id": [1, 2, 3, 4], "code": ["a", "b", "c", "d"], "n": [50, 500, 60, 70],
                          "lo": [1, 1, 9, 1], "hi": [2, 2, 2, 2]})  # id 2 fails the BETWEEN, id 3 lo <= hi
    res = v.repair(TableChunk("line", lines), resample=fresh_lines([[0], [100]]))  # 1st try still bad
    assert sorted(res.valid["id"]) == [1, 2, 3, 4] and res.rejected == 0
    fixed = res.valid.set_index("id").loc[[2, 3]]
    assert fixed["n"].between(46, 172).all() and (fixed["lo"] <= fixed["hi"]).all()
    assert v.summary().counts["line"]["check"] == {"found": 2, "repaired": 2, "dropped": 0}
    # children sampled against ids 1..4 before the repair are all valid
    res = v.check(TableChunk("item", pd.DataFrame({"id": [1, 2, 3, 4], "line_id": [1, 2, 3, 4], "qty": [1] * 4})))
    assert res.rejected == 0 and v.summary().ok


def test_repair_keeps_fk_of_a_row_failing_a_check_and_replaces_a_broken_fk() -> None:
    v = validator(line_schema())
    v.check(TableChunk("line", pd.DataFrame({"id": [1, 2], "code": ["a", "b"], "n": [50, 50], "lo": [1, 1],
                                             "hi": [2, 2]})))
    items = pd.DataFrame({"id": [10, 11, 12], "line_id": [2, 2, 7], "qty": [1, 0, 1]})  # 11: CHECK, 12: FK
    res = v.repair(TableChunk("item", items), resample=lambda k: pd.DataFrame(
        {"id": np.arange(k) + 500, "line_id": [1] * k, "qty": [5] * k}))
    got = res.valid.set_index("id")
    assert sorted(got.index) == [10, 11, 12]
    assert got.loc[11, "line_id"] == 2 and got.loc[11, "qty"] == 5  # kept its parent, fresh qty
    assert got.loc[12, "line_id"] == 1  # its parent did not exist: it took the fresh one


def test_duplicate_key_takes_the_fresh_key() -> None:
    v = validator(line_schema())
    lines = pd.DataFrame({"id": [1, 1], "code": ["a", "b"], "n": [50, 50], "lo": [1, 1], "hi": [2, 2]})
    res = v.repair(TableChunk("line", lines), resample=fresh_lines([[50]]))
    assert res.valid["id"].tolist() == [1, 100]


def test_parent_that_cannot_be_repaired_is_an_error_when_strict() -> None:
    schema = line_schema()
    lines = pd.DataFrame({"id": [1, 2], "code": ["a", "b"], "n": [50, 999], "lo": [1, 1], "hi": [2, 2]})
    strict = Validator(schema, build_plan(schema), parent_retries=5, strict_parents=True)
    with pytest.raises(ConstraintError, match=r"'line'.*5 attempts.*BETWEEN 46 AND 172.*cannot be dropped"):
        strict.repair(TableChunk("line", lines), resample=fresh_lines([[999]]))
    calls: list[int] = []
    lenient = Validator(schema, build_plan(schema), parent_retries=5)

    def never(k: int) -> pd.DataFrame:
        calls.append(k)
        return fresh_lines([[999]])(k)
    res = lenient.repair(TableChunk("line", lines), resample=never)
    assert res.valid["id"].tolist() == [1] and len(calls) == 5  # referenced table: parent_retries rounds
    res = lenient.repair(TableChunk("item", pd.DataFrame({"id": [7], "line_id": [1], "qty": [0]})),
                         resample=lambda k: pd.DataFrame(
        {"id": [8] * k, "line_id": [1] * k, "qty": [0] * k}))
    assert res.rejected == 1  # a leaf table keeps max_retries (3) and drops


def test_junction_row_with_a_broken_fk_in_its_key_gets_fresh_key_columns() -> None:
    tag = Table("tag", (icol("id"),), primary_key=PrimaryKey(("id",)))
    link = Table("link", (icol("a"), icol("b")), primary_key=PrimaryKey(("a", "b")),
                 foreign_keys=(ForeignKey(("a",), "tag", ("id",)), ForeignKey(("b",), "tag", ("id",))))
    v = validator(Schema("postgresql", (tag, link)))
    v.check(TableChunk("tag", pd.DataFrame({"id": [1, 2, 3]})))
    res = v.repair(TableChunk("link", pd.DataFrame({"a": [1, 9], "b": [2, 3]})),
                   resample=lambda k: pd.DataFrame({"a": [2] * k, "b": [3] * k}))
    assert res.valid.values.tolist() == [[1, 2], [2, 3]] and res.rejected == 0


def test_fk_columns_a_failing_check_uses_are_redrawn() -> None:
    airport = Table("airport", (icol("id"),), primary_key=PrimaryKey(("id",)))
    flight = Table("flight", (icol("id"), icol("origin"), icol("dest")), primary_key=PrimaryKey(("id",)),
                   foreign_keys=(ForeignKey(("origin",), "airport", ("id",)),
                                 ForeignKey(("dest",), "airport", ("id",))),
                   checks=(CheckConstraint("origin <> dest"),))
    v = validator(Schema("postgresql", (airport, flight)), max_retries=1)
    v.check(TableChunk("airport", pd.DataFrame({"id": [1, 2]})))
    res = v.repair(TableChunk("flight", pd.DataFrame({"id": [5, 6], "origin": [1, 2], "dest": [2, 2]})),
                   resample=lambda k: pd.DataFrame({"id": [70] * k, "origin": [2] * k, "dest": [1] * k}))
    assert res.valid.values.tolist() == [[5, 1, 2], [6, 2, 1]]  # key kept, FK pair redrawn in one round
