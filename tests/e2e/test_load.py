"""End-to-end load: SIGKILL mid-load leaves the target unchanged, cross-dialect creation, alembic."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from dbsynth.load import load
from dbsynth.sample.types import TableChunk
from dbsynth.schema.model import CheckConstraint, Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table

ROOT = Path(__file__).resolve().parents[2]

KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    from tests.connectors.test_writers import shop_chunks, shop_schema
    from dbsynth.load import load

    def slow():
        chunks = shop_chunks()
        yield from chunks[:3]
        print("READY", flush=True)
        time.sleep(120)
        yield from chunks[3:]

    load(chunks=slow(), schema=shop_schema(sys.argv[2]), target_url=sys.argv[1], mode="replace")
""")


def _kill_mid_load(url: str, dialect: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, url, dialect], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.strip() == "READY", proc.stderr.read() if proc.stderr else ""
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_mid_load_leaves_sqlite_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE keep_me (x INTEGER)")
        con.execute("INSERT INTO keep_me VALUES (42)")
    _kill_mid_load(f"sqlite:///{path}", "sqlite")
    with sqlite3.connect(path) as con:  # opening rolls the hot journal back
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert tables == ["keep_me"]
        assert con.execute("SELECT x FROM keep_me").fetchall() == [(42,)]


@pytest.mark.postgres
def test_sigkill_mid_load_leaves_postgres_unchanged(pg_databases) -> None:  # type: ignore[no-untyped-def]
    from tests.connectors.test_writers import PG_DDL, shop_chunks, shop_schema

    url = pg_databases.create("kill", sql=PG_DDL)
    load(chunks=shop_chunks(), schema=shop_schema(), target_url=url)
    _kill_mid_load(url, "postgresql")  # replace mode: TRUNCATE + half the rows, then killed
    with psycopg.connect(url) as con:
        con.execute("SET lock_timeout = '20s'")
        assert con.execute("SELECT COUNT(*) FROM staff").fetchone()[0] == 4
        assert con.execute("SELECT COUNT(*) FROM emp").fetchone()[0] == 2
        assert con.execute("SELECT COUNT(*) FROM pg_constraint WHERE conname = 'store_manager_fk'").fetchone()[0] == 1
        assert con.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'staff_note'").fetchone()[0] == "O"


def _sqlite_source_schema() -> Schema:
    def col(name: str, lt: LogicalType, type_sql: str, **kw: object) -> Column:
        return Column(name=name, logical_type=lt, type_sql=type_sql, **kw)  # type: ignore[arg-type]

    artist = Table("Artist", (col("ArtistId", LogicalType.INTEGER, "INTEGER", nullable=False, autoincrement=True),
                              col("Name", LogicalType.TEXT, "NVARCHAR(120)", length=120)),
                   primary_key=PrimaryKey(("ArtistId",)))
    album = Table("Album", (
        col("AlbumId", LogicalType.INTEGER, "INTEGER", nullable=False, autoincrement=True),
        col("ArtistId", LogicalType.INTEGER, "INTEGER", nullable=False),
        col("Price", LogicalType.DECIMAL, "NUMERIC(10,2)", precision=10, scale=2),
        col("Live", LogicalType.BOOLEAN, "BOOLEAN"),
        col("Released", LogicalType.DATE, "DATE"),
        col("Added", LogicalType.DATETIME, "DATETIME", default="CURRENT_TIMESTAMP"),
        col("Kind", LogicalType.ENUM, "TEXT", enum_values=("lp", "ep"))),
        primary_key=PrimaryKey(("AlbumId",)),
        foreign_keys=(ForeignKey(("ArtistId",), "Artist", ("ArtistId",)),),
        checks=(CheckConstraint("Price >= 0"), CheckConstraint("typeof(Price) = 'real'")))
    return Schema(dialect="sqlite", tables=(artist, album))


@pytest.mark.postgres
def test_cross_dialect_sqlite_schema_into_postgres(pg_databases) -> None:  # type: ignore[no-untyped-def]
    url = pg_databases.create("cross")
    albums = pd.DataFrame({"AlbumId": [1, 2], "ArtistId": [1, 1], "Price": [9.99, 0.5], "Live": [True, False],
                           "Released": pd.to_datetime(["2020-01-02", "2021-03-04"]).date,
                           "Kind": ["lp", "ep"]})
    chunks = [TableChunk("Artist", pd.DataFrame({"ArtistId": [1], "Name": ["AC/DC"]})), TableChunk("Album", albums)]
    summary = load(chunks=chunks, schema=_sqlite_source_schema(), target_url=url)
    assert summary.rows == {"Artist": 1, "Album": 2}
    assert any("typeof" in w for w in summary.warnings)  # SQLite-only CHECK skipped with a warning
    with psycopg.connect(url) as con:
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'Album'").fetchall())
        assert types["Price"] == "numeric" and types["Live"] == "boolean" and types["Released"] == "date"
        assert con.execute('SELECT COUNT(*) FROM "Album" WHERE "Added" IS NOT NULL').fetchone()[0] == 2  # default
        assert con.execute("SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f'").fetchone()[0] == 1
        with pytest.raises(psycopg.errors.CheckViolation):
            con.execute("""INSERT INTO "Album" ("ArtistId", "Kind") VALUES (1, 'cd')""")


ENV_PY = textwrap.dedent('''
    from alembic import context
    import sqlalchemy as sa
    conn = context.config.attributes.get("connection")
    if conn is None:
        conn = sa.create_engine(context.config.get_main_option("sqlalchemy.url")).connect()
    context.configure(connection=conn, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
''')
MIGRATION = textwrap.dedent('''
    from alembic import op
    revision = "0001"
    down_revision = None
    def upgrade():
        op.execute("CREATE TABLE owner (id INTEGER PRIMARY KEY, name TEXT NOT NULL, extra TEXT)")
''')


def test_alembic_config_creates_the_schema(tmp_path: Path) -> None:
    (tmp_path / "mig" / "versions").mkdir(parents=True)
    (tmp_path / "mig" / "env.py").write_text(ENV_PY)
    (tmp_path / "mig" / "versions" / "0001.py").write_text(MIGRATION)
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/mig\n")
    schema = Schema(dialect="sqlite", tables=(Table("owner", (
        Column("id", LogicalType.INTEGER, "INTEGER", nullable=False), Column("name", LogicalType.TEXT, "TEXT")),
        primary_key=PrimaryKey(("id",))),))
    url = f"sqlite:///{tmp_path / 'app.db'}"
    frame = pd.DataFrame({"id": [1, 2], "name": ["a", "b"]})
    summary = load(chunks=[TableChunk("owner", frame)], schema=schema, target_url=url, alembic_config=ini)
    assert summary.schema_action == "alembic" and summary.rows == {"owner": 2}
    assert any("nullable" in d for d in summary.drift) and any("extra" in d for d in summary.drift)
    with sqlite3.connect(tmp_path / "app.db") as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
        assert con.execute("SELECT COUNT(*) FROM owner").fetchone()[0] == 2
