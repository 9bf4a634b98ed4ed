"""Partial unique indexes and EXCLUDE constraints, checked before the load.

A partial unique index (`CREATE UNIQUE INDEX … WHERE active`) binds only the
rows its predicate selects; an EXCLUDE constraint forbids two rows whose
every element "matches" under its operator (`=` equal, `&&` overlapping
ranges or arrays); one with only `=` and no predicate is a UNIQUE constraint
and is checked as one (Table.unique_column_sets). Both keep state across chunks (the rows already emitted as
valid) and, like the other key rules, the first occurrence wins. Operators
other than `=` and `&&` are reported once as unchecked (the target still
enforces them at load).
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Callable

import numpy as np
import pandas as pd

from dbsynth.schema.model import ExclusionConstraint, Index, LogicalType, Table
from dbsynth.validate.checks import RuleResult, key_at, violation
from dbsynth.validate.checks_sql import UncheckedConstraint, compile_check

Bound = tuple[float, int]  # (position, tie-break) so inclusive/exclusive bounds compare as half-open
_LOW, _HIGH = (-math.inf, 0), (math.inf, 0)


@dataclass
class _Rule:
    """One partial unique index or EXCLUDE constraint, reduced to equal columns + one overlap column."""

    label: str
    columns: tuple[str, ...]
    equal: tuple[str, ...]  # columns compared with =
    overlap: str | None = None  # the one column compared with && (ranges or arrays)
    overlap_is_array: bool = False
    where: str | None = None
    selector: Any = None  # the compiled predicate (CompiledCheck), built on first use
    seen_keys: set[Any] = field(default_factory=set)  # equal-only rules
    seen_ranges: dict[Any, "_Intervals"] = field(default_factory=dict)
    seen_items: dict[Any, set[Any]] = field(default_factory=dict)


class ExclusionValidator:
    """Checks and remembers partial unique indexes and EXCLUDE constraints of every table."""

    def __init__(self, dialect: str, warn: Callable[[str], None]) -> None:
        self._dialect = dialect
        self._warn = warn
        self._rules: dict[str, list[_Rule]] = {}

    def check(self, table: Table, frame: pd.DataFrame, *, candidates: np.ndarray) -> RuleResult:
        """Rows (among `candidates`) conflicting with an earlier row of the frame or of earlier chunks."""
        total = RuleResult.clean(len(frame))
        for rule in self._table_rules(table):
            bad = self._conflicts(table, rule, frame, candidates & ~total.mask, commit=False)
            detail = f"conflicts with another row under {rule.label}"
            total.add(bad, violation("unique", table, rule.columns, detail, bad, key_at(frame, rule.columns)))
        return total

    def commit(self, table: Table, valid: pd.DataFrame) -> None:
        """Remember the rows emitted as valid (they bind later chunks)."""
        for rule in self._table_rules(table):
            self._conflicts(table, rule, valid, np.ones(len(valid), dtype=bool), commit=True)

    # ------------------------------------------------------------ rules
    def _table_rules(self, table: Table) -> list[_Rule]:
        if table.name not in self._rules:
            self._rules[table.name] = [r for r in (self._index_rule(table, i) for i in table.partial_unique_indexes())
                                       if r] + [r for r in (self._exclusion_rule(table, x) for x in table.exclusions
                                                            if not x.is_unique) if r]
        return self._rules[table.name]

    def _index_rule(self, table: Table, index: Index) -> _Rule | None:
        return _Rule(label=f"partial unique index {index.name} (where {index.where})", columns=index.columns,
                     equal=index.columns, where=index.where)

    def _exclusion_rule(self, table: Table, exc: ExclusionConstraint) -> _Rule | None:
        label = f"EXCLUDE constraint {exc.name or ''}".strip()
        overlap = [c for c, op in zip(exc.columns, exc.operators) if op == "&&"]
        other = [op for op in exc.operators if op not in ("=", "&&")]
        if not exc.columns or other or len(overlap) > 1:
            self._warn(f"{table.name}: {label} is unchecked before the load (operators "
                       f"{', '.join(exc.operators) or 'unknown'}); the target enforces it")
            return None
        equal = tuple(c for c, op in zip(exc.columns, exc.operators) if op == "=")
        is_array = bool(overlap) and table.column(overlap[0]).logical_type == LogicalType.ARRAY
        return _Rule(label=label, columns=exc.columns, equal=equal, overlap=overlap[0] if overlap else None,
                     overlap_is_array=is_array, where=exc.where)

    # ------------------------------------------------------------ evaluation
    def _selected(self, table: Table, rule: _Rule, frame: pd.DataFrame) -> np.ndarray:
        """Rows the rule's predicate selects (all rows when it has none)."""
        if not rule.where or len(frame) == 0:
            return np.ones(len(frame), dtype=bool)
        # a CHECK's "bad" rows are those where NOT(p) is FALSE, i.e. p is TRUE
        if rule.selector is None:
            rule.selector = compile_check(f"NOT ({rule.where})", dialect=self._dialect, columns=table.column_names)
        try:
            return rule.selector.evaluate(frame)
        except UncheckedConstraint as exc:
            self._warn(f"{table.name}: {rule.label} predicate cannot be evaluated ({exc.message}); "
                       "every row is treated as selected")
            return np.ones(len(frame), dtype=bool)

    def _conflicts(self, table: Table, rule: _Rule, frame: pd.DataFrame, candidates: np.ndarray,
                   *, commit: bool) -> np.ndarray:
        bad = np.zeros(len(frame), dtype=bool)
        if not all(c in frame.columns for c in rule.columns) or len(frame) == 0:
            return bad  # the database assigns a missing column (identity / default)
        rows = np.flatnonzero(candidates & self._selected(table, rule, frame))
        keys = frame[list(rule.equal)].itertuples(index=False, name=None) if rule.equal else None
        equal_keys = list(keys) if keys is not None else [()] * len(frame)
        overlap = frame[rule.overlap].tolist() if rule.overlap else None
        # earlier chunks' rows (read-only unless committing) and this frame's rows so far
        local = rule if commit else _Rule(label=rule.label, columns=rule.columns, equal=rule.equal)
        for i in rows.tolist():
            key = equal_keys[i]
            if any(_is_null(v) for v in key):
                continue  # = with NULL is never true: no conflict, as in SQL
            if overlap is None:
                if key in rule.seen_keys or key in local.seen_keys:
                    bad[i] = True
                else:
                    local.seen_keys.add(key)
                continue
            value = overlap[i]
            if rule.overlap_is_array:
                if _is_null(value):
                    continue
                found = {_hashable(v) for v in value if not _is_null(v)}
                if found & rule.seen_items.get(key, set()) or found & local.seen_items.get(key, set()):
                    bad[i] = True
                else:
                    local.seen_items.setdefault(key, set()).update(found)
                continue
            interval = parse_range(value)
            if interval is None:
                continue  # NULL or empty range overlaps nothing
            earlier = rule.seen_ranges.get(key)
            here = local.seen_ranges.setdefault(key, _Intervals())
            if (earlier is not None and earlier.overlaps(interval)) or (here is not earlier and here.overlaps(interval)):
                bad[i] = True
            else:
                here.add(interval)
        return bad


