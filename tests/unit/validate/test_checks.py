"""Pure rules: exact bad-row counts on small frames."""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from dbsynth.schema.model import Column, ForeignKey, LogicalType, PrimaryKey, Table, UniqueConstraint
from dbsynth.validate.checks import (Keys, KeySet, check_foreign_key, check_not_null, check_type_bounds,
                                     check_unique, short_repr)

INT = LogicalType.INTEGER


def col(name: str, lt: LogicalType = INT, **kw: object) -> Column:
    return Column(name=name, logical_type=lt, type_sql=kw.pop("type_sql", lt.value), **kw)  # type: ignore[arg-type]


def keyset(frame: pd.DataFrame, cols: tuple[str, ...]) -> KeySet:
    ks = KeySet()
    ks.add(Keys(frame, cols))
    return ks


# ------------------------------------------------------------------ NOT NULL
def test_not_null_counts_nulls_nan_nat() -> None:
    t = Table(name="t", columns=(col("a", nullable=False), col("b", LogicalType.DATETIME, nullable=False),
                                 col("c")))
    f = pd.DataFrame({"a": [1, None, 3, np.nan], "b": pd.to_datetime(["2020-01-01", None, None, "2020-01-02"]),
                      "c": [None] * 4})
    res = check_not_null(t, f)
    assert res.mask.tolist() == [False, True, True, True]
    assert {v.columns: v.rows for v in res.violations} == {("a",): 2, ("b",): 2}
    assert all(v.kind == "not_null" for v in res.violations)


def test_not_null_missing_column_uses_default_or_fails() -> None:
    t = Table(name="t", columns=(col("id", nullable=False, autoincrement=True), col("d", nullable=False, default="0"),
                                 col("x", nullable=False)))
    res = check_not_null(t, pd.DataFrame({"other": [1, 2]}))
    assert res.mask.tolist() == [True, True]
    assert [v.columns for v in res.violations] == [("x",)]


def test_pk_column_null_fails_even_if_declared_nullable() -> None:
    t = Table(name="t", columns=(col("k", LogicalType.TEXT),), primary_key=PrimaryKey(("k",)))
    assert check_not_null(t, pd.DataFrame({"k": ["a", None]})).mask.tolist() == [False, True]


# ------------------------------------------------------------------ PK / UNIQUE
def test_unique_within_chunk_and_against_seen() -> None:
    t = Table(name="t", columns=(col("id"),), primary_key=PrimaryKey(("id",)))
    seen = keyset(pd.DataFrame({"id": [10, 11]}), ("id",))
    f = pd.DataFrame({"id": [1, 2, 1, 10, 3, 2]})
    res = check_unique(t, f, columns=("id",), seen=seen, kind="primary_key")
    assert res.mask.tolist() == [False, False, True, True, False, True]
    assert res.violations[0].rows == 3 and res.violations[0].kind == "primary_key"


def test_unique_nulls_allowed_and_composite() -> None:
    t = Table(name="t", columns=(col("a"), col("b", LogicalType.TEXT)),
              unique_constraints=(UniqueConstraint(("a", "b")),))
    f = pd.DataFrame({"a": [1, 1, 1, None, None, 2], "b": ["x", "y", "x", "x", "x", None]})
    seen = keyset(pd.DataFrame({"a": [1], "b": ["y"]}), ("a", "b"))
    res = check_unique(t, f, columns=("a", "b"), seen=seen)
    # row 1 (1,'y') clashes with an earlier chunk; row 2 repeats row 0; NULL keys never clash.
    assert res.mask.tolist() == [False, True, True, False, False, False]


def test_unique_candidates_let_the_duplicate_of_a_rejected_row_live() -> None:
    t = Table(name="t", columns=(col("id"),))
    f = pd.DataFrame({"id": [5, 5, 5]})
    res = check_unique(t, f, columns=("id",), candidates=np.array([False, True, True]))
    assert res.mask.tolist() == [False, False, True]


def test_string_keys_cross_chunk() -> None:
    t = Table(name="t", columns=(col("code", LogicalType.TEXT),))
    seen = keyset(pd.DataFrame({"code": ["AA", "BB"]}), ("code",))
    res = check_unique(t, pd.DataFrame({"code": pd.Series(["BB", "CC"], dtype="str")}), columns=("code",), seen=seen)
    assert res.mask.tolist() == [True, False]


# ------------------------------------------------------------------ FOREIGN KEY
def test_fk_single_with_float_child_and_null() -> None:
    t = Table(name="c", columns=(col("pid"),), foreign_keys=(ForeignKey(("pid",), "p", ("id",), nullable=True),))
    parents = keyset(pd.DataFrame({"id": np.arange(1, 6)}), ("id",))
    f = pd.DataFrame({"pid": [1.0, np.nan, 7.0, 5.0, 2.5]})  # float because of the NULL
    res = check_foreign_key(t, f, columns=("pid",), referred_table="p", referred_columns=("id",), parent_keys=parents)
    assert res.mask.tolist() == [False, False, True, False, True]
    assert res.violations[0].rows == 2 and res.violations[0].example == "7.0"


def test_fk_composite_match_simple() -> None:
    t = Table(name="c", columns=(col("a"), col("b", LogicalType.TEXT)))
    parents = keyset(pd.DataFrame({"x": [1, 2], "y": ["u", "v"]}), ("x", "y"))
    f = pd.DataFrame({"a": [1, 1, 2, None, 3], "b": ["u", "v", "v", "zzz", None]})
    res = check_foreign_key(t, f, columns=("a", "b"), referred_table="p", referred_columns=("x", "y"),
                            parent_keys=parents)
    assert res.mask.tolist() == [False, True, False, False, False]


