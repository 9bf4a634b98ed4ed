"""Family traits: child columns that are really attributes of the context parent.

Northwind's `Orders.ShipName` and `ShipCity` hold one value per customer on
99% of orders: they identify the customer. Drawn per order from a category
tree, every synthetic customer's orders go to a dozen different ship names,
which no real database looks like (and the ship name no longer agrees with the
customer's country). So a trait is drawn once per synthetic parent: the parent
takes a *donor*, a real parent with children that agrees with it on the
columns the children copy (country) and preferably on its other categories,
and all its children take the donor's trait values and the donor's number of
children. Donors are used in turn (least used first), so each real value keeps
its share of the rows; no child row is copied, only the per-parent value of
a categorical column, as any category is.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.transform.columns import CategoricalTransform, to_python

TRAIT_MIN_AGREEMENT = 0.95  # share of children carrying their parent's most common value
TRAIT_MIN_PARENTS = 10  # fewer families: the category trees do as well
TRAIT_MIN_SPREAD = 0.5  # distinct values per parent with children: the value identifies the family
MAX_DONORS = 5000  # bounds the model file and the sampler's per-parent search


@dataclass
class Donors:
    """Real families the synthetic parents borrow their traits from."""

    traits: list[str]  # own (child) columns
    match: list[str]  # parent categorical columns compared with each donor
    hard: list[bool]  # per match column: must agree (the children copy it)
    keys: np.ndarray  # (donors, match) parent values as strings
    counts: np.ndarray  # (donors,) children of each donor
    codes: np.ndarray  # (donors, traits) category code of each trait value

    def to_dict(self) -> dict[str, Any]:
        return {"traits": self.traits, "match": self.match, "hard": self.hard, "keys": self.keys.tolist(),
                "counts": self.counts.tolist(), "codes": self.codes.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Donors":
        n_match, n_traits = len(data["match"]), len(data["traits"])
        return cls(traits=list(data["traits"]), match=list(data["match"]), hard=list(data["hard"]),
                   keys=np.asarray(data["keys"], dtype=object).reshape(len(data["counts"]), n_match),
                   counts=np.asarray(data["counts"], dtype=float),
                   codes=np.asarray(data["codes"], dtype=int).reshape(-1, n_traits))


def value_keys(values: pd.DataFrame | dict[str, np.ndarray], columns: list[str], n: int) -> np.ndarray:
    """Parent values as comparable strings, (rows, columns)."""
    out = np.empty((n, len(columns)), dtype=object)
    for j, col in enumerate(columns):
        raw = np.asarray(values[col], dtype=object) if col in values else np.full(n, None, dtype=object)
        out[:, j] = [repr(to_python(v)) for v in raw]  # every NULL form becomes None: "None"
    return out


def find_donors(*, transforms: list[Any], frame: pd.DataFrame, pidx: np.ndarray, parent: pd.DataFrame,
                parent_transforms: list[Any], inherit: dict[str, str]) -> Donors | None:
    """Traits of a child table under its context parent, with one donor per real family.

    pidx: each child row's parent row (-1 when missing).
    """
    ok = pidx >= 0
    families = np.unique(pidx[ok])
    if len(families) < TRAIT_MIN_PARENTS or len(families) > MAX_DONORS:
        return None
    traits, modes = [], []
    for t in transforms:
        if not isinstance(t, CategoricalTransform) or t.column in inherit or t.column not in frame:
            continue
        mode = _family_mode(t.codes(frame[t.column][ok]), pidx[ok])
        if mode is not None and len(np.unique(mode[families])) >= TRAIT_MIN_SPREAD * len(families):
            traits.append(t.column)
            modes.append(mode[families])
    if not traits:
        return None
    match = [t.column for t in parent_transforms
             if isinstance(t, CategoricalTransform) and len(t.categories) > 1 and t.column in parent]
    copied = set(inherit.values())
    counts = np.bincount(pidx[ok], minlength=len(parent))[families].astype(float)
    return Donors(traits=traits, match=match, hard=[c in copied for c in match],
                  keys=value_keys(parent.iloc[families].reset_index(drop=True), match, len(families)),
                  counts=counts, codes=np.stack(modes, axis=1))


def _family_mode(codes: np.ndarray, pidx: np.ndarray) -> np.ndarray | None:
    """Each family's most common code, or None when under TRAIT_MIN_AGREEMENT of rows carry it."""
    pairs, freq = np.unique(np.stack([pidx, codes], axis=1), axis=0, return_counts=True)
    order = np.lexsort((-freq, pairs[:, 0]))  # per family, most common first
    pairs, freq = pairs[order], freq[order]
    first = np.r_[True, pairs[1:, 0] != pairs[:-1, 0]]
    if freq[first].sum() < TRAIT_MIN_AGREEMENT * len(codes):
        return None
    mode = np.full(int(pidx.max()) + 1, -1)
    mode[pairs[first, 0]] = pairs[first, 1]
    return mode


