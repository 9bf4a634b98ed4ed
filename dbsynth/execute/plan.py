"""The batch plan: how many batches, and what each batch may use, fixed before any batch runs.

A batch depends only on the model, the sample options, this plan and its
number, so batches can run in any process, in any order, and the output for
a seed is the same whatever the number of workers.

- Every batch draws from ``default_rng([seed, b, table index])``.
- Integer keys (primary-key counters and integer/time natural keys) come from
  ranges the plan deals out: batch b of table t starts where the upper bounds
  of batches 0..b-1 end. The bounds are exact for root tables
  (``np.array_split``) and for the families of resident parents (their sizes
  are drawn once, identically everywhere), and ``floor(ratio * factor *
  parents + 1)`` below a batched parent, which is what the sampler's
  ``rescale_counts`` target can reach at most: gaps stay a handful of keys.
  Rows the validator redraws past a batch's bound take keys from a spill
  range of their own after every batch's range.
- Resident tables (small tables drawn whole) are drawn with the batch-0
  stream in every process and cached there; only batch 0 emits them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from dbsynth.sample.sampler import Sampler

INF = math.inf


@dataclass(frozen=True)
class KeyRange:
    """Integer keys a batch draws: start+1 .. end, then (repairs past `end`) spill+1 onwards."""

    start: int
    end: float
    spill: float


@dataclass(frozen=True)
class BatchPlan:
    batches: int
    totals: Mapping[str, int]  # rows of each root table, all batches together
    resident: frozenset[str]  # drawn whole once (batch-0 stream), emitted by batch 0
    bounds: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # most rows batch b can draw, per table
    whole_families: frozenset[str] = frozenset()  # children of resident parents dealt out family by family

    def key_range(self, table: str, b: int, base: int = 0) -> KeyRange:
        """Batch b's key range for `table`, its keys counted from `base`."""
        sizes = self.bounds.get(table)
        if sizes is None:  # resident and copied tables: drawn once, nobody else draws their keys
            return KeyRange(start=base, end=INF, spill=INF)
        start = base + sum(sizes[:b])
        end = start + sizes[b]
        total, widest = sum(sizes), max(max(sizes), 1)
        return KeyRange(start=start, end=end, spill=base + total + b * widest)

    def rows(self, table: str) -> int:
        """Upper bound of the rows all batches draw for `table`."""
        return int(sum(self.bounds.get(table, ())))


MIN_PARENTS = 20  # rows a batched table keeps per batch when other tables take parents from it


