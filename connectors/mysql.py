"""MySQL / MariaDB connector (PyMySQL): read-only sessions, catalog extras, zero dates.

`mysql://` and `mariadb://` URLs both go through PyMySQL (`pip install "dbsynth[mysql]"`).
What the SQLAlchemy Inspector does not give is read from information_schema:
triggers, plain view bodies, FULLTEXT/SPATIAL index kinds, per-column
collation, `ON UPDATE CURRENT_TIMESTAMP`, and zero dates (`0000-00-00`) in
dirty data, which are read as NULL and counted in a reflection warning.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from connectors.base import Capabilities, connect_timeout, register
from connectors.sqla import Catalog, ErrorRule, SqlaConnector, _COMMON_RULES
from dbsynth.schema.model import CheckConstraint, Column, Index, LogicalType, Schema, Table, TableKind, Trigger

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine, Inspector

EXTRA = "mysql"  # pip install "dbsynth[mysql]"
# SQLAlchemy's MySQL dialect has no class for spatial types; dbsynth types them from the catalog
warnings.filterwarnings("ignore", message=r"Did not recognize type '(geometry|point|linestring|polygon|multi\w+|"
                                          r"geometrycollection)'")

_RULES = (
    ErrorRule(r"\(2003,|can't connect to mysql server", "connection refused or host unreachable",
              "check host/port and that the server is running"),
    ErrorRule(r"\(1045,.*user '(?P<user>[^']*)'", "access denied for user '{user}'",
              "check the user name and password in the URL"),
    ErrorRule(r"\(1049,.*unknown database '(?P<db>[^']*)'", "database '{db}' does not exist",
              "create it (CREATE DATABASE) or fix the database name in the URL"),
    ErrorRule(r"\(1792,|read.only transaction", "the database is opened read-only",
              "sources are read-only on purpose; write only to a target"),
) + _COMMON_RULES

# integer width per MySQL integer type (validation bounds); UNSIGNED needs one more byte
_INT_BYTES = {"tinyint": 1, "smallint": 2, "mediumint": 3, "int": 4, "integer": 4, "bigint": 8}
_ON_UPDATE = re.compile(r"(?i)^(?P<default>.*?)\s*\bon update current_timestamp(\(\d*\))?\s*$")


def pymysql_url(url: str) -> str:
    """`mysql://` / `mariadb://` → `mysql+pymysql://` (explicit drivers kept, mariadb+x → mysql+x)."""
    scheme, sep, rest = url.partition("://")
    low = scheme.lower()
    if low in ("mysql", "mariadb"):
        return f"mysql+pymysql{sep}{rest}"
    if low.startswith("mariadb+"):
        return f"mysql+{scheme.split('+', 1)[1]}{sep}{rest}"
    return url


def require_driver() -> None:
    """ImportError naming the extra when PyMySQL is missing (turned into one line by the caller)."""
    try:
        import pymysql  # noqa: F401
    except ImportError:
        raise ImportError("No module named 'pymysql'", name="pymysql") from None


def engine_args(*, read_only: bool, local_infile: bool = False) -> dict[str, Any]:
    """PyMySQL connect arguments: utf8mb4, timeout, strict SQL mode, zero dates as NULL."""
    from pymysql.constants import FIELD_TYPE
    from pymysql.converters import conversions

    conv = dict(conversions)
    for kind in (FIELD_TYPE.DATE, FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP):
        conv[kind] = _zero_date_as_none(conversions[kind])
    init = ["SET SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO')",
            "SET SESSION time_zone = '+00:00'"]  # DATETIME written from UTC; TIMESTAMP read as UTC
    if read_only:
        init.append("SET SESSION TRANSACTION READ ONLY")
    args: dict[str, Any] = {"connect_timeout": connect_timeout(), "charset": "utf8mb4", "conv": conv,
                            "init": init}
    if local_infile:
        args["local_infile"] = True
    return args


def _zero_date_as_none(convert: Any) -> Any:
    def inner(value: Any) -> Any:
        text = value.decode() if isinstance(value, (bytes, bytearray)) else str(value)
        if text.startswith("0000-00-00") or "-00" in text[4:10]:
            return None  # a zero date is no date; counted by reflect() and reported
        return convert(value)
    return inner


def target_engine(url: str) -> "Engine":
    """The load's engine: LOAD DATA LOCAL allowed, FOREIGN_KEY_CHECKS=0 from the first statement
    (CREATE TABLE with FKs in any order, cycles), as mysqldump's header does; FKs are verified by
    query before COMMIT (connectors/mysql_writer.py). A missing PyMySQL names the extra."""
    from connectors.base import missing_driver
    try:
        return create_engine(url, read_only=False, local_infile=True, foreign_key_checks=False)
    except ImportError as exc:
        raise missing_driver(url, exc) from None


def create_engine(url: str, *, read_only: bool, local_infile: bool = False,
                  foreign_key_checks: bool = True) -> "Engine":
    from sqlalchemy import create_engine as sa_create_engine, event

    require_driver()
    args = engine_args(read_only=read_only, local_infile=local_infile)
    init = args.pop("init")
    if not foreign_key_checks:
        init.append("SET SESSION FOREIGN_KEY_CHECKS = 0")
    engine = sa_create_engine(pymysql_url(url), connect_args=args, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _init(dbapi_conn: Any, _record: Any) -> None:
        # one statement per call: the client never runs several statements in one query
        with dbapi_conn.cursor() as cur:
            for stmt in init:
                cur.execute(stmt)
    return engine


@register("mysql")
class MysqlConnector(SqlaConnector):
    """MySQL 5.7+/8 and MariaDB 10.2+ through PyMySQL; sources run read-only transactions."""

    dialect: ClassVar[str] = "mysql"
    # No transactional DDL (CREATE TABLE commits); FK checks are switched off for the load
    # the way mysqldump does it, and every FK is verified by query before COMMIT.
    capabilities: ClassVar[Capabilities] = Capabilities(
        foreign_key_checks_off=True, max_identifier_length=64, max_bind_params=65535,
        writer="connectors.mysql_writer:MysqlWriter",
        target_engine="connectors.mysql:target_engine")

    def _create_engine(self) -> "Engine":
        return create_engine(self.url, read_only=self.read_only)

    def _error_rules(self) -> tuple[ErrorRule, ...]:
        return _RULES

    def _schema_name(self, inspector: "Inspector", schema: str | None) -> str | None:
        return schema  # None = the URL's database; table names stay unqualified

    def reflect(self, *, schema: str | None = None, row_counts: bool = True) -> Schema:
        with warnings.catch_warnings():  # 'Did not recognize type geometry': the catalog names it
            warnings.filterwarnings("ignore", message="Did not recognize type")
            result = super().reflect(schema=schema, row_counts=row_counts)
        with self._guard("reflect"), self.engine.connect() as conn:
            extra = _catalog_extra(conn, schema)
            tables = tuple(_refine_table(t, extra) for t in result.tables)
            notes = _zero_dates(conn, tables, schema) if row_counts else []
        return replace(result, tables=tables, warnings=result.warnings + tuple(extra["warnings"]) + tuple(notes))

    def _catalog(self, conn: "Connection", schema: str | None) -> Catalog:
        return Catalog(triggers=_triggers(conn, schema), declared_types=_declared_types(conn, schema))

    def _refine_column(self, table: str, column: Column, raw: dict[str, Any],
                       pk: tuple[str, ...], catalog: Catalog) -> Column:
        decl = catalog.declared_types.get((table, column.name), "").lower()
        base = decl.split("(")[0].split()[0] if decl else ""
        if base in _INT_BYTES:
            nbytes = _INT_BYTES[base]
            if "unsigned" in decl:
                nbytes = min(8, nbytes + 1)  # 0..2^(8n)-1 fits the next signed width
            column = replace(column, integer_bytes=nbytes)
        if decl.startswith("tinyint(1)") and "unsigned" not in decl:
            # MySQL's BOOL/BOOLEAN is TINYINT(1): modelled as a boolean, written as 0/1, BOOLEAN elsewhere
            column = replace(column, logical_type=LogicalType.BOOLEAN, integer_bytes=None)
        elif base == "year":
            column = replace(column, logical_type=LogicalType.INTEGER, integer_bytes=2, type_sql="YEAR")
        elif base in ("geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
                      "multipolygon", "geometrycollection"):
            column = replace(column, logical_type=LogicalType.BINARY, type_sql=base.upper())
        elif base == "set":
            # a SET value is a comma-joined subset: as long as all members together
            values = tuple(getattr(raw.get("type"), "values", ()) or ())
            column = replace(column, enum_values=values,
                             length=sum(map(len, values)) + max(len(values) - 1, 0) if values else None)
        if column.default is not None:
            match = _ON_UPDATE.match(column.default)
            if match and not column.generated:
                # ON UPDATE CURRENT_TIMESTAMP is part of the type clause dbsynth writes itself
                column = replace(column, default=match["default"] or None,
                                 type_sql=f"{column.type_sql} ON UPDATE CURRENT_TIMESTAMP")
        if column.logical_type == LogicalType.DATETIME and base == "timestamp":
            column = replace(column, timezone=False)  # read and written in the session's UTC
        return column


def _rows(conn: "Connection", sql: str, schema: str | None) -> list[Any]:
    from sqlalchemy import text
    return list(conn.execute(text(sql.replace(":schema", "COALESCE(:schema, DATABASE())")), {"schema": schema}))


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _triggers(conn: "Connection", schema: str | None) -> dict[str, list[Trigger]]:
    out: dict[str, list[Trigger]] = {}
    for name, timing, event, table, body in _rows(conn, _TRIGGERS_SQL, schema):
        if timing not in ("BEFORE", "AFTER") or event not in ("INSERT", "UPDATE", "DELETE"):
            continue
        definition = f"CREATE TRIGGER {_q(name)} {timing} {event} ON {_q(table)} FOR EACH ROW {body}"
        out.setdefault(table, []).append(Trigger(name=name, definition=definition))
    return out


def _declared_types(conn: "Connection", schema: str | None) -> dict[tuple[str, str], str]:
    return {(table, column): typ for table, column, typ, *_ in _rows(conn, _COLUMNS_SQL, schema)}


def _catalog_extra(conn: "Connection", schema: str | None) -> dict[str, Any]:
    """Index kinds, non-default collations and plain view bodies (the db name stripped)."""
    kinds = {(t, i): k.lower() for t, i, k in _rows(conn, _INDEX_KINDS_SQL, schema)}
    collations = {(t, c): coll for t, c, _typ, coll, default in _rows(conn, _COLUMNS_SQL, schema)
                  if coll and coll != default}
    db = conn.exec_driver_sql("SELECT DATABASE()").scalar() if schema is None else schema
    views = {}
    for name, body in _rows(conn, _VIEWS_SQL, schema):
        views[name] = (body or "").replace(f"{_q(str(db))}.", "")  # the target has its own database name
    return {"kinds": kinds, "collations": collations, "views": views, "warnings": [],
            "column_checks": _column_checks(conn, schema)}


def _column_checks(conn: "Connection", schema: str | None) -> dict[str, list[CheckConstraint]]:
    """MariaDB's column-level CHECKs (`price DECIMAL CHECK (price > 0)`, JSON's json_valid), which
    SQLAlchemy does not parse; MySQL 8 has table-level CHECKs only (its CHECK_CONSTRAINTS has no
    TABLE_NAME: nothing to add)."""
    from sqlalchemy.exc import SQLAlchemyError
    try:
        rows = _rows(conn, _COLUMN_CHECKS_SQL, schema)
    except SQLAlchemyError:
        return {}
    out: dict[str, list[CheckConstraint]] = {}
    for table, name, clause in rows:
        out.setdefault(table, []).append(CheckConstraint(clause, name=name))
    return out


def _refine_table(table: Table, extra: dict[str, Any]) -> Table:
    if table.kind == TableKind.VIEW:
        body = extra["views"].get(table.name)
        return replace(table, view_definition=body) if body else table
    # MySQL reports a UNIQUE constraint as a unique index of the same name too: keep it once
    constraints = {u.name for u in table.unique_constraints if u.name}
    indexes = tuple(replace(i, method=extra["kinds"].get((table.name, i.name))) if
                    extra["kinds"].get((table.name, i.name)) else i for i in table.indexes
                    if not (i.unique and i.name in constraints))
    columns = tuple(_with_collation(c, extra["collations"].get((table.name, c.name))) for c in table.columns)
    # MariaDB's JSON is LONGTEXT + CHECK (json_valid(col)): modelled and re-created as JSON
    json_cols = {m.group(1) for c in (*table.checks, *extra["column_checks"].get(table.name, ()))
                 if (m := _JSON_VALID.match(c.sqltext.strip()))}
    columns = tuple(replace(c, logical_type=LogicalType.JSON, type_sql="JSON") if c.name in json_cols
                    and c.logical_type == LogicalType.TEXT else c for c in columns)
    checks = tuple(c for c in table.checks if not _JSON_VALID.match(c.sqltext.strip()))
    named = {c.name for c in table.checks}
    checks += tuple(c for c in extra["column_checks"].get(table.name, ())
                    if c.name not in named and not _JSON_VALID.match(c.sqltext.strip()))
    return replace(table, indexes=indexes, columns=columns, checks=checks)


_JSON_VALID = re.compile(r"(?i)^json_valid\(`?(\w+)`?\)$")


def _with_collation(column: Column, collation: str | None) -> Column:
    if not collation or "COLLATE" in column.type_sql.upper() or not re.fullmatch(r"\w+", collation):
        return column
    return replace(column, type_sql=f"{column.type_sql} COLLATE {collation}")


def _zero_dates(conn: "Connection", tables: tuple[Table, ...], schema: str | None) -> list[str]:
    """One warning per date column holding zero dates (read as NULL): dirty data said loudly."""
    notes = []
    for table in tables:
        cols = [c for c in table.columns if c.logical_type in (LogicalType.DATE, LogicalType.DATETIME)]
        if table.kind != TableKind.TABLE or not cols:
            continue
        # compare as text: a zero date is refused by date comparison under strict sql_mode
        parts = ", ".join(f"SUM(CAST({_q(c.name)} AS CHAR) LIKE '0000-00-00%%' OR "
                          f"CAST({_q(c.name)} AS CHAR) LIKE '____-00-%%' OR "
                          f"CAST({_q(c.name)} AS CHAR) LIKE '____-__-00%%')" for c in cols)
        where = f"{_q(schema)}." if schema else ""
        row = conn.exec_driver_sql(f"SELECT {parts} FROM {where}{_q(table.name)}").one()
        for col, count in zip(cols, row):
            if count:
                notes.append(f"{table.name}.{col.name}: {int(count)} zero date(s) (0000-00-00) read as NULL")
    return notes


_TRIGGERS_SQL = """
SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_STATEMENT
FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = :schema ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER"""

_COLUMNS_SQL = """
SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.COLLATION_NAME, t.TABLE_COLLATION
FROM information_schema.COLUMNS c JOIN information_schema.TABLES t
  ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE c.TABLE_SCHEMA = :schema"""

_INDEX_KINDS_SQL = """
SELECT DISTINCT TABLE_NAME, INDEX_NAME, INDEX_TYPE FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = :schema AND INDEX_TYPE IN ('FULLTEXT', 'SPATIAL')"""

_COLUMN_CHECKS_SQL = """
SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = :schema AND LEVEL = 'Column'"""

_VIEWS_SQL = """
SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = :schema"""