def test_fk_without_any_parent_fails_every_non_null_row() -> None:
    t = Table(name="c", columns=(col("pid"),))
    res = check_foreign_key(t, pd.DataFrame({"pid": [1, None, 2]}), columns=("pid",), referred_table="p",
                            referred_columns=("id",), parent_keys=KeySet())
    assert res.mask.tolist() == [True, False, True]


def test_keyset_int_parts_merge_and_switch_to_objects() -> None:
    ks = KeySet()
    for start in range(0, 1000, 100):
        ks.add(Keys(pd.DataFrame({"k": np.arange(start, start + 100)}), ("k",)))
    assert len(ks) == 1000
    probe = Keys(pd.DataFrame({"k": [0, 999, 1000, -1]}), ("k",))
    assert ks.contains(probe).tolist() == [True, True, False, False]
    ks.add(Keys(pd.DataFrame({"k": ["abc"]}), ("k",)))
    assert ks.contains(Keys(pd.DataFrame({"k": ["abc", "x"]}), ("k",))).tolist() == [True, False]
    assert ks.contains(probe).tolist() == [True, True, False, False]


# ------------------------------------------------------------------ type bounds
def test_varchar_length() -> None:
    t = Table(name="t", columns=(col("s", LogicalType.TEXT, type_sql="VARCHAR(50)", length=50),))
    f = pd.DataFrame({"s": ["x" * 50, "y" * 61, None, "z"]})
    res = check_type_bounds(t, f)
    assert res.mask.tolist() == [False, True, False, False]
    assert res.violations[0].detail == "length 61 > varchar(50)"
    assert len(res.violations[0].example) <= 60


def test_numeric_precision_scale_rounding() -> None:
    t = Table(name="t", columns=(col("p", LogicalType.DECIMAL, precision=4, scale=2),))
    values = [99.99, 99.994, 99.995, 100.0, -99.99, Decimal("12.345"), Decimal("99.996"), None, "abc"]
    res = check_type_bounds(t, pd.DataFrame({"p": pd.Series(values, dtype=object)}))
    # 99.994 rounds to 99.99 (fine); 99.995 and 99.996 round to 100.00 (overflow); 'abc' is not a number
    assert res.mask.tolist() == [False, False, True, True, False, False, True, False, True]


def test_integer_ranges() -> None:
    t = Table(name="t", columns=(col("s", integer_bytes=2), col("i", integer_bytes=4), col("b"),
                                 col("f", integer_bytes=4)))
    f = pd.DataFrame({"s": [32767, 32768, -32769], "i": [2**31 - 1, 2**31, 0], "b": [2**62, -(2**63), 1],
                      "f": [1.0, 2.5, np.nan]})
    res = check_type_bounds(t, f)
    assert {v.columns: v.rows for v in res.violations} == {("s",): 2, ("i",): 1, ("f",): 1}
    big = check_type_bounds(t, pd.DataFrame({"b": pd.Series([2**63, 5], dtype=object)}))
    assert big.mask.tolist() == [True, False]


def test_enum_and_boolean() -> None:
    t = Table(name="t", columns=(col("r", LogicalType.ENUM, enum_values=("G", "PG", "PG-13"), enum_name="mpaa_rating"),
                                 col("ok", LogicalType.BOOLEAN)))
    f = pd.DataFrame({"r": ["G", "PG-13X", None, "PG"], "ok": pd.Series([True, 1, "yes", None], dtype=object)})
    res = check_type_bounds(t, f)
    assert res.mask.tolist() == [False, True, True, False]
    details = {v.columns: v.detail for v in res.violations}
    assert details[("r",)] == "value 'PG-13X' not in enum mpaa_rating"


def test_short_repr_is_bounded() -> None:
    assert len(short_repr("x" * 500)) == 60
    assert short_repr(np.int64(3)) == "3"


def test_type_bounds_fast_on_large_frame() -> None:
    n = 100_000
    t = Table(name="t", columns=(col("s", LogicalType.TEXT, length=10),
                                 col("p", LogicalType.DECIMAL, precision=6, scale=2),
                                 col("i", integer_bytes=2)))
    rng = np.random.default_rng(0)
    f = pd.DataFrame({"s": rng.choice(["a", "bb", "ccccccccccc"], n), "p": rng.uniform(-9999, 9999, n),
                      "i": rng.integers(-40000, 40000, n)})
    res = check_type_bounds(t, f)
    expected = ((f["s"].str.len() > 10) | (f["i"] > 32767) | (f["i"] < -32768)).to_numpy()
    assert res.mask.tolist() == expected.tolist()
    assert expected.sum() > 0


def test_two_column_keys_pack_and_fall_back_consistently() -> None:
    """Composite integer keys are packed into int64; a later chunk that cannot pack still sees them."""
    import pandas as pd

    from dbsynth.validate.checks import Keys, KeySet

    seen = KeySet()
    first = pd.DataFrame({"a": [1, 2, 3], "b": [10, 20, 30]})
    seen.add(Keys(first, ["a", "b"]))
    probe = pd.DataFrame({"a": [1, 2, 9], "b": [10, 21, 30]})
    assert seen.contains(Keys(probe, ["a", "b"])).tolist() == [True, False, False]
    odd = pd.DataFrame({"a": [-5, 3], "b": [1, 30]})  # negative: cannot pack
    assert seen.contains(Keys(odd, ["a", "b"])).tolist() == [False, True]
    seen.add(Keys(odd, ["a", "b"]))
    assert seen.contains(Keys(pd.DataFrame({"a": [-5, 1], "b": [1, 10]}), ["a", "b"])).tolist() == [True, True]
    assert len(seen) == 4
