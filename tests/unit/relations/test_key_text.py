"""Key text for relation detection is the same with or without the per-value path (detect._column_text)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dbsynth.relations.detect import _column_text


def _per_value(s: pd.Series) -> list:
    return s.map(lambda v: None if pd.isna(v) else str(int(v)) if isinstance(v, float) and v.is_integer()
                 else str(v)).tolist()


@pytest.mark.parametrize("series", [
    pd.Series([1, 2, 2**62]), pd.Series(pd.array([1, None, 3], dtype="Int64")),
    pd.Series(["a", None, "b", np.nan], dtype=object), pd.Series([1.0, 2.5, np.nan]),
    pd.Series(np.array([1, 2], dtype=np.uint8)), pd.Series(pd.array([None, None], dtype="Int64")),
    pd.Series([1, "x", 2.0, None], dtype=object)])
def test_key_text_matches_the_per_value_text(series: pd.Series) -> None:
    got = _column_text(series).tolist()
    assert got == _per_value(series)
    assert [type(v) for v in got] == [type(v) for v in _per_value(series)]
