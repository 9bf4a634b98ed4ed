"""What a dirty or unusual source needs before fitting: values the target's types can hold.

SQLite does not enforce declared types or lengths, so a source may hold text in
an INTEGER column or 'Maintenance Contractor' in a VARCHAR(5). Fitting on such
values as they are would make rows the target (or the validator) refuses. Each
function here returns what to fit on and appends one warning line saying what
was done, so nothing changes silently.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from dbsynth.schema.model import Column, LogicalType, Schema, Table

_NUMERIC = (LogicalType.INTEGER, LogicalType.FLOAT, LogicalType.DECIMAL)


def numeric_type(col: Column) -> bool:
    return col.logical_type in _NUMERIC


def within_length(table: Table, col: Column, values: pd.Series, warnings: list[str]) -> pd.Series:
    """Text longer than the declared length (SQLite does not enforce it) is cut to fit, said once."""
    if col.logical_type != LogicalType.TEXT or not col.length or not len(values):
        return values
    long = values.map(lambda v: isinstance(v, str) and len(v) > col.length).to_numpy(dtype=bool)
    if not long.any():
        return values
    warnings.append(f"{table.name}.{col.name}: {int(long.sum())} source value(s) are longer than its "
                    f"declared {col.type_sql or col.length} (e.g. {values[long].iloc[0]!r}); "
                    f"synthetic values are cut to {col.length} characters")
    return values.map(lambda v: v[:col.length] if isinstance(v, str) else v)


def typed_categories(table: Table, col: Column, values: pd.Series, warnings: list[str]) -> pd.Series:
    """Categories of a numeric column that are not numbers ('T', 'NULL' in SQLite): NULL, or left
    out when the column is NOT NULL; copied, they would break the column's type in the target."""
    if not numeric_type(col) or not len(values):
        return values
    bad = (values.notna() & pd.to_numeric(values, errors="coerce").isna()).to_numpy()
    if not bad.any():
        return values
    what = "generated as NULL" if col.nullable else "left out (the column is NOT NULL)"
    warnings.append(f"{table.name}.{col.name}: {int(bad.sum())} value(s) that are not numbers "
                    f"(e.g. {values[bad].iloc[0]!r}) {what}")
    return values.where(~bad, None) if col.nullable else values[~bad]


def numbers_for_text(table: Table, col: Column, values: pd.Series, warnings: list[str]) -> dict[str, Any]:
    """A numeric column holding text (words, not numbers): NULL, or a sequence when NOT NULL."""
    what = "NULL" if col.nullable else "numbers 1, 2, 3…"
    warnings.append(f"{table.name}.{col.name}: a {col.type_sql} column holding text "
                    f"(e.g. {values.dropna().iloc[0]!r}); generated as {what}")
    if col.nullable:
        return {"column": col.name, "kind": "placeholder", "value": None}
    return {"column": col.name, "kind": "int", "pattern": {}, "max_length": None, "null_rate": 0.0}


def number_within_family(table: Table, frame: pd.DataFrame, others: list[dict[str, Any]]) -> None:
    """(order, line_no) keys: line_no counts within each order from the source's first number,
    so it stays small and inside CHECKs such as line_no BETWEEN 1 AND 99; a date in
    (station, day) counts days from the first one."""
    pk = list(table.pk_columns)
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    for spec in others:
        rest = [c for c in pk if c != spec["column"]]
        if spec["kind"] not in ("int", "time") or spec["column"] not in pk or not rest or not set(rest) <= fk_cols:
            continue
        spec["group"] = rest  # the parent keys (context or not) are filled before this column
        if spec["kind"] == "time":
            spec["first"] = 0
            continue
        numbers = pd.to_numeric(frame[spec["column"]], errors="coerce").dropna() if len(frame) else pd.Series([])
        spec["first"] = int(numbers.min()) if len(numbers) else 1


def referred_by_integer(schema: Schema, table: Table, name: str) -> bool:
    """Whether a numeric FK column anywhere refers to `table.name` (a text key)."""
    for child in schema.data_tables:
        for fk in child.foreign_keys:
            if fk.referred_table != table.name or name not in fk.referred_columns:
                continue
            if numeric_type(child.column(fk.columns[list(fk.referred_columns).index(name)])):
                return True
    return False
