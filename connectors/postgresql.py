"""PostgreSQL connector (psycopg 3): read-only sessions, catalog extras, server-side chunked reads."""
from __future__ import annotations

import re
import warnings
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Iterator

from connectors.base import Capabilities, connect_timeout, register
from connectors.sqla import Catalog, ErrorRule, SqlaConnector, _COMMON_RULES
from dbsynth.schema.model import Column, ExclusionConstraint, Schema, Trigger

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection, Engine, Inspector

_RULES = (
    ErrorRule(r"connection refused|is the server running", "connection refused",
              "check host/port and that the server is running"),
    ErrorRule(r"could not translate host name|name or service not known|nodename nor servname",
              "unknown host", "check the host name in the URL"),
    ErrorRule(r"timeout expired|timed out", "connection timed out",
              "check host/port, firewalls, and that the server is running"),
    ErrorRule(r'password authentication failed for user "(?P<user>[^"]*)"',
              "password authentication failed for user '{user}'",
              "check the user name and password in the URL (or PGPASSWORD / ~/.pgpass)"),
    ErrorRule(r"no password supplied|fe_sendauth", "the server requires a password",
              "add the password to the URL or set PGPASSWORD / ~/.pgpass"),
    ErrorRule(r'database "(?P<db>[^"]*)" does not exist', "database '{db}' does not exist",
              "create it (createdb) or fix the database name in the URL"),
    ErrorRule(r'role "(?P<user>[^"]*)" does not exist', "role '{user}' does not exist",
              "check the user name in the URL"),
) + _COMMON_RULES


@register("postgresql")
class PostgresConnector(SqlaConnector):
    """PostgreSQL through psycopg 3; sources run every transaction read-only."""

    dialect: ClassVar[str] = "postgresql"
    capabilities: ClassVar[Capabilities] = Capabilities(
        copy=True, transactional_ddl=True, deferrable_constraints=True, alter_constraints=True,
        returning=True, sequences=True, disable_triggers=True, server_side_cursor=True, schemas=True,
        max_identifier_length=63, max_bind_params=65535,
        writer="connectors.pg_writer:PgWriter",
        target_engine="connectors.postgresql:target_engine")

    copy_reads: ClassVar[bool] = True  # False: read by row fetch (the reference the COPY reader is tested against)
    reads_row_masks: ClassVar[bool] = True  # read_table takes row_mask (pipeline.read_frames)

    def reflect(self, *, schema: str | None = None, row_counts: bool = True) -> Schema:
        # SQLAlchemy warns 'Did not recognize type' for point, ltree…: the catalog names them
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Did not recognize type")
            return super().reflect(schema=schema, row_counts=row_counts)

    def read_table(self, table: Any, *, chunk_size: int = 50_000,
                   columns: tuple[str, ...] | None = None, where_in: tuple[str, list[Any]] | None = None,
                   row_mask: Any = None) -> Iterator["pd.DataFrame"]:
        """read_table through COPY (connectors/pg_copy.py); the row fetch when COPY cannot serve it.

        row_mask(n): which of the next n rows to keep (a seeded share of a big table), applied
        before the rows are parsed.
        """
        import psycopg

        from connectors.pg_copy import CopyUnsupported, read_copy
        names = columns or table.column_names
        cols = tuple(table.column(c) for c in names)
        if self.copy_reads:
            try:
                with self._guard(f"read table {table.name!r} from"):
                    yield from read_copy(self.engine, table, cols, chunk_size=chunk_size, where_in=where_in,
                                         row_mask=row_mask)
                return
            except CopyUnsupported:
                pass  # raised before any row was read
            except psycopg.Error as exc:
                raise self._translate(exc, f"read table {table.name!r} from") from None
        for frame in SqlaConnector.read_table(self, table, chunk_size=chunk_size, columns=columns, where_in=where_in):
            yield frame if row_mask is None else frame[row_mask(len(frame))].reset_index(drop=True)

    def _create_engine(self) -> "Engine":
        from sqlalchemy import create_engine
        args: dict[str, Any] = {"connect_timeout": connect_timeout(), "application_name": "dbsynth"}
        if self.read_only:
            args["options"] = "-c default_transaction_read_only=on"  # any write fails server-side
        return create_engine(psycopg_url(self.url), connect_args=args, pool_pre_ping=True)

    def _error_rules(self) -> tuple[ErrorRule, ...]:
        return _RULES

    def _schema_name(self, inspector: "Inspector", schema: str | None) -> str | None:
        return schema or inspector.default_schema_name or "public"

    def _catalog(self, conn: "Connection", schema: str | None) -> Catalog:
        from sqlalchemy import inspect
        domains = {d["name"]: d for d in inspect(conn).get_domains(schema="*")}
        return Catalog(triggers=_triggers(conn, schema), parents=_parents(conn, schema),
                       sequences=_sequences(conn, schema), domains=domains,
                       deferrable=_deferrable(conn, schema), exclusions=_exclusions(conn, schema),
                       defaults=_defaults(conn, schema), declared_types=_declared_types(conn, schema))

    def _refine_column(self, table: str, column: Column, raw: dict[str, Any],
                       pk: tuple[str, ...], catalog: Catalog) -> Column:
        # The sequence comes from the catalog (pg_depend), never from parsing the default's
        # text: a quote in a name, or a crafted default, must not decide what is created.
        sequence = None if column.identity else catalog.sequences.get((table, column.name))
        # The default as the catalog prints it: SQLAlchemy rewrites any text holding
        # "nextval('" (even inside another call or a string), which changes its meaning.
        default = catalog.defaults.get((table, column.name)) if column.default is not None else None
        if _unknown_type(raw):  # point, ltree…: SQLAlchemy has no class, the catalog has the name
            column = replace(column, type_sql=catalog.declared_types.get((table, column.name), column.type_sql))
        return replace(column, sequence=sequence, autoincrement=bool(sequence or column.identity),
                       default=default)

    def _other_schemas_with_tables(self, inspector: "Inspector", schema: str | None) -> list[str]:
        from sqlalchemy import text
        with self.engine.connect() as conn:
            rows = conn.execute(text(_SCHEMAS_WITH_TABLES_SQL), {"schema": schema or ""})
            return [r[0] for r in rows]


