"""Driver values normalised per logical type: fast vectorised paths and the per-value fallbacks agree."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from connectors.sqla import coerce_frame
from dbsynth.schema.model import Column, LogicalType


def _col(name: str, lt: LogicalType) -> Column:
    return Column(name=name, logical_type=lt, type_sql=lt.value, nullable=True)


COLUMNS = (_col("i", LogicalType.INTEGER), _col("d", LogicalType.DECIMAL), _col("b", LogicalType.BOOLEAN),
           _col("f", LogicalType.FLOAT))


def test_driver_values_take_the_fast_paths() -> None:
    frame = pd.DataFrame({"i": pd.Series([1, None, 3], dtype=object),
                          "d": pd.Series([Decimal("1.25"), None, Decimal("7")], dtype=object),
                          "b": pd.Series([True, None, False], dtype=object),
                          "f": pd.Series([1, 2.5, None], dtype=object)})
    out = coerce_frame(frame, COLUMNS)
    assert str(out["i"].dtype) == "Int64" and out["i"].tolist()[0] == 1 and out["i"].isna().tolist() == [False, True, False]
    assert out["d"].dtype == "float64" and out["d"].tolist()[0] == 1.25 and out["d"].isna().tolist()[1]
    assert str(out["b"].dtype) == "boolean" and out["b"].tolist()[0] is True
    assert out["f"].dtype == "float64" and out["f"].tolist()[:2] == [1.0, 2.5]


def test_sqlite_dynamic_values_take_the_fallbacks() -> None:
    frame = pd.DataFrame({"i": pd.Series([2.0, None, "4"], dtype=object),
                          "d": pd.Series(["1.5", None, 2], dtype=object),
                          "b": pd.Series(["true", "f", 1], dtype=object),
                          "f": pd.Series([2**70, None, 1], dtype=object)})
    out = coerce_frame(frame, COLUMNS)
    assert out["i"].tolist()[0] == 2 and out["i"].tolist()[2] == 4
    assert out["d"].tolist()[0] == 1.5 and out["d"].tolist()[2] == 2.0
    assert out["b"].tolist() == [True, False, True]
    assert out["f"].tolist()[0] == float(2**70)


def test_integers_beyond_int64_stay_raw() -> None:
    frame = pd.DataFrame({"i": pd.Series([2**70, 1], dtype=object)})
    out = coerce_frame(frame, (_col("i", LogicalType.INTEGER),))
    assert out["i"].tolist() == [2**70, 1]
