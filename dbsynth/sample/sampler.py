"""Topological streaming sampler for a fitted relational model (any table generator).

Each batch holds a 1/B share of every root table plus all their context
descendants, so memory is bounded by the batch. Between batches only keys and
remaining in-degree quotas of FK targets are kept. Batch b draws from
``default_rng([seed, b, table index])``: same seed, same frames.
"""
from __future__ import annotations

import copy
import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
import pandas as pd

from dbsynth.relational.cardinality import draw_quotas, rescale_counts
from dbsynth.relational.reference import dealt_keys, deal_rows, exact_shares, remap_pooled
from dbsynth.relational.copies import copy_from_parent
from dbsynth.relational.sequences import datetime_transforms, followed_columns, row_numbers
from dbsynth.relational.options import SampleOptions
from dbsynth.relational.traits import assign_donors, value_keys
from dbsynth.execute.plan import (BatchPlan, batch_count, build_plan, donor_turns, family_share, referred_rows,
                                  stay_resident, subtree_rows)
from dbsynth.relations.apply import relations_of, set_aggregates, set_row_values, unresident
from dbsynth.sample import keys as K
from dbsynth.sample import values as V
from dbsynth.sample.batching import expected_rows, parent_of, resident_tables
from dbsynth.sample.child_rows import child_factors, scaled_cap
from dbsynth.sample.given import GivenRows, given_state
from dbsynth.sample.repoint import FkChoice, repoint_repeats
from dbsynth.sample.times import set_times
from dbsynth.frames import Keys, KeySet, TableChunk
from dbsynth.schema.model import LogicalType
from dbsynth.transform import pgtypes
from dbsynth.transform.columns import DatetimeTransform
from dbsynth.transform.pgranges import place_ranges

if TYPE_CHECKING:
    from dbsynth.relational.model import RelationalModel
    from dbsynth.relational.specs import KeySpec, TablePlan


