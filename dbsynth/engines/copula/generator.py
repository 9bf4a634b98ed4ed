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
from dbsynth.relational.families import FAMILY_COLUMN
from dbsynth.relational.generator import FitData, TableFiles
from dbsynth.relational.options import FitOptions
from dbsynth.relational.table import TableModel, keep_orderings
from dbsynth.transform.columns import CategoricalTransform, codes_from_scores, interval_scores

NAME = "copula"
MAX_PARENT_FEATURES = 12
MAX_TREE_CATEGORIES = 1000  # beyond this the copula's frequency intervals carry the column alone
MAX_TREE_ROWS = 50_000
MIN_CLASS_ROWS = 30  # a family class with fewer child rows keeps the table's one correlation
CLASS_GRID = np.linspace(0.0, 1.0, 65)  # quantiles of each joint column kept per family class


@dataclass
class CopulaGenerator:
    """One table's copula: the chosen parent features, the correlation and the category trees."""

    parent_features: list[int] = field(default_factory=list)
    corr: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    trees: list[CategoryTree] = field(default_factory=list)
    # per family class of the context parent (families.py): the joint vector's mean and spread in the
    # class and its correlation; an empty array where the class keeps the table's own
    class_q: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))  # (class, joint column, quantile)
    class_corr: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    class_prior: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # P(own class | parent class)

    def fit(self, data: FitData) -> None:
        """Copula over [own, counts, chosen parent features] plus the category trees."""
        rows = data.rows
        own, counts = data.own[rows], data.counts[rows]
        parent = None if data.parent is None else data.parent[rows]
        feats: list[int] = []
        if parent is not None and parent.shape[1]:
            feats = _pick_parent_features(np.hstack([own, counts]), parent,
                                          must=(data.model.family_link or {}).get("feature"))
        self.parent_features = feats
        given = parent[:, feats] if parent is not None and feats else np.zeros((len(own), 0))
        joint = np.hstack([own, counts, given])
        self.corr = fit_correlation(joint)
        self._fit_classes(data.model, joint, own, parent)
        self.trees = _fit_trees(data.model, own, given, data.seed)

    def _fit_classes(self, model: TableModel, joint: np.ndarray, own: np.ndarray, parent: np.ndarray | None) -> None:
        """One Gaussian per family class: the table's own class when it has one (then the class is drawn
        first, given the parent's class), else its parent's; a tier keeps its mean, spread and correlations."""
        linked = None if parent is None else model.family_classes(parent)
        mine = model.own_family(own)
        classes = mine if mine is not None else linked
        if classes is None or not len(classes):
            return
        k = len(model.own_family_cdf()) if mine is not None else len(model.family_link["cdf"])  # type: ignore[index]
        if mine is not None:  # P(own class | parent class): the class follows the parent's tier
            pk = 1 if linked is None else len(model.family_link["cdf"])  # type: ignore[index]
            pc = np.zeros(len(mine), dtype=int) if linked is None else linked
            table = np.ones((pk, k)) * 1e-3 + np.bincount(pc * k + mine, minlength=pk * k).reshape(pk, k)
            self.class_prior = table / table.sum(axis=1, keepdims=True)
        self.class_q = np.repeat(np.quantile(joint, CLASS_GRID, axis=0).T[None], k, axis=0)
        self.class_corr = np.repeat(self.corr[None, :, :], k, axis=0)
        for c in range(k):
            rows = joint[classes == c]
            if len(rows) < MIN_CLASS_ROWS:
                continue  # too few rows for a copula of their own: the table's marginals
            self.class_q[c] = np.quantile(rows, CLASS_GRID, axis=0).T
            self.class_corr[c] = fit_correlation(_to_normal(rows, self.class_q[c]))

    def _draw_joint(self, model: TableModel, given: np.ndarray, parent_scores: np.ndarray | None,
                    rng: np.random.Generator) -> np.ndarray:
        """The joint [own, counts] scores given the parent features: per family class when there are classes."""
        n_target = self.corr.shape[0] - given.shape[1]
        linked = None if parent_scores is None else model.family_classes(parent_scores)
        classes = linked
        if len(self.class_prior):  # the table's own class, drawn first given the parent's
            pc = linked if linked is not None and len(self.class_prior) > 1 else np.zeros(len(given), dtype=int)
            u = rng.uniform(size=len(given))[:, None]
            classes = (u > np.cumsum(self.class_prior[pc], axis=1)).sum(axis=1)
        if classes is None or not len(self.class_q):
            return sample_conditional(self.corr, given=given, n_target=n_target, rng=rng)
        out = np.empty((len(given), n_target))
        for c in range(len(self.class_q)):
            rows = np.flatnonzero(classes == c)
            if not len(rows):
                continue
            q = self.class_q[c]
            z = sample_conditional(self.class_corr[c], given=_to_normal(given[rows], q[n_target:]),
                                   n_target=n_target, rng=rng)
            out[rows] = _from_normal(z, q[:n_target])
        if len(self.class_prior):
            own_sl = model.slices()[FAMILY_COLUMN]
            out[:, own_sl.start] = interval_scores(np.minimum(classes, len(self.class_q) - 1),
                                                   np.asarray(model.own_family_cdf()), rng)
        return out

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
        joint = stratify_marginals(self._draw_joint(model, given, parent_scores, rng), rng)
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
        if len(self.class_q):
            files.arrays.update(class_q=self.class_q, class_corr=self.class_corr,
                                class_prior=self.class_prior)

    @classmethod
    def load(cls, files: TableFiles) -> "CopulaGenerator":
        d = len(files.arrays["corr"])
        return cls(parent_features=list(files.doc["parent_features"]),
                   corr=np.asarray(files.arrays["corr"], dtype=float),
                   trees=[CategoryTree.from_dict(t) for t in files.doc["trees"]],
                   class_q=np.asarray(files.arrays.get("class_q", np.zeros((0, d, 0))), dtype=float),
                   class_corr=np.asarray(files.arrays.get("class_corr", np.zeros((0, d, d))), dtype=float),
                   class_prior=np.asarray(files.arrays.get("class_prior", np.zeros((0, 0))), dtype=float))


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


