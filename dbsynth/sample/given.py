"""Rows already in an append target that new rows attach to (`seed --mode append --only T,…`).

Only the named tables are drawn. The tables they reference and are not named
(their context parent and every other FK target) are not drawn: their rows are
read from the target and stand where synthetic parents would. The sampler keeps
three things of a parent row, and a target row gets all three:

- its values (FK values, the columns a child inherits or copies): the row as it is;
- its own normal scores (what a child is drawn conditioned on): the row encoded
  with the parent table's transforms, exactly as the source rows were for fitting;
- its child counts: those of its nearest *twin*, one of a few thousand synthetic
  rows the parent's generator draws, closest in scores (one of the nearest few, at
  random, so equal rows do not all get one twin's count). A customer like the
  source's big spenders gets as many invoices as they had.

Generator-agnostic: only `TableGenerator.sample` is used.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from dbsynth.relational.specs import TablePlan
    from dbsynth.relations.model import Relation

TWINS = 4096  # synthetic parent rows drawn to take child counts from
NEAREST = 5  # a row's twin is one of its nearest this many, at random


class GivenRows:
    """The target's rows of the tables an `--only` run reads, and the tables it draws.

    Compared by identity (sampling options are compared, and frames cannot be).
    """

    def __init__(self, frames: Mapping[str, pd.DataFrame], only: Iterable[str]) -> None:
        self.frames = {t: f.reset_index(drop=True) for t, f in frames.items()}
        self.only = frozenset(only)

    def active(self, table: str) -> bool:
        """Drawn (named by --only) or read (a table they reference)."""
        return table in self.only or table in self.frames

    def rows(self) -> dict[str, float]:
        return {t: float(len(f)) for t, f in self.frames.items()}

    def keeps(self, relation: "Relation") -> bool:
        """An exact relation holds among drawn tables only: the target's rows are never changed."""
        return relation.table in self.only and (relation.child is None or relation.child in self.only)


def encode(tp: "TablePlan", frame: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Own scores and child counts of target rows, as the sampler keeps them for synthetic parents.

    A table with a hidden family class (relational/families.py) has no such
    column in the target: the rows are encoded with a placeholder class, and
    each takes its twin's class with its twin's child counts.
    """
    from dbsynth.relational.families import FAMILY_COLUMN
    family = tp.model.slices().get(FAMILY_COLUMN)
    if family is not None and FAMILY_COLUMN not in frame.columns:
        tr = next(t for t in tp.model.transforms if t.column == FAMILY_COLUMN)
        frame = frame.assign(**{FAMILY_COLUMN: tr.categories[0]})  # type: ignore[attr-defined]
    own = tp.model.own_scores(frame, rng) if len(frame) else np.zeros((0, tp.model.own_width))
    counts, twin_own = twin_counts(tp, own, rng, ignore=family)
    if family is not None and twin_own is not None:
        own[:, family] = twin_own[:, family]
    return own, counts


def twin_counts(tp: "TablePlan", own: np.ndarray, rng: np.random.Generator, *,
                ignore: slice | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Each row's child counts and scores of a synthetic row of the table with nearly the same
    scores (`ignore`: score columns left out of the likeness, a placeholder's)."""
    n, width = len(own), len(tp.model.counts)
    if n == 0 or (width == 0 and ignore is None):
        return np.zeros((n, width)), None
    _, twin_own, twin_counts = tp.generator.sample(tp.model, n=TWINS, parent_scores=None, rng=rng)
    k = min(NEAREST, TWINS)
    mine, theirs = tp.model.matching_scores(own), tp.model.matching_scores(twin_own)
    if ignore is not None:
        mine[:, ignore], theirs[:, ignore] = 0.0, 0.0
    if own.shape[1] == 0:  # nothing to match on: any twin
        pick = rng.integers(0, TWINS, size=n)
    else:
        from scipy.spatial import cKDTree
        _, near = cKDTree(theirs).query(mine, k=k)
        pick = np.asarray(near).reshape(n, k)[np.arange(n), rng.integers(0, k, size=n)]
    return twin_counts[pick], twin_own[pick]


def given_state(given: "GivenRows | None", tp: "TablePlan",
                rng: np.random.Generator) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray]] | None:
    """The target rows of `tp` with their scores and counts; None when this run draws the table."""
    if given is None or tp.name not in given.frames:
        return None
    frame = given.frames[tp.name]
    return frame, encode(tp, frame, rng)

