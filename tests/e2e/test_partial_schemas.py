"""Partial dumps: an FK to a table missing from the database (../shared/repros/sqlite/09_fk_to_missing_table.sql)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import REPROS as BUNDLED_REPROS
from tests.e2e.test_seed import dbsynth, fk_violations, ok, sqlite_counts

REPRO = BUNDLED_REPROS / "sqlite" / "09_fk_to_missing_table.sql"  # bundled copy of ../shared/repros


def test_fk_to_missing_table_seeds_as_plain_column(tmp_path: Path) -> None:
    if not REPRO.exists():
        pytest.skip(f"repro {REPRO} not available")
    src, dst = tmp_path / "src.sqlite", tmp_path / "dst.sqlite"
    with sqlite3.connect(src) as con:
        con.executescript(REPRO.read_text())
    out = ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}"))
    assert "table 'shippers' does not exist" in " ".join((out.stdout + out.stderr).split())
    assert sqlite_counts(dst) == sqlite_counts(src) == {"orders": 200, "order_lines": 600}
    with sqlite3.connect(dst) as con:
        values = {r[0] for r in con.execute("SELECT DISTINCT ship_via FROM orders")}
    assert values and values <= {1, 2, 3}  # seeded like the source's plain column
    # the dangling FK is not re-created: with foreign_keys=ON every insert would fail on the missing table
    assert [r[2] for r in sqlite3.connect(dst).execute("PRAGMA foreign_key_list(orders)")] == []
    assert fk_violations(dst) == []
