"""The neural cardinality model: children per parent row, per context FK.

Each child relation's count is one more autoregressive column of the parent's
network (after the parent's own columns), so the number of children is a
learned function of the parent's attributes and, through the parent's context,
of its own parent. The sampler rescales the drawn counts to the learned
children-per-parent ratio, exactly as for the copula engine.

Non-context FKs use the copula's attribute-aware rank matching (`KeySpec.match_*`:
a child's parent is chosen among parents with quota left, by the parent feature
the child's scores predict best), learned on the same score space.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from dbsynth.engines.copula import cardinality as card
from dbsynth.engines.copula.table import TableModel
from dbsynth.schema.model import ForeignKey


def count_scores(*, model: TableModel, frame: pd.DataFrame, frames: Mapping[str, pd.DataFrame],
                 context: Mapping[str, ForeignKey | None], rng: np.random.Generator) -> np.ndarray:
    """Normal scores of each CountSpec's child count per row of `frame` (n, len(model.counts))."""
    cols = []
    for spec in model.counts:
        fk = context[spec.child]
        assert fk is not None
        counts = card.child_counts(frames[spec.child], frame, fk)
        cols.append(spec.transform.transform(pd.Series(counts), rng=rng))
    return np.hstack(cols) if cols else np.zeros((len(frame), 0))
