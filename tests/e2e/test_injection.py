"""Nothing read from a source runs in the target: crafted DEFAULT / CHECK text on a SQLite source.

(The PostgreSQL source case is ../shared/repros/pg/10_default_injection.sql, in test_repros_pg.)
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.postgresql import psycopg_url
from tests.conftest import PgDatabases
from tests.e2e.test_seed import dbsynth, ok, sqlite_counts

CRAFTED = """
CREATE TABLE t (id INTEGER PRIMARY KEY,
  name TEXT NOT NULL DEFAULT 'x''); CREATE TABLE pwned (a INT); --',
  note TEXT DEFAULT (evil('a''); CREATE TABLE pwned2 (a INT); --')),
  qty INTEGER CHECK (qty >= 0 AND name <> '); CREATE TABLE pwned3 (a INT); --'));
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200)
INSERT INTO t (id, name, note, qty) SELECT i, 'n' || (i % 9), 'z', i % 13 FROM s;
"""


def crafted_source(tmp_path: Path) -> Path:
    path = tmp_path / "crafted.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(CRAFTED)
    return path


def test_crafted_sqlite_source_into_sqlite(tmp_path: Path) -> None:
    src, dst = crafted_source(tmp_path), tmp_path / "out.sqlite"
    out = ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}"))
    assert sqlite_counts(dst) == {"t": 200}
    assert "evil()" in out.stdout + out.stderr  # the refused default is named
    with sqlite3.connect(dst) as con:
        sql = con.execute("SELECT sql FROM sqlite_master WHERE name = 't'").fetchone()[0]
        # the harmless default and the CHECK survive, as quoted literals
        assert "'x''); CREATE TABLE pwned (a INT); --'" in sql and "CHECK" in sql
        with pytest.raises(sqlite3.IntegrityError):
            con.execute("INSERT INTO t (id, name, qty) VALUES (999, 'a', -1)")


@pytest.mark.postgres
def test_crafted_sqlite_source_into_postgresql(tmp_path: Path, pg_databases: PgDatabases) -> None:
    src, dst = crafted_source(tmp_path), pg_databases.create("dst")
    ok(dbsynth("seed", f"sqlite:///{src}", dst))
    engine = sa.create_engine(psycopg_url(dst))
    try:
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            assert names == {"t"}
            assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar_one() == 200
            assert conn.execute(sa.text("SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conrelid = 't'::regclass")).scalar_one() == 1
    finally:
        engine.dispose()
