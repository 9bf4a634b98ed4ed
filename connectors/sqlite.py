"""SQLite connector: read-only `file:...?mode=ro` sources, rowid aliases, triggers, text dates."""
from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from connectors.base import Capabilities, register
from connectors.sqla import Catalog, ErrorRule, SqlaConnector, _COMMON_RULES
from dbsynth.errors import ConnectorError
from dbsynth.schema.model import Column, LogicalType, Trigger, UniqueConstraint

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine, Inspector

_RULES = _COMMON_RULES + (
    ErrorRule(r"file is not a database|file is encrypted", "the file is not a SQLite database",
              "point the URL at a SQLite database file (sqlite:///path/to/file.db)"),
    ErrorRule(r"unable to open database|cannot open", "the database file cannot be opened",
              "check the path and the file's permissions"),
    ErrorRule(r"database is locked", "the database is locked by another process",
              "retry when the other writer has finished"),
)


def target_engine(url: str) -> "Engine":
    """The load's engine, whose transactions really are transactions (DDL included)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's implicit transactions skip DDL; take control of BEGIN ourselves.
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: "Connection") -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


@register("sqlite")
class SqliteConnector(SqlaConnector):
    """SQLite file (sources opened read-only through a `mode=ro` URI, so nothing is created)."""

    dialect: ClassVar[str] = "sqlite"
    capabilities: ClassVar[Capabilities] = Capabilities(
        transactional_ddl=True, defer_foreign_keys_pragma=True, returning=True,
        max_identifier_length=1_000_000, max_bind_params=32766,
        writer="connectors.sqlite_writer:SqliteWriter",
        target_engine="connectors.sqlite:target_engine")

    def _create_engine(self) -> "Engine":
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url
        path = make_url(self.url).database or ""
        if path in ("", ":memory:"):
            return create_engine("sqlite://")
        if self.read_only and not Path(path).is_file():
            raise ConnectorError(f"SQLite database file {path!r} does not exist",
                                 hint="check the path; sources are opened read-only and never created")
        uri = _file_uri(path, read_only=self.read_only)
        return create_engine("sqlite://", creator=lambda: _connect(uri))

    def _error_rules(self) -> tuple[ErrorRule, ...]:
        return _RULES

    def _schema_name(self, inspector: "Inspector", schema: str | None) -> str | None:
        return schema  # None = "main"; tables keep schema=None so SQL stays unqualified

    def _catalog(self, conn: "Connection", schema: str | None) -> Catalog:
        declared = _declared_types(conn, schema)
        return Catalog(triggers=_triggers(conn, schema), declared_types=declared,
                       uniques=_inline_uniques(conn, schema), fk_actions=_fk_actions(conn, schema),
                       text_formats=_text_formats(conn, schema, declared))

    def _refine_column(self, table: str, column: Column, raw: dict[str, Any],
                       pk: tuple[str, ...], catalog: Catalog) -> Column:
        if column.integer_bytes is not None:
            column = replace(column, integer_bytes=8)  # SQLite stores every integer in 64 bits
        decl = catalog.declared_types.get((table, column.name), "")
        named = _named_type(decl)
        if named is not None and column.logical_type != named:
            # SQLAlchemy reads names it does not know by affinity (UUID, BYTEA -> NUMERIC; LONGBLOB -> NullType),
            # which would model uuid text or bytes as numbers, or leave them NULL
            column = replace(column, logical_type=named, type_sql=decl.strip(), precision=None, scale=None)
        fmt = catalog.text_formats.get((table, column.name))
        if fmt and column.logical_type in (LogicalType.DATE, LogicalType.DATETIME, LogicalType.TIME):
            column = replace(column, text_format=fmt)  # written back in the source's format (sqlite_writer)
        if pk == (column.name,) and decl.strip().upper() == "INTEGER":
            # INTEGER PRIMARY KEY is an alias of the rowid: assigned by SQLite, never NULL.
            column = replace(column, autoincrement=True, nullable=False)
        return column


_UUID_DECL = re.compile(r"(?i)uuid|guid|uniqueidentifier")
_BINARY_DECL = re.compile(r"(?i)(?:var)?binary|bytea|bytes|image|raw|(?:tiny|medium|long)?blob")


def _named_type(declared: str) -> LogicalType | None:
    """The logical type a declared SQLite type names, where its affinity says otherwise."""
    name = re.sub(r"\s*\(.*\)\s*$", "", declared.strip())  # BINARY(16) -> BINARY
    if _UUID_DECL.fullmatch(name):
        return LogicalType.UUID
    if _BINARY_DECL.fullmatch(name):
        return LogicalType.BINARY
    return None


def _file_uri(path: str, *, read_only: bool) -> str:
    uri = Path(os.path.abspath(path)).as_uri()  # percent-encodes spaces, '?', '#'
    return f"{uri}?mode=ro" if read_only else uri


def _connect(uri: str) -> Any:
    import sqlite3
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def _prefix(schema: str | None) -> str:
    return '"' + schema.replace('"', '""') + '".' if schema else ""


def _triggers(conn: "Connection", schema: str | None) -> dict[str, list[Trigger]]:
    from sqlalchemy import text
    rows = conn.execute(text(f"SELECT name, tbl_name, sql FROM {_prefix(schema)}sqlite_master "
                             "WHERE type = 'trigger' ORDER BY name"))
    out: dict[str, list[Trigger]] = {}
    for name, table, sql in rows:
        out.setdefault(table, []).append(Trigger(name=name, definition=sql))
    return out


def _table_names(conn: "Connection", schema: str | None, kinds: str = "'table', 'view'") -> list[str]:
    from sqlalchemy import text
    return list(conn.execute(text(f"SELECT name FROM {_prefix(schema)}sqlite_master "
                                  f"WHERE type IN ({kinds}) AND name NOT LIKE 'sqlite_%'")).scalars())


def _pragma(conn: "Connection", schema: str | None, pragma: str, arg: str) -> list[Any]:
    from sqlalchemy import text
    quoted = arg.replace('"', '""')
    return list(conn.execute(text(f'PRAGMA {_prefix(schema)}{pragma}("{quoted}")')))


def _inline_uniques(conn: "Connection", schema: str | None) -> dict[str, list[UniqueConstraint]]:
    """Column-level UNIQUE (origin 'u' autoindexes), which the Inspector does not report."""
    out: dict[str, list[UniqueConstraint]] = {}
    for table in _table_names(conn, schema, "'table'"):
        for _seq, name, unique, origin, *_ in _pragma(conn, schema, "index_list", table):
            if unique and origin == "u":
                cols = tuple(r[2] for r in _pragma(conn, schema, "index_info", name))
                out.setdefault(table, []).append(UniqueConstraint(cols))
    return out


def _fk_actions(conn: "Connection", schema: str | None) -> dict[tuple[str, tuple[str, ...]], Any]:
    """ON DELETE / ON UPDATE per FK from PRAGMA foreign_key_list (the DDL parser misses inline ones)."""
    out: dict[tuple[str, tuple[str, ...]], Any] = {}
    for table in _table_names(conn, schema, "'table'"):
        groups: dict[int, list[Any]] = {}
        for row in _pragma(conn, schema, "foreign_key_list", table):
            groups.setdefault(row[0], []).append(row)
        for rows in groups.values():
            rows.sort(key=lambda r: r[1])
            out[(table, tuple(r[3] for r in rows))] = (_action(rows[0][6]), _action(rows[0][5]))
    return out


def _action(value: str | None) -> str | None:
    return None if not value or value.upper() == "NO ACTION" else value.upper()


def _declared_types(conn: "Connection", schema: str | None) -> dict[tuple[str, str], str]:
    """Each column's declared type text, verbatim (PRAGMA table_xinfo)."""
    out: dict[tuple[str, str], str] = {}
    for table in _table_names(conn, schema):
        for row in _pragma(conn, schema, "table_xinfo", table):
            out[(table, row[1])] = row[2] or ""
    return out


_TEMPORAL_DECL = re.compile(r"(?i)date|time")
_TIME_ONLY_DECL = re.compile(r"(?i)^\s*time\b")


def _text_formats(conn: "Connection", schema: str | None,
                  declared: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """The text format of each date/time column that holds text (`1996-07-04 00:00:00.000`).

    Read from the first rows' text values only (SQLite's dates are whatever the
    application wrote); a column without one exact format gets none.
    """
    from sqlalchemy import text

    from dbsynth.transform.datefmt import SAMPLE, detect_format
    tables = set(_table_names(conn, schema, "'table'"))
    out: dict[tuple[str, str], str] = {}
    for (table, column), decl in declared.items():
        if table not in tables or not _TEMPORAL_DECL.search(decl):
            continue
        q_table, q_col = table.replace('"', '""'), column.replace('"', '""')
        values = conn.execute(text(f'SELECT "{q_col}" FROM {_prefix(schema)}"{q_table}" '
                                   f"WHERE typeof(\"{q_col}\") = 'text' LIMIT {SAMPLE}")).scalars().all()
        fmt = detect_format(values, time_only=bool(_TIME_ONLY_DECL.search(decl)))
        if fmt:
            out[(table, column)] = fmt
    return out
