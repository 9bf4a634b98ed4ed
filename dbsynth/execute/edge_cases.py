"""Edge cases on demand (`--edge-cases SHARE`): a share of the rows made to cover the corners.

Defects hide in rare categories and boundary values. With a share above
zero, each generated chunk (before the validator sees it) gets up to
``ceil(share × rows)`` rows edited (at least three; more where one column
misses more values than that, up to half the chunk) so that, over the whole
output:

* every category the model learnt for a column appears (rare ones included);
* every nullable column holds a NULL;
* every text column with a declared length holds a value of exactly that length
  (or the longest its CHECK allows: an IN list, a length bound);
* every numeric and date column holds the source's minimum and maximum, and
  the bounds of its numeric CHECK constraints;
* each FK has a parent with no child and one with as many children as the
  source's busiest parent (child rows re-pointed between existing parents).

Every row still satisfies every constraint: keys, FK columns and the columns
other rows point at are never given new values (a nullable FK may become
NULL); unique columns only get NULLs or lengthened values; an edit that breaks
a NOT NULL, type bound, DOMAIN or CHECK constraint on its row is taken back;
kept relations (totals, line numbers) are left alone. A table with no more
rows than a column has categories (nine employees, nine extensions) has no
room for them all and a NULL: the NULL and the longest value win, and the
report's coverage section names the category left out and why. The validator then runs
as usual. Rows keep their other values, so they still look like the source.
Without the option nothing here runs and the output is what it always was.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd

from dbsynth.errors import ConfigError
from dbsynth.schema.model import LogicalType, Table
from dbsynth.transform.rules import longest_allowed

if TYPE_CHECKING:
    from dbsynth.relational.model import RelationalModel as FittedModel
    from dbsynth.frames import TableChunk

MAX_SHARE = 1.0
MIN_EDIT_ROWS = 3  # a tiny table (two staff, nine employees) still gets a NULL, a longest value and a min/max
MAX_TRIES = 3  # rows tried per goal before it is left (its constraint forbids it)


def edge_cases(model: "FittedModel", config: Any) -> "EdgeCases | None":
    """The chunk editor for `config.edge_cases`, or None without the option (nothing changes then)."""
    share = check_share(getattr(config, "edge_cases", 0.0))
    return EdgeCases(model, share=share, seed=config.seed) if share > 0 else None


def check_share(share: float | None) -> float:
    """The --edge-cases value, checked: a share of rows between 0 and 1."""
    if share is None:
        return 0.0
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not math.isfinite(share) \
            or not 0 <= share <= MAX_SHARE:
        raise ConfigError(f"--edge-cases must be a share of rows between 0 and 1, got {share!r}",
                          hint="e.g. --edge-cases 0.05 for 5% of the rows")
    return float(share)


@dataclass
class ColumnGoals:
    """What one column should show somewhere in the output; emptied as the output shows it."""

    name: str
    values: list[Any] = field(default_factory=list)  # categories and boundary values still missing
    null: bool = False  # a NULL still missing
    length: int | None = None  # a value of this many characters still missing
    unique: bool = False  # only NULLs and lengthened values (a new value could repeat one)
    keep: set[Any] = field(default_factory=set)  # values whose last copy in a chunk is never overwritten


@dataclass
class FkGoal:
    columns: tuple[str, ...]
    most: int  # the source's busiest parent's children


@dataclass
class TableGoals:
    columns: dict[str, ColumnGoals]
    fks: list[FkGoal]
    couples: dict[str, list[tuple[str, list[Any]]]]  # fine column -> [(coarse column, coarse value per fine value)]


class EdgeCases:
    """Edits chunks towards the goals (`apply`) and learns what the output already shows (`observe`)."""

    def __init__(self, model: "FittedModel", *, share: float, seed: int) -> None:
        self.model = model
        self.share = share
        self.seed = seed
        self.goals: dict[str, TableGoals] = {}
        self._checks: dict[str, Callable[[pd.DataFrame], np.ndarray]] = {}

    # ---------------------------------------------------------------- public
    def apply(self, chunk: "TableChunk") -> "TableChunk":
        from dbsynth.frames import TableChunk
        goals = self._goals(chunk.table)
        frame = chunk.frame
        if goals is None or not len(frame):
            return chunk
        table = self.model.schema.table(chunk.table)
        rng = np.random.default_rng([self.seed, zlib.crc32(chunk.table.encode()), chunk.batch])
        frame = frame.reset_index(drop=True).copy()
        wanted = {g.name: _wanted(g, frame) for g in goals.columns.values() if g.name in frame.columns}
        share_rows = max(MIN_EDIT_ROWS, math.ceil(self.share * len(frame)))
        # a column missing more categories than the share has rows widens it, up to half the chunk
        budget = min(len(frame), max(share_rows, min(max(map(len, wanted.values()), default=0), len(frame) // 2)))
        # every column walks the same row order: edits gather in the first rows, and a row that must keep
        # its value (the chunk's only copy of a category) hands its turn to the next one
        order = rng.permutation(len(frame))
        for goal in goals.columns.values():
            if wanted.get(goal.name):
                self._column(table, frame, goal, order, budget, goals.couples.get(goal.name, []), wanted[goal.name])
        for fk in list(goals.fks):
            self._parents(table, frame, fk, order[:share_rows], rng)
            goals.fks.remove(fk)  # once per FK: a later chunk's parents are other rows
        return TableChunk(table=chunk.table, frame=frame, batch=chunk.batch)

    def observe(self, table: str, frame: pd.DataFrame) -> None:
        """Goals the validated rows already meet are dropped (later chunks spend no edits on them)."""
        goals = self.goals.get(table)
        if goals is None or not len(frame):
            return
        for goal in goals.columns.values():
            if goal.name not in frame.columns:
                continue
            col = frame[goal.name]
            if goal.null and col.isna().any():
                goal.null = False
            if goal.length is not None and _longest(col) >= goal.length:
                goal.length = None
            if goal.values:
                seen = {_key(v) for v in col.dropna().unique()}
                goal.values = [v for v in goal.values if _key(v) not in seen]

    # ---------------------------------------------------------------- goals
    def _goals(self, name: str) -> TableGoals | None:
        if name not in self.goals:
            self.goals[name] = self._make_goals(name)
        return self.goals[name]

    def _make_goals(self, name: str) -> TableGoals | None:
        from dbsynth.transform.columns import CategoricalTransform, ConstantTransform, NumericTransform
        plan = getattr(self.model, "tables", {}).get(name)
        if plan is not None and getattr(plan, "copy_rows", None) is not None:
            return None  # a lookup table copied verbatim stays the source's
        schema = self.model.schema
        table = schema.table(name)
        frozen = _frozen_columns(self.model, table)
        related = _relation_columns(self.model, name)
        # a single-column UNIQUE gets no repeated value; in a composite one the other columns tell rows apart
        unique = {s[0] for s in table.unique_column_sets() if len(s) == 1}
        transforms = {t.column: t for t in getattr(getattr(plan, "model", None), "transforms", [])}
        bounds = _check_bounds(table, schema.dialect)
        columns: dict[str, ColumnGoals] = {}
        for col in table.columns:
            if col.generated or col.name in table.pk_columns:
                continue
            goal = ColumnGoals(name=col.name, unique=col.name in unique)
            goal.null = col.nullable and col.name not in frozen.referred
            if col.name in related or col.name in frozen.fk_columns:
                # a derived value stays derived; an FK column keeps its parent, or (nullable) has none
                goal.null = goal.null and col.name not in related and col.name in frozen.nullable_fk
                columns[col.name] = goal
                continue
            tr = transforms.get(col.name)
            if isinstance(tr, CategoricalTransform) and not goal.unique:
                goal.values += [v for v in tr.categories if v is not None]
            elif isinstance(tr, NumericTransform) and not isinstance(tr, ConstantTransform) and not goal.unique:
                goal.values += _extremes(tr)
                goal.values += _bound_values(bounds.get(col.name), tr, col)
            if col.length and col.logical_type == LogicalType.TEXT and not isinstance(tr, NumericTransform):
                goal.length = longest_allowed(table, col.name, int(col.length), schema.dialect)  # a CHECK may say less
            goal.keep = {_key(v) for v in goal.values}
            columns[col.name] = goal
        return TableGoals(columns=columns, fks=self._fk_goals(table, frozen, related),
                          couples=_couples(plan))

    def _fk_goals(self, table: Table, frozen: "Frozen", related: set[str]) -> list[FkGoal]:
        out = []
        for fk in table.foreign_keys:
            cols = tuple(fk.columns)
            if fk.referred_table == table.name or cols in frozen.deferred_fks:
                continue
            if any(c in related or c in frozen.referred for c in cols) or _overlaps(table, cols):
                continue  # a total over the children, line numbers, or a column two FKs share
            out.append(FkGoal(columns=cols, most=_most_children(self.model, table.name, cols)))
        return out

    # ---------------------------------------------------------------- edits
    def _column(self, table: Table, frame: pd.DataFrame, goal: ColumnGoals, order: np.ndarray, budget: int,
                couples: list[tuple[str, list[Any]]], wanted: list[tuple[str, Any]]) -> None:
        """Spread the column's missing values, its NULL and its longest value over at most `budget` rows."""
        counts = frame[goal.name].map(_key).value_counts().to_dict()
        self._walk(table, frame, goal, order, budget, couples, wanted, counts, keep=True)
        # every row holds the chunk's only copy of a category (nine employees, nine extensions): the NULL
        # and the longest value still go in, and a category gives way (the report says why it is missing)
        rest = [w for w in _wanted(goal, frame) if w[0] != "value"]
        if rest:
            self._walk(table, frame, goal, order, budget, couples, rest, counts, keep=False)

    def _walk(self, table: Table, frame: pd.DataFrame, goal: ColumnGoals, order: np.ndarray, budget: int,
              couples: list[tuple[str, list[Any]]], wanted: list[tuple[str, Any]], counts: dict[Any, int], *,
              keep: bool) -> None:
        """One pass down `order` placing `wanted` in turn; with `keep`, a row holding the chunk's only copy
        of a category or bound is passed over."""
        filler = _filler(frame[goal.name], goal.name)
        todo = iter(wanted)
        item, tries, edited = next(todo, None), 0, 0
        for row in order:
            if item is None or edited >= budget:
                break
            old = frame.at[row, goal.name]
            if keep and _key(old) in goal.keep and counts.get(_key(old), 0) < 2:
                continue  # the row holds the chunk's only copy of a category or bound: keep it
            new = _lengthened(old if isinstance(old, str) and old else filler, item[1]) \
                if item[0] == "length" else item[1]
            if self._try(table, frame, row, {goal.name: new, **_coupled(couples, new, item[0])}):
                counts[_key(old)] = counts.get(_key(old), 0) - 1
                item, tries, edited = next(todo, None), 0, edited + 1
                continue
            tries += 1
            if tries >= MAX_TRIES:  # a CHECK forbids it (a NOT NULL by CHECK): the next goal
                item, tries = next(todo, None), 0

    def _parents(self, table: Table, frame: pd.DataFrame, fk: FkGoal, rows: np.ndarray,
                 rng: np.random.Generator) -> None:
        """Re-point child rows: the least used parent of the chunk loses its children to the busiest,
        which then gets up to the source's most children (within the edit budget)."""
        cols = list(fk.columns)
        if not all(c in frame.columns for c in cols):
            return
        keys = frame[cols].astype(object).apply(tuple, axis=1) if len(cols) > 1 else frame[cols[0]]
        present = keys[frame[cols].notna().all(axis=1)]
        counts = present.map(_key).value_counts()
        if len(counts) < 2:
            return
        busiest = counts.index[0]
        target_row = int(present.index[present.map(_key) == busiest][0])
        target = {c: frame.at[target_row, c] for c in cols}
        budget = len(rows)
        quiet = counts.index[-1]
        moves = list(present.index[present.map(_key) == quiet])
        if len(moves) > budget:
            moves = []  # too many children to move within the share
        room = max(fk.most - int(counts.iloc[0]) - len(moves), 0)
        others = [int(r) for r in rows if _key(keys.iloc[r]) not in (busiest, quiet) and frame[cols].iloc[r].notna().all()]
        moves += others[:min(room, max(budget - len(moves), 0))]
        unique_sets = [s for s in table.unique_column_sets() if set(s) & set(cols)]
        taken = [set(frame[list(s)].astype(str).apply(tuple, axis=1)) for s in unique_sets]
        for row in moves:
            trial = frame.loc[[row]].copy()
            for c in cols:
                trial.at[row, c] = target[c]
            new_keys = [tuple(trial[list(s)].astype(str).iloc[0]) for s in unique_sets]
            if any(k in t for k, t in zip(new_keys, taken)):
                continue  # the busiest parent already has this child (a link table's pair)
            if self._try(table, frame, row, target):
                for k, t in zip(new_keys, taken):
                    t.add(k)

    def _try(self, table: Table, frame: pd.DataFrame, row: int, values: dict[str, Any]) -> bool:
        """Set `values` on one row when the row still passes its own constraints; else leave it."""
        trial = frame.loc[[row]].copy()
        for col, value in values.items():
            if trial[col].dtype != object:
                trial[col] = trial[col].astype(object)
            trial.at[row, col] = value
        if self._row_fails(table, trial.reset_index(drop=True)):
            return False
        for col, value in values.items():
            if frame[col].dtype != object and not _keeps_dtype(frame[col], value):
                frame[col] = frame[col].astype(object)
            frame.at[row, col] = value
        return True

    def _row_fails(self, table: Table, trial: pd.DataFrame) -> bool:
        check = self._checks.get(table.name)
        if check is None:
            check = self._checks[table.name] = _row_checks(table, self.model.schema.dialect)
        return bool(check(trial).any())


