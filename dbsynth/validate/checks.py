"""Pure constraint rules over one table's frame.

Every rule takes the table model and a frame (plus, for keys, the key state
of earlier chunks) and returns a `RuleResult`: a boolean "bad row" mask
aligned with the frame's rows and the `Violation`s found. Rules never change
state; the runner decides what to keep, repair or drop.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal, Sequence

import numpy as np
import pandas as pd

from dbsynth.frames import Keys, KeySet  # noqa: F401  (shared key sets live in dbsynth/frames.py)
from dbsynth.schema.model import Column, LogicalType, Table

if TYPE_CHECKING:
    from dbsynth.validate.checks_sql import CompiledCheck

Kind = Literal["primary_key", "unique", "not_null", "foreign_key", "check", "type_bounds"]
KINDS: tuple[str, ...] = ("not_null", "type_bounds", "check", "foreign_key", "primary_key", "unique")
_EXAMPLE_CHARS = 60


@dataclass(frozen=True)
class Violation:
    """Rows of one table breaking one rule; `example` is one offending value, never more."""

    kind: str
    table: str
    columns: tuple[str, ...]
    detail: str
    rows: int
    example: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "table": self.table, "columns": list(self.columns),
                "detail": self.detail, "rows": self.rows, "example": self.example}


@dataclass
class RuleResult:
    mask: np.ndarray  # True = bad row
    violations: list[Violation] = field(default_factory=list)

    @classmethod
    def clean(cls, n: int) -> "RuleResult":
        return cls(mask=np.zeros(n, dtype=bool))

    def add(self, mask: np.ndarray, violation: Violation | None) -> None:
        self.mask |= mask
        if violation is not None:
            self.violations.append(violation)


def short_repr(value: Any) -> str:
    """A bounded repr: one value, at most ~60 characters."""
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= _EXAMPLE_CHARS else text[: _EXAMPLE_CHARS - 3] + "..."


def violation(kind: str, table: Table, columns: Sequence[str], detail: str, mask: np.ndarray,
              value_at: Callable[[int], Any] | None = None) -> Violation | None:
    """A Violation for the rows in `mask` (None when there are none); `value_at(i)` gives row i's value."""
    count = int(mask.sum())
    if count == 0:
        return None
    example = short_repr(value_at(int(np.argmax(mask)))) if value_at is not None else ""
    return Violation(kind=kind, table=table.name, columns=tuple(columns), detail=detail, rows=count,
                     example=example)


# ---------------------------------------------------------------- NOT NULL
def check_not_null(table: Table, frame: pd.DataFrame) -> RuleResult:
    """NOT NULL columns (and PK columns) must hold a value.

    A column absent from the frame is left to the database, so it only fails
    when it has neither a default nor auto-increment.
    """
    result = RuleResult.clean(len(frame))
    for col in table.columns:
        if col.nullable and col.name not in table.pk_columns:
            continue
        if col.name in frame.columns:
            bad = frame[col.name].isna().to_numpy()
        elif col.default is None and not col.autoincrement:
            bad = np.ones(len(frame), dtype=bool)
        else:
            continue
        if col.autoincrement and col.name in frame.columns and bad.all():
            continue  # an all-NULL identity column is meant to be filled by the database
        result.add(bad, violation("not_null", table, (col.name,), f"NULL in NOT NULL column {col.name}", bad,
                                  lambda i: None))
    return result


# ---------------------------------------------------------------- PK / UNIQUE
def check_unique(table: Table, frame: pd.DataFrame, *, columns: Sequence[str], seen: KeySet | None = None,
                 kind: str = "unique", candidates: np.ndarray | None = None, name: str | None = None) -> RuleResult:
    """Rows whose key repeats an earlier row of the chunk or a key in `seen`.

    Only `candidates` (default: all rows) are considered, so a row already
    rejected by another rule does not make its duplicate fail. The first
    occurrence wins. Keys with a NULL are exempt, as SQL says.
    """
    n = len(frame)
    result = RuleResult.clean(n)
    if not all(c in frame.columns for c in columns):
        return result  # the database assigns it (identity / default)
    cand = np.ones(n, dtype=bool) if candidates is None else candidates
    sub = frame.loc[cand, list(columns)]
    keys = Keys(sub, columns)
    dup_in_chunk = sub.duplicated(keep="first").to_numpy() & keys.valid
    dup_seen = np.zeros(len(sub), dtype=bool)
    if seen is not None and len(seen) and len(keys):
        dup_seen[keys.valid] = seen.contains(keys)
    bad = np.zeros(n, dtype=bool)
    bad[np.flatnonzero(cand)] = dup_in_chunk | dup_seen
    label = "primary key" if kind == "primary_key" else "unique key"
    detail = f"duplicate {label} ({', '.join(columns)})" + (f" of {name}" if name else "")
    result.add(bad, violation(kind, table, columns, detail, bad, key_at(frame, columns)))
    return result


def key_at(frame: pd.DataFrame, columns: Sequence[str]) -> Callable[[int], Any]:
    """Row i's key: the value for one column, a tuple for several."""
    def at(i: int) -> Any:
        vals = tuple(frame[c].iloc[i] for c in columns)
        return vals[0] if len(vals) == 1 else vals
    return at


