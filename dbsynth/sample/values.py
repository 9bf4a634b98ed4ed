"""Key values under constraints the sampler must keep: composite keys of modelled values,
one column referring to several parents, numbers within a parent."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from dbsynth.transform.columns import CategoricalTransform, ColumnTransform, DatetimeTransform, NumericTransform

if TYPE_CHECKING:
    from dbsynth.engines.copula.engine import KeySpec
    from dbsynth.validate.checks import KeySet

SPREAD_MAX_ROWS = 2_000  # beyond this, repeats are dropped (and counted) as before
SPREAD_TRIES = 30


def domain_of(transforms: Sequence[ColumnTransform], column: str) -> list[Any] | None:
    """The values a modelled column may take (categories, or a small numeric support), else None."""
    for t in transforms:
        if t.column != column:
            continue
        if isinstance(t, CategoricalTransform):
            return [c for c in t.categories if c is not None]
        if isinstance(t, NumericTransform) and not isinstance(t, DatetimeTransform) and t.support is not None:
            return [v for v in t._finish(np.asarray(t.support, dtype=float)) if v is not None]
    return None


def spread_keys(frame: pd.DataFrame, cols: list[str], *, domains: dict[str, list[Any] | None], seen: "KeySet",
                rng: np.random.Generator) -> None:
    """Move rows repeating a key of modelled columns to an unused combination of observed values.

    A composite key of values (time_slot: id, day, start_hr) repeats often in
    a small table; changing one column to another value it holds keeps the
    type, the domain and the CHECKs, where dropping would lose rows.
    """
    from dbsynth.validate.checks import Keys

    free = [c for c in cols if domains.get(c) is not None and len(domains[c] or ()) > 1]
    if not free or not len(frame):
        return
    keys = Keys(frame, cols)
    dup = frame[cols].duplicated(keep="first").to_numpy() & keys.valid
    if len(seen) and len(keys):
        dup[keys.valid] |= seen.contains(keys)
    if not dup.any():
        return
    taken = set(frame.loc[~dup, cols].itertuples(index=False, name=None))
    for i in np.flatnonzero(dup)[:SPREAD_MAX_ROWS]:
        row = list(frame.loc[i, cols])
        for _ in range(SPREAD_TRIES):
            c = free[int(rng.integers(len(free)))]
            dom = domains[c] or []
            cand = list(row)
            cand[cols.index(c)] = dom[int(rng.integers(len(dom)))]
            key = tuple(cand)
            if key in taken or (len(seen) and seen.contains(Keys(pd.DataFrame([cand], columns=cols), cols)).any()):
                continue
            for c2, v in zip(cols, cand):
                frame.at[i, c2] = v
            taken.add(key)
            break


def shared_rows(pool: pd.DataFrame, columns: list[str], others: list[tuple[pd.DataFrame | None, list[str]]]
                ) -> np.ndarray:
    """Positions in `pool` whose key every other parent pool also holds."""
    ok = np.ones(len(pool), dtype=bool)
    mine = list(pool[list(columns)].itertuples(index=False, name=None))
    for theirs, cols in others:
        held = set() if theirs is None else set(theirs[list(cols)].itertuples(index=False, name=None))
        ok &= np.array([k in held for k in mine], dtype=bool)
    return np.flatnonzero(ok)


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


def also_spec(spec: "KeySpec", table: str, columns: list[str]) -> "KeySpec":
    """A pseudo spec that keeps `table`'s keys in a pool (to intersect with), without quotas."""
    from dbsynth.engines.copula.engine import KeySpec

    return KeySpec(kind="also", columns=list(spec.columns), referred_table=table, referred_columns=list(columns))
