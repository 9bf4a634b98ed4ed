"""PostgreSQL connector (psycopg 3): read-only sessions, catalog extras, server-side chunked reads."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from connectors.base import Capabilities, connect_timeout, register
from connectors.sqla import Catalog, ErrorRule, SqlaConnector, _COMMON_RULES
from dbsynth.schema.model import Column, Trigger

if TYPE_CHECKING:
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
        max_identifier_length=63, max_bind_params=65535)

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
                       deferrable=_deferrable(conn, schema))

    def _refine_column(self, table: str, column: Column, raw: dict[str, Any],
                       pk: tuple[str, ...], catalog: Catalog) -> Column:
        sequence = catalog.sequences.get((table, column.name)) or _nextval(column.default, raw)
        if sequence is None:
            return column
        return replace(column, sequence=sequence, autoincrement=True)


_NEXTVAL = re.compile(r"nextval\('(?P<seq>(?:[^']|'')+)'(?:::regclass)?\)", re.IGNORECASE)


def _nextval(default: str | None, raw: dict[str, Any]) -> str | None:
    """The sequence of a `nextval('seq')` default not OWNED BY its column (Sakila's style)."""
    match = _NEXTVAL.search(default or "")
    return match["seq"].replace("''", "'") if match else None


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
    for table, name, definition in _rows(conn, _TRIGGERS_SQL, schema):
        out.setdefault(table, []).append(Trigger(name=name, definition=definition))
    return out


def _parents(conn: "Connection", schema: str | None) -> dict[str, str]:
    return {child: parent for child, parent in _rows(conn, _PARENTS_SQL, schema)}


def _sequences(conn: "Connection", schema: str | None) -> dict[tuple[str, str], str]:
    return {(table, column): seq for table, column, seq in _rows(conn, _SEQUENCES_SQL, schema)}


def _deferrable(conn: "Connection", schema: str | None) -> dict[tuple[str, str], tuple[bool, bool]]:
    return {(table, name): (bool(d), bool(i)) for table, name, d, i in _rows(conn, _DEFERRABLE_SQL, schema)}


_TRIGGERS_SQL = """
SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid)
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND NOT t.tgisinternal ORDER BY c.relname, t.tgname"""

_PARENTS_SQL = """
SELECT c.relname, p.relname
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema ORDER BY c.relname"""

_SEQUENCES_SQL = """
SELECT c.relname, a.attname, s.seq
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (SELECT pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname),
                                                  a.attname) AS seq) s
WHERE n.nspname = :schema AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  AND s.seq IS NOT NULL"""

_DEFERRABLE_SQL = """
SELECT c.relname, k.conname, k.condeferrable, k.condeferred
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND k.contype = 'f'"""