# -------------------------------------------------------------------- helpers
def _wanted(goal: ColumnGoals, frame: pd.DataFrame) -> list[tuple[str, Any]]:
    """What the chunk lacks of the column's goals: one-row goals first (a small table reaches them all)."""
    col = frame[goal.name]
    out: list[tuple[str, Any]] = []
    if goal.null and not col.isna().any():
        out.append(("null", None))
    if goal.length is not None and _longest(col) < goal.length:
        out.append(("length", goal.length))
    if goal.values:
        present = {_key(v) for v in col.dropna().unique()}
        out += [("value", v) for v in goal.values if _key(v) not in present]
    return out


_SKIP = object()  # no coarse value goes with this fine one


def _key(value: Any) -> Any:
    """Values compared as the output will hold them: 1 and 1.0 alike, booleans apart."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, pd.Timestamp):
        return str(value.tz_convert(None) if value.tzinfo else value)
    return value if isinstance(value, (int, float, str)) else str(value)


def _longest(values: pd.Series) -> int:
    present = values.dropna()
    return int(present.map(lambda v: len(v) if isinstance(v, str) else 0).max()) if len(present) else 0


def _filler(values: pd.Series, name: str) -> str:
    """Text to stretch where the row has none: another row's, else the column's name."""
    texts = [v for v in values.dropna().head(50) if isinstance(v, str) and v]
    return texts[0] if texts else name


def _lengthened(old: str, length: int) -> str:
    """The text stretched (repeated) to exactly `length` characters; an e-mail keeps its domain."""
    if len(old) >= length:
        return old[:length]
    if "@" in old and old.index("@") > 0:
        local, domain = old.split("@", 1)
        need = length - len(domain) - 1
        if need >= len(local):
            return (local * (need // len(local) + 1))[:need] + "@" + domain
    if not old.strip():  # a blank marker (' ') stays blank
        return old[0] * length
    text = old
    while len(text) < length:
        text = f"{text} {old}"
    text = text[:length]
    return text[:-1] + old[0] if text.endswith(" ") else text


def _keeps_dtype(series: pd.Series, value: Any) -> bool:
    """Setting `value` leaves the column's dtype as it is (an int column takes no None or float)."""
    if value is None:
        return False
    kind = series.dtype.kind
    if kind in "iu":
        return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if kind == "f":
        return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    if kind == "M":
        return isinstance(value, pd.Timestamp)
    if kind == "b":
        return isinstance(value, (bool, np.bool_))
    return False


