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


def _two_fk_source(path: Path) -> Path:
    """Fuzz seed 3641 (minimised): vendor is drawn under team (a composite key) and refers to batch by
    quota, with UNIQUE (batch_id, team_batch_id) over the two FKs; 20 of the 24 pairs are used, so two
    independent draws repeat a pair. A repeat used to be dropped, taking its ten plan rows with it."""
    import random

    rng = random.Random(3641)
    teams = [(b, s) for b in range(1, 5) for s in (1, 2, 3)]
    pairs = rng.sample([(b, t) for b in range(1, 7) for t in range(1, 5)], 20)
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE batch (id INTEGER PRIMARY KEY, label TEXT NOT NULL)")
        con.execute("CREATE TABLE team (batch_id INTEGER NOT NULL REFERENCES batch (id), seq INTEGER NOT NULL, "
                    "PRIMARY KEY (batch_id, seq))")
        con.execute("CREATE TABLE vendor (id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL REFERENCES batch (id), "
                    "team_batch_id INTEGER NOT NULL, team_seq INTEGER NOT NULL, UNIQUE (batch_id, team_batch_id), "
                    "FOREIGN KEY (team_batch_id, team_seq) REFERENCES team (batch_id, seq))")
        con.execute("CREATE TABLE plan (id INTEGER PRIMARY KEY, vendor_id INTEGER NOT NULL REFERENCES vendor (id), "
                    "amount REAL NOT NULL)")
        con.executemany("INSERT INTO batch VALUES (?, ?)", [(i, f"b{i}") for i in range(1, 7)])
        con.executemany("INSERT INTO team VALUES (?, ?)", teams)
        con.executemany("INSERT INTO vendor VALUES (?, ?, ?, ?)",
                        [(i + 1, b, t, rng.randint(1, 3)) for i, (b, t) in enumerate(pairs)])
        con.executemany("INSERT INTO plan (vendor_id, amount) VALUES (?, ?)",
                        [(v, rng.uniform(1, 99)) for v in range(1, 21) for _ in range(10)])
    return path


def test_unique_over_two_fks_moves_repeats_to_another_parent(tmp_path: Path) -> None:
    src, dst = _two_fk_source(tmp_path / "src.sqlite"), tmp_path / "dst.sqlite"
    for seed in ("1", "2", "3"):
        dst.unlink(missing_ok=True)
        ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", seed))
        counts = sqlite_counts(dst)
        assert counts["vendor"] == 20 and abs(counts["plan"] - 200) <= 10, (seed, counts)
        with sqlite3.connect(dst) as con:
            pairs = con.execute("SELECT batch_id, team_batch_id FROM vendor").fetchall()
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert len(set(pairs)) == 20
