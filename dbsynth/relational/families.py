"""Family classes: a hidden per-parent latent class learned from the parent row and its children.

A customer's invoices share a price tier, an album's tracks a medium (audio or
video: price, size, length), an order's lines a discount. Each child drawn on
its own given the parent row mixes tiers inside one family, which a classifier
that sees child aggregates per parent (DDA) tells apart at once. ClavaDDPM's
answer, kept here: cluster the parent ⨝ child-aggregate vectors (a Gaussian
mixture, the class count chosen by BIC), add the class as a hidden categorical
column of the parent (`FAMILY_COLUMN`, drawn with the parent's other columns,
never written out) and condition the children on it (their parent scores hold
it; the copula also fits one correlation per class).

The vector per parent row: its numeric columns (rank scores), then per context
child table the log child count, the family mean of each numeric child column
(rank scores) and, per categorical child column, the share of the family's
children carrying its most common value (a shared discount) and the log number
of distinct values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pandas as pd
from scipy.special import ndtri

if TYPE_CHECKING:
    from dbsynth.profile.types import TableProfile
    from dbsynth.schema.model import ForeignKey, Schema, Table

FAMILY_COLUMN = "__family__"
MIN_FAMILIES = 40  # fewer parents with children: too few to tell classes from noise
MAX_CLASSES = 6
MIN_CLASS_SHARE = 0.02  # a class under this share of the parents is noise: fewer classes are tried
MIN_CLASS_ROWS = 10  # nor is a class of fewer parents (4 childless customers are a count, not a tier)
MAX_FIT_ROWS = 20_000  # the mixture is fitted on a seeded sample of bigger parent tables
MAX_SHARE_VALUES = 5  # per categorical child column with few values: the family's share of each of its commonest
REG_COVAR = 1e-2
N_INIT = 2  # EM starts per class count
EM_ROUNDS = 200
EM_TOL = 1e-5  # per row: EM stops when the log-likelihood gains less  # on standardised features: a spike of identical values (purity 1.0) is no class


@dataclass
class ChildFamily:
    """One context child table as the clustering sees it."""

    table: str
    pidx: np.ndarray  # each child row's parent row (-1 when missing)
    numeric: dict[str, pd.Series] = field(default_factory=dict)
    categorical: dict[str, pd.Series] = field(default_factory=dict)


@dataclass
class FamilyClasses:
    """The classes found for one parent table (shown by `inspect --profile`, kept in the model)."""

    labels: np.ndarray  # class per parent row, 0..k-1 (classes ordered by their first principal component)
    features: list[str]
    bic: list[float]  # per class count tried, 1..len(bic)
    sizes: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sizes)

    def summary(self) -> dict[str, Any]:
        return {"classes": self.count, "sizes": self.sizes, "features": self.features,
                "bic": [round(b, 1) for b in self.bic]}


def rank_scores(values: pd.Series) -> np.ndarray:
    """Normal scores of a numeric column by rank (NaN stays NaN): heavy tails weigh no more than ranks."""
    x = pd.to_numeric(values, errors="coerce").astype(float)
    ranks = x.rank(method="average").to_numpy(float)
    n = int(np.isfinite(ranks).sum())
    return ndtri(ranks / (n + 1)) if n else ranks


def family_vectors(parent_numeric: Mapping[str, pd.Series], children: list[ChildFamily],
                   n_parents: int) -> tuple[np.ndarray, list[str]]:
    """One row per parent: its numeric columns and its children's aggregates (see the module doc)."""
    cols: dict[str, np.ndarray] = {c: rank_scores(v.reset_index(drop=True)) for c, v in parent_numeric.items()}
    for child in children:
        ok = child.pidx >= 0
        pidx = child.pidx[ok]
        count = np.bincount(pidx, minlength=n_parents).astype(float)
        cols[f"{child.table}.count"] = np.log1p(count)
        has = count > 0
        for name, values in child.numeric.items():
            z = rank_scores(values.reset_index(drop=True))[ok]
            fin = np.isfinite(z)
            total = np.bincount(pidx[fin], weights=z[fin], minlength=n_parents)
            seen = np.bincount(pidx[fin], minlength=n_parents)
            cols[f"{child.table}.mean({name})"] = np.where(seen > 0, total / np.maximum(seen, 1), 0.0)
        for name, values in child.categorical.items():
            codes = pd.factorize(values.reset_index(drop=True).astype(object).where(values.notna().to_numpy(),
                                                                                    None))[0][ok]
            pairs, freq = np.unique(np.stack([pidx, codes], axis=1), axis=0, return_counts=True)
            top = np.zeros(n_parents)
            np.maximum.at(top, pairs[:, 0], freq)
            distinct = np.bincount(pairs[:, 0], minlength=n_parents).astype(float)
            cols[f"{child.table}.purity({name})"] = np.where(has, top / np.maximum(count, 1), 1.0)
            cols[f"{child.table}.distinct({name})"] = np.log1p(distinct)
            for code in _common(codes):  # an album's price tier: the family's share of each common value
                share = np.bincount(pidx[codes == code], minlength=n_parents) / np.maximum(count, 1)
                cols[f"{child.table}.share({name}={code})"] = share
    names = list(cols)
    x = np.stack([cols[c] for c in names], axis=1) if names else np.zeros((n_parents, 0))
    return x, names