def _unknown_type(raw: dict[str, Any]) -> bool:
    return type(raw.get("type")).__name__ == "NullType"


def _declared_types(conn: "Connection", schema: str | None) -> dict[tuple[str, str], str]:
    return {(table, column): typ for table, column, typ in _rows(conn, _TYPES_SQL, schema)}


def target_engine(url: str) -> "Engine":
    """The load's engine: psycopg 3; a server that accepts and stays silent fails like a source does."""
    from sqlalchemy import create_engine

    return create_engine(psycopg_url(url), connect_args={"connect_timeout": connect_timeout(),
                                                         "application_name": "dbsynth"})


def psycopg_url(url: str) -> str:
    """`postgresql://` / `postgres://` → `postgresql+psycopg://` (psycopg 3); explicit drivers kept."""
    scheme, sep, rest = url.partition("://")
    if scheme.lower() in ("postgresql", "postgres"):
        return f"postgresql+psycopg{sep}{rest}"
    if scheme.lower().startswith("postgres+"):
        return f"postgresql+{scheme.split('+', 1)[1]}{sep}{rest}"
    return url


def _rows(conn: "Connection", sql: str, schema: str | None) -> list[Any]:
    from sqlalchemy import text
    return list(conn.execute(text(sql), {"schema": schema}))


def _triggers(conn: "Connection", schema: str | None) -> dict[str, list[Trigger]]:
    out: dict[str, list[Trigger]] = {}
    for table, name, definition, function, language, function_sql in _rows(conn, _TRIGGERS_SQL, schema):
        # Only functions written in SQL or PL/pgSQL are copied (a C function loads a library);
        # a built-in one (pg_catalog, e.g. tsvector_update_trigger) has function None: nothing to copy.
        copyable = language in ("plpgsql", "sql")
        out.setdefault(table, []).append(Trigger(name=name, definition=definition, function=function,
                                                 function_definition=function_sql if copyable else None))
    return out


