"""The `copula` table generator (HMA-style, the default): a Gaussian copula per table.

The joint score vector is ``[own columns..., child counts..., parent features...]``;
parent features are the context parent's own scores, so children are drawn by
Gaussian conditioning on the synthetic parent row. Categorical columns are drawn by
classification trees coarse -> fine (country before city) on top of the copula.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from dbsynth.engines.copula.conditional import CategoryTree, fit_tree
from dbsynth.engines.copula.model import fit_correlation, sample_conditional, stratify_marginals
from dbsynth.relational.dependencies import ANY, coarse_first, compatible
from dbsynth.relational.generator import FitData, TableFiles
from dbsynth.relational.options import FitOptions
from dbsynth.relational.table import TableModel, keep_orderings
from dbsynth.transform.columns import CategoricalTransform, codes_from_scores, interval_scores

NAME = "copula"
MAX_PARENT_FEATURES = 12
MAX_TREE_CATEGORIES = 1000  # beyond this the copula's frequency intervals carry the column alone
MAX_TREE_ROWS = 50_000


@dataclass
class CopulaGenerator:
    """One table's copula: the chosen parent features, the correlation and the category trees."""

    parent_features: list[int] = field(default_factory=list)
    corr: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    trees: list[CategoryTree] = field(default_factory=list)

    def fit(self, data: FitData) -> None:
        """Copula over [own, counts, chosen parent features] plus the category trees."""
        rows = data.rows
        own, counts = data.own[rows], data.counts[rows]
        parent = None if data.parent is None else data.parent[rows]
        feats: list[int] = []
        if parent is not None and parent.shape[1]:
            feats = _pick_parent_features(np.hstack([own, counts]), parent)
        self.parent_features = feats
        given = parent[:, feats] if parent is not None and feats else np.zeros((len(own), 0))
        self.corr = fit_correlation(np.hstack([own, counts, given]))
        self.trees = _fit_trees(data.model, own, given, data.seed)

    def sample(self, model: TableModel, *, n: int, parent_scores: np.ndarray | None, rng: np.random.Generator,
               parent_values: dict[str, np.ndarray] | None = None,
               fixed: dict[str, np.ndarray] | None = None,
               ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Values of the modelled columns, own scores (for children) and raw child counts.

        parent_values: the context parent's values (one per row) of the columns in `inherit`;
        fixed: category codes of own columns decided by the sampler (family traits).
        """
        given = np.zeros((n, len(self.parent_features)))  # no parent row (repair draws): the average one
        if self.parent_features and parent_scores is not None:
            given = parent_scores[:, self.parent_features]
        n_target = self.corr.shape[0] - given.shape[1]
        joint = stratify_marginals(sample_conditional(self.corr, given=given, n_target=n_target, rng=rng), rng)
        own = joint[:, :model.own_width]
        values = self._apply_trees(model, own, given, rng, model.forced_codes(parent_values or {}, fixed or {}))
        for t, sl in zip(model.transforms, model.slices().values()):
            if t.column not in values:
                values[t.column] = t.reverse_transform(own[:, sl], rng=rng)
        keep_orderings(values, model.orderings)
        counts = np.zeros((n, len(model.counts)))
        for j, spec in enumerate(model.counts):
            raw = spec.transform.reverse_transform(joint[:, model.own_width + j:model.own_width + j + 1], rng=rng)
            counts[:, j] = np.asarray(raw, dtype=float)
        return values, own, counts

    def _apply_trees(self, model: TableModel, own: np.ndarray, given: np.ndarray, rng: np.random.Generator,
                     forced: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Categories coarse → fine; a fine column that determines a coarse one (city → country)
        only draws categories that agree with the coarse value already drawn."""
        values: dict[str, np.ndarray] = {}
        by_name = {t.column: t for t in model.transforms}
        sl = model.slices()
        fine_of: dict[str, list[tuple[str, np.ndarray]]] = {}
        for fine, coarse, mapping, nulls in model.dependencies:
            n_coarse = len(by_name[coarse].categories)  # type: ignore[attr-defined]
            fine_of.setdefault(fine, []).append((coarse, compatible(mapping, nulls, n_coarse)))
        for tree in self.trees:
            x = np.hstack([own, given])[:, tree.features]
            tr = by_name[tree.column]
            assert isinstance(tr, CategoricalTransform)
            allowed = []
            for coarse, compat in fine_of.get(tree.column, []):
                c_tr = by_name[coarse]
                assert isinstance(c_tr, CategoricalTransform)
                allowed.append((compat, codes_from_scores(own[:, sl[coarse].start], c_tr.cdf)))
            prior = np.diff(np.concatenate([[0.0], tr.cdf]))
            if tree.column in forced:  # an invoice's billing country is its customer's
                codes = np.asarray(forced[tree.column], dtype=int).copy()
                free = np.flatnonzero(codes < 0)  # rows the forcing leaves open
                if len(free):
                    codes[free] = tree.sample(x[free], rng, allowed=[(c, k[free]) for c, k in allowed], prior=prior)
            else:
                codes = tree.sample(x, rng, allowed=allowed, prior=prior)
            values[tree.column] = tr.values_of(codes)
            # jittered like the fitting scores, so later trees (and children) see the same spread
            own[:, sl[tree.column].start] = interval_scores(codes, tr.cdf, rng)
        for col, forced_codes in forced.items():  # a forced column without a tree (a single category)
            tr = by_name.get(col)
            if col not in values and isinstance(tr, CategoricalTransform) and sl[col].stop > sl[col].start:
                drawn = codes_from_scores(own[:, sl[col].start], tr.cdf)
                codes = np.where(np.asarray(forced_codes) >= 0, forced_codes, drawn).astype(int)
                values[col] = tr.values_of(codes)
                own[:, sl[col].start] = interval_scores(codes, tr.cdf, rng)
        self._apply_dependencies(model, own, values, rng, skip={t.column for t in self.trees})
        return values

    def _apply_dependencies(self, model: TableModel, own: np.ndarray, values: dict[str, np.ndarray],
                            rng: np.random.Generator, skip: set[str]) -> None:
        """Derive a coarse column from its fine column when the fine one had no tree."""
        by_name = {t.column: t for t in model.transforms}
        sl = model.slices()
        for fine, coarse, mapping, _ in model.dependencies:
            if fine in skip:
                continue
            f_tr, c_tr = by_name[fine], by_name[coarse]
            assert isinstance(f_tr, CategoricalTransform) and isinstance(c_tr, CategoricalTransform)
            fine_codes = codes_from_scores(own[:, sl[fine].start], f_tr.cdf)
            drawn = codes_from_scores(own[:, sl[coarse].start], c_tr.cdf)
            codes = np.asarray(mapping, dtype=int)[fine_codes]
            codes = np.where(codes == ANY, drawn, codes)  # a NULL fine value keeps the coarse draw
            values[coarse] = c_tr.values_of(codes)
            own[:, sl[coarse].start] = interval_scores(codes, c_tr.cdf, rng)

    # -- persistence (the keys and array saved models have always held) -----
    def save(self, files: TableFiles) -> None:
        files.doc.update(parent_features=self.parent_features, trees=[t.to_dict() for t in self.trees])
        files.arrays["corr"] = self.corr

    @classmethod
    def load(cls, files: TableFiles) -> "CopulaGenerator":
        return cls(parent_features=list(files.doc["parent_features"]),
                   corr=np.asarray(files.arrays["corr"], dtype=float),
                   trees=[CategoryTree.from_dict(t) for t in files.doc["trees"]])


class CopulaKind:
    """The registered `copula` generator."""

    name = NAME

    def new(self, options: FitOptions) -> CopulaGenerator:
        return CopulaGenerator()

    def load(self, files: TableFiles) -> CopulaGenerator:
        return CopulaGenerator.load(files)

    def finish(self, generators: Mapping[str, Any], *, options: FitOptions,
               progress: Callable[[str], None]) -> dict[str, Any]:
        return {}


def _pick_parent_features(child: np.ndarray, parent: np.ndarray) -> list[int]:
    if child.shape[1] == 0 or len(child) < 3:
        return list(range(min(parent.shape[1], MAX_PARENT_FEATURES)))
    corr = fit_correlation(np.hstack([child, parent]))[child.shape[1]:, :child.shape[1]]
    strength = np.abs(corr).max(axis=1)
    return sorted(np.argsort(-strength, kind="stable")[:MAX_PARENT_FEATURES].tolist())


def _fit_trees(model: TableModel, own: np.ndarray, given: np.ndarray, seed: int) -> list[CategoryTree]:
    """One tree per categorical column, coarse → fine (country before city).

    Each tree sees the copula's non-categorical columns, the categories drawn
    before it and the context parent's features: the country follows the
    parent (an invoice's country, its customer's), then the city follows the
    country (and, through the dependency, can only be one of its cities).
    """
    sl = model.slices()
    cats = [t for t in model.transforms
            if isinstance(t, CategoricalTransform) and 1 < len(t.categories) <= MAX_TREE_CATEGORIES]
    cats = coarse_first(cats, model.dependencies)
    cat_cols = {sl[t.column].start for t in cats}
    base = [i for i in range(own.shape[1]) if i not in cat_cols]
    parent_cols = list(range(own.shape[1], own.shape[1] + given.shape[1]))
    x_all = np.hstack([own, given])
    rows = _tree_rows(len(own), seed)
    trees, earlier = [], []
    for t in cats:
        features = base + earlier + parent_cols
        y = _codes(t, own[:, sl[t.column].start])
        tree = fit_tree(column=t.column, x=x_all[rows][:, features], y=y[rows], features=features, seed=seed)
        if tree is not None:
            trees.append(tree)
        earlier.append(sl[t.column].start)
    return trees


def _tree_rows(n: int, seed: int) -> np.ndarray:
    """Fit trees on at most MAX_TREE_ROWS rows: CART cost grows with rows × classes."""
    if n <= MAX_TREE_ROWS:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=MAX_TREE_ROWS, replace=False))


def _codes(t: CategoricalTransform, z: np.ndarray) -> np.ndarray:
    return codes_from_scores(z, t.cdf)