def _to_normal(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Scores as normal scores of a class's own marginals (q: per column, its quantiles on CLASS_GRID)."""
    from scipy.special import ndtri

    out = np.empty_like(x, dtype=float)
    for j in range(x.shape[1]):
        out[:, j] = np.interp(x[:, j], q[j], CLASS_GRID) if q[j, -1] > q[j, 0] else 0.5
    return ndtri(np.clip(out, 0.005, 0.995))


def _from_normal(z: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The inverse of _to_normal: a class's quantiles at the normal draws' probabilities."""
    from scipy.special import ndtr

    u = ndtr(z)
    return np.stack([np.interp(u[:, j], CLASS_GRID, q[j]) for j in range(z.shape[1])], axis=1) \
        if z.shape[1] else z


def _pick_parent_features(child: np.ndarray, parent: np.ndarray, must: int | None = None) -> list[int]:
    """The parent score columns the children follow most (the parent's family class always among them)."""
    if child.shape[1] == 0 or len(child) < 3:
        picked = list(range(min(parent.shape[1], MAX_PARENT_FEATURES)))
    else:
        corr = fit_correlation(np.hstack([child, parent]))[child.shape[1]:, :child.shape[1]]
        strength = np.abs(corr).max(axis=1)
        picked = np.argsort(-strength, kind="stable")[:MAX_PARENT_FEATURES].tolist()
    if must is not None and must < parent.shape[1] and must not in picked:
        picked = picked[:MAX_PARENT_FEATURES - 1] + [must]
    return sorted(picked)


def _fit_trees(model: TableModel, own: np.ndarray, given: np.ndarray, seed: int) -> list[CategoryTree]:
    """One tree per categorical column, coarse → fine (country before city).

    Each tree sees the copula's non-categorical columns, the categories drawn
    before it and the context parent's features: the country follows the
    parent (an invoice's country, its customer's), then the city follows the
    country (and, through the dependency, can only be one of its cities).
    """
    sl = model.slices()
    # the hidden family class has no tree: the copula draws it jointly with the child counts it goes with
    cats = [t for t in model.transforms if isinstance(t, CategoricalTransform) and t.column != FAMILY_COLUMN
            and 1 < len(t.categories) <= MAX_TREE_CATEGORIES]
    cats = coarse_first(cats, model.dependencies)
    # the family class is no tree feature of its own table: its categories keep the trees they had
    cat_cols = {sl[t.column].start for t in cats} | ({sl[FAMILY_COLUMN].start} if FAMILY_COLUMN in sl else set())
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
