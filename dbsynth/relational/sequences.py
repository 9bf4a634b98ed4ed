"""Child sequences: a family's date/times keep the source's order and spacing (issue 14).

Drawn row by row, a customer's rentals are random instants of the column's
marginal: their gaps are the gaps of random draws, not the customer's rhythm, a
return date is unrelated to its rental date and a payment to its rental. Found
at fit, per table:

- a **sequence**: a date/time column whose rows form families through an FK
  (the FK with the biggest families, context or not: rentals per customer).
  Per family-size bucket it learns where a family starts and the gaps between
  consecutive events, both in the column's quantile space (u = F(t)), so a
  sequence steps through the instants the source uses: a gap that crosses a
  quiet month in time is a small step in u. When every row follows the family
  parent's own date/time (a customer's orders after its sign-up), the start is
  an offset from it, in seconds, instead.
- a **lag**: a date/time column that follows a date/time of the row's FK
  parent by a tight, never negative lag (a payment at its rental's time), or
  of its own row (a return date after its rental date): set from the other
  value plus a lag drawn from the source's lags.

The sampler applies them after every key is filled (dbsynth/sample/sampler.py),
with the batch's rng only, in every engine. Only quantile grids are stored.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Sequence as Seq

import numpy as np
import pandas as pd

from dbsynth.schema.model import ForeignKey, Table
from dbsynth.transform.columns import ColumnTransform, ConstantTransform, DatetimeTransform

MIN_ROWS = 20  # fewer rows with a value prove nothing
MIN_FAMILY = 2.0  # rows per family (mean) before a family has an order worth keeping
MIN_PARENT_ROWS = 10  # staff, stores: a handful of parents is no family (cardinality.TINY_PARENT)
MIN_FILL = 0.999  # share of rows whose family FK is set
TIGHT = 0.25  # a lag's IQR at most this share of the column's IQR: the value follows the other
NEVER_BEFORE = 0.999  # share of rows at or after the anchor for an anchored start or a lag
GRID = 101  # quantile knots of a learned distribution
TAIL = 0.001  # share of rows beyond the first and the last knot
SIZE_BUCKETS = 3  # family-size classes the start and gaps are learned for
RHYTHMS = 4  # pace classes per size bucket (mean step between a family's events)
MIN_CELL = 5  # families per pace class, or the bucket is one class


@dataclass
class Sequence:
    """`column` ordered within each family of rows sharing `fk` (→ `referred_table`)."""

    column: str
    fk: list[str]
    referred_table: str
    referred_columns: list[str]
    sizes: list[float]  # upper family size of each bucket (the last is open)
    # families fall in classes (cells): a size bucket, then a pace within it; per cell:
    cell_size: list[int]  # its size bucket
    weights: list[int]  # source families in it
    first: list[list[float]]  # quantiles of the first event (u; seconds after `anchor` if set)
    gaps: list[list[float]]  # quantiles of the u-step between consecutive events
    spans: list[list[float]]  # quantiles of last - first event (u)
    anchor: str | None = None  # the family parent's date/time the first event follows
    space: str = "quantile"  # steps in the column's quantiles, or "linear": in time (chosen at fit)
    families: int = 0
    mean_size: float = 0.0

    def text(self, table: str) -> str:
        start = f", first after {self.referred_table}.{self.anchor}" if self.anchor else ""
        return (f"{table}.{self.column} ordered per {self.referred_table} ({', '.join(self.fk)}): "
                f"{self.families} families of {self.mean_size:.1f} rows{start}")


@dataclass
class Lag:
    """`column` = `source` + a lag from `lags`; `source` of the FK parent (`fk`) or of the same row."""

    column: str
    source: str
    lags: list[float]  # quantiles of the lag in seconds
    fk: list[str] = field(default_factory=list)  # empty: `source` is a column of the same row
    referred_table: str | None = None
    referred_columns: list[str] = field(default_factory=list)

    def text(self, table: str) -> str:
        where = f"{self.referred_table}.{self.source} (via {', '.join(self.fk)})" if self.fk \
            else f"{table}.{self.source}"
        return f"{table}.{self.column} follows {where} by {_duration(self.lags)}"


@dataclass
class Sequences:
    """A table's sequences and lags (TableModel.sequences)."""

    sequences: list[Sequence] = field(default_factory=list)
    lags: list[Lag] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sequences or self.lags)

    def texts(self, table: str) -> list[str]:
        return [s.text(table) for s in self.sequences] + [g.text(table) for g in self.lags]

    def to_dict(self) -> dict[str, Any]:
        return {"sequences": [asdict(s) for s in self.sequences], "lags": [asdict(g) for g in self.lags]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "Sequences":
        data = data or {}
        return cls(sequences=[Sequence(**s) for s in data.get("sequences", [])],
                   lags=[Lag(**g) for g in data.get("lags", [])])


# -- fitting -----------------------------------------------------------------------------

@dataclass
class Parent:
    """What fitting needs of an FK's referred table: its rows and its date/time transforms."""

    frame: pd.DataFrame
    times: dict[str, DatetimeTransform]


def datetime_transforms(transforms: Seq[ColumnTransform]) -> dict[str, DatetimeTransform]:
    return {t.column: t for t in transforms
            if isinstance(t, DatetimeTransform) and not isinstance(t, ConstantTransform) and len(t.knots) > 1
            and t.unit != "time" and t.knots[-1] > t.knots[0]}


def find_sequences(*, table: Table, frame: pd.DataFrame, transforms: Seq[ColumnTransform],
                   parents: Mapping[str, Parent], orderings: Seq[tuple[str, str]],
                   skip_fks: Seq[ForeignKey] = ()) -> Sequences:
    """The table's sequences and lags (see the module). `parents`: referred tables by name;
    `skip_fks`: FKs whose values are not known when times are set (deferred cycle edges)."""
    times = datetime_transforms(transforms)
    if len(frame) < MIN_ROWS or not times:
        return Sequences()
    frame = frame.reset_index(drop=True)
    secs = {c: tr.seconds(frame[c]) for c, tr in times.items() if c in frame}
    fks = [fk for fk in table.foreign_keys if fk.referred_table != table.name and fk.referred_table in parents
           and fk not in skip_fks and all(c in frame for c in fk.columns)]
    lags: list[Lag] = []
    for col, x in secs.items():
        lag = _parent_lag(col, x, frame, fks, parents)
        if lag is not None:
            lags.append(lag)
    taken = {g.column for g in lags}
    follows = _row_lags(secs, orderings, taken)  # return_date after rental_date: set from it
    family = _family_fk(frame, fks, parents)
    sequences = []
    if family is not None:
        for col, x in secs.items():
            if col not in taken and col not in follows:
                seq = _sequence(col, x, times[col], frame, family, parents[family.referred_table])
                if seq is not None:
                    sequences.append(seq)
    lags += _in_order(follows, taken | {s.column for s in sequences})
    return Sequences(sequences=sequences, lags=lags)


def _quantiles(x: np.ndarray) -> list[float]:
    """GRID quantiles from the TAIL-th to the (1 - TAIL)-th: a handful of outliers (3 payments made
    months after their rental) would otherwise stretch the last knot's interval over 1/GRID of the rows."""
    return np.quantile(x, np.linspace(TAIL, 1 - TAIL, GRID)).round(6).tolist()


def _iqr(x: np.ndarray) -> float:
    q1, q3 = np.quantile(x, [0.25, 0.75])
    return float(q3 - q1)


def _tight(lag: np.ndarray, x: np.ndarray) -> bool:
    """Never negative and narrow against the column's own spread: the value follows the other."""
    spread = _iqr(x)
    return len(lag) >= MIN_ROWS and (lag >= 0).mean() >= NEVER_BEFORE and spread > 0 \
        and _iqr(lag) <= TIGHT * spread


def parent_rows(frame: pd.DataFrame, parent: pd.DataFrame, fk: ForeignKey) -> np.ndarray:
    """Each row's parent row number in `parent` (-1: none)."""
    return row_numbers(parent[list(fk.referred_columns)], frame[list(fk.columns)])


def row_numbers(keys: pd.DataFrame, wanted: pd.DataFrame) -> np.ndarray:
    """Position in `keys` of each row of `wanted` (same columns in order; -1: not there).
    Repeated keys: the last row holding it."""
    if not len(keys) or not len(wanted):
        return np.full(len(wanted), -1)
    index = pd.MultiIndex.from_arrays([keys.iloc[:, i].to_numpy(dtype=object) for i in range(keys.shape[1])])
    last = ~index.duplicated(keep="last")
    positions = np.flatnonzero(last)
    found = index[last].get_indexer(pd.MultiIndex.from_arrays(
        [wanted.iloc[:, i].to_numpy(dtype=object) for i in range(wanted.shape[1])]))
    return np.where(found >= 0, positions[np.clip(found, 0, None)], -1)


def _parent_lag(col: str, x: np.ndarray, frame: pd.DataFrame, fks: list[ForeignKey],
                parents: Mapping[str, Parent]) -> Lag | None:
    """The tightest parent date/time `col` follows (payment_date = its rental's rental_date)."""
    best: tuple[float, Lag] | None = None
    for fk in fks:
        parent = parents[fk.referred_table]
        if len(parent.frame) < MIN_PARENT_ROWS:
            continue
        idx = parent_rows(frame, parent.frame, fk)
        for pcol, ptr in parent.times.items():
            p = np.full(len(frame), np.nan)
            p[idx >= 0] = ptr.seconds(parent.frame[pcol]).take(idx[idx >= 0])
            both = np.isfinite(x) & np.isfinite(p)
            lag = x[both] - p[both]
            if _tight(lag, x[np.isfinite(x)]) and (best is None or _iqr(lag) < best[0]):
                best = (_iqr(lag), Lag(column=col, source=pcol, lags=_quantiles(np.maximum(lag, 0)),
                                       fk=list(fk.columns), referred_table=fk.referred_table,
                                       referred_columns=list(fk.referred_columns)))
    return None if best is None else best[1]


def _family_fk(frame: pd.DataFrame, fks: list[ForeignKey], parents: Mapping[str, Parent]) -> ForeignKey | None:
    """The always-filled FK to a real parent table with the biggest families (≥ 2 rows on average)."""
    best: tuple[float, ForeignKey] | None = None
    for fk in fks:
        keys = frame[list(fk.columns)]
        filled = keys.notna().all(axis=1)
        if len(parents[fk.referred_table].frame) < MIN_PARENT_ROWS or filled.mean() < MIN_FILL:
            continue
        groups = keys[filled].drop_duplicates().shape[0]
        size = filled.sum() / max(groups, 1)
        if size >= MIN_FAMILY and (best is None or size > best[0]):
            best = (size, fk)
    return None if best is None else best[1]


def _sequence(col: str, x: np.ndarray, tr: DatetimeTransform, frame: pd.DataFrame, fk: ForeignKey,
              parent: Parent) -> Sequence | None:
    ok = np.isfinite(x) & frame[list(fk.columns)].notna().all(axis=1).to_numpy()
    groups = frame.loc[ok, list(fk.columns)].drop_duplicates().shape[0]
    # a column of a few instants (last_update) is a category in time, not a sequence
    if ok.sum() < MIN_ROWS or len(np.unique(x[ok])) < max(MIN_ROWS, 2 * ok.sum() / max(groups, 1)):
        return None
    fam = pd.MultiIndex.from_frame(frame.loc[ok, list(fk.columns)].astype(object)).factorize()[0]
    t = x[ok]
    order = np.lexsort((t, fam))
    fam, t = fam[order], t[order]
    starts = np.flatnonzero(np.r_[True, fam[1:] != fam[:-1]])
    sizes = np.diff(np.r_[starts, len(fam)])
    anchor, first_secs, anchor_at = _anchor(t[starts], frame, ok, order, starts, fk, parent)
    fam_rows = np.repeat(np.arange(len(starts)), sizes)
    anchors = None if anchor_at is None else np.repeat(anchor_at, sizes)
    best: tuple[float, Sequence] | None = None
    for space in ("quantile", "linear"):  # the one whose draws of the source's own families fit best:
        seq = _fit_space(space, col, tr, t, starts, sizes, fk, anchor, first_secs)
        drawn = draw_sequence(seq, tr, families=fam_rows, current=t, anchor=anchors,
                              rng=np.random.default_rng(len(t)))
        # their gaps and the column's own distribution, the worse of the two
        fit = 1.0 - max(_ks(_family_gaps(t, starts), _family_gaps(drawn, starts)), _ks(t, drawn))
        if best is None or fit > best[0] + VALIDATION_SLACK:
            best = (fit, seq)
    # dropped where clearly worse than drawing each row on its own from the column's exact distribution
    # (Chinook's invoices come at a few fixed gaps that steps between quantile knots blur); about as
    # good is kept: the engines' own row-by-row draws do worse than that ideal (Sakila's rentals: 0.86)
    alone = _draw_alone(tr, fam_rows, np.random.default_rng(len(t) + 1))
    fit_alone = 1.0 - max(_ks(_family_gaps(t, starts), _family_gaps(alone, starts)), _ks(t, alone))
    return None if best is None or best[0] < fit_alone - WORSE_THAN_ALONE else best[1]


def _draw_alone(tr: DatetimeTransform, families: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each row's time drawn from the column on its own, sorted within its family (rows grouped by family)."""
    x = tr.at_quantile(rng.uniform(size=len(families)))
    return x[np.lexsort((x, families))]


VALIDATION_SLACK = 0.01  # the quantile space keeps the column's shape: linear must win by more
WORSE_THAN_ALONE = 0.03  # a sequence this much worse than ideal row-by-row draws is dropped


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) or not len(b):
        return 1.0
    from scipy.stats import ks_2samp
    return float(ks_2samp(a, b).statistic)


def _family_gaps(t: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Steps between consecutive events of each family (rows sorted by family, then time)."""
    step = np.diff(t, prepend=t[0] if len(t) else 0.0)
    step[starts] = np.nan
    return step[np.isfinite(step)]


def _fit_space(space: str, col: str, tr: DatetimeTransform, t: np.ndarray, starts: np.ndarray,
               sizes: np.ndarray, fk: ForeignKey, anchor: str | None, first_secs: np.ndarray | None) -> Sequence:
    u = to_space(space, tr, t)
    step = np.diff(u, prepend=u[0])
    step[starts] = np.nan  # no step into a family's first event
    first = u[starts] if first_secs is None else first_secs
    edges = _size_edges(sizes)
    span = u[np.r_[starts[1:], len(u)] - 1] - u[starts]
    # a family's class: its size bucket, then its rhythm (mean step) within the bucket
    cell = _cells(np.searchsorted(edges, sizes), span / np.maximum(sizes - 1, 1), sizes)
    row_cell = np.repeat(cell, sizes)
    all_steps = step[np.isfinite(step)]
    cells = np.unique(cell)
    gaps = []
    for c in cells:
        s = step[(row_cell == c) & np.isfinite(step)]
        gaps.append(_quantiles(s if len(s) else (all_steps if len(all_steps) else np.zeros(1))))
    return Sequence(column=col, fk=list(fk.columns), referred_table=fk.referred_table,
                    referred_columns=list(fk.referred_columns), sizes=[float(e) for e in edges],
                    cell_size=[int(c // RHYTHMS) for c in cells],
                    weights=[int((cell == c).sum()) for c in cells],
                    first=[_quantiles(first[cell == c]) for c in cells], gaps=gaps,
                    spans=[_quantiles(span[cell == c]) for c in cells], anchor=anchor, families=len(starts),
                    mean_size=round(float(sizes.mean()), 2), space=space)


def to_space(space: str, tr: DatetimeTransform, secs: np.ndarray) -> np.ndarray:
    """Seconds as positions in [0, 1]: the column's quantiles, or linear in time over its range."""
    if space == "quantile":
        return tr.quantile_of(secs)
    lo, hi = float(tr.knots[0]), float(tr.knots[-1])
    return (secs - lo) / max(hi - lo, 1e-9)


def from_space(space: str, tr: DatetimeTransform, u: np.ndarray) -> np.ndarray:
    if space == "quantile":
        return tr.at_quantile(u)
    lo, hi = float(tr.knots[0]), float(tr.knots[-1])
    return lo + u * (hi - lo)


def _cells(bucket: np.ndarray, pace: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each family's class number: size bucket × RHYTHMS + its pace class within the bucket (weekly
    customers apart from monthly ones: steps drawn within a class add up to that class's spans)."""
    out = bucket * RHYTHMS
    for b in np.unique(bucket):
        here = (bucket == b) & (sizes > 1)
        if here.sum() < RHYTHMS * MIN_CELL:
            continue
        edges = np.unique(np.quantile(pace[here], np.linspace(0, 1, RHYTHMS + 1)[1:-1]))
        out[here] += np.searchsorted(edges, pace[here])
    return out


def _size_edges(sizes: np.ndarray) -> np.ndarray:
    """Upper family size of each bucket (the last bucket takes all bigger families)."""
    edges = np.unique(np.quantile(sizes, np.linspace(0, 1, SIZE_BUCKETS + 1)[1:]).round())
    edges[-1] = max(edges[-1], sizes.max())
    return edges


def _anchor(first: np.ndarray, frame: pd.DataFrame, ok: np.ndarray, order: np.ndarray, starts: np.ndarray,
            fk: ForeignKey, parent: Parent) -> tuple[str | None, np.ndarray | None, np.ndarray | None]:
    """The parent date/time every family starts after (sign-up → first order), and the offsets."""
    rows = np.flatnonzero(ok)[order[starts]]
    idx = parent_rows(frame.iloc[rows], parent.frame, fk)
    best: tuple[float, str, np.ndarray, np.ndarray] | None = None
    for pcol, ptr in parent.times.items():
        p = np.full(len(rows), np.nan)
        p[idx >= 0] = ptr.seconds(parent.frame[pcol]).take(idx[idx >= 0])
        if not np.isfinite(p).all():
            continue
        offset = first - p
        if (offset >= 0).mean() >= NEVER_BEFORE and (best is None or _iqr(offset) < best[0]):
            best = (_iqr(offset), pcol, np.maximum(offset, 0), p)
    return (None, None, None) if best is None else (best[1], best[2], best[3])


def _row_lags(secs: Mapping[str, np.ndarray], orderings: Seq[tuple[str, str]], taken: set[str]) -> dict[str, Lag]:
    """Columns after another of the same row by a tight lag (return_date after rental_date): the tightest."""
    best: dict[str, tuple[float, Lag]] = {}
    for a, b in orderings:
        if a not in secs or b not in secs or b in taken:
            continue
        x = secs[b]
        both = np.isfinite(secs[a]) & np.isfinite(x)
        lag = x[both] - secs[a][both]
        if _tight(lag, x[np.isfinite(x)]) and (b not in best or _iqr(lag) < best[b][0]):
            best[b] = (_iqr(lag), Lag(column=b, source=a, lags=_quantiles(lag)))
    return {b: lag for b, (_, lag) in best.items()}


def _in_order(follows: Mapping[str, Lag], governed: set[str]) -> list[Lag]:
    """The followers of set columns, each after the column it follows (chains a → b → c)."""
    out: list[Lag] = []
    done = set(governed)
    changed = True
    while changed:
        changed = False
        for b, lag in follows.items():
            if b not in done and lag.source in done:
                out.append(lag)
                done.add(b)
                changed = True
    return out


def _duration(grid: Seq[float]) -> str:
    median = float(np.median(grid)) if len(grid) else 0.0
    for unit, secs in (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)):
        if median >= secs:
            return f"a median {median / secs:.1f} {unit}"
    return f"a median {median:.0f} seconds" if median else "no lag (the same instant)"


def followed_columns(model: Any) -> dict[str, set[str]]:
    """Per referred table, the date/times a child follows through a non-context FK (the sampler keeps
    them with the referred keys). `model`: a RelationalModel."""
    out: dict[str, set[str]] = {}
    for tp in model.tables.values():
        context = list(tp.context.columns) if tp.context is not None else None
        found = tp.model.sequences
        pairs = [(g.fk, g.referred_table, g.source) for g in found.lags if g.fk]
        pairs += [(s.fk, s.referred_table, s.anchor) for s in found.sequences if s.anchor]
        for fk, ref, column in pairs:
            if fk != context and ref and column:
                out.setdefault(ref, set()).add(column)
    return out


# -- drawing ---------------------------------------------------------------------------

def draw_grid(grid: Seq[float], n: int, rng: np.random.Generator) -> np.ndarray:
    """n values of the distribution whose quantiles are `grid` (linear between knots)."""
    if not len(grid):
        return np.zeros(n)
    return np.interp(rng.uniform(size=n), np.linspace(0, 1, len(grid)), np.asarray(grid, dtype=float))


def draw_sequence(seq: Sequence, tr: DatetimeTransform, *, families: np.ndarray, current: np.ndarray,
                  anchor: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """New seconds for the rows: each family (`families`: its number, -1 none) steps through the
    column's quantiles by the learned gaps. Rows without a family or a value keep `current`.

    Within a family the row drawn earliest gets the earliest time, so what the generator drew
    together with the time keeps its order."""
    out = current.copy()
    live = np.flatnonzero((families >= 0) & np.isfinite(current))
    if not len(live):
        return out
    order = live[np.lexsort((current[live], families[live]))]
    fam = families[order]
    starts = np.flatnonzero(np.r_[True, fam[1:] != fam[:-1]])
    sizes = np.diff(np.r_[starts, len(fam)])
    bucket = np.minimum(np.searchsorted(np.asarray(seq.sizes), sizes), len(seq.sizes) - 1)
    cell = _pick_cells(seq, bucket, rng)
    row_cell = np.repeat(cell, sizes)
    first, want = np.zeros(len(starts)), np.zeros(len(starts))
    steps = np.zeros(len(order))
    for c in range(len(seq.weights)):
        here = cell == c
        first[here] = draw_grid(seq.first[c], int(here.sum()), rng)
        want[here] = draw_grid(seq.spans[c], int(here.sum()), rng)
        rows = row_cell == c
        steps[rows] = draw_grid(seq.gaps[c], int(rows.sum()), rng)
    steps = np.maximum(steps, 0.0)
    steps[starts] = 0.0
    total = np.cumsum(steps)
    offsets = total - np.repeat(total[starts], sizes)  # u after the family's first event
    if seq.anchor is not None and anchor is not None:
        a = anchor[order[starts]]
        known = np.isfinite(a)
        u0 = rng.uniform(size=len(starts))  # a parent without the date: anywhere in the range
        u0[known] = to_space(seq.space, tr, a[known] + first[known])
    elif seq.anchor is not None:  # no parent values to hand: the start anywhere in the range
        u0 = rng.uniform(size=len(starts))
    else:
        u0 = first
    raw = offsets[np.r_[starts[1:], len(order)] - 1]
    # the steps' shape, the source's span: a family's events spread over as much of the range as a
    # source family of its class (iid steps would add up to more or less than any family covered)
    offsets *= np.repeat(np.where(raw > 0, want / np.maximum(raw, 1e-12), 0.0), sizes)
    raw = np.where(raw > 0, want, 0.0)
    span = np.minimum(raw, 1.0)
    offsets = np.minimum(offsets, np.repeat(span, sizes))
    # a family that would run past the column's last instant starts earlier, somewhere it fits
    late = u0 > 1.0 - span
    u0 = np.clip(np.where(late, rng.uniform(size=len(u0)) * (1.0 - span), u0), 0.0, 1.0)
    # never the source's first or last instant exactly (as the column's own draws: half a knot in)
    edge = 0.5 / max(len(tr.knots), 2)
    u = edge + np.clip(np.repeat(u0, sizes) + offsets, 0.0, 1.0) * (1.0 - 2 * edge)
    out[order] = from_space(seq.space, tr, u)
    return out


def _pick_cells(seq: Sequence, bucket: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A class for each family of its size bucket, as often as the source's families fell in it."""
    out = np.zeros(len(bucket), dtype=int)
    cell_size, weights = np.asarray(seq.cell_size), np.asarray(seq.weights, dtype=float)
    u = rng.uniform(size=len(bucket))
    for b in np.unique(bucket):
        cells = np.flatnonzero(cell_size == b)
        if not len(cells):  # no source family of that size: the nearest bucket's classes
            cells = np.flatnonzero(cell_size == cell_size[np.argmin(np.abs(cell_size - b))])
        cum = np.cumsum(weights[cells]) / weights[cells].sum()
        here = bucket == b
        out[here] = cells[np.minimum(np.searchsorted(cum, u[here], side="right"), len(cells) - 1)]
    return out


def draw_lag(lag: Lag, *, source: np.ndarray, current: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`source` + a drawn lag where both are known; `current` elsewhere (a NULL stays NULL)."""
    out = current.copy()
    ok = np.isfinite(source) & np.isfinite(current)
    out[ok] = source[ok] + draw_grid(lag.lags, int(ok.sum()), rng)
    return out