def _value_at(series: pd.Series) -> Callable[[int], Any]:
    return lambda i: series.iloc[i]


# ---------------------------------------------------------------- FOREIGN KEY
def check_foreign_key(table: Table, frame: pd.DataFrame, *, columns: Sequence[str], referred_table: str,
                      referred_columns: Sequence[str], parent_keys: KeySet,
                      extra_keys: KeySet | None = None) -> RuleResult:
    """Rows whose FK value matches no parent key seen so far (MATCH SIMPLE: any NULL passes).

    `extra_keys` adds candidate parents not yet committed (a self-reference's own chunk).
    """
    result = RuleResult.clean(len(frame))
    keys = Keys(frame, columns)
    if not len(keys):
        return result
    found = np.zeros(len(keys), dtype=bool)
    for known in (parent_keys, extra_keys):
        if known is not None and len(known):
            found |= known.contains(keys)
    if not found.all() and len(columns) == 1:
        found |= _found_as_other_type(frame, columns[0], keys.valid, found, (parent_keys, extra_keys))
    bad = np.zeros(len(frame), dtype=bool)
    bad[keys.valid] = ~found
    detail = f"no parent row in {referred_table}({', '.join(referred_columns)})"
    present = [c for c in columns if c in frame.columns]
    result.add(bad, violation("foreign_key", table, columns, detail, bad, key_at(frame, present)))
    return result


def _found_as_other_type(frame: pd.DataFrame, column: str, valid: np.ndarray, found: np.ndarray,
                         known: tuple[KeySet | None, ...]) -> np.ndarray:
    """Keys found once read in the other type: 301 against a text key '301', and back.

    Databases compare an FK with the parent column's type (SQLite: its
    affinity), so an INTEGER FK to a VARCHAR key holds when the texts agree.
    """
    values = frame[column][valid].reset_index(drop=True)
    missing = np.flatnonzero(~found)
    alt = values.iloc[missing].map(_other_type_key)
    probe = Keys(pd.DataFrame({column: alt.astype(object)}), [column])
    hit = np.zeros(len(missing), dtype=bool)
    for ks in known:
        if ks is not None and len(ks) and len(probe):
            sub = np.zeros(len(missing), dtype=bool)
            sub[probe.valid] = ks.contains(probe)
            hit |= sub
    out = np.zeros(len(found), dtype=bool)
    out[missing] = hit
    return out


def _other_type_key(value: Any) -> Any:
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and value == int(value):
        return str(int(value))  # an integer column with NULLs arrives as floats
    if isinstance(value, str) and value.isdigit() and (value == "0" or value[0] != "0"):
        return int(value)
    return None


# ---------------------------------------------------------------- CHECK
def check_constraints(table: Table, frame: pd.DataFrame, *, compiled: Iterable["CompiledCheck"]) -> RuleResult:
    """Rows for which a table CHECK is FALSE. Raises UncheckedConstraint for a check that cannot run."""
    result = RuleResult.clean(len(frame))
    for chk in compiled:
        bad = chk.evaluate(frame)
        value_at = _value_at(frame[chk.columns[0]]) if chk.columns else None
        detail = f"CHECK ({_squash(chk.source)}) failed"
        result.add(bad, violation("check", table, chk.columns, detail, bad, value_at))
    return result


def _squash(text: str) -> str:
    body = " ".join(text.split())
    if body.upper().startswith("CHECK"):
        body = body[5:].strip()
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    return body if len(body) <= 120 else body[:117] + "..."


# ---------------------------------------------------------------- type bounds
def check_type_bounds(table: Table, frame: pd.DataFrame) -> RuleResult:
    """Length, numeric precision/scale, integer range, enum and boolean, per column."""
    result = RuleResult.clean(len(frame))
    for col in table.columns:
        if col.name not in frame.columns:
            continue
        series = frame[col.name]
        for rule in _RULES.get(col.logical_type, ()):
            bad, detail = rule(col, series)
            result.add(bad, violation("type_bounds", table, (col.name,), detail, bad, _value_at(series)))
    return result


def check_domain(table: Table, frame: pd.DataFrame, *, column: str, compiled: Iterable["CompiledCheck"]) -> RuleResult:
    """A PostgreSQL DOMAIN's CHECKs (over VALUE) on one column; reported as type bounds."""
    result = RuleResult.clean(len(frame))
    if column not in frame.columns:
        return result
    domain = table.column(column).domain or column
    for chk in compiled:
        bad = chk.evaluate(frame, rename={"VALUE": column})
        detail = f"domain {domain} CHECK ({_squash(chk.source)}) failed"
        result.add(bad, violation("type_bounds", table, (column,), detail, bad, _value_at(frame[column])))
    return result