def _common(codes: np.ndarray) -> list[int]:
    """The codes of a column with few values worth a share feature (none for a wide column)."""
    freq = np.bincount(codes[codes >= 0]) if (codes >= 0).any() else np.zeros(0, dtype=int)
    if len(freq) > MAX_SHARE_VALUES * 4:
        return []
    top = np.argsort(-freq, kind="stable")[:MAX_SHARE_VALUES]
    return [int(c) for c in top if freq[c] >= 0.02 * len(codes)]


def find_classes(x: np.ndarray, names: list[str], *, seed: int, max_classes: int = MAX_CLASSES) -> FamilyClasses | None:
    """Gaussian-mixture classes of the family vectors, the count by BIC; None when one class is best."""
    x = _standardised(x)
    keep = x.std(axis=0) > 0
    x, names = x[:, keep], [n for n, k in zip(names, keep) if k]
    if len(x) < MIN_FAMILIES or not any(_aggregate(n) for n in names):
        # without an aggregate of the children's own columns there is no family structure to learn:
        # counts are modelled as counts already, and the parent's own columns by its generator
        return None
    rng = np.random.default_rng(seed)
    fit_rows = x if len(x) <= MAX_FIT_ROWS else x[np.sort(rng.choice(len(x), MAX_FIT_ROWS, replace=False))]
    best, bics = None, []
    for k in range(1, max_classes + 1):
        if k * MIN_FAMILIES // 2 > len(fit_rows):
            break
        gm = DiagonalMixture.fit(fit_rows, k, seed=seed)
        bics.append(float(gm.bic(fit_rows)))
        labels = gm.predict(x)
        sizes = np.bincount(labels, minlength=k)
        if sizes.min() < max(MIN_CLASS_SHARE * len(x), MIN_CLASS_ROWS):
            continue  # a near-empty class: not a tier of the data
        if best is None or bics[-1] < best[0]:
            best = (bics[-1], labels, k)
    if best is None or best[2] == 1:
        return None
    labels = _ordered(x, best[1], best[2])
    return FamilyClasses(labels=labels, features=names, bic=bics,
                         sizes=np.bincount(labels, minlength=best[2]).tolist())


@dataclass
class DiagonalMixture:
    """A Gaussian mixture with diagonal covariances, fitted by EM (k-means++ starts, the best of N_INIT).

    Written out rather than scikit-learn's: importing scikit-learn pulls in scipy.stats, which the
    copula engine must not need (it runs where torch, and what scipy probes for it, is broken).
    """

    weights: np.ndarray  # (k,)
    means: np.ndarray  # (k, d)
    variances: np.ndarray  # (k, d)

    @classmethod
    def fit(cls, x: np.ndarray, k: int, *, seed: int) -> "DiagonalMixture":
        rng = np.random.default_rng(seed)
        best, best_ll = None, -np.inf
        for _ in range(N_INIT):
            gm = cls._start(x, k, rng)
            ll = -np.inf
            for _ in range(EM_ROUNDS):
                resp, new_ll = gm._responsibilities(x)
                gm = cls._update(x, resp)
                if new_ll - ll < EM_TOL * len(x):
                    break
                ll = new_ll
            ll = gm.log_likelihood(x)
            if ll > best_ll:
                best, best_ll = gm, ll
        assert best is not None
        return best

    @classmethod
    def _start(cls, x: np.ndarray, k: int, rng: np.random.Generator) -> "DiagonalMixture":
        """k-means++ seeding: each next centre far from those chosen."""
        centres = [x[rng.integers(len(x))]]
        for _ in range(1, k):
            d2 = np.min([((x - c) ** 2).sum(axis=1) for c in centres], axis=0)
            p = d2 / d2.sum() if d2.sum() > 0 else np.full(len(x), 1.0 / len(x))
            centres.append(x[rng.choice(len(x), p=p)])
        means = np.stack(centres)
        nearest = np.argmin(((x[:, None, :] - means[None]) ** 2).sum(axis=2), axis=1)
        return cls._update(x, np.eye(k)[nearest])

    @classmethod
    def _update(cls, x: np.ndarray, resp: np.ndarray) -> "DiagonalMixture":
        mass = resp.sum(axis=0) + 1e-10
        means = resp.T @ x / mass[:, None]
        variances = resp.T @ (x ** 2) / mass[:, None] - means ** 2 + REG_COVAR
        return cls(weights=mass / mass.sum(), means=means, variances=np.maximum(variances, REG_COVAR))

    def _log_joint(self, x: np.ndarray) -> np.ndarray:
        """log(weight_c · N(x | c)) per row and class."""
        quad = ((x[:, None, :] - self.means[None]) ** 2 / self.variances[None]).sum(axis=2)
        norm = np.log(2 * np.pi * self.variances).sum(axis=1)
        return np.log(self.weights)[None] - 0.5 * (quad + norm[None])

    def _responsibilities(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        lj = self._log_joint(x)
        top = lj.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(lj - top).sum(axis=1))
        return np.exp(lj - lse[:, None]), float(lse.sum())

    def log_likelihood(self, x: np.ndarray) -> float:
        return self._responsibilities(x)[1]

    def bic(self, x: np.ndarray) -> float:
        k, d = self.means.shape
        return -2.0 * self.log_likelihood(x) + (2 * k * d + k - 1) * np.log(len(x))

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.argmax(self._log_joint(x), axis=1)