def _extremes(tr: Any) -> list[Any]:
    """The source's minimum and maximum, in the column's own representation (the transform's)."""
    knots = np.asarray(getattr(tr, "knots", []), dtype=float)
    if not len(knots) or not np.isfinite(knots).all() or (len(knots) == 2 and not knots.any()):
        return []
    ends = np.array([knots[0], knots[-1]] if knots[-1] != knots[0] else [knots[0]])
    return [v for v in tr._finish(ends).tolist() if v is not None]


def _bound_values(bound: Any, tr: Any, col: Any) -> list[Any]:
    """A numeric CHECK's bounds on the column's grid (1 for integers, the scale's step for decimals)."""
    if bound is None or type(tr).__name__ != "NumericTransform":
        return []
    if tr.integer:
        step = 1.0
    elif tr.scale is not None:
        step = 10.0 ** -tr.scale
    elif bound.lo_open or bound.hi_open:
        return []  # an open bound of a float column has no edge value
    else:
        step = 1e-9
    lo, hi = bound.grid(step)
    ends = np.array([v for v in (lo, hi) if v is not None and abs(v) < 1e15], dtype=float)
    return [v for v in tr._finish(ends).tolist() if v is not None] if len(ends) else []


def _check_bounds(table: Table, dialect: str) -> dict[str, Any]:
    from dbsynth.transform import rules as R
    try:
        return R.numeric_checks([c.sqltext for c in table.checks], dialect=dialect, columns=list(table.column_names))[0]
    except Exception:  # a CHECK sqlglot cannot read bounds nothing
        return {}


