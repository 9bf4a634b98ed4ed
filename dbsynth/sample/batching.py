"""How the streaming sampler cuts the output into batches.

Batches split the top of the hierarchy: each takes a 1/B share of the root
rows and everything below them. Small tables at the top (TPC-H's 5 regions
and 25 nations) are drawn whole once and kept instead, and each batch takes
its share of every family below them; dealt out to the batches themselves,
two whole regions (40% of the database) would land in the first of four.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Mapping

import numpy as np

if TYPE_CHECKING:
    from dbsynth.relational.model import RelationalModel

RESIDENT_SHARE = 10  # a table expected below batch_rows / 10 rows may be held whole


def parent_of(model: "RelationalModel", table: str) -> str | None:
    ctx = model.tables[table].context
    return None if ctx is None else ctx.referred_table


def expected_rows(model: "RelationalModel", order: list[str], root_total: Callable[[str], int],
                  factors: Mapping[str, float] | None = None,
                  given: Mapping[str, float] | None = None) -> dict[str, float]:
    """Rows each generated table should get, top-down from the roots' totals and the count ratios.

    `factors` scale a child's ratio (its `rows` in the config: sample/child_rows.py); `given`
    holds the rows of tables read from an append target rather than drawn (sample/given.py).
    """
    out: dict[str, float] = {}
    for t in order:
        tp = model.tables[t]
        parent = parent_of(model, t)
        if given and t in given:
            out[t] = float(given[t])
            continue
        if tp.copy_rows is not None:
            continue
        if parent is None:
            out[t] = float(root_total(t))
            continue
        spec = next((c for c in model.tables[parent].model.counts if c.child == t), None)
        out[t] = (spec.ratio if spec else 0.0) * out.get(parent, 0.0) * (factors or {}).get(t, 1.0)
    return out


def resident_tables(model: "RelationalModel", expected: dict[str, float], *, batch_rows: int,
                    given: Iterable[str] = ()) -> set[str]:
    """Small tables whose context ancestors are all small: drawn whole in the first batch and kept.

    Tables filled at the end of a batch (a cycle FK) stay out: they follow the batches.
    Tables read from an append target (`given`) are held whole, whatever their size.
    """
    limit = max(batch_rows // RESIDENT_SHARE, 1)
    resident: set[str] = set(given)
    for t, rows in expected.items():
        if t in resident:
            continue
        parent = parent_of(model, t)
        deferred = any(k.kind == "deferred" for k in model.tables[t].keys)
        if rows <= limit and (parent is None or parent in resident) and not deferred:
            resident.add(t)
    return resident


def batch_share(sizes: np.ndarray, b: int, batches: int) -> np.ndarray:
    """Batch b's part of each family: sizes split as evenly as integers allow over the batches."""
    sizes = np.asarray(sizes, dtype=np.int64)
    return (sizes * (b + 1)) // batches - (sizes * b) // batches