def _text_length(col: Column, series: pd.Series) -> tuple[np.ndarray, str]:
    if not col.length:
        return np.zeros(len(series), dtype=bool), ""
    try:
        lengths = pd.to_numeric(series.str.len(), errors="coerce").fillna(0).to_numpy(dtype=np.int64)  # str and bytes
    except (AttributeError, TypeError, ValueError):  # not a string column at all
        lengths = series.map(lambda v: len(v) if isinstance(v, (str, bytes, bytearray)) else 0)
        lengths = lengths.to_numpy(dtype=np.int64)
    bad = lengths > col.length
    longest = int(lengths[bad].max()) if bad.any() else 0
    declared = col.type_sql.lower() if "(" in (col.type_sql or "") else f"varchar({col.length})"
    return bad, f"length {longest} > {declared}"


def _integer_range(col: Column, series: pd.Series) -> tuple[np.ndarray, str]:
    nbytes = col.integer_bytes or 8  # SQLite INTEGER (and unknown widths) is 64-bit
    hi = 2 ** (8 * nbytes - 1) - 1
    lo = -hi - 1
    kind = series.dtype.kind
    if kind == "i" and not series.hasnans:
        vals = series.to_numpy(dtype=np.int64)
        bad = (vals > hi) | (vals < lo)
    elif kind == "u" and not series.hasnans:
        bad = series.to_numpy(dtype=np.uint64) > np.uint64(hi)
    else:
        bad = _int_out_of_range(series, nbytes)
        if bad is None:  # mixed values: one by one
            bad = series.map(lambda v: not _int_in_range(v, lo, hi)).to_numpy(dtype=bool)
    return bad, f"value outside {nbytes}-byte integer range [{lo}, {hi}] or not an integer"


def _int_out_of_range(series: pd.Series, nbytes: int) -> np.ndarray | None:
    """`_int_in_range` negated for a whole column of NULLs and integers, or NULLs and floats (None otherwise)."""
    known = pd.api.types.infer_dtype(series, skipna=True)
    notna = series.notna().to_numpy()
    bound = 2.0 ** (8 * nbytes - 1)  # exact in float64: in range is -bound <= v < bound
    if known in ("integer", "empty") and series.dtype.kind != "u":
        try:
            vals = series.where(notna, 0).to_numpy(dtype=np.int64)
        except (OverflowError, TypeError, ValueError):  # beyond int64: one by one
            return None
        if nbytes >= 8:
            return np.zeros(len(series), dtype=bool)
        hi = 2 ** (8 * nbytes - 1) - 1
        return notna & ((vals > hi) | (vals < -hi - 1))
    if known == "floating" or (known == "mixed-integer-float" and series.dtype.kind == "f"):
        vals = series.to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            return notna & ((vals != np.floor(vals)) | (vals >= bound) | (vals < -bound) | ~np.isfinite(vals))
    return None


def _int_in_range(value: Any, lo: int, hi: int) -> bool:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return True
    if isinstance(value, (bool, np.bool_)):
        return True
    try:
        as_int = int(value)
        return as_int == value and lo <= as_int <= hi
    except (TypeError, ValueError, OverflowError):
        return False


def _decimal_bounds(col: Column, series: pd.Series) -> tuple[np.ndarray, str]:
    n = len(series)
    if not col.precision:
        return np.zeros(n, dtype=bool), ""
    scale = col.scale or 0
    limit = 10 ** (col.precision - scale)
    num = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    # Cheap float screen; only rows near the limit get the exact Decimal test.
    safe = float(limit) * (1 - 1e-9) - 10.0 ** -scale if col.precision - scale < 300 else np.inf
    unsure = ~(np.abs(num) < safe) & series.notna().to_numpy()
    bad = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(unsure):
        bad[i] = not _fits_numeric(series.iloc[i], scale, limit)
    return bad, f"value exceeds numeric({col.precision},{scale}) after rounding to {scale} decimals"


def _fits_numeric(value: Any, scale: int, limit: int) -> bool:
    try:
        dec = value if isinstance(value, Decimal) else Decimal(str(value))
        rounded = dec.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return False
    return rounded.is_finite() and abs(rounded) < limit


def _enum_values(col: Column, series: pd.Series) -> tuple[np.ndarray, str]:
    if not col.enum_values:
        return np.zeros(len(series), dtype=bool), ""
    bad = (series.notna() & ~series.isin(list(col.enum_values))).to_numpy(dtype=bool)
    shown = short_repr(series[bad].iloc[0]) if bad.any() else "?"
    return bad, f"value {shown} not in enum {col.enum_name or col.name}"


def _boolean(col: Column, series: pd.Series) -> tuple[np.ndarray, str]:
    if series.dtype.kind == "b":
        return np.zeros(len(series), dtype=bool), ""
    ok = series.map(lambda v: v is None or v is pd.NA or isinstance(v, (bool, np.bool_))
                    or (isinstance(v, (int, float, np.integer, np.floating)) and (v in (0, 1) or v != v)))
    return ~ok.to_numpy(dtype=bool), "value is not a boolean"


_RULES = {
    LogicalType.TEXT: (_text_length,),
    LogicalType.BINARY: (_text_length,),
    LogicalType.INTEGER: (_integer_range,),
    LogicalType.DECIMAL: (_decimal_bounds,),
    LogicalType.ENUM: (_enum_values,),
    LogicalType.BOOLEAN: (_boolean,),
}
