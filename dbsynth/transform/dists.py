"""Small JSON-able distributions the type value generators share.

A number column becomes its support and frequencies (few distinct values) or a
quantile grid (many); a string column becomes the categories that repeat in
the source (a value seen once could identify someone, so it is never kept).
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

import numpy as np

GRID_KNOTS = 50
SUPPORT_MAX = 30
CATEGORY_CAP = 200
MIN_REPEATS = 2  # a category must be seen this often to be kept


def learn_numbers(values: Iterable[float], *, integer: bool = False) -> dict[str, Any]:
    """Support + frequencies when small, else a quantile grid; `{}` when there are no values."""
    x = np.asarray([float(v) for v in values], dtype=float)
    x = x[np.isfinite(x)]
    if not len(x):
        return {}
    uniq, counts = np.unique(x, return_counts=True)
    if len(uniq) <= SUPPORT_MAX:
        return {"support": uniq.tolist(), "p": (counts / counts.sum()).tolist(), "integer": integer}
    grid = np.quantile(x, np.linspace(0, 1, min(GRID_KNOTS, len(x))))
    return {"grid": grid.tolist(), "integer": integer}


def draw_numbers(dist: dict[str, Any], n: int, rng: np.random.Generator, *, default: float = 0.0) -> np.ndarray:
    """`n` draws from `learn_numbers` output (floats; integers rounded when the source was)."""
    if "support" in dist:
        x = rng.choice(np.asarray(dist["support"], dtype=float), size=n, p=_norm(dist["p"]))
    elif "grid" in dist:
        grid = np.asarray(dist["grid"], dtype=float)
        x = np.interp(rng.uniform(size=n), np.linspace(0, 1, len(grid)), grid)
    else:
        x = np.full(n, default, dtype=float)
    return np.round(x) if dist.get("integer") else x


def learn_categories(values: Iterable[Any], *, min_repeats: int = MIN_REPEATS) -> dict[str, Any]:
    """Values seen at least `min_repeats` times (at most CATEGORY_CAP), with their shares."""
    counts = Counter(values)
    kept = [(v, c) for v, c in counts.most_common(CATEGORY_CAP) if c >= min_repeats]
    if not kept:
        return {}
    total = sum(c for _, c in kept)
    return {"values": [v for v, _ in kept], "p": [c / total for _, c in kept],
            "coverage": total / max(sum(counts.values()), 1)}


def draw_categories(dist: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
    values = dist["values"]
    idx = rng.choice(len(values), size=n, p=_norm(dist["p"]))
    return [values[i] for i in idx]


def granularity(x: np.ndarray, steps: tuple[float, ...]) -> float:
    """The coarsest step every value is a multiple of (days, hours, minutes…), else the finest."""
    x = x[np.isfinite(x)]
    for step in steps:
        if len(x) and np.allclose(np.round(x / step) * step, x, atol=1e-6):
            return step
    return steps[-1]


def _norm(p: Any) -> np.ndarray:
    arr = np.asarray(p, dtype=float)
    return arr / arr.sum()