def _parents(conn: "Connection", schema: str | None) -> dict[str, str]:
    return {child: parent for child, parent in _rows(conn, _PARENTS_SQL, schema)}


def _sequences(conn: "Connection", schema: str | None) -> dict[tuple[str, str], str]:
    """(table, column) -> bare name of the sequence its DEFAULT calls (serial, or Sakila's shared style)."""
    return {(table, column): seq for table, column, seq in _rows(conn, _SEQUENCES_SQL, schema)}


_OPERATOR = re.compile(r"^[-+*/<>=~!@#%^&|`?]{1,8}$")
_METHOD = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _exclusions(conn: "Connection", schema: str | None) -> dict[str, list[ExclusionConstraint]]:
    """EXCLUDE constraints as (column, operator) pairs from the catalog, never as pasted text.

    Only plain-column elements with a plain operator name are kept; any other (an
    expression element, a schema-qualified operator) is reported by the DDL stage.
    """
    out: dict[str, list[ExclusionConstraint]] = {}
    for table, name, method, columns, operators, where in _rows(conn, _EXCLUSIONS_SQL, schema):
        cols = tuple(columns or ())
        ops = tuple(operators or ())
        ok = (all(c is not None for c in cols) and len(cols) == len(ops) and _METHOD.match(method or "")
              and all(_OPERATOR.match(o or "") for o in ops))
        out.setdefault(table, []).append(ExclusionConstraint(
            columns=cols if ok else (), operators=ops if ok else (), method=method or "gist", name=name,
            where=where))
    return out


def _defaults(conn: "Connection", schema: str | None) -> dict[tuple[str, str], str]:
    return {(table, column): text for table, column, text in _rows(conn, _DEFAULTS_SQL, schema)}


def _deferrable(conn: "Connection", schema: str | None) -> dict[tuple[str, str], tuple[bool, bool]]:
    return {(table, name): (bool(d), bool(i)) for table, name, d, i in _rows(conn, _DEFERRABLE_SQL, schema)}


_TRIGGERS_SQL = """
SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid),
       CASE WHEN p.pronamespace <> 'pg_catalog'::regnamespace THEN t.tgfoid::regprocedure::text END,
       l.lanname,
       CASE WHEN l.lanname IN ('plpgsql', 'sql') THEN pg_get_functiondef(t.tgfoid) END
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = :schema AND NOT t.tgisinternal ORDER BY c.relname, t.tgname"""

_PARENTS_SQL = """
SELECT c.relname, p.relname
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema ORDER BY c.relname"""

_SEQUENCES_SQL = """
SELECT DISTINCT ON (c.relname, a.attname) c.relname, a.attname, s.relname
FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
JOIN pg_depend dep ON dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid
  AND dep.refclassid = 'pg_class'::regclass
JOIN pg_class s ON s.oid = dep.refobjid AND s.relkind = 'S'
WHERE n.nspname = :schema AND c.relkind IN ('r', 'p') AND a.attidentity = ''
ORDER BY c.relname, a.attname, s.relname"""

_EXCLUSIONS_SQL = """
SELECT c.relname, k.conname, am.amname,
       ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord),
       ARRAY(SELECT o.oprname::text FROM unnest(k.conexclop) WITH ORDINALITY u(opr, ord)
             JOIN pg_operator o ON o.oid = u.opr ORDER BY u.ord),
       pg_get_expr(i.indpred, i.indrelid)
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_index i ON i.indexrelid = k.conindid JOIN pg_class ic ON ic.oid = k.conindid
JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname = :schema AND k.contype = 'x' ORDER BY c.relname, k.conname"""

_DEFAULTS_SQL = """
SELECT c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid)
FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
WHERE n.nspname = :schema AND a.attgenerated = ''"""

_SCHEMAS_WITH_TABLES_SQL = """
SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname <> :schema
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
GROUP BY n.nspname ORDER BY count(*) DESC, n.nspname"""

_DEFERRABLE_SQL = """
SELECT c.relname, k.conname, k.condeferrable, k.condeferred
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND k.contype = 'f'"""

_TYPES_SQL = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped"""

