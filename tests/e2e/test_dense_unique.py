"""A composite UNIQUE over a fully packed grid (each room booked once a day) keeps every row."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.test_seed import dbsynth, ok, sqlite_counts

ROOMS, DAYS = 10, 30


def _source(path: Path) -> Path:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE slot (id INTEGER PRIMARY KEY, room INTEGER NOT NULL, day INTEGER NOT NULL, "
                    "note TEXT, UNIQUE (room, day))")
        con.executemany("INSERT INTO slot (room, day, note) VALUES (?, ?, ?)",
                        [(g % ROOMS, g // ROOMS, f"n{g % 7}") for g in range(ROOMS * DAYS)])
    return path


def test_dense_unique_grid_keeps_the_planned_rows(tmp_path: Path) -> None:
    src, dst = _source(tmp_path / "src.sqlite"), tmp_path / "dst.sqlite"
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "5"))
    assert sqlite_counts(dst)["slot"] == ROOMS * DAYS
    with sqlite3.connect(dst) as con:
        rows = con.execute("SELECT room, day FROM slot").fetchall()
    assert len(set(rows)) == ROOMS * DAYS
    assert {r for r, _ in rows} == set(range(ROOMS)) and {d for _, d in rows} == set(range(DAYS))


def test_grid_too_small_fails_naming_the_columns(tmp_path: Path) -> None:
    """Twice the rows do not fit the 300 observed (room, day) pairs: said in one line, nothing written."""
    src, dst = _source(tmp_path / "src.sqlite"), tmp_path / "dst.sqlite"
    out = dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "5", "--scale", "2")
    assert out.returncode != 0
    lines = [ln for ln in (out.stdout + out.stderr).splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "slot" in lines[0] and "(room, day)" in lines[0], out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert not dst.exists() or sqlite_counts(dst).get("slot", 0) == 0


def test_grid_too_small_with_allow_drops_loads_what_fits_loudly(tmp_path: Path) -> None:
    src, dst = _source(tmp_path / "src.sqlite"), tmp_path / "dst.sqlite"
    out = ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "5", "--scale", "2",
                     "--allow-drops"))
    assert sqlite_counts(dst)["slot"] == ROOMS * DAYS  # every pair once: all the grid holds
    text = " ".join(out.stdout.split())  # the console wraps long lines
    assert "rows lost" in text and "(room, day)" in text
