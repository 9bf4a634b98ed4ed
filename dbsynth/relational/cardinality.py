"""Context-FK choice, child counts, in-degree quotas and self-reference forests."""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd

from dbsynth.errors import ConfigError
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import ForeignKey, Schema, Table
from dbsynth.transform.keyshapes import proportional_counts

TINY_PARENT = 10  # a parent with fewer rows is a poor context (staff, store) when a better one exists
MAX_DEGREE_KNOTS = 200


def fk_id(fk: ForeignKey) -> str:
    return ",".join(fk.columns)


def fill_rate(frame: pd.DataFrame, fk: ForeignKey) -> float:
    if len(frame) == 0:
        return 1.0
    return float(frame[list(fk.columns)].notna().all(axis=1).mean())


def choose_context(*, table: Table, schema: Schema, plan: LoadPlan, frames: Mapping[str, pd.DataFrame],
                   eligible: set[str], override: str | None) -> ForeignKey | None:
    """The FK the table is generated under, or None (the table is a root).

    Candidates: FKs to an earlier, generated table (not a deferred cycle edge,
    not a self-reference) that are always filled. Preference: NOT NULL, a
    parent that is not tiny, at least one child per parent on average, then
    the biggest parent.
    """
    deferred = {(e.table, e.columns) for e in plan.deferred}
    order = {t: i for i, t in enumerate(plan.order)}
    shared = _shared_fk_columns(table)
    cands = [fk for fk in table.foreign_keys
             if fk.referred_table != table.name and fk.referred_table in eligible
             and not set(fk.columns) & shared
             and (table.name, fk.columns) not in deferred
             and order.get(fk.referred_table, math.inf) < order.get(table.name, -1)]
    if override:
        return _override(table, cands, override)
    frame = frames.get(table.name, pd.DataFrame())
    cands = [fk for fk in cands if fill_rate(frame, fk) >= 0.999
             and usable(frame, frames.get(fk.referred_table), fk)]
    if not cands:
        return None
    child_rows = max(len(frame), 1)

    def score(fk: ForeignKey) -> tuple[Any, ...]:
        parent_rows = len(frames.get(fk.referred_table, pd.DataFrame()))
        # candidates are always filled, so declared nullability only breaks ties
        return (parent_rows >= TINY_PARENT, child_rows / max(parent_rows, 1) >= 1.0, not fk.nullable,
                parent_rows, -table.foreign_keys.index(fk))

    best = max(cands, key=score)
    return best if len(frames.get(best.referred_table, ())) else None


def _shared_fk_columns(table: Table) -> set[str]:
    """Columns in more than one FK (one column referring to two parents).

    Such a column is filled from keys every parent holds, which the sampler
    does for FK specs; a context FK would take its parent's key unchecked.
    """
    seen: set[str] = set()
    shared: set[str] = set()
    for fk in table.foreign_keys:
        shared |= seen & set(fk.columns)
        seen |= set(fk.columns)
    return shared


def _override(table: Table, cands: list[ForeignKey], spec: str) -> ForeignKey | None:
    if spec.lower() in ("none", "root", ""):
        return None
    for fk in cands:
        if spec == fk.referred_table or spec == fk_id(fk):
            return fk
    options = ", ".join(f"{fk.referred_table} ({fk_id(fk)})" for fk in cands) or "none"
    raise ConfigError(f"context_fks: {spec!r} is not a usable context FK of table {table.name!r}",
                      hint=f"choose one of: {options}")


def parent_index(child: pd.DataFrame, parent: pd.DataFrame, fk: ForeignKey) -> np.ndarray:
    """Row position in `parent` of each child row's FK target (-1 when missing)."""
    keys = pd.MultiIndex.from_frame(parent[list(fk.referred_columns)].astype(object))
    probe = pd.MultiIndex.from_frame(child[list(fk.columns)].astype(object))
    if not keys.is_unique:
        keys = keys.drop_duplicates(keep="first")
        lookup = pd.Series(np.arange(len(parent)), index=pd.MultiIndex.from_frame(
            parent[list(fk.referred_columns)].astype(object))).groupby(level=list(range(len(fk.columns)))).first()
        return lookup.reindex(probe).fillna(-1).to_numpy(dtype=int)
    return keys.get_indexer(probe)


USABLE_MATCH = 0.5  # an FK whose filled values mostly miss their parent teaches no family shape


