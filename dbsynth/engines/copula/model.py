"""Gaussian copula over normal scores: regularised correlation, closed-form conditioning."""
from __future__ import annotations

import numpy as np

from dbsynth.relational.correlation import SHRINK, fit_correlation, nearest_psd  # noqa: F401


def sample_conditional(corr: np.ndarray, *, given: np.ndarray, n_target: int,
                       rng: np.random.Generator) -> np.ndarray:
    """Draw the first `n_target` coordinates given the remaining ones (rows of `given`).

    The joint vector is ordered [target..., given...]; with no given columns
    this is plain sampling from N(0, corr).
    """
    n = given.shape[0]
    if n_target == 0:
        return np.zeros((n, 0))
    s_tt = corr[:n_target, :n_target]
    if given.shape[1] == 0:
        mean, cov = np.zeros((n, n_target)), s_tt
    else:
        s_tg = corr[:n_target, n_target:]
        s_gg = corr[n_target:, n_target:]
        weights = np.linalg.solve(s_gg, s_tg.T)  # (g, t)
        mean = given @ weights
        cov = s_tt - s_tg @ weights
    chol = np.linalg.cholesky(nearest_psd_cov(cov))
    return mean + rng.standard_normal((n, n_target)) @ chol.T


def stratify_marginals(z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Replace each column's values by stratified N(0,1) scores in the same rank order.

    Ranks (so every correlation the copula drew) are kept, while each column's
    marginal no longer carries sampling noise: with 8 employees, iid draws of
    "customers per employee" rarely reproduce five zeros and three big counts.
    """
    from scipy.special import ndtri

    n = len(z)
    if n == 0:
        return z
    out = np.empty_like(z)
    for j in range(z.shape[1]):
        u = np.sort((rng.permutation(n) + rng.uniform(0.0, 1.0, n)) / n)
        ranks = np.argsort(np.argsort(z[:, j], kind="stable"), kind="stable")
        out[:, j] = ndtri(np.clip(u, 1e-9, 1 - 1e-9))[ranks]
    return out


def nearest_psd_cov(cov: np.ndarray, floor: float = 1e-8) -> np.ndarray:
    sym = (cov + cov.T) / 2
    w, v = np.linalg.eigh(sym)
    return (v * np.maximum(w, floor)) @ v.T
