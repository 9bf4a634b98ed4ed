"""Find exact arithmetic relations in the source frames.

Two kinds, both required to hold in EVERY source row (within half a unit of
the target column's last decimal, the rounding a stored value carries):

- row: `c = a + b`, `a * b`, `a * (1 - b)`, `a - b` over numeric columns of one row;
- aggregate: a parent column equal to count / sum / min / max of its children
  (through one FK), the sum possibly of a product of two child columns
  (Chinook's Invoice.Total = Σ InvoiceLine.UnitPrice × Quantity).

A relation that holds in 97% of rows is a pattern, not a rule: the copula
models it like any other dependence, and it is not enforced.
"""
from __future__ import annotations

from itertools import combinations, permutations
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from dbsynth.relations.model import ROW_OPS, Relation
from dbsynth.schema.model import Column, ForeignKey, LogicalType, Schema, Table

MIN_ROWS = 10  # fewer rows (or parents with children) prove nothing
MAX_COLUMNS = 12  # numeric columns per table searched (pairs grow with the square)
PROBE_ROWS = 256  # candidates are tried on these rows first, the survivors on all
MAX_DECIMALS = 6
_NUMERIC = (LogicalType.INTEGER, LogicalType.FLOAT, LogicalType.DECIMAL)


def find_relations(schema: Schema, frames: Mapping[str, pd.DataFrame],
                   tables: Iterable[str] | None = None) -> list[Relation]:
    """Every exact relation of the source; a column is the target of at most one."""
    names = set(tables) if tables is not None else {t.name for t in schema.data_tables}
    out: list[Relation] = []
    for table in schema.data_tables:
        frame = frames.get(table.name)
        if table.name in names and frame is not None and len(frame) >= MIN_ROWS:
            out += row_relations(table, frame)
            out += sequence_relations(table, frame)
    for child in schema.data_tables:
        cframe = frames.get(child.name)
        if child.name not in names or cframe is None:
            continue
        for fk in child.foreign_keys:
            pframe = frames.get(fk.referred_table)
            if fk.referred_table == child.name or fk.referred_table not in names or pframe is None:
                continue
            taken = {(r.table, r.column) for r in out} | {(r.table, c) for r in out for c in r.inputs}
            derived = [r.column for r in out if r.table == child.name and r.kind == "row"]
            out += aggregate_relations(schema.table(fk.referred_table), pframe, child, cframe, fk, taken,
                                       derived=derived)
    return out


# -- helpers ---------------------------------------------------------------------------

def value_columns(table: Table, frame: pd.DataFrame, constant: bool = False) -> dict[str, np.ndarray]:
    """Numeric non-key columns as floats (NaN for NULL), skipping dirty and (unless asked) constant ones."""
    keys = set(table.pk_columns) | {c for fk in table.foreign_keys for c in fk.columns}
    out: dict[str, np.ndarray] = {}
    for col in table.columns:
        if col.logical_type not in _NUMERIC or col.name in keys or col.generated or col.name not in frame:
            continue
        raw = frame[col.name]
        x = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if (np.isnan(x) & raw.notna().to_numpy()).any():  # text in a numeric column (SQLite)
            continue
        if len(np.unique(x[~np.isnan(x)])) < (1 if constant else 2):
            continue
        out[col.name] = x
        if len(out) >= MAX_COLUMNS:
            break
    return out


def decimals_of(col: Column, values: np.ndarray) -> int | None:
    """The scale values are stored with: the declared one, 0 for integers, else the data's (None: any)."""
    if col.logical_type == LogicalType.INTEGER:
        return 0
    if col.logical_type == LogicalType.DECIMAL and col.scale is not None:
        return int(col.scale)
    x = values[~np.isnan(values)]
    for k in range(MAX_DECIMALS + 1):
        if np.all(np.abs(x * 10 ** k - np.round(x * 10 ** k)) < 1e-6 * np.maximum(1.0, np.abs(x * 10 ** k))):
            return k
    return None


def agrees(target: np.ndarray, expr: np.ndarray, decimals: int | None) -> np.ndarray:
    """Per row: the stored target is the expression rounded to the target's scale (NULL with NULL)."""
    both_null = np.isnan(target) & np.isnan(expr)
    with np.errstate(invalid="ignore"):
        diff = np.abs(target - expr)
        tol = 1e-9 * np.maximum(1.0, np.abs(expr))
        if decimals is not None:
            tol = tol + 0.5 * 10.0 ** -decimals
        return both_null | (diff <= tol)


