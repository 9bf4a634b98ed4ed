"""Types shared across stages: synthetic rows on their way (TableChunk) and packed key sets.

Neutral ground: the sampler, the validator, the loader, executors and reports all
use these, so none of them has to import another stage for them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd


@dataclass
class TableChunk:
    """Synthetic rows for one table, complete (every FK value filled).

    The sampler yields chunks so that every FK value refers to a row in the
    same or an earlier chunk, except the edges the LoadPlan defers
    (cycles), whose targets may come later; the loader handles those.
    """

    table: str
    frame: "pd.DataFrame"
    batch: int = 0


# ---------------------------------------------------------------- key state
class KeySet:
    """Keys seen so far for one column set.

    Single integer keys live in a few sorted int64 arrays (8 bytes a key,
    merged now and then); anything else (strings, composite keys) in a hash
    set of values / tuples.
    """

    _MAX_PARTS = 8

    def __init__(self) -> None:
        self._parts: list[np.ndarray] = []
        self._set: set[Any] | None = None
        self._count = 0
        self._packed: bool | None = None  # parts hold two-column keys packed into one int64

    def __len__(self) -> int:
        return len(self._set) if self._set is not None else sum(len(p) for p in self._parts)

    def add(self, keys: "Keys") -> None:
        ints = keys.ints()
        if ints is not None and self._set is None and self._packed in (None, keys.packed):
            self._packed = keys.packed
            self._parts.append(_sorted_unique(ints))
            if len(self._parts) > self._MAX_PARTS:
                self._parts = [_sorted_unique(np.concatenate(self._parts))]
            return
        self._to_set().update(keys.objects())

    def contains(self, keys: "Keys") -> np.ndarray:
        """Mask over the non-null keys (see `Keys.valid`)."""
        if self._set is None:
            ints = keys.ints()
            if ints is not None and keys.packed == bool(self._packed):
                return self._contains_ints(ints)
            if len(keys.columns) == 1 and not self._packed:
                ints, ok = keys.ints_where_possible()
                return ok & self._contains_ints(ints)
            self._to_set()
        assert self._set is not None
        objs = keys.objects()
        return np.fromiter((k in self._set for k in objs), dtype=bool, count=len(objs))

    def _contains_ints(self, values: np.ndarray) -> np.ndarray:
        found = np.zeros(len(values), dtype=bool)
        for part in self._parts:
            idx = np.minimum(np.searchsorted(part, values), len(part) - 1)
            found |= part[idx] == values
        return found

    def _to_set(self) -> set[Any]:
        if self._set is None:
            self._set = set()
            for part in self._parts:
                self._set.update(zip((part >> 31).tolist(), (part & _LOW31).tolist()) if self._packed
                                 else part.tolist())
            self._parts = []
        return self._set


class Keys:
    """The non-null key values of `columns` in a frame, in normalised forms."""

    def __init__(self, frame: pd.DataFrame, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        cols = [_column_or_nulls(frame, c) for c in self.columns]
        null = np.zeros(len(frame), dtype=bool)
        for s in cols:
            null |= s.isna().to_numpy()
        self.valid = ~null  # SQL: a NULL in any column exempts the row (UNIQUE, MATCH SIMPLE FK)
        self._series = [s[self.valid] for s in cols]

    def __len__(self) -> int:
        return int(self.valid.sum())

    @property
    def packed(self) -> bool:
        return len(self._series) == 2

    def ints(self) -> np.ndarray | None:
        """One int64 per key: single integer keys, or two small non-negative integers packed
        (link tables, lineitem (orderkey, linenumber): 8 bytes a key instead of a tuple)."""
        if len(self._series) == 1:
            return _exact_int64(self._series[0])
        if len(self._series) != 2:
            return None
        a, b = (_exact_int64(s) for s in self._series)
        if a is None or b is None or not len(a):
            return None if a is None or b is None else np.zeros(0, dtype=np.int64)
        if a.min() < 0 or b.min() < 0 or a.max() > _LOW31 or b.max() > _LOW31:
            return None
        return (a << 31) | b

    def ints_where_possible(self) -> tuple[np.ndarray, np.ndarray]:
        num = pd.to_numeric(self._series[0], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        ok = np.isfinite(num) & (num == np.round(num)) & (np.abs(num) < 2.0 ** 63)
        return np.where(ok, num, 0).astype(np.int64), ok

    def objects(self) -> list[Any]:
        lists = [s.tolist() for s in self._series]
        return lists[0] if len(lists) == 1 else list(zip(*lists))


_LOW31 = (1 << 31) - 1


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    # np.unique is hash-based (slow) for int64 in numpy 2.x; a sort + diff is ~100x faster here.
    out = np.sort(values)
    return out[np.concatenate(([True], out[1:] != out[:-1]))] if len(out) else out


def _column_or_nulls(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _exact_int64(series: pd.Series) -> np.ndarray | None:
    kind = series.dtype.kind
    if kind in "iu":
        return series.to_numpy(dtype=np.int64)
    if kind == "O" and len(series) and pd.api.types.infer_dtype(series, skipna=False) == "integer":
        try:  # Python ints in an object column (the sampler's frames); never strings such as "007"
            return series.to_numpy(dtype=np.int64)
        except OverflowError:
            return None
    if kind == "f":
        vals = series.to_numpy(dtype="float64")
        if np.all(vals == np.round(vals)) and np.all(np.abs(vals) < 2.0 ** 63):
            return vals.astype(np.int64)
    return None
