"""How far a relation holds in a set of frames (the report's "kept relations": real vs synthetic)."""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from dbsynth.relations.detect import _counts_ok, _key_text, agrees, aggregate, row_expression
from dbsynth.relations.model import Relation


def held_share(rel: Relation, frames: Mapping[str, pd.DataFrame]) -> float | None:
    """Share of `rel.table`'s rows (groups, for a sequence) where `rel` holds; None when a table is missing."""
    frame = frames.get(rel.table)
    if frame is None or rel.column not in frame or not len(frame):
        return None
    target = _floats(frame[rel.column])
    if rel.kind == "row":
        if not all(c in frame for c in rel.inputs):
            return None
        a, b = (_floats(frame[c]) for c in rel.inputs)
        return float(agrees(target, row_expression(rel.op, a, b), rel.decimals).mean())
    if rel.kind == "sequence":
        if not all(c in frame for c in rel.inputs):
            return None
        return float(_counts_ok(frame, rel.column, list(rel.inputs), rel.start).mean())
    child = frames.get(rel.child or "")
    if child is None or not set(rel.fk) <= set(child) or not set(rel.referred) <= set(frame):
        return None
    pos = pd.Index(_key_text(frame, rel.referred)).get_indexer(_key_text(child, rel.fk))
    values = np.prod([_floats(child[c]) for c in rel.inputs], axis=0) if rel.inputs else np.ones(len(child))
    agg = aggregate(rel.op, values, pos, len(frame))
    return float(agrees(target, agg, rel.decimals).mean())


def _floats(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
