"""Set a drawn table's date/times from its sequences and lags (dbsynth/relational/sequences.py).

Runs after every key of the rows is filled, so a family is the rows sharing an
FK value (the context parent's or any other) and a lag finds its parent row.
Values the column could not read (a kept '' marker) and NULLs stay as drawn.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from dbsynth.relational.sequences import Sequence, datetime_transforms, draw_lag, draw_sequence
from dbsynth.relational.table import TableModel, keep_orderings

# (FK columns, referred table, referred columns, referred column) -> its seconds per row, or None
Referred = Callable[[list[str], str, list[str], str], "np.ndarray | None"]


def set_times(model: TableModel, cols: dict[str, Any], n: int, *, referred: Referred,
              rng: np.random.Generator) -> None:
    """Rewrite `cols`' sequence and lag columns in place."""
    found = model.sequences
    times = datetime_transforms(model.transforms)
    if not found or not n:
        return
    secs: dict[str, np.ndarray] = {}

    def current(column: str) -> np.ndarray:
        if column not in secs:
            secs[column] = times[column].seconds(pd.Series(_values(cols, column, n), dtype=object))
        return secs[column]

    changed: list[str] = []
    for lag in [g for g in found.lags if g.fk]:
        source = referred(lag.fk, lag.referred_table or "", lag.referred_columns, lag.source)
        if lag.column in times and source is not None:
            secs[lag.column] = draw_lag(lag, source=source, current=current(lag.column), rng=rng)
            changed.append(lag.column)
    for seq in found.sequences:
        if seq.column in times and all(c in cols for c in seq.fk):
            secs[seq.column] = _sequence(seq, times[seq.column], cols, n, current(seq.column), referred, rng)
            changed.append(seq.column)
    for lag in [g for g in found.lags if not g.fk]:
        if lag.column in times and lag.source in changed:
            secs[lag.column] = draw_lag(lag, source=secs[lag.source], current=current(lag.column),
                                        rng=rng)
            changed.append(lag.column)
    for column in changed:
        cols[column] = _written(times[column], _values(cols, column, n), secs[column])
    pairs = [(a, b) for a, b in model.orderings if a in changed or b in changed]
    if pairs:  # a loosely ordered pair (last_update after every rental) stays ordered
        keep_orderings(cols, pairs)


def _sequence(seq: Sequence, tr: Any, cols: dict[str, Any], n: int, now: np.ndarray, referred: Referred,
              rng: np.random.Generator) -> np.ndarray:
    keys = pd.DataFrame({c: _values(cols, c, n) for c in seq.fk})
    families = np.where(keys.notna().all(axis=1).to_numpy(),
                        pd.MultiIndex.from_frame(keys.astype(object)).factorize()[0], -1)
    anchor = referred(seq.fk, seq.referred_table, seq.referred_columns, seq.anchor) if seq.anchor else None
    return draw_sequence(seq, tr, families=families, current=now, anchor=anchor, rng=rng)


def _values(cols: dict[str, Any], column: str, n: int) -> np.ndarray:
    return np.asarray(cols.get(column, np.full(n, None, dtype=object)), dtype=object)


def _written(tr: Any, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """`old` with the rows that got a time rewritten at the column's granularity and format."""
    out = old.copy()
    ok = np.isfinite(new)
    out[ok] = tr.from_seconds(new[ok])
    return out
