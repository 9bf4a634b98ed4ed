"""PostgreSQL source reads through `COPY (SELECT …) TO STDOUT`: text rows parsed by pandas' C reader.

A row fetch builds one Python tuple per row and one object per value; COPY
streams the rows as text, and pandas parses a whole chunk of them in C. The
frames are the ones the row-fetch read gives (SqlaConnector.read_table), value
for value:

* integers, floats / numerics, booleans, dates and timestamps (the types pandas
  keeps natively) are parsed from the text as the row path's coercion would
  convert the driver's values (Int64, float64, boolean, datetime64[us]);
* text types come back as `str` (COPY's backslash escapes undone);
* every other type (bytea, arrays, json, uuid, intervals, ranges, inet, time,
  money…) is handed, value by value, to the very psycopg loader a row fetch
  uses for its type OID, so it is the same Python object by construction.

Anything the fast parse refuses (a date past year 9999, SQLite-like oddities
in a domain) drops that chunk to the per-value loaders, which then behave as
the row fetch does. Session settings the text depends on (DateStyle, TimeZone
for timestamptz) are set with SET LOCAL inside the read-only transaction.
"""
from __future__ import annotations

import csv
import io
import re
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Iterator

from dbsynth.schema.model import Column, LogicalType, Table

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# type OID -> how the fast path parses it (every other OID goes through psycopg's loader)
_INT = {20, 21, 23}  # int8, int2, int4
_FLOAT = {700, 701, 1700}  # float4, float8, numeric
_TEXT = {25, 1043, 1042, 19}  # text, varchar, bpchar, name
_BOOL, _DATE, _TS, _TSTZ = 16, 1082, 1114, 1184
_NULL = "\\N"
IN_BATCH = 5_000  # values per IN list, as the row path asks them (same queries, same chunks)

RowMask = Callable[[int], "np.ndarray"]


class CopyUnsupported(Exception):
    """This read cannot go through COPY (the caller reads by row fetch instead)."""


def fast_kind(column: Column, oid: int) -> str | None:
    """How the fast path parses `column` (None: psycopg's loader, value by value)."""
    lt = column.logical_type
    if oid in _INT and lt == LogicalType.INTEGER:
        return "int"
    if oid in _FLOAT and lt in (LogicalType.FLOAT, LogicalType.DECIMAL):
        return "float"
    if oid == _BOOL and lt == LogicalType.BOOLEAN:
        return "bool"
    if (oid == _DATE and lt == LogicalType.DATE) or (oid == _TS and lt == LogicalType.DATETIME and not column.timezone):
        return "datetime"
    if oid == _TSTZ and lt == LogicalType.DATETIME and column.timezone:
        return "datetime"
    if oid in _TEXT and lt not in _COERCED:
        return "text"
    return None


_COERCED = (LogicalType.INTEGER, LogicalType.FLOAT, LogicalType.DECIMAL, LogicalType.BOOLEAN,
            LogicalType.DATE, LogicalType.DATETIME)


def read_copy(engine: Any, table: Table, columns: tuple[Column, ...], *, chunk_size: int,
              where_in: tuple[str, list[Any]] | None = None,
              row_mask: RowMask | None = None) -> Iterator["pd.DataFrame"]:
    """Yield `table` in frames of at most `chunk_size` rows read by COPY (see the module docstring).

    row_mask(n): which of the next n rows to keep; applied to the text lines
    before parsing, so a sample of a big table parses only the kept rows.
    Raises CopyUnsupported before any row is read when the connection cannot do it.
    """
    from psycopg import sql
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        if conn is None or not hasattr(conn, "cursor") or conn.info.encoding.lower() not in ("utf-8", "utf8"):
            raise CopyUnsupported("not a UTF-8 psycopg 3 connection")
        raw.rollback()  # a fresh transaction, so SET LOCAL applies to this read only
        select = sql.SQL("SELECT {cols}, 0 FROM {table}").format(  # the trailing 0: no line is ever blank
            cols=sql.SQL(", ").join(sql.Identifier(c.name) for c in columns),
            table=sql.Identifier(table.schema, table.name) if table.schema else sql.Identifier(table.name))
        with conn.cursor() as cur:
            cur.execute("SET LOCAL DateStyle = 'ISO, YMD'")
            cur.execute("SET LOCAL TimeZone = 'UTC'")
            cur.execute(sql.SQL("{} LIMIT 0").format(select))
            oids = [d.type_code for d in cur.description][:-1]
            parser = _ChunkParser(cur, columns, oids)
            empty = True
            for query in _queries(select, where_in):
                for frame in _copy_chunks(cur, query, parser, chunk_size, row_mask):
                    empty = False
                    yield frame
            if empty:
                yield parser.empty()
        raw.rollback()
    finally:
        raw.close()


def _queries(select: Any, where_in: tuple[str, list[Any]] | None) -> list[Any]:
    from psycopg import sql
    if where_in is None:
        return [select]
    key, values = where_in
    return [sql.SQL("{} WHERE {} IN ({})").format(select, sql.Identifier(key),
                                                  sql.SQL(", ").join(map(sql.Literal, values[i:i + IN_BATCH])))
            for i in range(0, len(values), IN_BATCH)]


