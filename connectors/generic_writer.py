"""Generic target writer: SQLAlchemy Core executemany (insertmanyvalues).

Also holds what every writer shares: the writer contract and the conversion
of a DataFrame column to plain Python values (drivers cannot bind numpy
scalars or pandas NA).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from dbsynth.schema.graph import LoadPlan
    from dbsynth.schema.model import Schema, Table


class Writer(Protocol):
    """Writes chunks into a target inside the caller's open transaction."""

    name: str
    triggers: str  # what happened to user triggers, for the summary
    warnings: list[str]
    sequences_reset: list[str]

    def prepare(self) -> None: ...

    def write(self, table: "Table", frame: "pd.DataFrame") -> int: ...

    def finish(self) -> None: ...


@dataclass
class WriterContext:
    """Everything a writer needs; `fks_pending` means FKs are added after the data."""

    conn: "Connection"
    schema: "Schema"
    plan: "LoadPlan"
    keep_triggers: bool = False
    fks_pending: bool = False


def writable(table: "Table", frame: "pd.DataFrame") -> "pd.DataFrame":
    """`frame` without generated columns (the database computes them and refuses writes), integer
    columns as whole numbers (NULLs make pandas hold them as floats: `27.0` is no integer to COPY)."""
    generated = {c.name for c in table.columns if c.generated}
    frame = _whole_integers(table, frame)
    if not generated.intersection(frame.columns):
        return frame
    return frame[[c for c in frame.columns if c not in generated]]


def _whole_integers(table: "Table", frame: "pd.DataFrame") -> "pd.DataFrame":
    fixed = {}
    for col in table.columns:
        if col.logical_type.value != "integer" or col.name not in frame:
            continue
        s = frame[col.name]
        if s.dtype.kind != "f" and not (s.dtype == object and s.map(lambda v: isinstance(v, float)).any()):
            continue
        numbers = pd.to_numeric(s, errors="coerce")
        present = numbers.notna() & s.notna()
        if present.any() and (numbers[present] % 1 == 0).all() and present.sum() == s.notna().sum():
            fixed[col.name] = pd.Series([int(v) if p else None for v, p in zip(numbers, present)],
                                        index=s.index, dtype=object)
    return frame.assign(**fixed) if fixed else frame


def native_column(series: "pd.Series", *, numpy_ok: bool = False) -> list[Any]:
    """`series` as Python objects with None for every missing value.

    Typed columns convert in C (`tolist`, `to_pydatetime`); object columns
    are walked value by value for numpy scalars hidden in them, unless the
    driver dumps those itself (`numpy_ok`: psycopg 3.2+).
    """
    # extension dtypes (Int64, boolean, string) hold pd.NA: they take the masked object path
    kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else "O"
    if kind in "iub":  # a numpy int/bool column cannot hold NULL
        return series.tolist()
    mask = series.isna().to_numpy()
    if kind == "M" or isinstance(series.dtype, pd.DatetimeTZDtype):
        values = list(series.array.to_pydatetime())  # 3x faster than astype(object)
    elif kind == "m":
        values = list(series.dt.to_pytimedelta())
    elif kind == "f" or numpy_ok:
        values = series.tolist()
    else:
        return [None if m else _scalar(v) for v, m in zip(series.to_numpy(dtype=object).tolist(), mask)]
    for i in np.flatnonzero(mask).tolist():
        values[i] = None
    return values


def _scalar(value: Any) -> Any:
    item = getattr(value, "item", None)  # numpy scalars hidden in object columns
    return item() if callable(item) and type(value).__module__ == "numpy" else value


def native_rows(frame: "pd.DataFrame", *, numpy_ok: bool = False) -> list[tuple[Any, ...]]:
    return list(zip(*(native_column(frame[c], numpy_ok=numpy_ok) for c in frame.columns)))


@dataclass
class GenericWriter:
    """Any SQLAlchemy dialect: batched INSERT, no trigger or constraint control."""

    ctx: WriterContext
    name: str = "sqlalchemy-insertmanyvalues"
    triggers: str = "kept (not controllable on this target)"
    warnings: list[str] = field(default_factory=list)
    sequences_reset: list[str] = field(default_factory=list)
    batch_rows: int = 10_000

    def prepare(self) -> None:
        if self.ctx.plan.deferred:
            self.warnings.append("target cannot defer FK checks: cycles load only if the target allows it")

    def write(self, table: "Table", frame: "pd.DataFrame") -> int:
        import sqlalchemy as sa

        frame = writable(table, frame)
        target = sa.table(table.name, *[sa.column(c) for c in frame.columns])
        cols = list(frame.columns)
        rows = native_rows(frame)
        for start in range(0, len(rows), self.batch_rows):
            batch = [dict(zip(cols, r)) for r in rows[start:start + self.batch_rows]]
            self.ctx.conn.execute(sa.insert(target), batch)
        return len(rows)

    def finish(self) -> None:
        return None
