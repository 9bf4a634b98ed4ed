"""Dirty sources and config overrides: warnings and sensible choices, never a crash."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.test_seed import dbsynth, fk_violations, ok, sqlite_counts
from tests.fixtures.schemas import sqlite_fixture


def _dirty_db(path: Path) -> Path:
    wide_cols = ", ".join(f"c{i} REAL" for i in range(120))
    con = sqlite3.connect(path)
    con.executescript(f"""
        PRAGMA foreign_keys = OFF;
        CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);
        CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id),
                            amount NUMERIC(8,2), unused TEXT);
        CREATE TABLE loose (label TEXT, qty INTEGER);            -- no primary key
        CREATE TABLE empty_one (id INTEGER PRIMARY KEY, note TEXT);
        CREATE TABLE ref (code TEXT, descr TEXT);                -- FK target is not unique
        CREATE TABLE uses_ref (id INTEGER PRIMARY KEY, code TEXT REFERENCES ref(code));
        CREATE TABLE wide (id INTEGER PRIMARY KEY, {wide_cols});
    """)
    con.executemany("INSERT INTO parent VALUES (?, ?, ?)", [(i, f"p{i % 7}", i * 1.5) for i in range(1, 51)])
    # 30 orphans: parent ids 900+ do not exist
    con.executemany("INSERT INTO child VALUES (?, ?, ?, NULL)",
                    [(i, (i % 50) + 1 if i % 10 else 900 + i, i * 0.25) for i in range(1, 301)])
    con.executemany("INSERT INTO loose VALUES (?, ?)", [(f"l{i % 4}", i) for i in range(40)])
    con.executemany("INSERT INTO ref VALUES (?, ?)", [(f"R{i % 5}", f"d{i}") for i in range(20)])
    con.executemany("INSERT INTO uses_ref VALUES (?, ?)", [(i, f"R{i % 5}") for i in range(1, 61)])
    con.executemany(f"INSERT INTO wide VALUES ({', '.join('?' * 121)})",
                    [(i, *[float(i * j % 97) for j in range(120)]) for i in range(1, 81)])
    con.commit()
    con.close()
    return path


def test_dirty_source_seeds_with_warnings(tmp_path: Path) -> None:
    src = _dirty_db(tmp_path / "dirty.sqlite")
    dst = tmp_path / "out.sqlite"
    # no --allow-drops: every table, uses_ref (an FK to the non-unique ref.code) included, keeps its rows
    out = ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "1"))
    counts = sqlite_counts(dst)
    assert counts["uses_ref"] == 60 and counts["parent"] == 50
    assert fk_violations(dst) == []
    assert counts["empty_one"] == 0
    assert counts["child"] > 0 and counts["loose"] > 0 and counts["wide"] == 80
    assert "warning" in out.stdout.lower()
    with sqlite3.connect(dst) as con:
        assert con.execute("SELECT COUNT(*) FROM child WHERE unused IS NOT NULL").fetchone()[0] == 0
        orphans = con.execute("SELECT COUNT(*) FROM child WHERE parent_id NOT IN (SELECT id FROM parent)").fetchone()[0]
    assert orphans == 0


def test_config_overrides(tmp_path: Path) -> None:
    src = sqlite_fixture("chain", tmp_path)
    with sqlite3.connect(src) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        root = next(t for t in tables if not con.execute(f'PRAGMA foreign_key_list("{t}")').fetchall())
    cfg = tmp_path / "dbsynth.toml"
    cfg.write_text(f'seed = 9\n[tables.{root}]\nrows = 7\n')
    dst = tmp_path / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--config", str(cfg)))
    assert sqlite_counts(dst)[root] == 7
    assert fk_violations(dst) == []


def test_copy_and_skip_tables(tmp_path: Path) -> None:
    src = _dirty_db(tmp_path / "dirty.sqlite")
    cfg = tmp_path / "dbsynth.toml"
    cfg.write_text("[tables.ref]\ncopy = true\n[tables.wide]\nskip = true\n")
    dst = tmp_path / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--config", str(cfg)))
    counts = sqlite_counts(dst)
    assert counts["wide"] == 0
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        assert sorted(a.execute("SELECT * FROM ref").fetchall()) == sorted(b.execute("SELECT * FROM ref").fetchall())


def test_inspect_profile(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[2] / "examples" / "chinook" / "chinook.sqlite"
    out = ok(dbsynth("inspect", f"sqlite:///{src}", "--profile"))
    assert "pii:email" in out.stdout and "categorical" in out.stdout and "datetime" in out.stdout
