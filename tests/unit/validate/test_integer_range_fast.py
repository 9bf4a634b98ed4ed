"""The vectorised integer-range check gives the per-value check's verdicts (checks._int_out_of_range)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dbsynth.validate.checks import _int_in_range, _int_out_of_range

COLUMNS = [
    pd.Series([1, None, 2**31, -2**31 - 1, -2**31, 2**31 - 1, 2**15, -2**15 - 1], dtype=object),
    pd.Series(pd.array([1, None, 40_000, -40_000, 2**40], dtype="Int64")),
    pd.Series([1.0, np.nan, 1.5, 2.0**31, np.inf, -np.inf, -2.0**31, 2.0**63, -2.0**63]),
    pd.Series([2**63 - 1, -2**63, None], dtype=object),
    pd.Series([None, None], dtype=object),
    pd.Series([np.int64(5), 2**40, np.int32(-7)], dtype=object),
]


@pytest.mark.parametrize("nbytes", [2, 4, 8])
@pytest.mark.parametrize("column", range(len(COLUMNS)))
def test_vectorised_verdicts_match_the_per_value_check(column: int, nbytes: int) -> None:
    series = COLUMNS[column]
    lo, hi = -2 ** (8 * nbytes - 1), 2 ** (8 * nbytes - 1) - 1
    expected = series.map(lambda v: not _int_in_range(v, lo, hi)).to_numpy(dtype=bool)
    got = _int_out_of_range(series, nbytes)
    assert got is not None
    assert got.tolist() == expected.tolist()


def test_mixed_columns_are_left_to_the_per_value_check() -> None:
    assert _int_out_of_range(pd.Series([1, 1.5, "2", None], dtype=object), 4) is None
    assert _int_out_of_range(pd.Series([1, 2**64, None], dtype=object), 8) is None  # beyond int64