@dataclass
class Frozen:
    """Columns that keep their generated values: FK columns and the ones other rows point at."""

    fk_columns: set[str]
    referred: set[str]
    nullable_fk: set[str]  # FK columns that may become NULL (not part of a cycle's deferred edge)
    deferred_fks: set[tuple[str, ...]]


def _frozen_columns(model: Any, table: Table) -> Frozen:
    schema = model.schema
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    referred = {c for t in schema.data_tables for fk in t.foreign_keys if fk.referred_table == table.name
                for c in (fk.referred_columns or table.pk_columns)}
    plan = getattr(model, "plan", None)
    deferred = {tuple(e.columns) for e in getattr(plan, "deferred", ()) if e.table == table.name}
    deferred |= {tuple(e.columns) for e in getattr(plan, "self_references", ()) if e.table == table.name}
    in_deferred = {c for cols in deferred for c in cols}
    nullable_fk = {c for c in fk_cols - in_deferred - referred if table.column(c).nullable}
    return Frozen(fk_columns=fk_cols, referred=referred, nullable_fk=nullable_fk, deferred_fks=deferred)


def _relation_columns(model: Any, name: str) -> set[str]:
    """Columns of `name` in a kept relation (a total, a product, line numbers): left as derived."""
    out: set[str] = set()
    try:
        relations = list(getattr(model, "relations", []) or [])
    except Exception:  # an engine without relations
        return out
    for rel in relations:
        if rel.table == name:
            out.add(rel.column)
            out.update(rel.inputs if rel.kind != "aggregate" else ())
        if rel.kind == "aggregate" and rel.child == name:
            out.update(rel.inputs)
            out.update(rel.fk)
    return out


