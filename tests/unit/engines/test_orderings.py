"""Column orderings that hold in every source row (a <= b) hold in every synthetic row."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.relational.table import TableModel, find_orderings, keep_orderings
from dbsynth.transform.columns import DatetimeTransform, NumericTransform


def _model(frame: pd.DataFrame) -> TableModel:
    model = TableModel(name="t", rows=len(frame))
    model.transforms = [DatetimeTransform(column="start").fit(frame["start"]),
                        DatetimeTransform(column="stop").fit(frame["stop"]),
                        NumericTransform(column="price").fit(frame["price"])]
    return model


def _frame(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    stop = start + pd.to_timedelta(rng.integers(1, 30, n), unit="D")
    return pd.DataFrame({"start": start, "stop": stop, "price": rng.uniform(1, 50, n)})


def test_find_orderings_pairs_dates_not_prices() -> None:
    assert find_orderings(_model(_frame()), _frame()) == [("start", "stop")]


def test_keep_orderings_swaps_only_broken_rows() -> None:
    start = np.array([1, 5, None, 7], dtype=object)
    stop = np.array([2, 3, 4, 9], dtype=object)
    values = {"start": start, "stop": stop}
    keep_orderings(values, [("start", "stop")])
    assert values["start"].tolist() == [1, 3, None, 7] and values["stop"].tolist() == [2, 5, 4, 9]


def test_keep_orderings_text_dates() -> None:
    values = {"a": np.array(["2005-07-12 01:39:42", "2005-01-01 00:00:00"], dtype=object),
              "b": np.array(["2005-07-09 09:37:48", "2005-02-01 00:00:00"], dtype=object)}
    keep_orderings(values, [("a", "b")])
    assert all(x <= y for x, y in zip(values["a"], values["b"]))


def test_keep_orderings_keeps_integers_in_an_integer_column() -> None:
    """int_1 <= decimal_5: a swap must not put 17859.5 in the integer column (PostgreSQL bigint COPY)."""
    values = {"a": np.array([20000, 3, None], dtype=object), "b": np.array([17859.5, 9.0, 4.0], dtype=object)}
    keep_orderings(values, [("a", "b")])
    assert [type(v) for v in values["a"][:2]] == [int, int]
    assert values["a"][0] == 17859 and values["b"][0] == 20000  # rounded down below, the pair stays ordered
    assert values["a"][1] == 3 and values["b"][1] == 9.0  # an ordered row is left alone
    assert values["a"][2] is None


def test_broken_rows_found_column_wise_are_the_row_by_row_ones() -> None:
    # the whole-column comparison must flag exactly the rows the per-row rule flags (NULL, NaN and
    # NaT never; mixed representations row by row)
    import datetime as dt

    from dbsynth.relational.table import _broken, _greater

    rng = np.random.default_rng(4)
    day = dt.date(2000, 1, 1)
    cases = [
        (rng.integers(0, 9, 500).astype(object), rng.integers(0, 9, 500).astype(object)),
        (rng.uniform(size=500), np.where(rng.uniform(size=500) < 0.1, np.nan, rng.uniform(size=500))),
        (np.array([day + dt.timedelta(days=int(d)) if d % 7 else None for d in rng.integers(0, 99, 500)], dtype=object),
         np.array([day + dt.timedelta(days=int(d)) for d in rng.integers(0, 99, 500)], dtype=object)),
        (np.array([pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(d)) if d % 5 else pd.NaT
                   for d in rng.integers(0, 50, 500)], dtype=object),
         np.array([pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(d)) for d in rng.integers(0, 50, 500)], dtype=object)),
        (np.array([1, "b", 3.5, None], dtype=object), np.array([0, 2, 1, 4], dtype=object)),  # mixed: row by row
    ]
    for x, y in cases:
        assert _broken(x, y).tolist() == [_greater(u, v) for u, v in zip(x, y)]