class Sampler:
    def __init__(self, *, model: "RelationalModel", options: SampleOptions) -> None:
        self.m, self.o = model, options
        self.index = {t: i for i, t in enumerate(model.tables)}
        # append --only: the named tables are drawn, the tables they refer to read from the target
        self.given: GivenRows | None = options.given
        self.given_tables = frozenset(self.given.frames if self.given else ())
        self.order = [t for t in model.tables if self.given is None or self.given.active(t)]
        self.counters = {t: int(options.key_offsets.get(t, 0)) for t in self.order}
        self.pools: dict[str, pd.DataFrame] = {}
        self.quotas: dict[tuple[str, str], np.ndarray] = {}
        self.features: dict[tuple[str, int], np.ndarray] = {}  # parent score columns used for matching
        self.seen: dict[tuple[str, str], set[Any]] = {}
        self.key_sets: dict[tuple[str, str], Any] = {}  # multi-column unique keys drawn so far (KeySet)
        self.range_sets: dict[tuple[str, str], dict[Any, Any]] = {}  # ranges laid out per EXCLUDE and key
        self.last: dict[str, pd.DataFrame] = {}
        self.donor_use: dict[str, np.ndarray] = {}  # times each family trait donor was taken, per child table
        self.donor_of: dict[str, np.ndarray] = {}  # donor of each parent row in the batch, per child table
        self.inbound = self._inbound()
        self.pool_extra = followed_columns(model)  # date/times children follow through a non-context FK
        # `rows` on a child table scales its children-per-parent counts (sample/child_rows.py)
        given_rows = self.given.rows() if self.given else {}
        self.child_factor = child_factors(self.m, self.order, self.o.row_counts, self._root_total, given_rows)
        expected = expected_rows(self.m, self.order, self._root_total, self.child_factor, given_rows)
        self.resident = resident_tables(self.m, expected, batch_rows=self.o.batch_rows, given=self.given_tables)
        self.expected = {t: n for t, n in expected.items() if t not in self.given_tables}  # rows this run draws
        self.relations = relations_of(model)  # exact relations to hold (dbsynth/relations)
        if self.given is not None:
            self.relations = [r for r in self.relations if self.given.keeps(r)]
        self.resident = unresident(self.resident, self.relations, self._parent_of, self.order)
        self.totals_of = {r.table for r in self.relations if r.kind == "aggregate"}  # held back for their children
        self.kept: dict[str, tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray]]] = {}  # resident frames
        self.spread: dict[str, np.ndarray] = {}  # children per resident parent row, over all batches
        self.rules: dict[str, dict[str, list[Any]]] = {}  # one-column CHECK rules per table
        self.group_used: dict[tuple[str, str], dict[Any, int]] = {}  # numbers used per parent key
        self.grid_used: dict[tuple[str, str], dict[Any, set[int]]] = {}  # bounded key values per combination
        self.dealt: dict[str, dict[str, list[Any]]] = {}  # tiny tables: synthetic keys per dealt source key
        # independent batches (dbsynth/execute/plan.py): resident tables take only fixed parents
        self.resident = stay_resident(self, self.resident)
        self.copied: dict[str, pd.DataFrame] = {}  # copied tables' rows, the same in every batch
        self.ranges: dict[str, tuple[float, float]] = {}  # counter -> (batch's last key, spill start)
        self._spread_rng: dict[str, np.random.Generator] = {}  # batch 0's stream once the spread is drawn
        self._snapshot: dict[str, Any] | None = None  # state after the resident tables, restored per batch
        self.batch_plan: BatchPlan | None = None

    def _inbound(self) -> dict[str, list[tuple[str, "KeySpec"]]]:
        out: dict[str, list[tuple[str, KeySpec]]] = {}
        for name, tp in self.m.tables.items():
            for spec in tp.keys:
                if spec.kind in ("fk", "deferred") and spec.referred_table in self.m.tables:
                    out.setdefault(spec.referred_table, []).append((name, spec))
                for other, cols in spec.also:  # their keys are kept to intersect with, no quotas
                    if other in self.m.tables:
                        out.setdefault(other, []).append((name, V.also_spec(spec, other, cols)))
        return out

    def run(self) -> Iterator[TableChunk]:
        plan = self.plan()
        for b in range(plan.batches):
            yield from self.run_batch(b)

    def plan(self) -> BatchPlan:
        """The batch plan (drawing the resident tables first, once per process)."""
        if self.batch_plan is None:
            totals = {t: self._root_total(t) for t in self.order if self.m.tables[t].context is None
                      and self.m.tables[t].copy_rows is None and t not in self.given_tables}
            # batch roots: the tables not held whole at the top; each batch takes a 1/B share of them,
            # and of everything below them (so batch_rows bounds a batch's rows, all tables together)
            tops = [subtree_rows(self, t) for t in self.expected
                    if t not in self.resident and self._parent_of(t) in self.resident]
            tops += [subtree_rows(self, t) for t in totals if t not in self.resident]
            batches = batch_count(tops, self.o.batch_rows, referred_rows(self))
            self._prepare(batches, totals)
            self.batch_plan = build_plan(self, batches, totals)
        return self.batch_plan

    def run_batch(self, b: int) -> Iterator[TableChunk]:
        """Batch b's chunks in load order: depends only on the model, the options, the plan and b."""
        plan = self.plan()
        self.begin(b)
        yield from self._batch(b, plan.batches, dict(plan.totals))

    def resident_chunks(self) -> Iterator[TableChunk]:
        """The resident and copied tables' chunks as batch 0 emits them (to validate them alike elsewhere)."""
        self.plan()
        for t in self.order:
            if t in self.copied:
                yield TableChunk(table=t, frame=self.copied[t], batch=0)
            elif t in self.kept and t not in self.given_tables:
                yield TableChunk(table=t, frame=self._finish(t, self.kept[t][0]), batch=0)

    def _prepare(self, batches: int, totals: dict[str, int]) -> None:
        """Draw the resident and copied tables, and the family sizes below them, with batch 0's streams."""
        frames: dict[str, pd.DataFrame] = {}
        state: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for t in self.order:
            tp = self.m.tables[t]
            rng = np.random.default_rng([self.o.seed, 0, self.index[t]])
            parent = self._parent_of(t)
            target = given_state(self.given, tp, rng)
            if target is not None:  # rows already in the append target, encoded like synthetic parents
                frames[t], state[t] = target
                self.kept[t] = (frames[t], state[t])
                self._register(t, frames[t], rng, own=state[t][0])
            elif tp.copy_rows is not None:
                frames[t] = self.copied[t] = self._finish(t, self._copied(t, tp.copy_rows))
                self._register(t, frames[t], rng, own=None)
            elif t in self.resident:
                n, pidx = self._row_plan(tp, 0, batches, totals, frames, state, rng)
                frames[t] = self._draw(tp, n, pidx, frames, state, rng)
                self.kept[t] = (frames[t], state[t])
            elif parent in self.resident and parent in state and len(frames[parent]):
                # every batch takes its share of each family: the sizes are drawn once, alike everywhere
                self.spread[t] = self._family_sizes(tp, frames, state, rng)
                self._spread_rng[t] = rng
        self._snapshot = copy.deepcopy(self._batch_state())

    _STATE = ("pools", "quotas", "features", "seen", "key_sets", "range_sets", "last", "donor_use", "donor_of",
              "group_used", "grid_used", "dealt", "counters")

    def _batch_state(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._STATE}

    def begin(self, b: int) -> None:
        """Reset what batches change to the state after the resident tables, and set batch b's key ranges."""
        plan = self.plan()
        assert self._snapshot is not None
        for name, value in copy.deepcopy(self._snapshot).items():
            setattr(self, name, value)
        self.ranges = {}
        for t in plan.bounds:
            offset = int(self.o.key_offsets.get(t, 0))
            keys = [t] + [f"{t}.__nk__{o['column']}" for o in self.m.tables[t].model.others
                          if o.get("kind") in ("int", "time")]
            for key in keys:
                kr = plan.key_range(t, b, base=offset if key == t else 0)
                self.counters[key] = kr.start
                self.ranges[key] = (kr.end, kr.spill)
        for t, tp in self.m.tables.items():
            parent = self._parent_of(t)
            if tp.model.donors is not None and parent in plan.bounds and plan.batches > 1:
                self.donor_use[t] = donor_turns(tp.model.donors, plan.bounds[parent], b)
        for ref, inbound in self.inbound.items():
            if ref not in self.kept and ref not in self.copied:
                continue
            for child, spec in inbound:
                key = (child, ",".join(spec.columns))
                if spec.kind != "also" and spec.unique and child in plan.bounds and key in self.quotas:
                    # a one-to-one FK into a resident table: each batch has its own share of the parents
                    q = self.quotas[key]
                    mine = np.zeros(len(q), dtype=bool)
                    mine[np.array_split(np.arange(len(q)), plan.batches)[b]] = True
                    q[~mine] = -1.0

    def _take(self, key: str, n: int) -> int:
        """Start of n integer keys from the counter `key`; past the batch's range, from its spill range."""
        pos = int(self.counters.get(key, 0))
        end, spill = self.ranges.get(key, (math.inf, math.inf))
        if pos <= end < pos + n and spill > end:
            pos = int(spill)
        self.counters[key] = pos + n
        return pos

    def _parent_of(self, table: str) -> str | None:
        if table in self.given_tables:  # read from the target, not drawn under a parent
            return None
        return parent_of(self.m, table)

    def _root_total(self, table: str) -> int:
        explicit = self.o.row_counts.get(table)
        if explicit is not None:
            return int(explicit)
        rows = self.m.tables[table].model.rows
        # a 5-row lookup table at --scale 0.1 keeps one row rather than starving everything below it
        return max(int(round(rows * self.o.scale)), 1 if rows else 0)

    def _batch(self, b: int, batches: int, totals: dict[str, int]) -> Iterator[TableChunk]:
        """One batch of roots with their descendants, table by table in load order.

        Chunks go out as soon as a table is drawn, and leaf tables (nothing hangs
        from them) are drawn in slices of whole parent families, so memory holds
        the batch's inner tables, never its biggest leaves. Once a table whose
        cycle FK is filled at the end of the batch appears, the rest is held
        back until then, so every chunk still follows its parents.
        """
        frames: dict[str, pd.DataFrame] = {}
        state: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        held: list[str] = []
        sliced: dict[str, list[TableChunk]] = {}
        for t in self.order:
            tp = self.m.tables[t]
            rng = np.random.default_rng([self.o.seed, b, self.index[t]])
            if b == 0 and t in self._spread_rng:  # batch 0 goes on with the stream its family sizes came from
                rng = copy.deepcopy(self._spread_rng[t])
            hold = bool(held) or any(k.kind == "deferred" for k in tp.keys) or t in self.totals_of
            if t in self.kept or t in self.copied:  # drawn whole once: batch 0 emits it, all batches use it
                if t in self.kept:
                    frames[t], state[t] = self.kept[t]
                else:
                    frames[t] = self.copied[t]
                if t in self.given_tables:  # the target holds these rows already
                    continue
                if b == 0 and hold:
                    held.append(t)
                elif b == 0:
                    yield TableChunk(table=t, frame=self._finish(t, frames[t]), batch=b)
                continue
            n, pidx = self._row_plan(tp, b, batches, totals, frames, state, rng)
            if not hold and pidx is not None and n > self.o.batch_rows and self._is_leaf(t):
                yield from self._leaf_slices(tp, b, pidx, frames, state)
                continue
            if hold and pidx is not None and n > self.o.batch_rows and self._is_leaf(t):
                # still in slices, held back with the rest (a parent total waits for these rows)
                sliced[t] = list(self._leaf_slices(tp, b, pidx, frames, state))
                frames[t] = pd.concat([c.frame for c in sliced[t]], ignore_index=True)
                held.append(t)
                continue
            frame = self._draw(tp, n, pidx, frames, state, rng)
            if hold:
                held.append(t)
            else:
                yield TableChunk(table=t, frame=self._finish(t, frame), batch=b)
        self._fill_deferred({t: frames[t] for t in held}, b, frames)
        set_aggregates(self.relations, frames, held, self.m.schema)
        for t in held:
            yield from sliced.get(t) or [TableChunk(table=t, frame=self._finish(t, frames[t]), batch=b)]

    def _draw(self, tp: "TablePlan", n: int, pidx: np.ndarray | None, frames: dict[str, pd.DataFrame],
              state: dict[str, Any], rng: np.random.Generator) -> pd.DataFrame:
        """Draw one table's rows of the batch into `frames`/`state` and register them as parents."""
        t = tp.name
        frame, own, counts = self._generate(tp, n, pidx, frames, state, rng)
        if getattr(tp, "row_pool", None):  # a tiny table deals out whole source rows (copula/reference.py)
            frame, counts = deal_rows(tp.row_pool, frame, rng, counts)
            self.dealt[t] = dealt_keys(tp.row_pool, frame, self.m.schema.table(t).pk_columns,
                                       frame.attrs.pop("dealt_order", np.zeros(0, dtype=int)))
        frame = exact_shares(frame, getattr(tp, "category_fks", []), tp.model.transforms, rng)
        if getattr(tp, "pooled_fks", None):
            frame = remap_pooled(frame, tp.pooled_fks, self.dealt, self.last,
                                 {p: self.m.schema.table(p).pk_columns[0] for p in tp.pooled_fks.values()}, rng)
        frames[t], state[t] = frame, (own, counts)
        self._register(t, frame, rng, own=own)
        return frame

    def _is_leaf(self, table: str) -> bool:
        """Nothing references the table, so its rows need not stay in memory."""
        tp = self.m.tables[table]
        contexts = any(o.context is not None and o.context.referred_table == table for o in self.m.tables.values())
        return not contexts and not self.inbound.get(table) and not any(k.kind in ("self", "deferred") for k in tp.keys)

    def _leaf_slices(self, tp: "TablePlan", b: int, pidx: np.ndarray, frames: dict[str, pd.DataFrame],
                     state: dict[str, Any]) -> Iterator[TableChunk]:
        """Draw a big leaf table in slices that never split one parent's children."""
        bounds = np.flatnonzero(np.diff(pidx)) + 1  # pidx is sorted: a parent's children are contiguous
        cuts = [0]
        for target in range(self.o.batch_rows, len(pidx), self.o.batch_rows):
            after = bounds[bounds >= target]
            if len(after) and after[0] > cuts[-1]:
                cuts.append(int(after[0]))
        cuts.append(len(pidx))
        for k, (lo, hi) in enumerate(zip(cuts[:-1], cuts[1:])):
            rng = np.random.default_rng([self.o.seed, b, self.index[tp.name], 1 + k])
            frame, own, _ = self._generate(tp, hi - lo, pidx[lo:hi], frames, state, rng)
            self._register(tp.name, frame, rng, own=own)
            yield TableChunk(table=tp.name, frame=self._finish(tp.name, frame), batch=b)

    def _row_plan(self, tp: "TablePlan", b: int, batches: int, totals: dict[str, int],
                  frames: dict[str, pd.DataFrame], state: dict[str, Any],
                  rng: np.random.Generator) -> tuple[int, np.ndarray | None]:
        if tp.context is None:
            if tp.name in self.resident:
                return totals[tp.name], None
            n = int(np.array_split(np.arange(totals[tp.name]), batches)[b].size)
            return n, None
        parent = tp.context.referred_table
        if parent not in state or len(frames[parent]) == 0:
            return 0, np.zeros(0, dtype=int)
        if parent in self.resident and tp.name not in self.resident:
            # the parent's rows are the same in every batch: each batch takes its share of each family
            if tp.name not in self.spread:
                self.spread[tp.name] = self._family_sizes(tp, frames, state, rng)
            per = family_share(self.spread[tp.name], b, batches, whole=tp.name in self.plan().whole_families)
            pidx = np.repeat(np.arange(len(frames[parent])), per)
            return len(pidx), pidx
        per = self._family_sizes(tp, frames, state, rng)
        pidx = np.repeat(np.arange(len(frames[parent])), per)
        return len(pidx), pidx

    def _family_sizes(self, tp: "TablePlan", frames: dict[str, pd.DataFrame], state: dict[str, Any],
                      rng: np.random.Generator) -> np.ndarray:
        """Children of each parent row in `frames`, summing to the learned ratio."""
        assert tp.context is not None
        parent = tp.context.referred_table
        pmodel = self.m.tables[parent].model
        j = next(i for i, c in enumerate(pmodel.counts) if c.child == tp.name)
        spec = pmodel.counts[j]
        n_parent = len(frames[parent])
        factor = self.child_factor.get(tp.name, 1.0)
        target = int(np.floor(spec.ratio * factor * n_parent + rng.uniform()))
        unique_ctx = sorted(tp.context.columns) in [sorted(s) for s in tp.unique_sets]
        counts = state[parent][1][:, j]
        if tp.model.donors is not None:
            counts = self._pick_donors(tp, frames[parent], counts, rng)
        per = rescale_counts(counts, target=target, cap=1.0 if unique_ctx else scaled_cap(spec.cap, factor), rng=rng)
        if tp.model.donors is not None:
            self._late_donors(tp, frames[parent], per, rng)
        return per

    def _pick_donors(self, tp: "TablePlan", parent: pd.DataFrame, counts: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
        """Give each synthetic parent with children a real family (traits.py); its size replaces the draw."""
        donors = tp.model.donors
        assert donors is not None
        usage = self.donor_use.setdefault(tp.name, np.zeros(len(donors.counts)))
        keys = value_keys(parent, donors.match, len(parent))
        donor = assign_donors(donors, keys=keys, counts=counts, usage=usage, rng=rng)
        self.donor_of[tp.name] = donor
        return np.where(donor >= 0, donors.counts[np.clip(donor, 0, None)], 0.0)

    def _late_donors(self, tp: "TablePlan", parent: pd.DataFrame, per: np.ndarray,
                     rng: np.random.Generator) -> None:
        """Donors for parents the count rescaling gave children to after all (capped overflow)."""
        donors, donor = tp.model.donors, self.donor_of.get(tp.name)
        assert donors is not None and donor is not None
        late = (per > 0) & (donor < 0)
        if late.any():
            keys = value_keys(parent.iloc[np.flatnonzero(late)], donors.match, int(late.sum()))
            donor[late] = assign_donors(donors, keys=keys, counts=per[late].astype(float),
                                        usage=self.donor_use[tp.name], rng=rng)

    def _trait_codes(self, tp: "TablePlan", pidx: np.ndarray) -> dict[str, np.ndarray]:
        """Each child row's family traits: its parent's donor's values."""
        donors, donor = tp.model.donors, self.donor_of.get(tp.name)
        if donors is None or donor is None or len(donors.counts) == 0:
            return {}
        d = donor[pidx]
        return {col: np.where(d >= 0, donors.codes[np.clip(d, 0, None), k], -1)
                for k, col in enumerate(donors.traits)}

    def _generate(self, tp: "TablePlan", n: int, pidx: np.ndarray | None, frames: dict[str, pd.DataFrame],
                  state: dict[str, Any], rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        pscores = None
        if tp.context is not None and pidx is not None and tp.context.referred_table in state:
            pscores = state[tp.context.referred_table][0][pidx]
        pvalues = None
        if tp.model.inherit and tp.context is not None and pidx is not None and tp.context.referred_table in frames:
            pframe = frames[tp.context.referred_table]
            pvalues = {c: pframe[c].to_numpy(dtype=object)[pidx] for c in tp.model.inherit.values() if c in pframe}
        fixed = None
        if tp.model.donors is not None and pscores is not None and pidx is not None:
            fixed = self._trait_codes(tp, pidx)
        values, own, counts = tp.generator.sample(tp.model, n=n, parent_scores=pscores, rng=rng,
                                                  parent_values=pvalues, fixed=fixed)
        cols: dict[str, Any] = dict(values)
        if tp.context is not None and pidx is not None:
            parent = frames[tp.context.referred_table]
            for c, rc in zip(tp.context.columns, tp.context.referred_columns):
                cols[c] = parent[rc].to_numpy(dtype=object)[pidx]
        keep = self._fill_keys(tp, cols, n, pidx, rng, own)
        self._fill_extras(tp, cols, n, rng)
        if tp.model.sequences:  # a family's times in the source's order and spacing (relational/sequences.py)
            set_times(tp.model, cols, n, rng=rng,
                      referred=lambda fk, ref, ref_cols, col: self._referred_seconds(tp, cols, pidx, frames, fk,
                                                                                    ref, ref_cols, col))
        if tp.model.copies and tp.context is not None and pidx is not None:  # after every other value
            copy_from_parent(tp.model.copies, cols, frames[tp.context.referred_table], pidx, rng,
                             self.m.schema.table(tp.name))
        self._apply_rules(tp, cols, rng)
        set_row_values([r for r in self.relations if r.table == tp.name], cols, n, self.m.schema, self.group_used)
        frame = pd.DataFrame({c: pd.Series(cols.get(c, [None] * n), dtype=object) for c in self._columns(tp.name)})
        keep &= self._dedupe(tp, frame, rng)
        return frame[keep].reset_index(drop=True), own[keep], counts[keep]

    def _referred_seconds(self, tp: "TablePlan", cols: dict[str, Any], pidx: np.ndarray | None,
                          frames: dict[str, pd.DataFrame], fk: list[str], ref: str, ref_cols: list[str],
                          column: str) -> np.ndarray | None:
        """The referred row's `column` (seconds) for each row: the context parent's frame, or the
        referred table's pool (which keeps the columns children follow: `pool_extra`)."""
        tr = datetime_transforms(self.m.tables[ref].model.transforms).get(column) if ref in self.m.tables else None
        if tr is None:
            return None
        if tp.context is not None and list(tp.context.columns) == list(fk) and pidx is not None and ref in frames:
            return tr.seconds(frames[ref][column].iloc[pidx]) if column in frames[ref] else None
        pool = self.pools.get(ref)
        if pool is None or column not in pool or not all(c in cols for c in fk):
            return None
        rows = row_numbers(pool[list(ref_cols)], pd.DataFrame({c: np.asarray(cols[c], dtype=object) for c in fk}))
        out = np.full(len(rows), np.nan)
        out[rows >= 0] = tr.seconds(pool[column]).take(rows[rows >= 0])
        return out

    def _columns(self, table: str) -> list[str]:
        return list(self.m.schema.table(table).column_names)

    # -- keys -----------------------------------------------------------------
    def _fill_keys(self, tp: "TablePlan", cols: dict[str, Any], n: int, pidx: np.ndarray | None,
                   rng: np.random.Generator, own: np.ndarray | None = None) -> np.ndarray:
        keep = np.ones(n, dtype=bool)
        for spec in sorted(tp.keys, key=lambda s: s.kind == "self"):
            if spec.kind == "pk_int":
                cols[spec.columns[0]] = K.integer_keys(start=self._take(tp.name, n), n=n)
            elif spec.kind == "uuid":
                cols[spec.columns[0]] = K.uuid_keys(n=n, rng=rng)
            elif spec.kind == "pattern" and spec.pattern.get("time"):
                numbers = K.integer_keys(start=self._take(tp.name, n), n=n)
                cols[spec.columns[0]] = K.time_keys(spec.pattern["time"], numbers - 1)
            elif spec.kind == "pattern" and spec.pattern.get("code"):
                from dbsynth.transform.codes import draw_codes

                seen = self.seen.setdefault((tp.name, spec.columns[0]), set())
                cols[spec.columns[0]] = draw_codes(spec.pattern["code"], n=n, rng=rng, unique=True, seen=seen,
                                                   column=f"{tp.name}.{spec.columns[0]}")
                seen.update(cols[spec.columns[0]].tolist())
            elif spec.kind == "pattern":
                cols[spec.columns[0]] = K.pattern_keys(pattern=spec.pattern, n=n, rng=rng, max_length=spec.max_length,
                                                       seen=self.seen.setdefault((tp.name, spec.columns[0]), set()))
            elif spec.kind == "fk":
                keep &= self._assign_fk(tp, spec, cols, n, pidx, rng, own)
            elif spec.kind == "self":
                self._assign_self(tp, spec, cols, n, rng)
            elif spec.kind == "deferred":
                for c in spec.columns:
                    cols[c] = np.full(n, None, dtype=object)
        return keep

    def _assign_fk(self, tp: "TablePlan", spec: "KeySpec", cols: dict[str, Any], n: int,
                   pidx: np.ndarray | None, rng: np.random.Generator, own: np.ndarray | None = None) -> np.ndarray:
        pool = self.pools.get(spec.referred_table or "")
        quotas = self.quotas.get((tp.name, ",".join(spec.columns)))
        nulls = rng.uniform(size=n) < spec.null_rate
        pick = np.full(n, -1)
        if spec.also and pool is not None and quotas is not None:
            pick[~nulls] = self._assign_shared(spec, pool, quotas, int((~nulls).sum()), rng)
        elif pool is not None and len(pool) and quotas is not None:
            live = np.flatnonzero(~nulls)
            feature = self._match_feature(spec, own, len(pool))
            score = None
            if feature is not None and own is not None:
                mids = tp.model.matching_scores(own[live])
                score = mids @ np.asarray(spec.match_beta) + np.sqrt(1 - spec.match_r2) * rng.standard_normal(len(live))
            if spec.grouped_unique and pidx is not None:
                pick[live] = K.assign_grouped_unique(groups=pidx[live], quotas=quotas, rng=rng, scores=score,
                                                     parent_feature=feature)
            elif score is not None and feature is not None:
                pick[live] = K.assign_matched(scores=score, parent_feature=feature, quotas=quotas, rng=rng)
            else:
                pick[live] = K.assign_by_quota(n=len(live), quotas=quotas, rng=rng, unique=spec.unique)
        for c, rc in zip(spec.columns, spec.referred_columns):
            vals = np.full(n, None, dtype=object)
            if pool is not None and len(pool):
                src = pool[rc].to_numpy(dtype=object)
                vals[pick >= 0] = src[pick[pick >= 0]]
            cols[c] = self._in_child_type(tp, spec, c, rc, vals)
        nullable = all(self.m.schema.table(tp.name).column(c).nullable for c in spec.columns)
        return (pick >= 0) | (nulls & nullable) | (nullable & (pick < 0))

    def _in_child_type(self, tp: "TablePlan", spec: "KeySpec", column: str, referred: str,
                       values: np.ndarray) -> np.ndarray:
        """Parent key values in the child column's type (an INTEGER FK to a text key)."""
        mine = self.m.schema.table(tp.name).column(column).logical_type
        theirs = self.m.schema.table(spec.referred_table).column(referred).logical_type \
            if self.m.schema.has_table(spec.referred_table or "") else mine
        return values if mine == theirs else K.as_column_type(values, mine)

    def _fk_choices(self, tp: "TablePlan", cols: list[str]) -> list[FkChoice]:
        """The FKs inside the unique set `cols` a repeating row may be moved along: drawn by quota
        (not the context, a one-to-one or a multi-parent FK) and sharing no column with another key."""
        fixed = set(tp.context.columns) if tp.context else set()
        out = []
        for spec in tp.keys:
            others = {c for s in tp.keys if s is not spec for c in s.columns} | fixed
            pool = self.pools.get(spec.referred_table or "")
            quotas = self.quotas.get((tp.name, ",".join(spec.columns)))
            if spec.kind != "fk" or spec.unique or spec.also or not set(spec.columns) <= set(cols) \
                    or set(spec.columns) & others or pool is None or quotas is None or len(quotas) != len(pool):
                continue
            values = [self._in_child_type(tp, spec, c, rc, pool[rc].to_numpy(dtype=object))
                      for c, rc in zip(spec.columns, spec.referred_columns)]
            out.append(FkChoice(columns=list(spec.columns), values=values, quotas=quotas))
        return out

    def _assign_shared(self, spec: "KeySpec", pool: pd.DataFrame, quotas: np.ndarray, n: int,
                       rng: np.random.Generator) -> np.ndarray:
        """Pool rows for a column that refers to several parents: only keys every parent holds."""
        rows = V.shared_rows(pool, spec.referred_columns, [(self.pools.get(t), c) for t, c in spec.also])
        sub = quotas[rows].copy()
        pick = K.assign_by_quota(n=n, quotas=sub, rng=rng, unique=spec.unique)
        quotas[rows] = sub
        return np.where(pick >= 0, rows[np.clip(pick, 0, None)] if len(rows) else -1, -1)

    def _match_feature(self, spec: "KeySpec", own: np.ndarray | None, pool_size: int) -> np.ndarray | None:
        if spec.match_feature is None or own is None or own.shape[1] != len(spec.match_beta):
            return None
        feature = self.features.get((spec.referred_table or "", spec.match_feature))
        return feature if feature is not None and len(feature) == pool_size else None

    def _assign_self(self, tp: "TablePlan", spec: "KeySpec", cols: dict[str, Any], n: int,
                     rng: np.random.Generator) -> None:
        nullable = all(self.m.schema.table(tp.name).column(c).nullable for c in spec.columns)
        depth_p = list(spec.depth_p or [1.0])
        if nullable and 0.0 < spec.null_rate < 1.0:
            # roots get NULL: the root share is the source's NULL share (cyclic source rows count as roots
            # in depth_p, which would otherwise inflate it)
            rest = np.asarray(depth_p[1:] or [1.0], dtype=float)
            rest = rest / rest.sum() if rest.sum() > 0 else np.full(len(rest), 1.0 / len(rest))
            depth_p = [spec.null_rate, *(rest * (1.0 - spec.null_rate)).tolist()]
        parents = K.forest_parents(n=n, depth_p=depth_p, fanout=spec.grid or [0.0], rng=rng)
        for c, rc in zip(spec.columns, spec.referred_columns):
            ref = np.asarray(cols.get(rc, np.full(n, None)), dtype=object)
            vals = np.full(n, None, dtype=object)
            vals[parents >= 0] = ref[parents[parents >= 0]]
            if not nullable:  # NOT NULL self-reference: roots point at themselves
                vals[parents < 0] = ref[parents < 0]
            cols[c] = vals

    def _apply_rules(self, tp: "TablePlan", cols: dict[str, Any], rng: np.random.Generator) -> None:
        """Rebuild values that break a LIKE / regex / IN CHECK (transform/rules.py)."""
        from dbsynth.transform.rules import conform

        table = self.m.schema.table(tp.name)
        unique = {s[0] for s in table.unique_column_sets() if len(s) == 1}
        for column, rules in self._rules(tp).items():
            if column not in cols or cols[column] is None:
                continue
            values = conform(np.asarray(cols[column], dtype=object), rules, rng=rng,
                             max_length=table.column(column).length, unique=column in unique)
            if column in unique:
                self.seen.setdefault((tp.name, column), set()).update(v for v in values if v is not None)
            cols[column] = values
        self._apply_bounds(tp, cols, rng)

    def _apply_bounds(self, tp: "TablePlan", cols: dict[str, Any], rng: np.random.Generator) -> None:
        """Numeric CHECK bounds and cross-column orders (transform/rules.py), and bounded integer
        columns of composite keys drawn without repeats within the other key columns."""
        from dbsynth.transform import rules as R

        table = self.m.schema.table(tp.name)
        linked = {c for s in tp.keys if s.kind not in ("pk_int", "uuid", "pattern") for c in s.columns}
        linked |= set(tp.context.columns if tp.context else ())
        bounds, orders = R.numeric_checks([c.sqltext for c in table.checks], dialect=self.m.schema.dialect,
                                          columns=list(table.column_names))
        for col in (c for c in table.columns if c.domain_checks):  # a DOMAIN's CHECKs speak of VALUE
            mine = R.numeric_checks(list(col.domain_checks), dialect=self.m.schema.dialect, columns=["VALUE"])[0]
            if "VALUE" in mine:
                b = replace(mine["VALUE"], column=col.name)
                bounds[col.name] = bounds[col.name].tighten(b) if col.name in bounds else b
        numeric = {c.name: c for c in table.columns if c.logical_type in _NUMERIC}
        whole = [c for c, col in numeric.items() if col.logical_type == LogicalType.INTEGER or col.scale == 0]
        orders = [o for o in orders if o.left not in linked and o.right not in linked]
        unique = {tuple(k) for k in tp.unique_sets}
        for _ in range(2):  # a swap can carry a value past the other column's bound
            for name, b in bounds.items():
                if name in numeric and name not in linked and cols.get(name) is not None:
                    cols[name] = R.clip_to_bound(cols[name], b, rng=rng, integer=name in whole,
                                                 scale=numeric[name].scale, unique=(name,) in unique)
            R.enforce_orders(cols, orders, integer=whole)
        for key in (k for k in tp.unique_sets if len(k) > 1 and all(cols.get(c) is not None for c in k)):
            for c in (c for c in key if c in bounds and c in whole and c not in linked):
                lo, hi = bounds[c].grid(1.0)
                if lo is None or hi is None or hi - lo > 100_000:
                    continue
                others = [o for o in key if o != c]
                free = [o for o in others if o in whole and o not in linked and o not in bounds]
                used = self.grid_used.setdefault((tp.name, ",".join(key)), {})
                R.grid_key(cols, c, others, int(lo), int(hi), used=used, rng=rng, free=free,
                           movable=all(set(s.columns) <= set(others) or not set(s.columns) & set(others)
                                       for s in tp.keys))
                break

    def _rules(self, tp: "TablePlan") -> dict[str, list[Any]]:
        if tp.name not in self.rules:
            from dbsynth.transform.rules import column_rules

            table = self.m.schema.table(tp.name)
            linked = {c for s in tp.keys if s.kind not in ("pk_int", "uuid", "pattern") for c in s.columns}
            linked |= set(tp.context.columns if tp.context else ())
            found: dict[str, list[Any]] = {}
            dialect = self.m.schema.dialect
            rules = column_rules([c.sqltext for c in table.checks], dialect=dialect, columns=list(table.column_names))
            for col in table.columns:  # a DOMAIN's CHECKs speak of VALUE
                rules += [replace(r, column=col.name)
                          for r in column_rules(list(col.domain_checks), dialect=dialect, columns=["VALUE"])]
            for rule in rules:
                if rule.column not in linked:  # an FK value comes from its parent row
                    found.setdefault(rule.column, []).append(rule)
            self.rules[tp.name] = found
        return self.rules[tp.name]

    def _fill_extras(self, tp: "TablePlan", cols: dict[str, Any], n: int, rng: np.random.Generator) -> None:
        from dbsynth.transform.fake import fake_values
        from dbsynth.transform.places import fill_places
        from dbsynth.transform.text import draw_text

        table = self.m.schema.table(tp.name)
        for i, f in enumerate(tp.model.fakes):
            if f.get("code"):
                cols[f["column"]] = self._codes(tp.name, f, n, rng)
                continue
            if f.get("row"):  # drawn below with the rest of its row's address
                continue
            if f.get("digest"):  # password hashes: random hex of the source's length
                from dbsynth.transform.pii_formats import draw_digests
                arr = np.array(draw_digests(f["digest"], n, rng), dtype=object)
                arr[rng.uniform(size=n) < f["null_rate"]] = None
                cols[f["column"]] = arr
                continue
            if f.get("format") or f.get("words"):  # learned formats / word model (transform/text.py)
                arr = draw_text(f, n=n, rng=rng, seen=self.seen.setdefault((tp.name, f["column"]), set()))
                cols[f["column"]] = K.make_unique(arr, seen=self.seen[(tp.name, f["column"])],
                                                  max_length=f["max_length"]) if f["unique"] else arr
                continue
            lengths = np.interp(rng.uniform(size=n), np.linspace(0, 1, len(f["lengths"])), f["lengths"])
            vals = fake_values(kind=_kind(f["kind"]), n=n, seed=int(rng.integers(2**31)), locale=self.m.options.locale,
                               max_length=f["max_length"], unique=f["unique"], avoid_hashes=f.get("avoid", frozenset()),
                               lengths=[max(1, int(round(x))) for x in lengths])
            if f.get("case"):
                from dbsynth.transform.places import apply_case
                vals = [v if v is None else apply_case(v, f["case"], email=f["kind"] == "email") for v in vals]
            arr = np.array(vals, dtype=object)
            arr[rng.uniform(size=n) < f["null_rate"]] = None
            if f["unique"]:
                arr = K.make_unique(arr, seen=self.seen.setdefault((tp.name, f["column"]), set()),
                                    max_length=f["max_length"])
            cols[f["column"]] = arr
        if tp.model.places:
            fill_places(tp.model.places, tp.model.fakes, cols, n, rng, locale=self.m.options.locale,
                        seen=lambda c: self.seen.setdefault((tp.name, c), set()))
        for f in tp.model.fakes:  # photo paths spelling the row's (synthetic) name: after the names
            if f.get("name_paths") and f["column"] in cols:
                from dbsynth.transform.namepaths import fill_name_paths
                cols[f["column"]] = fill_name_paths(f, np.asarray(cols[f["column"]], dtype=object), cols, rng)
        for o in tp.model.others:
            if o.get("group") and all(g in cols for g in o["group"]):
                numbers = V.numbered(cols, o["group"], int(o.get("first", 1)), n, self._group_counts(tp, o))
                cols[o["column"]] = K.time_keys(o, numbers) if o["kind"] == "time" else numbers
                continue
            cols[o["column"]] = self._other(tp.name, o, table.column(o["column"]).logical_type, n, rng)

    def _group_counts(self, tp: "TablePlan", spec: dict[str, Any]) -> dict[Any, int] | None:
        """Numbers used per parent so far; None where a parent's children all come in one chunk."""
        ctx = tp.context
        if ctx is not None and list(ctx.columns) == list(spec["group"]) and ctx.referred_table not in self.resident:
            return None
        return self.group_used.setdefault((tp.name, spec["column"]), {})

    def _codes(self, table: str, f: dict[str, Any], n: int, rng: np.random.Generator) -> np.ndarray:
        from dbsynth.transform.codes import draw_codes

        seen = self.seen.setdefault((table, f["column"]), set())
        arr = draw_codes(f["code"], n=n, rng=rng, unique=f["unique"], seen=seen, column=f"{table}.{f['column']}")
        if f["unique"]:
            seen.update(arr.tolist())
        arr[rng.uniform(size=n) < f["null_rate"]] = None
        return arr

    def _other(self, table: str, spec: dict[str, Any], lt: LogicalType, n: int, rng: np.random.Generator) -> np.ndarray:
        if spec["kind"] == pgtypes.SPEC_KIND:
            return pgtypes.sample_spec(spec, n=n, rng=rng, seen=self.seen.setdefault((table, spec["column"]), set()))
        if spec["kind"] == "placeholder":
            value = b"" if lt == LogicalType.BINARY and spec["value"] is not None else spec["value"]
            return np.array([value] * n, dtype=object)
        values = self._natural_key(table, spec, n, rng)
        if spec.get("null_rate"):  # a nullable natural key (a uuid column) keeps its NULL share
            values = np.asarray(values, dtype=object)
            values[pgtypes.null_rows(n, float(spec["null_rate"]), rng)] = None
        return values

    def _natural_key(self, table: str, spec: dict[str, Any], n: int, rng: np.random.Generator) -> np.ndarray:
        if spec["kind"] in ("int", "time"):
            key = f"__nk__{spec['column']}"
            numbers = K.integer_keys(start=self._take(f"{table}.{key}", n), n=n)
            return K.time_keys(spec, numbers - 1) if spec["kind"] == "time" else numbers
        if spec["kind"] == "uuid":
            return K.uuid_keys(n=n, rng=rng)
        return K.pattern_keys(pattern=spec["pattern"], n=n, rng=rng, max_length=spec["max_length"],
                              seen=self.seen.setdefault((table, spec["column"]), set()))

    def _dedupe(self, tp: "TablePlan", frame: pd.DataFrame, rng: np.random.Generator | None = None) -> np.ndarray:
        """Drop rows repeating a multi-column unique set; suffix/bump single modelled columns."""
        keep = np.ones(len(frame), dtype=bool)
        generated = {c for s in tp.keys if s.kind in ("pk_int", "uuid", "pattern") for c in s.columns}
        generated |= {f["column"] for f in tp.model.fakes} | {o["column"] for o in tp.model.others}
        for cols in tp.unique_sets:
            if set(cols) <= generated or not set(cols) <= set(frame.columns):
                continue
            if len(cols) == 1 and not any(cols[0] in s.columns for s in tp.keys) and \
                    (tp.context is None or cols[0] not in tp.context.columns):
                seen = self.seen.setdefault((tp.name, cols[0]), set())
                frame[cols[0]] = K.make_unique(frame[cols[0]].to_numpy(dtype=object), seen=seen)
                continue
            stuck = np.zeros(len(frame), bool)
            if rng is not None:  # a repeat of a key holding an FK: another parent row, not a lost row
                stuck = repoint_repeats(frame, cols, self._fk_choices(tp, cols), rng=rng,
                                        seen=self.key_sets.get((tp.name, ",".join(cols)), KeySet()))
                stuck |= self._spread_keys(tp, frame, cols, rng)
            # rows the full grid cannot hold stay in: the validator names the constraint they break
            keep &= self._new_keys(tp.name, frame, cols) | stuck
        self._place_ranges(tp, frame, keep)
        return keep

    def _spread_keys(self, tp: "TablePlan", frame: pd.DataFrame, cols: list[str],
                     rng: np.random.Generator) -> np.ndarray:
        domains = {c: V.domain_of(tp.model.transforms, c) for c in cols}
        seen = self.key_sets.get((tp.name, ",".join(cols)), KeySet())
        stuck = V.spread_keys(frame, cols, domains=domains, seen=seen, rng=rng)
        if stuck.any():  # the observed values are used up: values the column's type allows, unseen so far
            table = self.m.schema.table(tp.name)
            wide = {c: V.widened_domain(table.column(c), domains[c]) for c in cols}
            if wide != domains:
                stuck = V.spread_keys(frame, cols, domains=wide, seen=seen, rng=rng)
        return stuck

    def _place_ranges(self, tp: "TablePlan", frame: pd.DataFrame, keep: np.ndarray) -> None:
        """Lay out ranges under EXCLUDE (k WITH =, r WITH &&) so no two with equal keys overlap.

        Drawn independently, two bookings of one room overlap often; moving a
        range into a free gap (keeping its width) keeps every row, where the
        validator could only drop or redraw them.
        """
        table = self.m.schema.table(tp.name)
        for exc in table.exclusions:
            spec = V.range_exclusion(table, exc)
            if spec is None or not set(exc.columns) <= set(frame.columns):
                continue
            equal, column, type_name = spec
            rows = np.flatnonzero(keep)
            keys = list(frame.loc[rows, list(equal)].itertuples(index=False, name=None)) if equal else [()] * len(rows)
            busy = self.range_sets.setdefault((tp.name, ",".join(exc.columns)), {})
            placed = place_ranges(frame.loc[rows, column].tolist(), keys, type_name, busy)
            frame.loc[rows, column] = pd.Series(placed, index=rows, dtype=object)

    def _new_keys(self, table: str, frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
        """Rows whose key (all columns filled) is new to the table; the new keys are remembered.

        A KeySet packs two-integer keys (lineitem's order and line number)
        into one int64: 8 bytes a key where a set of tuples takes ~100.
        """
        seen = self.key_sets.setdefault((table, ",".join(cols)), KeySet())
        dup, keys = V.repeats(frame, cols, seen)
        fresh = ~dup
        seen.add(Keys(frame[fresh & keys.valid], cols))
        return fresh

    # -- pools and cycles ----------------------------------------------------
    def _register(self, table: str, frame: pd.DataFrame, rng: np.random.Generator,
                  own: np.ndarray | None) -> None:
        self.last[table] = frame
        inbound = self.inbound.get(table, [])
        if not inbound:
            return
        matched = {s.match_feature for _, s in inbound if s.match_feature is not None}
        mids = self.m.tables[table].model.matching_scores(own) if matched and own is not None else None
        for f in matched:
            col = mids[:, f] if mids is not None and mids.shape[1] > f else np.zeros(len(frame))
            self.features[(table, f)] = np.concatenate([self.features.get((table, f), np.zeros(0)), col])
        cols = sorted({c for _, s in inbound for c in s.referred_columns} | self.pool_extra.get(table, set()))
        keys = frame[[c for c in cols if c in frame]].reset_index(drop=True)
        self.pools[table] = pd.concat([self.pools[table], keys], ignore_index=True) if table in self.pools else keys
        for child, spec in inbound:
            if spec.kind == "also":
                continue
            key = (child, ",".join(spec.columns))
            new = draw_quotas(spec.grid or [1.0], len(frame), rng)
            self.quotas[key] = np.concatenate([self.quotas.get(key, np.zeros(0)), new])

    def _fill_deferred(self, held: dict[str, pd.DataFrame], b: int, frames: dict[str, pd.DataFrame]) -> None:
        for t in held:
            for k, spec in enumerate(s for s in self.m.tables[t].keys if s.kind == "deferred"):
                rng = np.random.default_rng([self.o.seed, b, self.index[t], 7, k])
                # each cycle FK fills the frame the previous one left (two FKs to one parent keep both)
                frames[t] = self._fill_one_deferred(t, frames[t], spec, frames, rng)

    def _fill_one_deferred(self, t: str, frame: pd.DataFrame, spec: "KeySpec", frames: dict[str, pd.DataFrame],
                           rng: np.random.Generator) -> pd.DataFrame:
        """Fill a cycle FK from rows that now exist, preferring rows that point back (store → its staff)."""
        ref = spec.referred_table or ""
        pool = self.pools.get(ref)
        if pool is None or not len(pool):
            return frame
        pick = np.full(len(frame), -1)
        back = self._back_pointers(t, frame, ref, frames.get(ref))
        used: set[int] = set()
        for i, cands in enumerate(back):
            free = [c for c in cands if not (spec.unique and c in used)]
            if free:
                pick[i] = free[0]
                used.add(free[0])
        rest = np.flatnonzero(pick < 0)
        nullable = all(self.m.schema.table(t).column(c).nullable for c in spec.columns)
        if nullable and spec.null_rate > 0 and len(rest):
            # the source's NULL share, among rows no parent points back at
            share = min(1.0, spec.null_rate * len(frame) / len(rest))
            rest = rest[rng.uniform(size=len(rest)) >= share]
        quotas = self.quotas[(t, ",".join(spec.columns))]
        offset = len(pool) - len(frames.get(ref, ()))
        pick_pool = np.where(pick >= 0, pick + offset, -1)
        if len(rest):
            if spec.unique:
                quotas[list(u + offset for u in used)] = -1.0
            pick_pool[rest] = K.assign_by_quota(n=len(rest), quotas=quotas, rng=rng, unique=spec.unique)
        frame = frame.copy()
        for c, rc in zip(spec.columns, spec.referred_columns):
            src = pool[rc].to_numpy(dtype=object)
            frame[c] = pd.Series([src[p] if p >= 0 else None for p in pick_pool], dtype=object)
        return frame

    def _back_pointers(self, t: str, frame: pd.DataFrame, ref: str, ref_frame: pd.DataFrame | None) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in range(len(frame))]
        if ref_frame is None or not len(ref_frame):
            return out
        for fk in self.m.schema.table(ref).foreign_keys:
            if fk.referred_table != t:
                continue
            pos = {tuple(r): i for i, r in enumerate(frame[list(fk.referred_columns)].itertuples(index=False, name=None))}
            for j, r in enumerate(ref_frame[list(fk.columns)].itertuples(index=False, name=None)):
                if tuple(r) in pos:
                    out[pos[tuple(r)]].append(j)
        return out

    def _copied(self, table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
        """A copied table's rows; bytes were kept as hex text in the model (JSON)."""
        frame = pd.DataFrame(rows, columns=self._columns(table))
        cols: dict[str, Any] = {}  # the copy's PII columns (a shipper's phone) are generated, never copied
        self._fill_extras(self.m.tables[table], cols, len(frame), np.random.default_rng([self.o.seed, self.index[table], 3]))
        frame = frame.assign(**cols)
        for col in self.m.schema.table(table).columns:
            if col.logical_type == LogicalType.BINARY and col.name in frame:
                frame[col.name] = frame[col.name].map(_from_hex, na_action="ignore")
        return frame

    def _finish(self, table: str, frame: pd.DataFrame) -> pd.DataFrame:
        tp = self.m.tables[table]
        out = frame.copy()
        for tr in tp.model.transforms:
            if isinstance(tr, DatetimeTransform) and tr.mode == "datetime64" and tr.column in out:
                out[tr.column] = pd.to_datetime(out[tr.column].tolist(), utc=False) if len(out) else out[tr.column]
        return out[self._columns(table)]

    # -- repair --------------------------------------------------------------
    def resample(self, *, table: str, n: int, seed: int) -> pd.DataFrame:
        """Fresh rows for repair: a draw without parent scores, FKs from the last keys seen."""
        tp = self.m.tables[table]
        rng = np.random.default_rng([seed, 10**6, self.index[table]])
        pidx, frames = None, dict(self.last)
        if tp.context is not None:
            parent = frames.get(tp.context.referred_table, pd.DataFrame(columns=self._columns(tp.context.referred_table)))
            pidx = rng.integers(0, max(len(parent), 1), size=n) if len(parent) else np.zeros(0, dtype=int)
            n = len(pidx)
            frames[tp.context.referred_table] = parent
        frame, _, _ = self._generate(tp, n, pidx, frames, {}, rng)
        return self._finish(table, frame)


_NUMERIC = (LogicalType.INTEGER, LogicalType.FLOAT, LogicalType.DECIMAL)


def _kind(value: str | None) -> Any:
    from dbsynth.profile.types import PiiKind

    return PiiKind(value) if value else None


def _from_hex(value: Any) -> Any:
    try:
        return bytes.fromhex(value) if isinstance(value, str) else value
    except ValueError:  # a SQLite BLOB column holding text
        return value
