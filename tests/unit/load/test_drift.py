"""Drift against a target dbsynth built itself is empty; a real difference is still named."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbsynth.commands import reflect
from dbsynth.load import load
from dbsynth.load.drift import drift_lines
from dbsynth.schema.model import Schema
from tests.conftest import ROOT

CHINOOK = ROOT / "examples" / "chinook"


def _drift(url: str, schema: Schema) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return drift_lines(conn, schema=schema, target_dialect=conn.dialect.name)
    finally:
        engine.dispose()


def _create(schema: Schema, url: str) -> None:
    """The target's tables as dbsynth creates them (an empty load)."""
    load(chunks=[], schema=schema, target_url=url)


def test_sqlite_target_created_by_dbsynth_has_no_drift(tmp_path: Path) -> None:
    schema = reflect(f"sqlite:///{CHINOOK / 'chinook.sqlite'}")
    assert any(t.indexes for t in schema.data_tables)  # the IFK_* indexes once showed as "only in target"
    url = f"sqlite:///{tmp_path / 'target.sqlite'}"
    _create(schema, url)
    assert _drift(url, schema) == []


def test_sqlite_real_index_drift_is_reported(tmp_path: Path) -> None:
    schema = reflect(f"sqlite:///{CHINOOK / 'chinook.sqlite'}")
    url = f"sqlite:///{tmp_path / 'target.sqlite'}"
    _create(schema, url)
    with sqlite3.connect(tmp_path / "target.sqlite") as con:
        con.execute('DROP INDEX "IFK_TrackAlbumId"')
        con.execute('CREATE INDEX "extra_track_name" ON "Track" ("Name")')
    lines = _drift(url, schema)
    assert any("IFK_TrackAlbumId" in ln and "missing in target" in ln for ln in lines), lines
    assert any("extra_track_name" in ln and "only in target" in ln for ln in lines), lines
    assert len(lines) == 2, lines


@pytest.mark.postgres
def test_postgres_target_created_by_dbsynth_has_no_drift(pg_databases) -> None:
    source = pg_databases.create("chinook", sql_file=CHINOOK / "postgres.sql")
    source_schema = reflect(source)
    target = pg_databases.create("drift")
    _create(source_schema, target)
    assert _drift(target, source_schema) == []
    # the same check with a partial and an expression index (alembic cannot compare them) and FK options
    src2 = pg_databases.create("idx", sql="CREATE TABLE t (id int PRIMARY KEY, a text, b int);"
                                          "CREATE INDEX t_lower ON t (lower(a)); CREATE INDEX t_part ON t (b) WHERE b > 0;"
                                          "CREATE UNIQUE INDEX t_ab ON t (a, b);"
                                          # FK options: alembic compares them, so the metadata must carry them
                                          "CREATE TABLE c (id int PRIMARY KEY, t_id int REFERENCES t(id) "
                                          "ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED);")
    schema2 = reflect(src2)
    target2 = pg_databases.create("drift2")
    _create(schema2, target2)
    engine = sa.create_engine(target2)
    with engine.connect() as conn:  # the expression index is created too (it once had no table to bind to)
        assert {i["name"] for i in sa.inspect(conn).get_indexes("t")} == {"t_lower", "t_part", "t_ab"}
    engine.dispose()
    assert _drift(target2, schema2) == []
