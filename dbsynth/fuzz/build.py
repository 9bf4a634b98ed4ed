"""Render a fuzz schema as SQLite / PostgreSQL DDL + rows and create it in a real database.

The source is checked by the database itself after loading (SQLite:
foreign_key_check + integrity_check; PostgreSQL: every constraint enforced,
FKs re-checked after a load with triggers off), so a broken source is the
generator's bug (`SourceError`), never blamed on dbsynth.
"""
from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from dbsynth.fuzz.generate import FuzzSchema, Table, q


class SourceError(RuntimeError):
    """The generated source violates its own schema (a fuzzer bug)."""


def _columns_sql(t: Table, dialect: str) -> list[str]:
    out = []
    for c in t.columns:
        typ = c.sqlite_type if dialect == "sqlite" else c.pg_type
        if dialect == "postgresql" and typ in ("serial", "bigserial") and t.pk != (c.name,):
            typ = {"serial": "integer", "bigserial": "bigint"}[typ]
        line = f"{q(c.name)} {typ}"
        if not c.nullable:
            line += " NOT NULL"
        if c.unique:
            line += " UNIQUE"
        out.append(line)
    return out


def _fk_sql(fk: Any) -> str:
    cols = ", ".join(map(q, fk.columns))
    refs = ", ".join(map(q, fk.ref_columns))
    tail = " DEFERRABLE INITIALLY DEFERRED" if fk.deferrable else ""
    return f"FOREIGN KEY ({cols}) REFERENCES {q(fk.table)} ({refs}){tail}"


def ddl(schema: FuzzSchema, dialect: str) -> list[str]:
    """CREATE statements; PostgreSQL FKs come as ALTER TABLE after all tables (cycles)."""
    creates, alters = [], []
    for t in schema.tables:
        parts = _columns_sql(t, dialect)
        if t.pk:
            parts.append(f"PRIMARY KEY ({', '.join(map(q, t.pk))})")
        for u in t.uniques:
            parts.append(f"UNIQUE ({', '.join(map(q, u))})")
        for k, c in enumerate(t.checks):
            parts.append(f"CONSTRAINT {q(f'ck_{_short(t.name)}_{k}')} CHECK ({c.sqlite if dialect == 'sqlite' else c.pg})")
        if dialect == "sqlite":
            parts += [_fk_sql(fk) for fk in t.fks]
        else:
            for k, fk in enumerate(t.fks):
                alters.append(f"ALTER TABLE {q(t.name)} ADD CONSTRAINT {q(f'fk_{_short(t.name)}_{k}')} {_fk_sql(fk)}")
        creates.append(f"CREATE TABLE {q(t.name)} (\n  " + ",\n  ".join(parts) + "\n)")
    return creates + alters


def _short(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower())[:30]


def sqlite_rows(schema: FuzzSchema, t: Table) -> list[tuple]:
    dirt = schema.sqlite_dirt.get(t.name, {})
    out = []
    for i, r in enumerate(schema.rows[t.name]):
        row = []
        for c in t.columns:
            v = dirt.get((i, c.name), r.get(c.name))
            if isinstance(v, bool):
                v = int(v)
            elif isinstance(v, Decimal):
                v = float(v) if c.precision and c.precision[1] else int(v)
            row.append(v)
        out.append(tuple(row))
    return out


def pg_rows(schema: FuzzSchema, t: Table) -> list[tuple]:
    return [tuple(r.get(c.name) for c in t.columns) for r in schema.rows[t.name]]


def create_sqlite(schema: FuzzSchema, path: Path) -> None:
    if path.exists():
        path.unlink()
    con = sqlite3.connect(path)
    try:
        for stmt in ddl(schema, "sqlite"):
            con.execute(stmt)
        for t in schema.tables:
            marks = ", ".join("?" for _ in t.columns)
            con.executemany(f"INSERT INTO {q(t.name)} VALUES ({marks})", sqlite_rows(schema, t))
        con.commit()
        bad = con.execute("PRAGMA foreign_key_check").fetchall()
        if bad:
            raise SourceError(f"seed {schema.seed}: SQLite source FK violations {bad[:3]}")
        ok = con.execute("PRAGMA integrity_check").fetchall()
        if ok != [("ok",)]:
            raise SourceError(f"seed {schema.seed}: SQLite source integrity {ok[:3]}")
    except sqlite3.DatabaseError as exc:
        raise SourceError(f"seed {schema.seed}: SQLite source rejected: {exc}") from exc
    finally:
        con.close()


def create_pg(schema: FuzzSchema, url: str) -> None:
    """Tables, then rows with FK triggers off (any order, cycles), then FKs re-checked."""
    import psycopg
    try:
        with psycopg.connect(url) as con:
            with con.cursor() as cur:
                for stmt in ddl(schema, "postgresql"):
                    cur.execute(stmt)
                cur.execute("SET session_replication_role = replica")
                for t in schema.tables:
                    cols = ", ".join(map(q, (c.name for c in t.columns)))
                    marks = ", ".join("%s" for _ in t.columns)
                    cur.executemany(f"INSERT INTO {q(t.name)} ({cols}) VALUES ({marks})", pg_rows(schema, t))
                cur.execute("SET session_replication_role = origin")
                for t in schema.tables:
                    for fk in t.fks:
                        n = cur.execute(orphan_sql(t.name, fk.columns, fk.table, fk.ref_columns)).fetchone()[0]
                        if n:
                            raise SourceError(f"seed {schema.seed}: PG source {t.name} has {n} orphans via {fk.columns}")
                for t in schema.tables:
                    cur.execute(f"ANALYZE {q(t.name)}")
                    for c in t.columns:  # as a dump leaves them: serials past their keys
                        if c.pg_type in ("serial", "bigserial") and t.pk == (c.name,) and schema.rows[t.name]:
                            seq = f"pg_get_serial_sequence('{q(t.name).replace(chr(39), chr(39) * 2)}', '{c.name}')"
                            cur.execute(f"SELECT setval({seq}, (SELECT max({q(c.name)}) FROM {q(t.name)}))")
    except psycopg.Error as exc:
        raise SourceError(f"seed {schema.seed}: PG source rejected: {str(exc).splitlines()[0]}") from exc


def orphan_sql(table: str, cols: tuple[str, ...], parent: str, ref_cols: tuple[str, ...]) -> str:
    """Rows whose (non-NULL) key has no parent; MATCH SIMPLE like both databases."""
    present = " AND ".join(f"c.{q(c)} IS NOT NULL" for c in cols)
    match = " AND ".join(f"p.{q(r)} = c.{q(c)}" for c, r in zip(cols, ref_cols))
    return (f"SELECT count(*) FROM {q(table)} c WHERE {present} "
            f"AND NOT EXISTS (SELECT 1 FROM {q(parent)} p WHERE {match})")


def pg_create_database(admin_url: str, name: str) -> str:
    import psycopg
    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {q(name)}")
    return admin_url.rsplit("/", 1)[0] + "/" + name


def pg_drop_database(admin_url: str, name: str) -> None:
    import psycopg
    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {q(name)} WITH (FORCE)")