def _overlaps(table: Table, cols: tuple[str, ...]) -> bool:
    """An FK sharing a column with another FK (TPC-H lineitem's part and supplier)."""
    return any(fk.columns != cols and set(fk.columns) & set(cols) for fk in table.foreign_keys)


def _most_children(model: Any, table: str, cols: tuple[str, ...]) -> int:
    """The source's most children per parent through this FK (the parent model's count spec)."""
    for plan in getattr(model, "tables", {}).values():
        for spec in getattr(getattr(plan, "model", None), "counts", []):
            if spec.child == table and spec.fk == ",".join(cols):
                return int(spec.cap) if spec.cap == spec.cap else 0
    return 0


def _couples(plan: Any) -> dict[str, list[tuple[str, list[Any]]]]:
    """Fine → coarse categories that hold exactly (city → country): a new city brings its country."""
    from dbsynth.relational.dependencies import ANY
    tm = getattr(plan, "model", None)
    if tm is None:
        return {}
    by_name = {t.column: t for t in tm.transforms}
    out: dict[str, list[tuple[str, list[Any]]]] = {}
    for dep in tm.dependencies:
        fine, coarse, mapping = dep[0], dep[1], dep[2]
        f_tr, c_tr = by_name.get(fine), by_name.get(coarse)
        if f_tr is None or c_tr is None:
            continue
        values = [(_key(cat), c_tr.categories[m] if m != ANY and 0 <= m < len(c_tr.categories) else _SKIP)
                  for cat, m in zip(f_tr.categories, mapping)]
        out.setdefault(fine, []).append((coarse, values))
    return out


def _coupled(couples: list[tuple[str, list[Any]]], value: Any, kind: str) -> dict[str, Any]:
    if kind != "value":
        return {}
    out = {}
    for coarse, pairs in couples:
        for fine_key, coarse_value in pairs:
            if fine_key == _key(value) and coarse_value is not _SKIP:
                out[coarse] = coarse_value
    return out


def _row_checks(table: Table, dialect: str) -> Callable[[pd.DataFrame], np.ndarray]:
    """Rows failing NOT NULL, a type bound, a DOMAIN or a CHECK (the validator's own rules)."""
    from dbsynth.transform import pgtypes
    from dbsynth.validate.checks import check_constraints, check_domain, check_not_null, check_type_bounds
    from dbsynth.validate.checks_sql import UncheckedConstraint, compile_check
    jobs = []
    for text, columns, domain_column in ([(c.sqltext, tuple(table.column_names), None) for c in table.checks]
                                         + [(t, ("VALUE",), col.name) for col in table.columns
                                            for t in col.domain_checks]):
        compiled = compile_check(text, dialect=dialect, columns=columns)
        if compiled.checkable and not pgtypes.typed_columns(table, compiled.columns):
            jobs.append((compiled, domain_column))

    def fails(frame: pd.DataFrame) -> np.ndarray:
        bad = check_not_null(table, frame).mask | check_type_bounds(table, frame).mask
        for compiled, domain_column in list(jobs):
            try:
                res = (check_constraints(table, frame, compiled=[compiled]) if domain_column is None
                       else check_domain(table, frame, column=domain_column, compiled=[compiled]))
            except UncheckedConstraint:
                jobs.remove((compiled, domain_column))  # the validator reports it; here it decides nothing
                continue
            bad = bad | res.mask
        return bad

    return fails
