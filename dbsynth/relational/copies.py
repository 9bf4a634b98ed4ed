"""Columns a child copies from its context parent row, whatever their kind.

Chinook's `Invoice.BillingCity` is its customer's `City` on every invoice; a
Northwind order ships to its customer's city on 98% of orders. The copula's
`inherit` forces such a column's category from the parent when both are
categories; here every kind counts (a personal `City` the sampler fakes, a
category, a number, a date), and the sampler writes the *synthetic* parent's
value into the child after all values are drawn, on the source's share of rows
(`rate`, decided per parent: in the source a customer's orders all ship to its
address or all elsewhere): the rows that differed in the source keep their own draw.

Nothing from the source is stored: only column names and a share.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dbsynth.schema.model import LogicalType, Table
from dbsynth.transform.columns import to_python

COPY_MIN_AGREEMENT = 0.95  # share of child rows equal to the parent column (as the copula's inherit)
NEAR_COPY_MIN_AGREEMENT = 0.8  # below 95%, a copy only where chance explains little of the agreement:
NEAR_COPY_MIN_KAPPA = 0.8  # Cohen's kappa (Northwind's ShipAddress is its customer's on 90% of orders)
MAX_CHECK_ROWS = 20_000  # rows compared per column pair (evenly spread)
_TEXT = {LogicalType.TEXT, LogicalType.ENUM, LogicalType.OTHER}


def find_copies(*, table: Table, frame: pd.DataFrame, joined: pd.DataFrame, parent: Table,
                skip: set[str], categories: set[str] = frozenset()) -> dict[str, dict[str, Any]]:
    """Own column -> {"source": parent column, "rate": share of source rows equal to it}.

    `joined` holds each child row's parent row (same index as `frame`, NULLs
    where the row has none); `skip`: key and FK columns, drawn elsewhere;
    `categories`: own columns modelled as categories, copied only at ≥ 95%
    (below, the model's own draw of real categories is closer to the source).
    """
    if not len(frame) or not len(joined):
        return {}
    rows = _spread_rows(len(frame))
    unique = {s[0] for s in table.unique_column_sets() if len(s) == 1}
    theirs = {c.name: (c, _texts(joined[c.name], rows)) for c in parent.columns
              if c.name in joined and not c.generated}
    out: dict[str, dict[str, Any]] = {}
    for col in table.columns:
        if col.name in skip or col.name in unique or col.generated or col.name not in frame:
            continue
        mine = _texts(frame[col.name], rows)
        if len(set(mine) - {"None"}) < 2:  # a constant (or empty) column copies nothing
            continue
        best = None
        for name, (pcol, values) in theirs.items():
            if not _compatible(col.logical_type, pcol.logical_type):
                continue
            rate = float((mine == values).mean())
            near = col.name not in categories  # invented values anyway: a near copy costs nothing
            if _is_copy(rate, mine, values, near=near) and (best is None or rate > best[1]):
                best = (name, rate)
        if best is not None:
            out[col.name] = {"source": best[0], "rate": round(best[1], 6)}
    return out


def _is_copy(rate: float, mine: np.ndarray, theirs: np.ndarray, *, near: bool) -> bool:
    if rate >= COPY_MIN_AGREEMENT:
        return True
    if not near or rate < NEAR_COPY_MIN_AGREEMENT:
        return False
    p_mine = pd.Series(mine).value_counts(normalize=True)
    p_theirs = pd.Series(theirs).value_counts(normalize=True)
    chance = float((p_mine * p_theirs.reindex(p_mine.index, fill_value=0.0)).sum())
    return chance < 1 and (rate - chance) / (1 - chance) >= NEAR_COPY_MIN_KAPPA


def _spread_rows(n: int) -> np.ndarray:
    return np.arange(n) if n <= MAX_CHECK_ROWS else np.linspace(0, n - 1, MAX_CHECK_ROWS).astype(int)


def _texts(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    raw = values.to_numpy(dtype=object)[rows]
    return np.array([repr(to_python(v)) if not isinstance(v, str) else v for v in raw], dtype=object)


def _compatible(a: LogicalType, b: LogicalType) -> bool:
    return a == b or (a in _TEXT and b in _TEXT)


def copy_from_parent(copies: dict[str, dict[str, Any]], cols: dict[str, Any], parent: pd.DataFrame,
                     pidx: np.ndarray, rng: np.random.Generator, table: Table) -> None:
    """Write the synthetic parent's values into the copied columns of `cols`, on each column's share of rows.

    A value the child column cannot hold (longer than its declared length)
    leaves that row's own draw.
    """
    if not copies or pidx is None or not len(pidx):
        return
    n = len(pidx)
    # one draw per family: in the source a customer's orders all ship to its own name or all elsewhere,
    # and a row that differs differs in city and postcode alike
    u = rng.uniform(size=len(parent))[pidx]
    for column, spec in copies.items():
        source = spec["source"]
        if source not in parent or column not in table.column_names:
            continue
        values = parent[source].to_numpy(dtype=object)[pidx]
        take = u < float(spec.get("rate", 1.0))
        length = table.column(column).length
        if length:
            take &= np.array([not isinstance(v, str) or len(v) <= length for v in values], dtype=bool)
        own = np.asarray(cols.get(column, np.full(n, None, dtype=object)), dtype=object).copy()
        if len(own) != n:
            continue
        own[take] = values[take]
        cols[column] = own
