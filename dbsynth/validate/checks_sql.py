"""CHECK constraints: parse with sqlglot from the source dialect, evaluate with DuckDB.

A CHECK passes when its expression is TRUE *or NULL* (SQL semantics), so a
row is bad when ``NOT COALESCE((expr), TRUE)``. Column references are
rewritten to positional aliases (``c0, c1, …``) so names with spaces, mixed
case or quotes never need quoting in the DuckDB text. PostgreSQL DOMAIN
checks use ``VALUE``: compile them with ``columns=["VALUE"]``.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from dbsynth.errors import DbsynthError

if TYPE_CHECKING:
    import pandas as pd

_SQLGLOT_DIALECTS = {"postgresql": "postgres", "mssql": "tsql", "mariadb": "mysql", "sqlite": "sqlite"}
_local = threading.local()


class UncheckedConstraint(DbsynthError):
    """A CHECK expression that cannot be parsed or evaluated; it is skipped, not enforced."""


@dataclass(frozen=True)
class CompiledCheck:
    """One CHECK expression ready to run on a frame (or the reason it cannot be)."""

    source: str  # the expression as reflected
    duckdb_sql: str | None  # rewritten over c0, c1, … ; None when `error` is set
    columns: tuple[str, ...] = ()  # frame columns referenced, in alias order
    error: str | None = None
    _missing: tuple[str, ...] = field(default=(), repr=False)

    @property
    def checkable(self) -> bool:
        return self.error is None

    def evaluate(self, frame: "pd.DataFrame", *, rename: Mapping[str, str] | None = None) -> np.ndarray:
        """Boolean mask of rows for which the CHECK is FALSE.

        `rename` maps a referenced name to the frame column holding it (e.g.
        ``{"VALUE": "release_year"}`` for a DOMAIN check). Raises
        UncheckedConstraint when the check cannot be evaluated on this frame.
        """
        if self.error is not None:
            raise UncheckedConstraint(f"CHECK ({self.source}) is unchecked: {self.error}")
        if len(frame) == 0:
            return np.zeros(0, dtype=bool)
        data = _aliased_frame(frame, self.columns, rename or {}, self.source)
        query = f"SELECT __rid FROM __chk WHERE NOT COALESCE(({self.duckdb_sql}), TRUE)"
        try:
            con = _connection()
            con.register("__chk", data)
            try:
                rows = con.execute(query).fetchnumpy()["__rid"]
            finally:
                con.unregister("__chk")
        except Exception as exc:  # duckdb raises many error types; none may escape
            raise UncheckedConstraint(f"CHECK ({self.source}) could not be evaluated: {_one_line(exc)}",
                                      hint="the check is skipped; verify it after load") from None
        mask = np.zeros(len(frame), dtype=bool)
        mask[np.asarray(rows, dtype=np.int64)] = True
        return mask


def compile_check(expr_sql: str, *, dialect: str, columns: Sequence[str]) -> CompiledCheck:
    """Parse a CHECK body written in `dialect` and transpile it to DuckDB SQL.

    Never raises: a check that cannot be parsed, or that references a column
    not in `columns`, comes back with `error` set (callers report it as
    "unchecked").
    """
    import sqlglot
    from sqlglot import exp

    read = _SQLGLOT_DIALECTS.get(dialect.lower(), dialect.lower())
    try:
        tree = sqlglot.parse_one(_strip_check_keyword(expr_sql), read=read)
    except Exception as exc:  # sqlglot ParseError / TokenError / unknown dialect
        return CompiledCheck(source=expr_sql, duckdb_sql=None, error=f"cannot parse: {_one_line(exc)}")
    by_lower = {c.lower(): c for c in columns}
    used: list[str] = []
    missing: list[str] = []

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table:
            name = by_lower.get(node.name.lower())
            if name is None:
                missing.append(node.name)
                return node
            if name not in used:
                used.append(name)
            return exp.column(f"c{used.index(name)}")
        return node

    def sqlite_like(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Like):
            # SQLite's LIKE is case-insensitive for ASCII; DuckDB's is not.
            return exp.ILike(this=node.this, expression=node.expression)
        return node

    def pg_like_escape(node: exp.Expression) -> exp.Expression:
        if isinstance(node, (exp.Like, exp.ILike)) and not isinstance(node.parent, exp.Escape):
            # PostgreSQL's LIKE escapes with a backslash by default; DuckDB's has no escape
            return exp.Escape(this=node.copy(), expression=exp.Literal.string("\\"))
        return node

    try:
        if read == "sqlite":
            tree = tree.transform(sqlite_like)
        if read == "postgres":
            tree = tree.transform(pg_like_escape)
        tree = tree.transform(rewrite)
        sql = tree.sql(dialect="duckdb")
    except Exception as exc:
        return CompiledCheck(source=expr_sql, duckdb_sql=None, error=f"cannot transpile: {_one_line(exc)}")
    if missing:
        return CompiledCheck(source=expr_sql, duckdb_sql=None, error=f"unknown column(s) {sorted(set(missing))}")
    return CompiledCheck(source=expr_sql, duckdb_sql=sql, columns=tuple(used))


def _strip_check_keyword(text: str) -> str:
    """Accept both ``x > 0`` and ``CHECK (x > 0)`` as reflected by different drivers."""
    body = text.strip().rstrip(";").strip()
    head = body[:5].upper()
    if head == "CHECK" and (len(body) == 5 or not (body[5].isalnum() or body[5] == "_")):
        body = body[5:].strip()
    return body


def _aliased_frame(frame: "pd.DataFrame", columns: Sequence[str], rename: Mapping[str, str],
                   source: str) -> "pd.DataFrame":
    import pandas as pd

    data: dict[str, Any] = {}
    for i, name in enumerate(columns):
        col = rename.get(name, name)
        if col not in frame.columns:
            # A column absent from the frame is left to the DB default: we cannot judge it.
            raise UncheckedConstraint(f"CHECK ({source}) needs column {col!r}, absent from the rows")
        data[f"c{i}"] = _duckdb_friendly(frame[col])
    data["__rid"] = np.arange(len(frame), dtype=np.int64)
    return pd.DataFrame(data)


def _duckdb_friendly(series: "pd.Series") -> Any:
    """Decimal objects become floats: DuckDB infers one DECIMAL(p,s) from a sample and may overflow."""
    series = series.reset_index(drop=True)  # the aliased frame is built positionally
    if series.dtype != object:
        return series
    non_null = series.dropna()
    if len(non_null) and all(isinstance(v, Decimal) for v in non_null.head(50)):
        return series.map(_to_float).astype("float64")
    return series


def _to_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _connection() -> Any:
    import duckdb

    con = getattr(_local, "con", None)
    if con is None:
        # One in-memory connection per thread: connecting costs more than a small query.
        con = duckdb.connect(database=":memory:")
        _local.con = con
    return con


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
