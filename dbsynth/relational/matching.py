"""Attribute-aware matching of a non-context FK: which parent feature its children follow."""
from __future__ import annotations

import numpy as np

from dbsynth.relational.correlation import fit_correlation

MIN_MATCH_ROWS = 20
MIN_MATCH_R2 = 0.05


def best_matching_feature(child: np.ndarray, parent: np.ndarray) -> tuple[int, list[float], float] | None:
    """The parent feature best predicted by the child's scores: (index, regression weights, R²)."""
    corr = fit_correlation(np.hstack([child, parent]))
    c = child.shape[1]
    s_cc, s_cp = corr[:c, :c], corr[:c, c:]
    weights = np.linalg.lstsq(s_cc + 1e-6 * np.eye(c), s_cp, rcond=None)[0]  # (c, p)
    r2 = np.einsum("cp,cp->p", s_cp, weights)
    f = int(np.argmax(r2))
    if not np.isfinite(r2[f]) or r2[f] < MIN_MATCH_R2:
        return None
    return f, weights[:, f].tolist(), float(min(r2[f], 0.999))
