"""A tiny third-party table generator: every score column drawn on its own from the source's scores.

It knows nothing of dbsynth's other generators, the sampler or the manifest: it
implements the protocol of dbsynth/relational/generator.py and nothing else. The
relational core still gives it context parents, keys, counts and families.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from dbsynth.relational.generator import Draw, FitData, TableFiles
from dbsynth.relational.table import TableModel


class IndependentGenerator:
    def __init__(self, own: np.ndarray | None = None, counts: np.ndarray | None = None) -> None:
        self.own = np.zeros((0, 0)) if own is None else own
        self.counts = np.zeros((0, 0)) if counts is None else counts

    def fit(self, data: FitData) -> None:
        self.own, self.counts = data.own[data.rows], data.counts[data.rows]

    def sample(self, model: TableModel, *, n: int, parent_scores: np.ndarray | None, rng: np.random.Generator,
               parent_values: dict[str, np.ndarray] | None = None,
               fixed: dict[str, np.ndarray] | None = None) -> Draw:
        own = _columns_apart(self.own, n, rng)
        counts_z = _columns_apart(self.counts, n, rng)
        values = {}
        for t, sl in zip(model.transforms, model.slices().values()):
            values[t.column] = t.reverse_transform(own[:, sl], rng=rng)
        counts = np.zeros((n, len(model.counts)))
        for j, spec in enumerate(model.counts):
            counts[:, j] = np.asarray(spec.transform.reverse_transform(counts_z[:, j:j + 1], rng=rng), dtype=float)
        return values, own, counts

    def save(self, files: TableFiles) -> None:
        files.arrays.update(independent_own=self.own, independent_counts=self.counts)


def _columns_apart(scores: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Each column resampled on its own (no joint structure); zeros where the source had no rows."""
    out = np.zeros((n, scores.shape[1]))
    if len(scores):
        for j in range(scores.shape[1]):
            out[:, j] = scores[rng.integers(0, len(scores), size=n), j]
    return out


class IndependentKind:
    name = "independent"

    def new(self, options: Any) -> IndependentGenerator:
        return IndependentGenerator()

    def load(self, files: TableFiles) -> IndependentGenerator:
        return IndependentGenerator(files.arrays["independent_own"], files.arrays["independent_counts"])

    def finish(self, generators: Mapping[str, Any], *, options: Any, progress: Callable[[str], None]) -> dict[str, Any]:
        return {}