def match_rate(child: pd.DataFrame, parent: pd.DataFrame | None, fk: ForeignKey) -> float:
    """Share of the child's filled FK values that find their parent row (1.0 when none are filled)."""
    cols = list(fk.columns)
    if parent is None or not len(child) or not set(cols) <= set(child.columns) \
            or not set(fk.referred_columns) <= set(parent.columns):
        return 1.0
    filled = child[cols].notna().all(axis=1).to_numpy()
    if not filled.any():
        return 1.0
    return float((parent_index(child[filled], parent, fk) >= 0).mean())


def usable(child: pd.DataFrame, parent: pd.DataFrame | None, fk: ForeignKey) -> bool:
    """Dirty FKs (' AAA' against 'AAA': every child an orphan) are not learned from."""
    return match_rate(child, parent, fk) >= USABLE_MATCH


def child_counts(child: pd.DataFrame, parent: pd.DataFrame, fk: ForeignKey) -> np.ndarray:
    idx = parent_index(child, parent, fk)
    return np.bincount(idx[idx >= 0], minlength=len(parent)).astype(float)


def degree_grid(counts: np.ndarray) -> list[float]:
    """Compact quantile grid of an in-degree distribution (no keys, just the shape)."""
    if len(counts) == 0:
        return [0.0, 0.0]
    return np.quantile(counts, np.linspace(0, 1, min(MAX_DEGREE_KNOTS, max(len(counts), 2)))).tolist()


def draw_quotas(grid: list[float], n: int, rng: np.random.Generator) -> np.ndarray:
    knots = np.asarray(grid, dtype=float)
    # One draw per quantile stratum, shuffled: the popularity shape survives small n.
    u = (rng.permutation(n) + rng.uniform(0, 1, n)) / max(n, 1)
    if len(knots) < MAX_DEGREE_KNOTS:
        # the grid is every source parent's in-degree (three shippers: 249, 255, 326 orders):
        # a step keeps them exact, where a line between them would blur a small table's shape
        return knots[np.minimum((u * len(knots)).astype(int), len(knots) - 1)]
    return np.interp(u, np.linspace(0, 1, len(knots)), knots)  # quantiles of a big table: interpolate


def rescale_counts(counts: np.ndarray, *, target: int, cap: float | None,
                   rng: np.random.Generator) -> np.ndarray:
    """Integer counts proportional to `counts` summing to `target` (each ≤ cap).

    Parents drawn with no children keep none: their share of the shape (five
    of Chinook's eight employees support no customer) is part of what is learned.
    """
    n = len(counts)
    if n == 0 or target <= 0:
        return np.zeros(n, dtype=int)
    w = np.clip(np.asarray(counts, dtype=float), 0, None)
    if w.sum() <= 0:
        w = np.ones(n)
    limit = np.inf if cap is None else max(cap, 1)
    target = int(min(target, n * limit))
    out = np.zeros(n, dtype=int)
    for _ in range(8):  # capped parents overflow onto the others
        short = target - int(out.sum())
        room = out < limit
        if short <= 0 or not room.any():
            break
        weights = np.where(room, w, 0.0)
        if weights.sum() <= 0:
            weights = room.astype(float)
        out = np.minimum(out + proportional_counts(weights, short, rng), limit).astype(int)
    return out


def forest_stats(frame: pd.DataFrame, table: Table, fk: ForeignKey) -> dict[str, Any]:
    """Depth distribution and fan-out grid of a self-referencing FK."""
    idx = parent_index(frame, frame, fk)
    depth = np.full(len(frame), -1)
    for _ in range(64):  # bounded: cycles in the source data just stop deepening
        roots = (idx < 0) & (depth < 0)
        depth[roots] = 0
        ready = (idx >= 0) & (depth < 0)
        ready_rows = np.flatnonzero(ready)
        parent_depth = depth[idx[ready_rows]]
        done = parent_depth >= 0
        depth[ready_rows[done]] = parent_depth[done] + 1
        if (depth >= 0).all() or not done.any() and not roots.any():
            break
    depth[depth < 0] = 0
    fan = np.bincount(idx[idx >= 0], minlength=len(frame)).astype(float)
    hist = np.bincount(depth, minlength=1).astype(float)
    return {"depth_p": (hist / max(hist.sum(), 1)).tolist(), "fanout": degree_grid(fan)}