def batch_count(tops: Iterable[float], batch_rows: int, referred: Mapping[str, float] | None = None) -> int:
    """Batches of at most `batch_rows` root rows, but few enough that FK targets keep rows in each.

    A batch takes the parents of a non-context FK from its own rows (and the
    resident tables): Sakila's 2 staff rows hang from batched addresses, and
    split over 3 batches one batch would have none for its payments. Such a
    run takes fewer, bigger batches rather than drop or orphan rows.
    """
    batches = max([1] + [math.ceil(n / max(batch_rows, 1)) for n in tops])
    for rows in (referred or {}).values():
        batches = min(batches, max(int(rows // MIN_PARENTS), 1))
    return batches


def subtree_rows(sampler: "Sampler", top: str) -> float:
    """Expected rows of `top` and everything drawn per its rows (its context descendants): one batch's load."""
    below: dict[str, list[str]] = {}
    for t in sampler.order:
        parent = sampler._parent_of(t)
        if parent is not None:
            below.setdefault(parent, []).append(t)
    total, todo = 0.0, [top]
    while todo:
        t = todo.pop()
        total += sampler.expected.get(t, 0.0)
        todo += below.get(t, [])
    return total


def referred_rows(sampler: "Sampler") -> dict[str, float]:
    """Expected rows of the batched tables that some non-context FK takes its parents from."""
    out: dict[str, float] = {}
    for child, tp in sampler.m.tables.items():
        for spec in tp.keys:
            targets = [spec.referred_table] if spec.kind in ("fk", "deferred") else []
            targets += [other for other, _ in spec.also]
            for r in targets:
                if r and r != child and r not in sampler.resident and r in sampler.expected:
                    out[r] = sampler.expected[r]
    return out


def stay_resident(sampler: "Sampler", resident: set[str]) -> set[str]:
    """Resident tables whose foreign keys all point at resident or copied tables.

    A resident table is drawn once and must come out the same in every
    process, so it may only take parents that are themselves the same
    everywhere; a table referring to batched rows is batched too (and so is
    what hangs below it).
    """
    model = sampler.m
    out = set(resident)
    fixed = lambda t: t in out or model.tables[t].copy_rows is not None  # noqa: E731
    drawn = set(sampler.order)  # an append --only run reads the rest from the target (sample/given.py)
    changed = True
    while changed:
        changed = False
        for t in sampler.order:
            if t not in out or t in sampler.given_tables:  # target rows: the same in every process
                continue
            targets = _fk_targets(sampler, t)
            parent = sampler._parent_of(t)
            if any(r in drawn and r != t and not fixed(r) for r in targets) or \
                    (parent is not None and parent not in out):
                out.discard(t)
                changed = True
    return out


def _fk_targets(sampler: "Sampler", table: str) -> set[str]:
    model = sampler.m
    found = {s.referred_table for s in model.tables[table].keys if s.kind in ("fk", "deferred") and s.referred_table}
    found |= {other for s in model.tables[table].keys for other, _ in s.also}
    deferred = {(e.table, tuple(e.columns)) for e in model.plan.deferred}
    for fk in model.schema.table(table).foreign_keys:
        if (table, tuple(fk.columns)) not in deferred:
            found.add(fk.referred_table)
    return found


def whole_families(sampler: "Sampler", table: str) -> bool:
    """Children of a resident parent whose unique keys or numbering run per parent.

    Split over batches, one parent's children would repeat a (parent, x)
    key or restart a per-parent number in every batch; dealt out whole, each
    parent's family lives in one batch.
    """
    tp = sampler.m.tables[table]
    if tp.context is None:
        return False
    ctx = set(tp.context.columns)
    if any(ctx < set(cols) for cols in tp.unique_sets):
        return True
    return any(o.get("group") for o in tp.model.others)


def family_share(sizes: np.ndarray, b: int, batches: int, *, whole: bool) -> np.ndarray:
    """Batch b's part of each family of a resident parent."""
    from dbsynth.sample.batching import batch_share

    if not whole:
        return batch_share(sizes, b, batches)
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(len(sizes), dtype=np.int64)
    before = np.cumsum(sizes) - sizes
    owner = (before * batches) // total  # contiguous runs of families, each batch about total / batches rows
    return np.where(owner == b, sizes, 0)


def build_plan(sampler: "Sampler", batches: int, totals: Mapping[str, int]) -> BatchPlan:
    """Bounds per batch for every table drawn in batches (after the sampler drew its resident tables)."""
    model = sampler.m
    whole = frozenset(t for t in sampler.spread if whole_families(sampler, t))
    bounds: dict[str, tuple[int, ...]] = {}
    for t in sampler.order:
        tp = model.tables[t]
        if t in sampler.resident or tp.copy_rows is not None:
            continue
        if tp.context is None:
            bounds[t] = tuple(int(len(s)) for s in np.array_split(np.arange(totals.get(t, 0)), batches))
            continue
        parent = tp.context.referred_table
        if t in sampler.spread:
            bounds[t] = tuple(int(family_share(sampler.spread[t], b, batches, whole=t in whole).sum())
                              for b in range(batches))
        elif parent in bounds:
            bounds[t] = tuple(_children_bound(sampler, t, n) for n in bounds[parent])
        else:  # a parent that is copied or empty: no rows below it
            bounds[t] = (0,) * batches
    return BatchPlan(batches=batches, totals=dict(totals), resident=frozenset(sampler.resident),
                     bounds=bounds, whole_families=whole)


def _children_bound(sampler: "Sampler", table: str, parents: int) -> int:
    """The most children `parents` rows get (Sampler._family_sizes draws floor(ratio*factor*n + u))."""
    tp = sampler.m.tables[table]
    assert tp.context is not None
    pmodel = sampler.m.tables[tp.context.referred_table].model
    spec = next((c for c in pmodel.counts if c.child == table), None)
    if spec is None or parents <= 0:
        return 0
    factor = sampler.child_factor.get(table, 1.0)
    return int(np.floor(spec.ratio * factor * parents + 1.0))


def donor_turns(donors: Any, parents: tuple[int, ...], b: int) -> np.ndarray:
    """Starting usage of each family donor in batch b: donors are taken in turn across batches.

    Were all parents one sequence, the parents of one kind (a country: the
    donors' hard-match columns) would take that kind's donors in turn; batch b
    holds parents cum_b .. cum_b + n_b of the sequence, so each kind's donors
    rank by the batch whose share they fall in (0: this one). A usage count
    carried from batch to batch did the same, but tied the batches together.
    """
    size = len(donors.counts)
    out = np.zeros(size)
    if size == 0:
        return out
    start, n = sum(parents[:b]), parents[b]
    hard = np.flatnonzero(np.asarray(donors.hard, dtype=bool))
    if len(hard):
        keys = [tuple(row) for row in np.asarray(donors.keys, dtype=object)[:, hard].tolist()]
        groups = pd.factorize(pd.Series(keys, dtype=object))[0]
    else:
        groups = np.zeros(size, dtype=int)
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        k = len(members)
        rate = k / size  # the kind's share of the parents, as of the donors
        pos = (np.arange(k) - start * rate) % k
        out[members] = np.floor(pos / max(n * rate, 1.0))
    return out