def assign_donors(donors: Donors, *, keys: np.ndarray, counts: np.ndarray, usage: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """A donor per synthetic parent with children (-1 for the childless); updates `usage`.

    Preference, strictly in this order: agree on every copied column, least
    used so far, agree on more other columns, the nearest number of children.
    """
    out = np.full(len(keys), -1)
    if len(donors.counts) == 0:
        return out
    hard = np.asarray(donors.hard, dtype=bool)
    donor_codes, own_codes = _codes_together(donors.keys, keys)
    inverse, first = _group_rows(keys)
    misses = _MissCache(donor_codes, own_codes, first, hard)
    size = np.log1p(donors.counts)
    soft_span = int((~hard).sum()) + 1
    for i in rng.permutation(np.flatnonzero(counts > 0)):
        hard_miss, soft_miss = misses.get(int(inverse[i]))
        near = np.minimum(np.abs(size - np.log1p(counts[i])), 15.0)
        # integers below each level's span: a lexicographic order as one float
        span = float(usage.max()) + 1.0
        cost = ((hard_miss * span + usage) * soft_span + soft_miss) * 16.0 + near
        best = int(np.argmin(cost))
        out[i] = best
        usage[best] += 1
    return out


def _codes_together(donor_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes per match column, shared by donors and synthetic parents."""
    d, n = len(donor_keys), len(keys)
    out_d = np.zeros(donor_keys.shape, dtype=np.int32)
    out_k = np.zeros(keys.shape, dtype=np.int32)
    for j in range(donor_keys.shape[1]):
        codes, _ = pd.factorize(np.concatenate([donor_keys[:, j], keys[:, j]]).astype(object))
        out_d[:, j], out_k[:, j] = codes[:d], codes[d:d + n]
    return out_d, out_k


class _MissCache:
    """Per key group: mismatching hard and soft columns against every donor, computed when first needed."""

    LIMIT = 4096  # groups kept; beyond, recomputed (memory stays ~ LIMIT × donors)

    def __init__(self, donor_codes: np.ndarray, own_codes: np.ndarray, first: list[int], hard: np.ndarray) -> None:
        self.donor_codes, self.own_codes, self.first, self.hard = donor_codes, own_codes, first, hard
        self.cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def get(self, group: int) -> tuple[np.ndarray, np.ndarray]:
        hit = self.cache.get(group)
        if hit is not None:
            return hit
        miss = self.donor_codes != self.own_codes[self.first[group]][None, :]
        pair = (miss[:, self.hard].sum(axis=1).astype(float), miss[:, ~self.hard].sum(axis=1).astype(float))
        if len(self.cache) < self.LIMIT:
            self.cache[group] = pair
        return pair


def _group_rows(keys: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Group id of each row of a string matrix, and one row of each group."""
    joined = pd.Series(["\x1f".join(row) for row in keys], dtype=object)
    inverse, uniques = pd.factorize(joined)
    first = pd.Series(np.arange(len(keys))).groupby(inverse).first().tolist() if len(keys) else []
    return np.asarray(inverse), first
