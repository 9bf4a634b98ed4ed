"""Key values under constraints the sampler must keep: composite keys of modelled values,
one column referring to several parents, numbers within a parent."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from dbsynth.relations.numbering import numbered  # noqa: F401  (line numbers within a parent)

from dbsynth.transform.columns import CategoricalTransform, ColumnTransform, DatetimeTransform, NumericTransform

if TYPE_CHECKING:
    from dbsynth.relational.specs import KeySpec
    from dbsynth.schema.model import Column, ExclusionConstraint, Table
    from dbsynth.frames import Keys, KeySet

SPREAD_MAX_ROWS = 2_000  # beyond this, repeats are dropped (and counted) as before
SPREAD_TRIES = 30


def domain_of(transforms: Sequence[ColumnTransform], column: str) -> list[Any] | None:
    """The values a modelled column may take (categories, or a small numeric support), else None."""
    for t in transforms:
        if t.column != column:
            continue
        if isinstance(t, CategoricalTransform):
            return [c for c in t.categories if c is not None]
        if isinstance(t, NumericTransform) and not isinstance(t, DatetimeTransform) and t.support is not None:
            return [v for v in t._finish(np.asarray(t.support, dtype=float)) if v is not None]
    return None


def widened_domain(column: "Column", observed: list[Any] | None) -> list[Any] | None:
    """The observed values, then those the column's type allows but the source never held (the
    labels of a PostgreSQL ENUM): tried only once the observed combinations are used up."""
    if observed is None or not column.enum_values:
        return observed
    return list(observed) + [v for v in column.enum_values if v not in set(observed)]


def spread_keys(frame: pd.DataFrame, cols: list[str], *, domains: dict[str, list[Any] | None], seen: "KeySet",
                rng: np.random.Generator) -> np.ndarray:
    """Move rows repeating a key of modelled columns to an unused combination of observed values.

    A composite key of values (time_slot: id, day, start_hr; a room booked once
    a day) repeats often in a small table; changing one column to another value
    it holds keeps the type, the domain and the CHECKs, where dropping would
    lose rows. When the grid of observed values is small enough to list, a
    repeat is moved to a free neighbour (one column changed) or else to any free
    combination, drawn without replacement by how common its values are, so a
    fully packed grid (10 rooms x 30 days, 300 rows) is filled exactly.

    Returns the rows still repeating because every combination is taken: the
    grid cannot hold the rows, which the caller must say rather than drop.
    """
    stuck = np.zeros(len(frame), dtype=bool)
    free = [c for c in cols if domains.get(c) is not None and len(domains[c] or ()) > 1]
    if not free or not len(frame):
        return stuck
    dup, keys = repeats(frame, cols, seen)
    if not dup.any():
        return stuck
    taken = set(frame.loc[~dup & keys.valid, cols].itertuples(index=False, name=None))
    at = [cols.index(c) for c in cols if c not in free]
    rows = {i: tuple(frame.loc[i, cols]) for i in np.flatnonzero(dup)}
    groups = list(dict.fromkeys(tuple(r[k] for k in at) for r in rows.values()))
    grid = _free_grid(frame, cols, free, domains, groups, taken, seen, rng)
    if grid is None:
        _spread_by_tries(frame, cols, free, domains, dup, taken, seen, rng)
        return stuck
    pools, open_ = grid
    look_near = sum(len(domains[c] or ()) for c in free) <= NEAR_MAX
    for i, row in rows.items():
        near = [k for k in _neighbours(row, cols, free, domains) if k in open_] if look_near else []
        key = near[int(rng.integers(len(near)))] if near else _next_open(pools[tuple(row[k] for k in at)], open_)
        if key is None:
            stuck[i] = True
            continue
        open_.discard(key)
        for c2, v in zip(cols, key):
            frame.at[i, c2] = v
    return stuck


def repeats(frame: pd.DataFrame, cols: list[str], seen: "KeySet") -> tuple[np.ndarray, "Keys"]:
    """Rows whose key (all columns filled) repeats an earlier row of the frame or a key in `seen`."""
    from dbsynth.frames import Keys

    keys = Keys(frame, cols)
    dup = frame[cols].duplicated(keep="first").to_numpy() & keys.valid
    if len(seen) and len(keys):
        dup[keys.valid] |= seen.contains(keys)
    return dup, keys


GRID_MAX = 200_000  # combinations listed at most; beyond, random tries as before
NEAR_MAX = 500  # one-column neighbours tried per repeat while the domains are this small


def _free_grid(frame: pd.DataFrame, cols: list[str], free: list[str], domains: dict[str, list[Any] | None],
               groups: list[tuple[Any, ...]], taken: set[Any], seen: "KeySet", rng: np.random.Generator
               ) -> tuple[dict[tuple[Any, ...], list[Any]], set[Any]] | None:
    """Free keys per group of the fixed columns' values (a context FK, a column without a small
    domain): the free columns' grid, in a weighted random order (common values first), and as one
    set; None when the grids are too large to list."""
    from dbsynth.frames import Keys

    values = [list(domains[c] or []) for c in free]
    size = len(groups) * math.prod(len(v) for v in values)
    if not groups or size > GRID_MAX:
        return None
    fixed = [c for c in cols if c not in free]
    product = pd.MultiIndex.from_product(values).to_frame(index=False, name=free)
    parts = []
    for g in groups:
        part = product.copy()
        for c, v in zip(fixed, g):
            part[c] = pd.Series([v] * len(part), dtype=object)
        parts.append(part)
    combos = pd.concat(parts, ignore_index=True)[cols]
    ok = np.ones(len(combos), dtype=bool)
    if len(seen):
        ok &= ~seen.contains(Keys(combos, cols))
    weight = np.ones(len(combos))
    for c in free:  # how often each value is already drawn: the learned marginal, as sampled
        share = frame[c].value_counts(normalize=True)
        weight *= combos[c].map(share).fillna(0.0).to_numpy(dtype=float) + 1.0 / len(frame)
    tuples = list(combos.itertuples(index=False, name=None))
    at = [cols.index(c) for c in fixed]
    pools: dict[tuple[Any, ...], list[Any]] = {g: [] for g in groups}
    for j in np.argsort(-np.log(rng.uniform(size=len(combos))) / weight):  # weighted, without replacement
        key = tuples[j]
        if ok[j] and key not in taken:
            pools[tuple(key[k] for k in at)].append(key)
    opened = {k for pool in pools.values() for k in pool}
    return {g: pool[::-1] for g, pool in pools.items()}, opened


def _next_open(pool: list[Any], open_: set[Any]) -> Any:
    while pool:
        key = pool.pop()
        if key in open_:
            return key
    return None


def _neighbours(row: tuple[Any, ...], cols: list[str], free: list[str],
                domains: dict[str, list[Any] | None]) -> list[tuple[Any, ...]]:
    """Keys that differ from `row` in one free column."""
    out = []
    for c in free:
        j = cols.index(c)
        out += [row[:j] + (v,) + row[j + 1:] for v in domains[c] or [] if v != row[j]]
    return out


def _spread_by_tries(frame: pd.DataFrame, cols: list[str], free: list[str], domains: dict[str, list[Any] | None],
                     dup: np.ndarray, taken: set[Any], seen: "KeySet", rng: np.random.Generator) -> None:
    from dbsynth.frames import Keys

    for i in np.flatnonzero(dup)[:SPREAD_MAX_ROWS]:
        row = list(frame.loc[i, cols])
        for _ in range(SPREAD_TRIES):
            c = free[int(rng.integers(len(free)))]
            dom = domains[c] or []
            cand = list(row)
            cand[cols.index(c)] = dom[int(rng.integers(len(dom)))]
            key = tuple(cand)
            if key in taken or (len(seen) and seen.contains(Keys(pd.DataFrame([cand], columns=cols), cols)).any()):
                continue
            for c2, v in zip(cols, cand):
                frame.at[i, c2] = v
            taken.add(key)
            break


def range_exclusion(table: "Table", exc: "ExclusionConstraint") -> tuple[tuple[str, ...], str, str] | None:
    """(equal columns, range column, range type) of an EXCLUDE (a WITH =, …, r WITH &&) over a range
    column without a predicate; None for any other kind (checked, not laid out)."""
    from dbsynth.transform.pgranges import RANGE_TYPES
    from dbsynth.transform.typegen import base_type

    ops = list(exc.operators)
    if exc.where or ops.count("&&") != 1 or any(op not in ("=", "&&") for op in ops):
        return None
    column = exc.columns[ops.index("&&")]
    type_name = base_type(table.column(column))
    if type_name not in RANGE_TYPES:
        return None
    return tuple(c for c, op in zip(exc.columns, ops) if op == "="), column, type_name


def shared_rows(pool: pd.DataFrame, columns: list[str], others: list[tuple[pd.DataFrame | None, list[str]]]
                ) -> np.ndarray:
    """Positions in `pool` whose key every other parent pool also holds."""
    ok = np.ones(len(pool), dtype=bool)
    mine = list(pool[list(columns)].itertuples(index=False, name=None))
    for theirs, cols in others:
        held = set() if theirs is None else set(theirs[list(cols)].itertuples(index=False, name=None))
        ok &= np.array([k in held for k in mine], dtype=bool)
    return np.flatnonzero(ok)


def also_spec(spec: "KeySpec", table: str, columns: list[str]) -> "KeySpec":
    """A pseudo spec that keeps `table`'s keys in a pool (to intersect with), without quotas."""
    from dbsynth.relational.specs import KeyKind, KeySpec

    return KeySpec(kind=KeyKind.ALSO, columns=list(spec.columns), referred_table=table, referred_columns=list(columns))
