"""Category codes looked up per distinct value equal the per-value lookup (CategoricalTransform.codes)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dbsynth.transform import columns as C


def _transform(categories: list) -> object:
    cls = next(c for c in vars(C).values() if isinstance(c, type) and "codes" in vars(c))
    obj = cls.__new__(cls)
    obj.categories = categories
    return obj


def _per_value(categories: list, values: pd.Series) -> list[int]:
    lookup = {C._key(c): i for i, c in enumerate(categories)}
    return [lookup.get(C._key(C.to_python(v)), 0) for v in values]


@pytest.mark.parametrize("categories, values", [
    (["a", "b", None], pd.Series(["b", None, "a", "zz", np.nan], dtype=object)),
    ([3, 1, None], pd.Series([1, 3, 3, 7])),
    ([3, 1.5, None], pd.Series([1.5, np.nan, 3.0])),
    ([2, None], pd.Series(pd.array([2, None, 5], dtype="Int64"))),
    ([True, 1, None], pd.Series([True, 1, None, False], dtype=object)),  # True and 1 stay apart
    ([True, False], pd.Series([True, False])),
    ([pd.Timestamp("2020-01-01"), None], pd.Series(pd.to_datetime(["2020-01-01", None, "2021-01-01"]))),
    ([None], pd.Series([None, None], dtype=object)),
    ([1, "1", None], pd.Series([1, "1", 1.0], dtype=object)),
])
def test_codes_match_the_per_value_lookup(categories: list, values: pd.Series) -> None:
    assert _transform(categories).codes(values).tolist() == _per_value(categories, values)
