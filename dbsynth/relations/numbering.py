"""Numbers within a parent: 1, 2, 3… per group of equal parent keys (an order's line numbers)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def numbered(cols: dict[str, Any], group: list[str], first: int, n: int,
             used: dict[Any, int] | None = None) -> np.ndarray:
    """first, first+1, … within each group of equal parent keys (line numbers of one order).

    `used` carries each group's count over from earlier chunks (a parent whose
    children come in several batches), and is updated.
    """
    out = np.empty(n, dtype=object)
    if not n:
        return out
    keys = pd.Series(list(zip(*(np.asarray(cols[g], dtype=object) for g in group))), dtype=object)
    rank = keys.groupby(keys, sort=False).cumcount().to_numpy()
    if used is not None:
        rank = rank + keys.map(lambda k: used.get(k, 0)).to_numpy(dtype=int)
        for k, c in keys.value_counts(sort=False).items():
            used[k] = used.get(k, 0) + int(c)
    out[:] = (rank + first).tolist()
    return out