def row_expression(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "mul_one_minus":
        return a * (1 - b)
    raise ValueError(op)


# -- row relations ---------------------------------------------------------------------

_ROW_ORDER = ("add", "mul", "mul_one_minus", "sub")  # a sum is named as c = a + b, never a = c - b


def row_relations(table: Table, frame: pd.DataFrame) -> list[Relation]:
    cols = value_columns(table, frame)
    if len(cols) < 3:
        return []
    probe = np.arange(min(PROBE_ROWS, len(frame)))
    dec = {c: decimals_of(table.column(c), x) for c, x in cols.items()}
    found: list[Relation] = []
    targets: set[str] = set()
    inputs: set[str] = set()
    for op in _ROW_ORDER:
        for c in cols:
            if c in targets or c in inputs:
                continue
            for a, b in _pairs(op, [n for n in cols if n != c and n not in targets]):
                if _row_holds(cols, c, a, b, op, dec[c], probe) and _row_holds(cols, c, a, b, op, dec[c], None):
                    found.append(Relation(kind="row", table=table.name, column=c, op=op, inputs=(a, b),
                                          decimals=dec[c]))
                    targets.add(c)
                    inputs.update((a, b))
                    break
    return found


def _pairs(op: str, names: list[str]) -> Iterable[tuple[str, str]]:
    return combinations(names, 2) if op in ("add", "mul") else permutations(names, 2)


def _row_holds(cols: dict[str, np.ndarray], c: str, a: str, b: str, op: str, decimals: int | None,
               rows: np.ndarray | None) -> bool:
    pick = (lambda x: x) if rows is None else (lambda x: x[rows])
    target, xa, xb = pick(cols[c]), pick(cols[a]), pick(cols[b])
    expr = row_expression(op, xa, xb)
    filled = ~np.isnan(expr)
    if rows is None and filled.sum() < MIN_ROWS:
        return False
    if not agrees(target, expr, decimals).all():
        return False
    # c equal to an input everywhere (b is 0, or 1): a copy, not arithmetic
    return not (agrees(target, xa, decimals).all() or agrees(target, xb, decimals).all())


# -- sequence numbers ------------------------------------------------------------------

def sequence_relations(table: Table, frame: pd.DataFrame) -> list[Relation]:
    """An integer column of a composite unique key counting first, first+1, … within each group of the others.

    (order_id, line_no) keys: drawn as values, line numbers repeat or wander
    (2, 3, 43); counted, they restart per order as in the source.
    """
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    out: list[Relation] = []
    for cols in table.unique_column_sets():
        if len(cols) < 2 or not set(cols) <= set(frame):
            continue
        for name in cols:
            col = table.column(name)
            if col.logical_type != LogicalType.INTEGER or col.autoincrement or name in fk_cols or \
                    any(r.column == name for r in out):
                continue
            group = [c for c in cols if c != name]
            if not set(group) & fk_cols:  # numbers within a parent; (room, day) of a full grid is no sequence
                continue
            start = _counts_within(frame, name, group)
            if start is not None:
                out.append(Relation(kind="sequence", table=table.name, column=name, op="number",
                                    inputs=tuple(group), decimals=0, start=start))
    return out


def _counts_within(frame: pd.DataFrame, name: str, group: list[str]) -> int | None:
    """The first number when each group's values are exactly first … first+k-1, else None."""
    x = pd.to_numeric(frame[name], errors="coerce")
    if x.isna().any() or len(x) < MIN_ROWS or frame[group].isna().any().any():
        return None
    first = int(x.min())
    ok = _counts_ok(frame, name, group, first)
    if len(ok) < MIN_ROWS or not ok.all() or frame.groupby(_key_text(frame, group).to_numpy()).size().max() < 2:
        return None
    return first


def _counts_ok(frame: pd.DataFrame, name: str, group: list[str], first: int) -> np.ndarray:
    """Per group of equal `group` values: whether its numbers are exactly first … first+k-1."""
    x = pd.to_numeric(frame[name], errors="coerce")
    stats = x.groupby(_key_text(frame, group).to_numpy()).agg(["min", "max", "size", "nunique"])
    ok = (stats["min"] == first) & (stats["max"] - first + 1 == stats["size"]) & (stats["nunique"] == stats["size"])
    return ok.to_numpy(dtype=bool)


# -- aggregate relations ---------------------------------------------------------------

def aggregate_relations(parent: Table, pframe: pd.DataFrame, child: Table, cframe: pd.DataFrame,
                        fk: ForeignKey, taken: set[tuple[str, str]], derived: Iterable[str] = ()) -> list[Relation]:
    """Parent columns equal to an aggregate of `child` rows through `fk`.

    `derived`: child columns a row relation sets (amount = qty * price): Σ amount
    is preferred to Σ qty × price, both hold.
    """
    targets = {c: x for c, x in value_columns(parent, pframe).items() if (parent.name, c) not in taken}
    if not targets or len(pframe) < MIN_ROWS:
        return []
    pos = _parent_positions(pframe, cframe, fk)
    if pos is None or len(np.unique(pos[pos >= 0])) < MIN_ROWS:
        return []
    inputs = value_columns(child, cframe, constant=True)  # Quantity may be 1 on every line of the source
    dec = {name: decimals_of(parent.column(name), target) for name, target in targets.items()}
    # candidates are tried on the children of the first PROBE_ROWS parents, the survivors on all
    few = pos < PROBE_ROWS
    probe = _Families(pos[few], min(PROBE_ROWS, len(pframe)), {c: x[few] for c, x in inputs.items()})
    full = _Families(pos, len(pframe), inputs)
    found: list[Relation] = []
    for op, cols in _aggregate_candidates(list(inputs), [c for c in derived if c in inputs]):
        for name, target in list(targets.items()):
            if not (probe.agrees(op, cols, target[:probe.n], dec[name]) and full.agrees(op, cols, target, dec[name])):
                continue
            found.append(Relation(kind="aggregate", table=parent.name, column=name, op=op, inputs=tuple(cols),
                                  child=child.name, fk=tuple(fk.columns), referred=tuple(fk.referred_columns),
                                  decimals=dec[name]))
            del targets[name]
    return found


class _Families:
    """Children grouped by parent row, with each candidate aggregate computed once."""

    def __init__(self, pos: np.ndarray, n: int, inputs: dict[str, np.ndarray]) -> None:
        self.pos, self.n, self.inputs = pos, n, inputs
        self.childless = np.bincount(pos[pos >= 0], minlength=n) == 0
        self.groups = sorted_groups(pos)
        self.cache: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    def agrees(self, op: str, cols: tuple[str, ...], target: np.ndarray, decimals: int | None) -> bool:
        key = (op, cols)
        if key not in self.cache:
            values = np.prod([self.inputs[c] for c in cols], axis=0) if cols else np.ones(len(self.pos))
            self.cache[key] = aggregate(op, values, self.pos, self.n, self.groups)
        # a childless parent may hold NULL for its (empty) count or sum
        empty = (self.childless & np.isnan(target)) if op in ("count", "sum") else np.zeros(len(target), bool)
        return bool((agrees(target, self.cache[key], decimals) | empty).all())


def _aggregate_candidates(names: list[str], derived: list[str]) -> Iterable[tuple[str, tuple[str, ...]]]:
    yield "count", ()
    for c in derived:
        yield "sum", (c,)
    for a, b in combinations(names, 2):  # first: Σ price × quantity also holds where quantity is always 1
        yield "sum", (a, b)
    for c in names:
        yield "sum", (c,)
    for c in names:
        yield "min", (c,)
        yield "max", (c,)


def _parent_positions(pframe: pd.DataFrame, cframe: pd.DataFrame, fk: ForeignKey) -> np.ndarray | None:
    """Each child row's parent row (-1: NULL or missing), keys compared as text; None if keys repeat."""
    if not set(fk.referred_columns) <= set(pframe) or not set(fk.columns) <= set(cframe):
        return None
    pkeys = _key_text(pframe, fk.referred_columns)
    if pkeys.duplicated().any():
        return None
    return pd.Index(pkeys).get_indexer(_key_text(cframe, fk.columns))


def _key_text(frame: pd.DataFrame, cols: Iterable[str]) -> pd.Series:
    parts = [_column_text(frame[c]) for c in cols]
    out = parts[0].astype(object)
    for p in parts[1:]:
        out = out + "\x1f" + p.astype(object)
    return out.reset_index(drop=True)


def _column_text(s: pd.Series) -> pd.Series:
    """Each key value as text (NULL as None; 3.0 as '3'): whole integer and text columns without a per-value call."""
    if s.dtype.kind in "iu" or pd.api.types.is_integer_dtype(s.dtype):
        missing = s.isna().to_numpy()
        text = pd.Series(s.to_numpy(dtype=object, na_value=0), index=s.index).astype(str).astype(object)
        return text.where(~missing, None)
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) == "string":
        return s.where(s.notna(), None)
    return s.map(lambda v: None if pd.isna(v) else str(int(v)) if isinstance(v, float) and v.is_integer()
                 else str(v))


