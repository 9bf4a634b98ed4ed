"""Dirty values in typed columns (SQLite's dynamic typing): kept, NULL or left out, never NaN."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.relational.table import dirty_note, dirty_policy
from dbsynth.schema.model import Column, LogicalType
from dbsynth.transform.columns import DatetimeTransform, NumericTransform, transform_from_dict


def _round_trip(tr, values: pd.Series, n: int = 2000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scores = tr.transform(values, rng=rng)
    idx = rng.integers(0, len(values), n)
    return tr.reverse_transform(scores[idx], rng=rng)


def test_text_null_in_integer_column_becomes_null_never_nan() -> None:
    values = pd.Series([*range(10, 610, 10), "NULL"], dtype=object)
    tr = NumericTransform(column="n", integer=True, dirty="null").fit(values)
    assert tr.dirty_count == 1 and abs(tr.null_rate - 1 / 61) < 1e-9
    out = _round_trip(tr, values)
    present = [v for v in out if v is not None]
    assert present and all(isinstance(v, int) and 10 <= v <= 600 for v in present)


def test_not_null_column_leaves_dirty_values_out() -> None:
    values = pd.Series([1, 2, 3, "T", 5, 6], dtype=object)
    tr = NumericTransform(column="n", integer=True, dirty="drop").fit(values)
    assert tr.null_rate == 0.0 and tr.dirty_rate == 0.0
    assert all(v is not None for v in _round_trip(tr, values))


def test_empty_string_in_text_time_column_keeps_its_share() -> None:
    values = pd.Series(["06:00:00", "07:00:00", "12:00:00", "14:00:00", ""] * 40, dtype=object)
    tr = DatetimeTransform(column="time", unit="time", dirty="keep").fit(values)
    assert tr.dirty_values == [""] and abs(tr.dirty_rate - 0.2) < 1e-9
    out = _round_trip(tr, values, n=5000)
    share = np.mean([v == "" for v in out])
    assert 0.15 < share < 0.25
    assert all(v == "" or (isinstance(v, str) and len(v) == 8 and v[2] == ":") for v in out)


def test_dirty_values_survive_save_and_load() -> None:
    values = pd.Series(["2020-01-01", "2020-02-01", "n/a", "2020-03-01"] * 10, dtype=object)
    tr = DatetimeTransform(column="d", unit="date", dirty="keep").fit(values)
    again = transform_from_dict(tr.to_dict())
    assert again.dirty_values == ["n/a"] and again.dirty_p == tr.dirty_p and again.dirty == "keep"


def test_policy_follows_the_column_type() -> None:
    def col(lt: LogicalType, nullable: bool) -> Column:
        return Column(name="c", logical_type=lt, type_sql=lt.value, nullable=nullable)

    assert dirty_policy(col(LogicalType.TEXT, False)) == "keep"
    assert dirty_policy(col(LogicalType.INTEGER, True)) == "null"
    assert dirty_policy(col(LogicalType.INTEGER, False)) == "drop"
    tr = NumericTransform(column="n", dirty="null").fit(pd.Series([1, 2, "x"], dtype=object))
    assert "t.n: 1 value(s)" in (dirty_note("t", tr) or "")
    assert dirty_note("t", NumericTransform(column="m").fit(pd.Series([1.0, 2.0]))) is None


def test_many_distinct_dirty_values_are_not_copied() -> None:
    odd = [f"{d:02d}.01.2020" for d in range(1, 29)]  # another format: data, not a marker
    values = pd.Series(["2020-01-01", "2020-02-01"] * 50 + odd, dtype=object)
    tr = DatetimeTransform(column="d", unit="date", dirty="keep").fit(values)
    assert tr.dirty_count == 28 and tr.dirty_values == []
    many = pd.Series(["1", "2"] * 50 + [f"x{i}" for i in range(30)] * 2, dtype=object)
    assert len(NumericTransform(column="n", dirty="keep").fit(many).dirty_values) == 20
