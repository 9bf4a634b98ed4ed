"""Is the synthetic side a `dbsynth subset` slice of the real one? Then fewer rows are no loss.

A subset copies source rows: every row it holds is a source row in the
columns the report scores (keys may be renumbered, PII and free text
masked, but categories, numbers and dates are the source's). Generated
rows repeat a whole source row only by chance, so on tables with a few
scored columns the share of rows found verbatim tells the two apart.
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

MIN_COLUMNS = 3  # tables with fewer scored columns repeat source rows by chance too often to count
SUBSET_SHARE = 0.99  # rows found in the source, over the counted tables


def looks_like_subset(real: Mapping[str, pd.DataFrame], synthetic: Mapping[str, pd.DataFrame],
                      kinds: Mapping[str, Mapping[str, str]]) -> bool:
    """Every table at most as big as the source's, and its rows (scored columns) source rows."""
    found = total = 0
    for name, syn in synthetic.items():
        rf = real.get(name)
        if rf is None:
            continue
        if len(syn) > len(rf):
            return False
        cols = [c for c in kinds.get(name, {}) if c in rf.columns and c in syn.columns]
        if len(cols) < MIN_COLUMNS or not len(syn):
            continue
        source = set(_rows(rf, cols))
        rows = _rows(syn, cols)
        found += sum(r in source for r in rows)
        total += len(rows)
    return bool(total) and found >= SUBSET_SHARE * total


def _rows(frame: pd.DataFrame, cols: list[str]) -> list[tuple[str, ...]]:
    def text(v: object) -> str:
        if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)
    return [tuple(text(v) for v in row) for row in frame[cols].astype(object).itertuples(index=False, name=None)]