def aggregate(op: str, values: np.ndarray, pos: np.ndarray, n: int,
              groups: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Per parent row: the aggregate of its children's values (NULLs skipped, as in SQL).

    Childless parents get 0 (count, sum) or NaN (min, max). Vectorised
    (bincount, fmin/fmax.reduceat): fit tries ~100 candidates per FK.
    `groups`: `sorted_groups(pos)`, computed once for many calls.
    """
    ok = pos >= 0
    p, x = pos[ok], np.asarray(values, dtype=float)[ok]
    children = np.bincount(p, minlength=n)
    if op == "count":
        return children.astype(float)
    filled = ~np.isnan(x)
    if op == "sum":
        out = np.bincount(p, weights=np.where(filled, x, 0.0), minlength=n).astype(float)
        out[(np.bincount(p, weights=filled, minlength=n) == 0) & (children > 0)] = np.nan  # SUM of only NULLs
        return out
    out = np.full(n, np.nan)
    if not len(p):
        return out
    order, starts = groups if groups is not None else sorted_groups(pos)
    ps, xs = p[order], x[order]
    reduce = np.fmin.reduceat if op == "min" else np.fmax.reduceat
    out[ps[starts]] = reduce(xs, starts)
    return out


def sorted_groups(pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The order sorting the (valid) child rows by parent, and where each parent's run starts."""
    p = pos[pos >= 0]
    order = np.argsort(p, kind="stable")
    ps = p[order]
    return order, np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]]) if len(ps) else np.zeros(0, dtype=int)
