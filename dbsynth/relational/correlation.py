"""Correlation of normal scores, regularised: shared by attribute matching (core) and the copula generator."""
from __future__ import annotations

import numpy as np

SHRINK = 0.02  # pull toward identity: keeps the matrix well conditioned on small tables


def fit_correlation(scores: np.ndarray) -> np.ndarray:
    """Correlation of the score columns, shrunk and projected to the nearest PSD matrix."""
    d = scores.shape[1]
    if d == 0:
        return np.zeros((0, 0))
    if scores.shape[0] < 3:
        return np.eye(d)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(scores, rowvar=False).reshape(d, d)
    corr = np.nan_to_num(corr, nan=0.0)
    np.fill_diagonal(corr, 1.0)
    return nearest_psd((1 - SHRINK) * corr + SHRINK * np.eye(d))


def nearest_psd(matrix: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    sym = (matrix + matrix.T) / 2
    w, v = np.linalg.eigh(sym)
    fixed = (v * np.maximum(w, floor)) @ v.T
    scale = np.sqrt(np.diag(fixed))
    out = fixed / np.outer(scale, scale)
    np.fill_diagonal(out, 1.0)
    return out
