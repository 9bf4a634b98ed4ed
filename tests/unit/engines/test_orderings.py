"""Column orderings that hold in every source row (a <= b) hold in every synthetic row."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.engines.copula.table import TableModel, find_orderings, keep_orderings
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
