"""Sequential decision trees for categorical columns (synthpop-style CART).

A Gaussian copula blurs category↔category dependencies (city → country); a
tree per categorical column, trained on the preceding columns' scores and the
parent's features, samples the category from its leaf's class distribution.
Trees are stored as plain arrays (sklearn's tree_ fields), never pickled.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class CategoryTree:
    column: str
    features: list[int]  # indices into the table's score vector (own + parent features)
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf_classes: dict[int, list[int]]
    leaf_probs: dict[int, list[float]]

    def sample(self, x: np.ndarray, rng: np.random.Generator, *,
               allowed: list[tuple[np.ndarray, np.ndarray]] | None = None,
               prior: np.ndarray | None = None) -> np.ndarray:
        """Category codes for feature rows `x` (already restricted to `features`).

        allowed: pairs (category × coarse category compatibility, coarse code of each row):
        a row only draws categories the source has with every coarse code it has;
        `prior` (category frequencies) fills in when a leaf has none of them.
        """
        leaves = self._apply(x)
        out = np.zeros(len(x), dtype=int)
        allowed = allowed or []
        keys = np.stack([leaves] + [codes for _, codes in allowed], axis=1)
        _, groups = np.unique(keys, axis=0, return_inverse=True)
        groups = np.asarray(groups).reshape(-1)
        for g in np.unique(groups):
            rows = np.flatnonzero(groups == g)
            leaf = int(leaves[rows[0]])
            classes, probs = self.leaf_classes[leaf], self.leaf_probs[leaf]
            if allowed:
                ok = np.logical_and.reduce([compat[:, codes[rows[0]]] for compat, codes in allowed])
                classes, probs = _restrict(classes, probs, np.flatnonzero(ok), prior)
            out[rows] = stratified_draw(classes, probs, len(rows), rng)
        return out

    def _apply(self, x: np.ndarray) -> np.ndarray:
        node = np.zeros(len(x), dtype=int)
        active = self.left[node] >= 0
        while active.any():
            idx = np.flatnonzero(active)
            cur = node[idx]
            go_left = x[idx, self.feature[cur]] <= self.threshold[cur]
            node[idx] = np.where(go_left, self.left[cur], self.right[cur])
            active = self.left[node] >= 0
        return node

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "features": self.features, "feature": self.feature.tolist(),
                "threshold": self.threshold.tolist(), "left": self.left.tolist(), "right": self.right.tolist(),
                "leaf_classes": {str(k): v for k, v in self.leaf_classes.items()},
                "leaf_probs": {str(k): v for k, v in self.leaf_probs.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CategoryTree":
        return cls(column=data["column"], features=list(data["features"]),
                   feature=np.asarray(data["feature"], dtype=int),
                   threshold=np.asarray(data["threshold"], dtype=float),
                   left=np.asarray(data["left"], dtype=int), right=np.asarray(data["right"], dtype=int),
                   leaf_classes={int(k): v for k, v in data["leaf_classes"].items()},
                   leaf_probs={int(k): v for k, v in data["leaf_probs"].items()})


MIN_LEAF = 20


def _restrict(classes: list[int], probs: list[float], consistent: np.ndarray,
              prior: np.ndarray | None) -> tuple[list[int], list[float]]:
    """Leaf classes that agree with the coarse values drawn; else those categories by prior."""
    ok = set(consistent.tolist())
    keep = [(c, p) for c, p in zip(classes, probs) if c in ok]
    if keep:
        return [c for c, _ in keep], [p for _, p in keep]
    if len(consistent) == 0:
        return classes, probs
    weights = prior[consistent] if prior is not None and prior[consistent].sum() > 0 else np.ones(len(consistent))
    return consistent.tolist(), (weights / weights.sum()).tolist()


def stratified_draw(classes: list[int], probs: list[float], n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws whose class counts match n·p up to rounding, in random order.

    Same distribution as independent draws, far less sampling noise: small
    tables (59 customers over 24 countries) otherwise lose most of their
    marginal to chance.
    """
    p = np.asarray(probs, dtype=float)
    expected = n * p / p.sum()
    counts = np.floor(expected).astype(int)
    short = n - counts.sum()
    if short > 0:
        frac = expected - counts
        extra = rng.choice(len(p), size=short, replace=False, p=frac / frac.sum())
        counts[extra] += 1
    return rng.permutation(np.repeat(np.asarray(classes, dtype=int), counts))


def fit_tree(*, column: str, x: np.ndarray, y: np.ndarray, features: list[int],
             seed: int) -> CategoryTree | None:
    """CART on (x, y codes); a single leaf (the marginal, drawn stratified) when data is scarce."""
    if len(np.unique(y)) < 2:
        return None
    # Leaves big enough to mix several parents: a pure leaf per parent row would
    # copy one parent's category to all its children and collapse the marginal.
    leaf = max(MIN_LEAF, len(y) // 200)
    if x.shape[1] == 0 or len(y) < 2 * leaf:
        return _single_leaf(column, y, features)
    from sklearn.tree import DecisionTreeClassifier

    model = DecisionTreeClassifier(min_samples_leaf=leaf, max_leaf_nodes=min(1024, len(y) // leaf),
                                   random_state=seed).fit(x, y)
    t = model.tree_
    classes = model.classes_.astype(int)
    leaf_classes: dict[int, list[int]] = {}
    leaf_probs: dict[int, list[float]] = {}
    for node in np.flatnonzero(t.children_left < 0):
        counts = t.value[node, 0]
        keep = np.flatnonzero(counts > 0)
        probs = counts[keep] / counts[keep].sum()
        leaf_classes[int(node)] = classes[keep].tolist()
        leaf_probs[int(node)] = probs.tolist()
    return CategoryTree(column=column, features=features, feature=t.feature.astype(int).clip(0),
                        threshold=t.threshold.astype(float), left=t.children_left.astype(int),
                        right=t.children_right.astype(int), leaf_classes=leaf_classes, leaf_probs=leaf_probs)


def _single_leaf(column: str, y: np.ndarray, features: list[int]) -> CategoryTree:
    classes, counts = np.unique(y, return_counts=True)
    return CategoryTree(column=column, features=features[:1], feature=np.zeros(1, dtype=int),
                        threshold=np.zeros(1), left=np.full(1, -1), right=np.full(1, -1),
                        leaf_classes={0: classes.astype(int).tolist()},
                        leaf_probs={0: (counts / counts.sum()).tolist()})