class _Intervals:
    """Disjoint half-open intervals kept sorted by lower bound; overlap test by the two neighbours."""

    def __init__(self) -> None:
        self.lows: list[Bound] = []
        self.highs: list[Bound] = []

    def overlaps(self, interval: tuple[Bound, Bound]) -> bool:
        low, high = interval
        at = bisect.bisect_right(self.lows, low)
        if at > 0 and self.highs[at - 1] > low:
            return True
        return at < len(self.lows) and self.lows[at] < high

    def add(self, interval: tuple[Bound, Bound]) -> None:
        at = bisect.bisect_right(self.lows, interval[0])
        self.lows.insert(at, interval[0])
        self.highs.insert(at, interval[1])


def parse_range(value: Any) -> tuple[Bound, Bound] | None:
    """A range value as ((low, tie), (high, tie)), or None for NULL / empty.

    Accepts psycopg Range objects, (low, high) pairs and range literals such as
    '[2024-01-01 00:00:00+00,"2024-01-02 00:00:00+00")'.
    """
    if _is_null(value):
        return None
    if hasattr(value, "isempty") and hasattr(value, "lower"):  # psycopg Range
        if value.isempty:
            return None
        return _bounds(value.lower, value.upper, bool(value.lower_inc), bool(value.upper_inc))
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return _bounds(value[0], value[1], True, False)
    if isinstance(value, str):
        return _parse_literal(value.strip())
    return None


def _parse_literal(text: str) -> tuple[Bound, Bound] | None:
    if not text or text.lower() == "empty" or text[0] not in "[(" or text[-1] not in "])":
        return None
    body = text[1:-1]
    low, _, high = _split_bounds(body)
    return _bounds(_unquote(low), _unquote(high), text[0] == "[", text[-1] == "]")


def _split_bounds(body: str) -> tuple[str, str, str]:
    quoted = False
    for i, ch in enumerate(body):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            return body[:i], ",", body[i + 1:]
    return body, "", ""


def _unquote(text: str) -> Any:
    text = text.strip()
    if not text:
        return None  # an unbounded side
    return text[1:-1].replace('\\"', '"') if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _bounds(low: Any, high: Any, low_inc: bool, high_inc: bool) -> tuple[Bound, Bound] | None:
    lo = _LOW if _is_null(low) else (_position(low), 0 if low_inc else 1)
    hi = _HIGH if _is_null(high) else (_position(high), 1 if high_inc else 0)
    return None if not lo < hi else (lo, hi)


def _position(value: Any) -> float:
    """A bound as a number: epoch seconds for time values, the value itself for numbers."""
    if isinstance(value, (int, float, Decimal, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return _epoch(value)
    if isinstance(value, datetime):
        return _epoch(pd.Timestamp(value))
    if isinstance(value, date):
        return float(value.toordinal() * 86400)
    if isinstance(value, time):
        return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    if isinstance(value, timedelta):
        return value.total_seconds()
    text = str(value)
    try:
        return float(text)
    except ValueError:
        return _epoch(pd.Timestamp(text))


def _epoch(ts: pd.Timestamp) -> float:
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return (ts - pd.Timestamp("1970-01-01")).total_seconds()


def _is_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _hashable(value: Any) -> Any:
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)