def _aggregate(name: str) -> bool:
    """A feature made of the children's column values (not a count, not a parent column)."""
    return any(f".{agg}(" in name for agg in ("mean", "purity", "distinct", "share"))


def _standardised(x: np.ndarray) -> np.ndarray:
    x = np.where(np.isfinite(x), x, np.nan)
    mean = np.nanmean(x, axis=0) if len(x) else np.zeros(x.shape[1])
    x = np.where(np.isnan(x), mean, x)
    sd = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def _ordered(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Classes renumbered along the vectors' first principal component.

    The class is a categorical column whose normal score the children's copula
    conditions on linearly: neighbouring classes should be neighbouring tiers.
    """
    centre = np.stack([x[labels == c].mean(axis=0) for c in range(k)])
    _, _, vt = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    axis = vt[0] * (1.0 if vt[0].sum() >= 0 else -1.0)  # a sign fixed by the data, not by LAPACK
    order = np.argsort(centre @ axis, kind="stable")
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(k)
    return rank[labels]


def table_vectors(*, table: "Table", schema: "Schema", frames: Mapping[str, pd.DataFrame],
                  profiles: Mapping[str, "TableProfile"], context: Mapping[str, "ForeignKey | None"]
                  ) -> tuple[np.ndarray, list[str]] | None:
    """The family vectors of one table's rows (None when no table is generated under it)."""
    from dbsynth.relational.cardinality import parent_index

    children = [(c, fk) for c, fk in context.items() if fk is not None and fk.referred_table == table.name]
    frame = frames[table.name].reset_index(drop=True)
    if not children or len(frame) < MIN_FAMILIES:
        return None
    numeric, _ = _columns_by_kind(table, frame, profiles.get(table.name))
    kids = []
    for child, fk in children:
        cframe = frames[child].reset_index(drop=True)
        nums, cats = _columns_by_kind(schema.table(child), cframe, profiles.get(child))
        kids.append(ChildFamily(table=child, pidx=parent_index(cframe, frame, fk), numeric=nums, categorical=cats))
    return family_vectors(numeric, kids, len(frame))


def _columns_by_kind(table: "Table", frame: pd.DataFrame, profile: "TableProfile | None"
                     ) -> tuple[dict[str, pd.Series], dict[str, pd.Series]]:
    """A table's numeric and categorical columns by their profile; keys never (an id says nothing of a tier)."""
    from dbsynth.profile.types import SemanticType

    keys = set(table.pk_columns) | {c for f in table.foreign_keys for c in f.columns}
    numeric, categorical = {}, {}
    for col in table.columns:
        prof = next((c for c in profile.columns if c.name == col.name), None) if profile is not None else None
        if col.name in keys or col.name not in frame or prof is None:
            continue
        if prof.semantic == SemanticType.NUMERIC:
            numeric[col.name] = frame[col.name]
        elif prof.semantic in (SemanticType.CATEGORICAL, SemanticType.BOOLEAN):
            categorical[col.name] = frame[col.name]
    return numeric, categorical
