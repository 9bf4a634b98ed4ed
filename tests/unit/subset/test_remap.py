"""--remap-keys (dbsynth/subset/remap.py): keyed permutations of each integer key domain."""
from __future__ import annotations

import pandas as pd
import pytest

from dbsynth.schema.model import Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table
from dbsynth.subset.remap import Permutation, key_domains, remap_keys

INT, TEXT = LogicalType.INTEGER, LogicalType.TEXT


def _col(name: str, lt: LogicalType = INT, nullable: bool = False) -> Column:
    return Column(name=name, logical_type=lt, type_sql=lt.value, nullable=nullable)


def _tpch_like() -> Schema:
    """part ← partsupp(part, supp) ← lineitem(part, supp); employee.boss → employee; code is a text key."""
    return Schema(dialect="sqlite", tables=(
        Table("part", (_col("p_id"), _col("name", TEXT)), primary_key=PrimaryKey(("p_id",))),
        Table("supp", (_col("s_id"),), primary_key=PrimaryKey(("s_id",))),
        Table("partsupp", (_col("ps_part"), _col("ps_supp")), primary_key=PrimaryKey(("ps_part", "ps_supp")),
              foreign_keys=(ForeignKey(("ps_part",), "part", ("p_id",)), ForeignKey(("ps_supp",), "supp", ("s_id",)))),
        Table("lineitem", (_col("l_order"), _col("l_line"), _col("l_part"), _col("l_supp")),
              primary_key=PrimaryKey(("l_order", "l_line")),
              foreign_keys=(ForeignKey(("l_part", "l_supp"), "partsupp", ("ps_part", "ps_supp")),)),
        Table("employee", (_col("id"), _col("boss", nullable=True), _col("code", TEXT)), primary_key=PrimaryKey(("id",)),
              foreign_keys=(ForeignKey(("boss",), "employee", ("id",)),)),
    ))


@pytest.mark.parametrize("lo, hi", [(1, 1), (1, 2), (1, 37), (0, 1000), (-5, 250), (100, 4099)])
def test_a_permutation_is_a_bijection_of_the_range(lo: int, hi: int) -> None:
    perm = Permutation(b"k", "t.c", lo, hi)
    out = [perm(v) for v in range(lo, hi + 1)]
    assert sorted(out) == list(range(lo, hi + 1))


def test_the_numbering_depends_on_the_key_and_the_domain_only() -> None:
    a, b = Permutation(b"k1", "t.c", 1, 500), Permutation(b"k1", "t.c", 1, 500)
    assert [a(v) for v in range(1, 501)] == [b(v) for v in range(1, 501)]
    other_key, other_domain = Permutation(b"k2", "t.c", 1, 500), Permutation(b"k1", "u.c", 1, 500)
    assert [a(v) for v in range(1, 501)] != [other_key(v) for v in range(1, 501)]
    assert [a(v) for v in range(1, 501)] != [other_domain(v) for v in range(1, 501)]


def test_fk_columns_take_the_domain_they_finally_copy() -> None:
    domains = key_domains(_tpch_like())
    assert domains[("lineitem", "l_part")] == domains[("partsupp", "ps_part")] == ("part", "p_id")
    assert domains[("lineitem", "l_supp")] == ("supp", "s_id")
    assert domains[("employee", "boss")] == ("employee", "id")  # a self-reference: the table's own key
    assert ("lineitem", "l_line") not in domains and ("employee", "code") not in domains  # no key domain


def test_remapping_keeps_every_fk_and_nulls() -> None:
    schema = _tpch_like()
    frames = {"part": pd.DataFrame({"p_id": [1, 2, 3], "name": ["a", "b", "c"]}),
              "supp": pd.DataFrame({"s_id": [10, 11]}),
              "partsupp": pd.DataFrame({"ps_part": [1, 2, 3], "ps_supp": [10, 11, 10]}),
              "lineitem": pd.DataFrame({"l_order": [5, 5, 6], "l_line": [1, 2, 1], "l_part": [1, 3, 2],
                                        "l_supp": [10, 10, 11]}),
              "employee": pd.DataFrame({"id": [1, 2, 3], "boss": [None, 1, 1], "code": ["x", "y", "z"]})}
    before = {t: f.copy() for t, f in frames.items()}
    ranges = {("part", "p_id"): (1, 200), ("supp", "s_id"): (1, 100), ("employee", "id"): (1, 50)}
    changed = remap_keys(frames, schema, key="secret", ranges=ranges.get)
    assert changed and sum(changed.values()) > 0
    parts = set(frames["part"].p_id)
    assert set(frames["partsupp"].ps_part) <= parts and set(frames["lineitem"].l_part) <= parts
    pairs = set(zip(frames["partsupp"].ps_part, frames["partsupp"].ps_supp))
    assert set(zip(frames["lineitem"].l_part, frames["lineitem"].l_supp)) <= pairs
    assert frames["employee"].boss.isna().sum() == 1 and set(frames["employee"].boss.dropna()) <= set(frames["employee"].id)
    assert list(frames["lineitem"].l_line) == [1, 2, 1] and list(frames["employee"].code) == ["x", "y", "z"]
    assert all(1 <= v <= 200 for v in frames["part"].p_id)
    assert not frames["part"].p_id.equals(before["part"].p_id)  # 3 of 200: the identity is all but impossible
    kept = {t: f.copy() for t, f in before.items()}
    remap_keys(kept, schema, key="secret", ranges=ranges.get, keep=frozenset({"supp"}))
    assert list(kept["supp"].s_id) == [10, 11] and list(kept["lineitem"].l_supp) == [10, 10, 11]