def _copy_chunks(cur: Any, query: Any, parser: "_ChunkParser", chunk_size: int,
                 row_mask: RowMask | None) -> Iterator["pd.DataFrame"]:
    from psycopg import sql
    with cur.copy(sql.SQL("COPY ({}) TO STDOUT").format(query)) as copy:
        rows = iter(copy)  # one buffer per row (PostgreSQL sends a message per row)
        while True:
            lines = list(islice(rows, chunk_size))
            if not lines:
                return
            n = len(lines)
            if row_mask is not None:
                keep = row_mask(n)
                lines = [line for line, k in zip(lines, keep) if k]
            if lines:
                yield parser.parse(b"".join(lines), len(lines))
            if n < chunk_size:
                return


class _ChunkParser:
    """COPY text lines → a frame typed as the row path's coercion would type it."""

    def __init__(self, cur: Any, columns: tuple[Column, ...], oids: list[int]) -> None:
        from psycopg.adapt import Transformer
        from psycopg.pq import Format
        self.columns = columns
        self.kinds = [fast_kind(c, oid) for c, oid in zip(columns, oids)]
        tx = Transformer(cur)
        self.loaders = [tx.get_loader(oid, Format.TEXT) for oid in oids]

    def empty(self) -> "pd.DataFrame":
        import pandas as pd

        from connectors.sqla import coerce_frame
        return coerce_frame(pd.DataFrame({c.name: pd.Series([], dtype=object) for c in self.columns}), self.columns)

    def parse(self, data: bytes, n: int) -> "pd.DataFrame":
        try:
            frame = self._parse(data, fast=True)
        except (ValueError, TypeError, OverflowError):  # a value pandas cannot type: the loaders decide
            frame = self._parse(data, fast=False)
        if len(frame) != n:  # never a silently short read
            raise ValueError(f"COPY gave {n} rows but {len(frame)} were parsed")
        return frame

    def _parse(self, data: bytes, *, fast: bool) -> "pd.DataFrame":
        import pandas as pd
        kinds = self.kinds if fast else [None] * len(self.columns)
        width = len(self.columns) + 1
        # NOT NULL integers parse as int64 in C (Int64 goes through a slow object pass); Int64 after
        dtypes = {i: _dtype(k, c) for i, (k, c) in enumerate(zip(kinds, self.columns))}
        nulls = {i: [_NULL, "NaN"] if k == "float" else [_NULL] for i, k in enumerate(kinds)}
        raw = pd.read_csv(io.BytesIO(data), sep="\t", header=None, names=list(range(width)), quoting=csv.QUOTE_NONE,
                          dtype={**dtypes, width - 1: object}, na_values=nulls, keep_default_na=False,
                          skip_blank_lines=False, float_precision="round_trip", engine="c", encoding="utf-8",
                          low_memory=False)
        escaped = b"\\" in data  # COPY escapes every backslash: none in the chunk, nothing to undo
        out = {}
        for i, (col, kind) in enumerate(zip(self.columns, kinds)):
            out[col.name] = self._column(raw[i], col, kind, self.loaders[i], escaped)
        return pd.DataFrame(out, columns=[c.name for c in self.columns])

    @staticmethod
    def _column(series: "pd.Series", col: Column, kind: str | None, loader: Any, escaped: bool) -> Any:
        import pandas as pd

        from connectors.sqla import coerce_frame
        if kind == "int":
            return series if series.dtype == "Int64" else pd.array(series.to_numpy(), dtype="Int64")
        if kind == "float":
            return series
        values = _unescaped(series) if escaped else series
        if kind == "bool":
            return pd.array(values.map({"t": True, "f": False}), dtype="boolean")
        if kind == "datetime":
            try:
                parsed = pd.to_datetime(values, format="ISO8601", utc=col.timezone)
                return parsed.astype("datetime64[us, UTC]" if col.timezone else "datetime64[us]")
            except (ValueError, TypeError, OverflowError):  # year 1, 'infinity'…: the loader decides, as a fetch
                pass
        if kind == "text":
            return values.astype(object).where(values.notna(), None)
        nulls = values.isna().to_numpy()
        # built as the row path builds its frames, so pandas infers the same dtype (timedelta64 for intervals…)
        loaded = pd.DataFrame({col.name: [None if null else loader.load(v.encode("utf-8"))
                                          for v, null in zip(values.tolist(), nulls)]})
        if col.logical_type in _COERCED:  # as the row path: coerce the driver's values
            loaded = coerce_frame(loaded, (col,))
        return loaded[col.name]


def _dtype(kind: str | None, column: Column) -> Any:
    if kind == "int":
        return "Int64" if column.nullable else "int64"
    return "float64" if kind == "float" else object


_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPES = {"\\": "\\", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}


def unescape(text: str) -> str:
    """Undo COPY text format's backslash escapes (the only ones COPY TO writes)."""
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def _unescaped(series: "pd.Series") -> "pd.Series":
    has = series.str.contains("\\", regex=False, na=False)
    if has.any():
        series = series.copy()
        series[has] = series[has].map(unescape)
    return series
